"""Verify a staging area against its summary, failing closed.

The chain: ``signatures.sha1`` -> each directory's signature file -> its
description -> the lists the description names -> every listed file. Every
file is read once, streaming. A missing, unsigned (other than ``nocache``) or
mismatching file is a problem; so is a malformed line or an unsafe name.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .names import SAFE_NAME

__all__ = ["VerifyProblem", "VerifyReport", "verify_stage"]

_DIGEST = re.compile(r"^[0-9a-f]{40}$")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    """One failure: which file, what is wrong, expected and actual SHA-1 when known."""

    file: str
    message: str
    expected: str | None = None
    actual: str | None = None

    def __str__(self) -> str:
        """Render as ``file: message (expected X, actual Y)``."""
        hashes = ""
        if self.expected or self.actual:
            hashes = f" (expected {self.expected or '-'}, actual {self.actual or '-'})"
        return f"{self.file}: {self.message}{hashes}"

    def to_json(self) -> dict[str, str | None]:
        """Return a JSON-ready mapping."""
        return {
            "file": self.file,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass
class VerifyReport:
    """Everything verification found."""

    problems: list[VerifyProblem] = field(default_factory=list)
    files_checked: int = 0
    bytes_checked: int = 0
    directories: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when nothing is wrong."""
        return not self.problems


class _Checker:
    def __init__(self, stage: Path, report: VerifyReport) -> None:
        self.stage = stage
        self.report = report
        self._digests: dict[str, str | None] = {}
        self._by_inode: dict[tuple[int, int], str] = {}

    def digest(self, path: str) -> str | None:
        """Return the SHA-1 of ``path`` (None when unreadable), reading each inode once."""
        if path in self._digests:
            return self._digests[path]
        digest = None
        try:
            handle = os.open(path, os.O_RDONLY)
        except OSError:
            self._digests[path] = None
            return None
        try:
            status = os.fstat(handle)
            inode = (status.st_dev, status.st_ino)
            digest = self._by_inode.get(inode)
            if digest is None:
                sha1 = hashlib.sha1()  # noqa: S324 - the GlideinWMS signature format
                while chunk := os.read(handle, _CHUNK):
                    sha1.update(chunk)
                digest = sha1.hexdigest()
                self._by_inode[inode] = digest
                self.report.files_checked += 1
                self.report.bytes_checked += status.st_size
        except OSError:
            digest = None
        finally:
            os.close(handle)
        self._digests[path] = digest
        return digest

    def problem(
        self, path: Path | str, message: str, expected: str | None = None, actual: str | None = None
    ) -> None:
        self.report.problems.append(VerifyProblem(str(path), message, expected, actual))

    def read_lines(self, path: str | Path) -> list[str] | None:
        try:
            with open(path, "rb") as stream:  # noqa: PTH123 - str paths on the hot path
                text = stream.read().decode("latin-1")
        except OSError as error:
            self.problem(path, f"cannot read: {error.strerror}")
            return None
        return [line for line in text.splitlines() if line and not line.startswith("#")]

    def check_name(self, where: str | Path, name: str) -> bool:
        if SAFE_NAME.match(name):
            return True
        self.problem(where, f'unsafe file name "{name}": names may not contain "/", ".." or blanks')
        return False

    def check_signed(self, directory: str, name: str, signatures: dict[str, str]) -> None:
        path = f"{directory}/{name}"
        expected = signatures.get(name)
        actual = self.digest(path)
        if actual is None:
            self.problem(path, "listed file is missing", expected)
        elif expected is None:
            self.problem(path, "file has no signature line", None, actual)
        elif expected != actual:
            self.problem(path, "SHA-1 does not match the signature", expected, actual)


def _parse_signature(checker: _Checker, path: str) -> dict[str, str]:
    signatures: dict[str, str] = {}
    for line in checker.read_lines(path) or []:
        parts = line.split("  ")
        if len(parts) != 2 or not _DIGEST.match(parts[0]) or not checker.check_name(path, parts[1]):
            checker.problem(path, f"malformed signature line: {line!r}")
            continue
        signatures[parts[1]] = parts[0]
    return signatures


def _description(checker: _Checker, directory: str, description: str) -> dict[str, str] | None:
    if not checker.check_name(directory, description):
        return None
    lines = checker.read_lines(f"{directory}/{description}")
    if lines is None:
        return None
    entries: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(" \t")
        entries[key] = value
    return entries


def _verify_list(
    checker: _Checker, directory: str, list_name: str, signatures: dict[str, str]
) -> None:
    list_path = f"{directory}/{list_name}"
    checker.check_signed(directory, list_name, signatures)
    for row in checker.read_lines(list_path) or []:
        fields = row.split(" \t")
        if len(fields) != 7:
            checker.problem(list_path, f"malformed list line: {row!r}")
            continue
        staged = fields[1]
        if not checker.check_name(list_path, staged):
            continue
        if fields[2] != "nocache":
            checker.check_signed(directory, staged, signatures)
        elif not os.path.isfile(f"{directory}/{staged}"):  # noqa: PTH113
            checker.problem(f"{directory}/{staged}", "listed file is missing")


def _verify_directory(checker: _Checker, directory: str, digest: str, description: str) -> None:
    entries = _description(checker, directory, description)
    if entries is None:
        return
    description_path = f"{directory}/{description}"
    signature_name = entries.get("signature")
    if signature_name is None or not checker.check_name(description_path, signature_name):
        checker.problem(description_path, "description names no signature file")
        return
    signature_path = f"{directory}/{signature_name}"
    actual = checker.digest(signature_path)
    if actual is None:
        checker.problem(
            signature_path, f"signature file named by {description_path} is missing", digest
        )
        return
    if actual != digest:
        checker.problem(
            signature_path,
            f"SHA-1 does not match signatures.sha1 (named by {description_path})",
            digest,
            actual,
        )
        return
    signatures = _parse_signature(checker, signature_path)
    checker.check_signed(directory, description, signatures)
    for key, list_name in entries.items():
        if key.endswith("file_list") and checker.check_name(description_path, list_name):
            _verify_list(checker, directory, list_name, signatures)


def verify_stage(stage: Path, summary: Path) -> VerifyReport:
    """Verify every directory ``summary`` names under ``stage``."""
    report = VerifyReport()
    checker = _Checker(stage, report)
    lines = checker.read_lines(summary)
    if lines is None:
        return report
    if not lines:
        checker.problem(summary, "signature summary names no directory")
    for line in lines:
        parts = line.split("  ")
        if len(parts) != 3 or not _DIGEST.match(parts[0]):
            checker.problem(summary, f"malformed summary line: {line!r}")
            continue
        digest, description, key = parts
        if key == "main":
            directory = str(stage)
        elif key.startswith("entry_") and checker.check_name(summary, key):
            directory = f"{stage}/{key}"
        else:
            checker.problem(summary, f"unknown directory key {key!r}")
            continue
        report.directories.append(key)
        _verify_directory(checker, directory, digest, description)
    return report

"""Verify a staging area against its summary, failing closed.

The chain: ``signatures.sha1`` -> each directory's signature file -> its
description -> the lists the description names -> every listed file. Every
file is read once, streaming. A missing, unsigned (other than ``nocache``) or
mismatching file is a problem; so is a malformed line or an unsafe name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["VerifyProblem", "VerifyReport", "verify_stage"]

_DIGEST = re.compile(r"^[0-9a-f]{40}$")
_SAFE_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
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
        self._digests: dict[Path, str | None] = {}

    def digest(self, path: Path) -> str | None:
        if path not in self._digests:
            try:
                with path.open("rb") as stream:
                    digest = hashlib.file_digest(stream, "sha1").hexdigest()
                self.report.files_checked += 1
                self.report.bytes_checked += path.stat().st_size
            except OSError:
                digest = None
            self._digests[path] = digest
        return self._digests[path]

    def problem(
        self, path: Path | str, message: str, expected: str | None = None, actual: str | None = None
    ) -> None:
        self.report.problems.append(VerifyProblem(str(path), message, expected, actual))

    def read_lines(self, path: Path) -> list[str] | None:
        try:
            text = path.read_bytes().decode("latin-1")
        except OSError as error:
            self.problem(path, f"cannot read: {error.strerror}")
            return None
        return [line for line in text.splitlines() if line and not line.startswith("#")]

    def check_name(self, where: Path, name: str) -> bool:
        if _SAFE_NAME.match(name):
            return True
        self.problem(where, f'unsafe file name "{name}": names may not contain "/", ".." or blanks')
        return False

    def check_signed(self, directory: Path, name: str, signatures: dict[str, str]) -> None:
        path = directory / name
        expected = signatures.get(name)
        actual = self.digest(path)
        if actual is None:
            self.problem(path, "listed file is missing", expected)
        elif expected is None:
            self.problem(path, "file has no signature line", None, actual)
        elif expected != actual:
            self.problem(path, "SHA-1 does not match the signature", expected, actual)


def _parse_signature(checker: _Checker, path: Path) -> dict[str, str]:
    signatures: dict[str, str] = {}
    for line in checker.read_lines(path) or []:
        parts = line.split("  ")
        if len(parts) != 2 or not _DIGEST.match(parts[0]) or not checker.check_name(path, parts[1]):
            checker.problem(path, f"malformed signature line: {line!r}")
            continue
        signatures[parts[1]] = parts[0]
    return signatures


def _description(checker: _Checker, directory: Path, description: str) -> dict[str, str] | None:
    if not checker.check_name(directory, description):
        return None
    lines = checker.read_lines(directory / description)
    if lines is None:
        return None
    entries: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(" \t")
        entries[key] = value
    return entries


def _verify_list(
    checker: _Checker, directory: Path, list_name: str, signatures: dict[str, str]
) -> None:
    checker.check_signed(directory, list_name, signatures)
    for row in checker.read_lines(directory / list_name) or []:
        fields = row.split(" \t")
        if len(fields) != 7:
            checker.problem(directory / list_name, f"malformed list line: {row!r}")
            continue
        staged = fields[1]
        if not checker.check_name(directory / list_name, staged):
            continue
        if fields[2] != "nocache":
            checker.check_signed(directory, staged, signatures)
        elif not (directory / staged).is_file():
            checker.problem(directory / staged, "listed file is missing")


def _verify_directory(checker: _Checker, directory: Path, digest: str, description: str) -> None:
    entries = _description(checker, directory, description)
    if entries is None:
        return
    signature_name = entries.get("signature")
    if signature_name is None or not checker.check_name(directory / description, signature_name):
        checker.problem(directory / description, "description names no signature file")
        return
    signature_path = directory / signature_name
    actual = checker.digest(signature_path)
    if actual is None:
        checker.problem(
            signature_path, f"signature file named by {directory / description} is missing", digest
        )
        return
    if actual != digest:
        checker.problem(
            signature_path,
            f"SHA-1 does not match signatures.sha1 (named by {directory / description})",
            digest,
            actual,
        )
        return
    signatures = _parse_signature(checker, signature_path)
    checker.check_signed(directory, description, signatures)
    for key, list_name in entries.items():
        if key.endswith("file_list") and checker.check_name(directory / description, list_name):
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
            directory = stage
        elif key.startswith("entry_") and checker.check_name(summary, key):
            directory = stage / key
        else:
            checker.problem(summary, f"unknown directory key {key!r}")
            continue
        report.directories.append(key)
        _verify_directory(checker, directory, digest, description)
    return report

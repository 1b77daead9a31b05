"""Verify a staging area against its summary, failing closed.

The chain: ``signatures.sha1`` -> each directory's signature file -> its
description -> the lists the description names -> every listed file. Every
file is read once, streaming (hard links to it are not read again). A
missing, unsigned (other than ``nocache``) or mismatching file is a problem;
so is a malformed line or an unsafe name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from glideinforge.frozen import frozen

from .containment import leads_out
from .names import SAFE_NAME

__all__ = ["VerifyProblem", "VerifyReport", "verify_stage"]

# Digests may be written in either case (sha1sum reads both); they are compared lowercased.
_DIGEST = re.compile(r"^[0-9a-fA-F]{40}$")
_SIGNATURE_LINE = re.compile(
    r"^([0-9a-fA-F]{40})  (" + SAFE_NAME.pattern.strip("^$") + ")$", re.MULTILINE
)
_CHUNK = 1 << 20
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW
_FILE_TYPE = 0o170000


def _digest_rest(handle: int, first: bytes, *, keep: bool) -> tuple[str, bytes]:
    """Stream an open file on from ``first``; return its digest and, with ``keep``, its bytes.

    Files under one chunk are read whole by the caller in one call: a short
    read of a regular file is its end, so asking for one byte more than its
    size tells whether it grew since it was stat'ed. Larger ones stream here.
    """
    sha1 = hashlib.sha1(first)  # noqa: S324 - the GlideinWMS signature format
    kept = [first]
    while chunk := os.read(handle, _CHUNK):
        sha1.update(chunk)
        if keep:
            kept.append(chunk)
    return sha1.hexdigest(), b"".join(kept) if keep else b""


@frozen
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
        self._errors: dict[str, str] = {}
        self._safe_names: set[str] = set()
        self._hashed_names: set[str] = set()
        self._sizes: dict[tuple[int, int], int] = {}

    def digest(self, path: str) -> str | None:
        """Return the SHA-1 of ``path`` (None when unreadable), reading each inode once.

        A name already hashed in another directory is usually a hard link to
        it: one ``stat`` tells, and saves opening the file again.
        """
        if path in self._digests:
            return self._digests[path]
        if path[path.rfind("/") + 1 :] in self._hashed_names:
            try:
                status = os.lstat(path)
            except OSError:
                pass  # _read below reports it
            else:
                digest = self._by_inode.get((status.st_dev, status.st_ino))
                if digest is not None and stat.S_ISREG(status.st_mode):
                    self._digests[path] = digest
                    return digest
        self._read(path, keep=False)
        return self._digests[path]

    def _read(self, path: str, *, keep: bool) -> bytes | None:
        """Hash ``path`` streaming (returning its bytes when ``keep``); None when unreadable.

        A hard link to an inode already hashed is not read again. Anything but
        a regular file (a FIFO, a device, a directory) is unreadable, never
        waited on.
        """
        try:
            return self._hash(path, keep=keep)
        except OSError as error:
            self._digests[path] = None
            self._errors[path] = error.strerror or str(error)
            return None

    def _open(self, path: str) -> int:
        """Open ``path`` for reading; a link is followed only when it stays in the stage.

        Raises:
            OSError: unreadable, or a link leading out of the stage.
        """
        try:
            return os.open(path, _READ_FLAGS)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
        target = leads_out(path, self.stage)
        if target is not None:
            raise OSError(errno.ELOOP, f"a symbolic link leading out of the stage (to {target})")
        return os.open(path, _READ_FLAGS & ~os.O_NOFOLLOW)

    def _hash(self, path: str, *, keep: bool) -> bytes:
        handle = self._open(path)
        try:
            status = os.fstat(handle)
            if status.st_mode & _FILE_TYPE != stat.S_IFREG:
                raise OSError(errno.EINVAL, "not a regular file")
            inode = (status.st_dev, status.st_ino)
            digest = self._by_inode.get(inode)
            if digest is not None and not keep:
                self._digests[path] = digest
                return b""
            size = status.st_size
            data = os.read(handle, size + 1) if size < _CHUNK else b""
            if len(data) <= size < _CHUNK:  # the whole file in one read
                actual = hashlib.sha1(data).hexdigest()  # noqa: S324 - GlideinWMS format
            else:
                actual, data = _digest_rest(handle, data, keep=keep)
        finally:
            os.close(handle)
        if digest is None:
            digest = actual
            self._by_inode[inode] = digest
            self._hashed_names.add(path[path.rfind("/") + 1 :])
            self.count_inode(inode, size)
        self._digests[path] = digest
        return data

    def count_inode(self, inode: tuple[int, int], size: int) -> None:
        """Count a file hashed: each inode once."""
        if inode not in self._sizes:
            self._sizes[inode] = size
            self.report.files_checked += 1
            self.report.bytes_checked += size

    def problem(
        self, path: Path | str, message: str, expected: str | None = None, actual: str | None = None
    ) -> None:
        self.report.problems.append(VerifyProblem(str(path), message, expected, actual))

    def read_lines(self, path: str | Path, *, report: bool = True) -> list[str] | None:
        """Return the non-comment lines of ``path``, hashing it in the same read.

        An unreadable file is a problem unless ``report`` is False (the caller
        reports it in its own words).
        """
        data = self._read(str(path), keep=True)
        if data is None:
            if report:
                self.problem(path, f"cannot read: {self._errors[str(path)]}")
            return None
        return [line for line in data.decode("latin-1").splitlines() if line and line[0] != "#"]

    def unreadable(self, path: str, what: str) -> str:
        """Say why ``path`` (a ``what``) could not be hashed."""
        error = self._errors.get(path, "")
        if error == os.strerror(errno.ENOENT):
            return f"{what} is missing"
        return f"{what} is unreadable: {error}"

    def check_name(self, where: str | Path, name: str) -> bool:
        if name in self._safe_names:
            return True
        if SAFE_NAME.match(name):
            self._safe_names.add(name)
            return True
        self.problem(where, f'unsafe file name "{name}": names may not contain "/", ".." or blanks')
        return False

    def check_signed(self, directory: str, name: str, signatures: dict[str, str]) -> None:
        path = f"{directory}/{name}"
        expected = signatures.get(name)
        actual = self.digest(path)
        if actual is None:
            self.problem(path, self.unreadable(path, "listed file"), expected)
        elif expected is None:
            self.problem(path, "file has no signature line", None, actual)
        elif expected != actual:
            self.problem(path, "SHA-1 does not match the signature", expected, actual)


def _parse_signature(checker: _Checker, path: str, lines: list[str]) -> dict[str, str]:
    """Map each signed name to its SHA-1; every name in the result is a safe name."""
    matches = _SIGNATURE_LINE.findall("\n".join(lines))
    if len(matches) == len(lines):  # every line well formed: one pass in C
        return {name: digest.lower() for digest, name in matches}
    signatures: dict[str, str] = {}
    for line in lines:
        parts = line.split("  ")
        if len(parts) != 2 or not _DIGEST.match(parts[0]) or not checker.check_name(path, parts[1]):
            checker.problem(path, f"malformed signature line: {line!r}")
            continue
        signatures[parts[1]] = parts[0].lower()
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
    rows = checker.read_lines(list_path, report=False)
    checker.check_signed(directory, list_name, signatures)
    for row in rows or []:
        fields = row.split(" \t")
        if len(fields) != 7:
            checker.problem(list_path, f"malformed list line: {row!r}")
            continue
        staged = fields[1]
        expected = signatures.get(staged)  # a signed name is a safe name
        if expected is not None and fields[2] != "nocache":
            path = f"{directory}/{staged}"
            if checker.digest(path) == expected:
                continue
        if not checker.check_name(list_path, staged):
            continue
        path = f"{directory}/{staged}"
        if fields[2] != "nocache":
            checker.check_signed(directory, staged, signatures)
        elif not os.path.isfile(path):  # noqa: PTH113
            checker.problem(path, "listed file is missing")
        elif (target := leads_out(path, checker.stage)) is not None:
            checker.problem(path, f"a symbolic link leading out of the stage (to {target})")


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
    signature_lines = checker.read_lines(signature_path, report=False)
    actual = checker.digest(signature_path)
    if signature_lines is None or actual is None:
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
    signatures = _parse_signature(checker, signature_path, signature_lines)
    checker.check_signed(directory, description, signatures)
    for key, list_name in entries.items():
        if key.endswith("file_list") and checker.check_name(description_path, list_name):
            _verify_list(checker, directory, list_name, signatures)


_Directory = tuple[str, str, str, str]
"""A summary line checked: key, directory path, signature SHA-1, description name."""


def _verify_directories(checker: _Checker, directories: list[_Directory]) -> None:
    for key, directory, digest, description in directories:
        checker.report.directories.append(key)
        _verify_directory(checker, directory, digest, description)


def _summary_directories(checker: _Checker, stage: Path, summary: Path) -> list[_Directory]:
    """Return the directories ``summary`` names, reporting malformed lines and keys."""
    lines = checker.read_lines(summary)
    if lines is None:
        return []
    if not lines:
        checker.problem(summary, "signature summary names no directory")
    directories: list[_Directory] = []
    for line in lines:
        parts = line.split("  ")
        if len(parts) != 3 or not _DIGEST.match(parts[0]):
            checker.problem(summary, f"malformed summary line: {line!r}")
            continue
        digest, description, key = parts[0].lower(), parts[1], parts[2]
        if key == "main":
            directory = str(stage)
        elif key.startswith(("entry_", "group_")) and checker.check_name(summary, key):
            directory = f"{stage}/{key}"
            target = leads_out(directory, stage)
            if target is not None:
                message = f"directory is a symbolic link leading out of the stage (to {target})"
                checker.problem(directory, message)
                continue
        else:
            checker.problem(summary, f"unknown directory key {key!r}")
            continue
        directories.append((key, directory, digest, description))
    return directories


def verify_stage(stage: Path, summary: Path) -> VerifyReport:
    """Verify every directory ``summary`` names under ``stage``.

    Problems with the summary itself come first, then each directory's in
    summary order.
    """
    report = VerifyReport()
    checker = _Checker(stage, report)
    _verify_directories(checker, _summary_directories(checker, stage, summary))
    return report

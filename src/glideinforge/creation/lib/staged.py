"""Staged files: content-derived names, file-list rows, planned files, hashing.

A staged file's version suffix is a prefix of the SHA-256 of its content, so
identical content always gets the same name and changed content a new one.
Rendered files carry a ``# File: <name>`` header; their suffix is computed from
the body so the header can name the file it is in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .inputs import open_input

__all__ = [
    "SUFFIX_LENGTH",
    "FileDigests",
    "FileListRow",
    "FileStamp",
    "PlannedFile",
    "content_suffix",
    "digest_file",
    "planned_bytes",
    "remember_digests",
    "stamped_digests",
    "versioned_name",
]

SUFFIX_LENGTH = 10
"""Hex digits of SHA-256 in a version suffix (40 bits: collisions are also checked on write)."""

_CHUNK = 1 << 20


def content_suffix(data: bytes) -> str:
    """Return the version suffix for ``data``."""
    return hashlib.sha256(data).hexdigest()[:SUFFIX_LENGTH]


def versioned_name(key: str, suffix: str) -> str:
    """Insert ``suffix`` before the last dot-separated part (or append it).

    ``file_list.lst`` -> ``file_list.<s>.lst``; ``htchirp.tar.gz`` ->
    ``htchirp.tar.<s>.gz``; ``grid-mapfile`` -> ``grid-mapfile.<s>``.
    """
    head, dot, tail = key.rpartition(".")
    if not dot:
        return f"{key}.{suffix}"
    return f"{head}.{suffix}.{tail}"


@dataclass(frozen=True, slots=True)
class FileDigests:
    """Digests of one file: SHA-1 for signatures, SHA-256 prefix for its name."""

    sha1: str
    suffix: str
    size: int


FileStamp = tuple[int, int, int]
"""A file's size, modification time (ns) and inode."""

_digests: dict[tuple[str, FileStamp], FileDigests] = {}


def _stream_digests(path: Path, size: int) -> FileDigests:
    sha1 = hashlib.sha1()  # noqa: S324 - SHA-1 is the GlideinWMS signature format
    sha256 = hashlib.sha256()
    with open_input(path) as stream:
        while chunk := stream.read(_CHUNK):
            sha1.update(chunk)
            sha256.update(chunk)
    return FileDigests(sha1.hexdigest(), sha256.hexdigest()[:SUFFIX_LENGTH], size)


def stamped_digests(path: Path) -> tuple[FileStamp, FileDigests]:
    """Return the stamp of ``path`` and its digests (read once while the stamp stays the same)."""
    status = path.stat()
    stamp = (status.st_size, status.st_mtime_ns, status.st_ino)
    digests = _digests.get((str(path), stamp))
    if digests is None:
        digests = _digests[(str(path), stamp)] = _stream_digests(path, status.st_size)
    return stamp, digests


def digest_file(path: Path) -> FileDigests:
    """Stream ``path`` once for both digests (cached while its stamp stays the same)."""
    return stamped_digests(path)[1]


def remember_digests(path: str, stamp: FileStamp, digests: FileDigests) -> None:
    """Let :func:`digest_file` answer for ``path`` without reading it while it has ``stamp``."""
    _digests[(path, stamp)] = digests


@dataclass(frozen=True, slots=True)
class FileListRow:
    """One row of a file list: Outfile key, staged name and the five columns."""

    key: str
    staged_name: str
    type: str
    period: int = 0
    prefix: str = "GLIDEIN_PS_"
    condition: str = "TRUE"
    config_out: str = "FALSE"

    @property
    def signed(self) -> bool:
        """Return whether the file must have a signature line (all but nocache)."""
        return self.type != "nocache"


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A file to publish: where (relative to its root), what, and how.

    Exactly one of ``content`` (rendered bytes) or ``source`` (a file copied by
    streaming) is set. ``versioned`` files are content-named: once published
    they never change.
    """

    relpath: str
    sha1: str
    content: bytes | None = None
    source: Path | None = None
    mode: int = 0o644
    versioned: bool = True

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        if self.content is not None:
            return len(self.content)
        assert self.source is not None
        return digest_file(self.source).size


def planned_bytes(
    relpath: str, content: bytes, *, mode: int = 0o644, versioned: bool
) -> PlannedFile:
    """Plan rendered ``content`` at ``relpath``."""
    return PlannedFile(
        relpath=relpath,
        sha1=hashlib.sha1(content).hexdigest(),  # noqa: S324 - GlideinWMS signature format
        content=content,
        mode=mode,
        versioned=versioned,
    )

"""Staged files: content-derived names, file-list rows, planned files, hashing.

A staged file's version suffix is a prefix of the SHA-256 of its content, so
identical content always gets the same name and changed content a new one.
Rendered files carry a ``# File: <name>`` header; their suffix is computed from
the body so the header can name the file it is in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from glideinforge.frozen import frozen

from .inputs import open_input
from .installed import installed_digest

__all__ = [
    "SUFFIX_LENGTH",
    "DigestCache",
    "FileDigests",
    "FileListRow",
    "FileStamp",
    "PlannedFile",
    "content_suffix",
    "digest_file",
    "planned_bytes",
    "planned_copy",
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


@frozen
class FileDigests:
    """Digests of one file: SHA-1 for signatures, SHA-256 prefix for its name."""

    sha1: str
    suffix: str
    size: int


FileStamp = tuple[int, int, int]
"""A file's size, modification time (ns) and inode."""


def _stream_digests(path: Path, size: int) -> FileDigests:
    sha1 = hashlib.sha1()  # noqa: S324 - SHA-1 is the GlideinWMS signature format
    sha256 = hashlib.sha256()
    with open_input(path) as stream:
        while chunk := stream.read(_CHUNK):
            sha1.update(chunk)
            sha256.update(chunk)
    return FileDigests(sha1.hexdigest(), sha256.hexdigest()[:SUFFIX_LENGTH], size)


def digest_file(path: Path) -> FileDigests:
    """Stream ``path`` once for both digests."""
    return _stream_digests(path, path.stat().st_size)


@dataclass
class DigestCache:
    """The digests one run has taken, by path and stamp: pass one along a run.

    A file is stamped and read once a run (a file staged by every entry, an
    input hashed again for the record); a digest recorded by an earlier run can
    stand in while the stamp holds. As for directories, the record then keys
    what the run saw first, so a file changed during the run counts as changed
    next time (and fails its publish, which checks the bytes it copies).
    """

    known: dict[tuple[str, FileStamp], FileDigests] = field(default_factory=dict)
    trees: dict[str, str] = field(default_factory=dict)
    """Directory inputs (HTCondor releases) by path: their tree stamps, taken once a run."""
    seen: dict[str, tuple[FileStamp, FileDigests]] = field(default_factory=dict)
    """Files by path: their stamps and digests, taken once a run (a file every entry
    stages was stamped a thousand times)."""
    installation: str | None = field(default=None, init=False, repr=False)
    """``installed_digest()``, once taken (``installed``)."""

    def installed(self) -> str:
        """Return ``installed_digest()``, taken once a run (the installation stays as it is)."""
        if self.installation is None:
            self.installation = installed_digest()
        return self.installation

    def stamped(self, path: Path) -> tuple[FileStamp, FileDigests]:
        """Return the stamp of ``path`` and its digests (read unless known for that stamp)."""
        name = str(path)
        taken = self.seen.get(name)
        if taken is not None:
            return taken
        status = path.stat()
        stamp = (status.st_size, status.st_mtime_ns, status.st_ino)
        digests = self.known.get((name, stamp))
        if digests is None:
            digests = self.known[(name, stamp)] = _stream_digests(path, status.st_size)
        self.seen[name] = (stamp, digests)
        return stamp, digests

    def digests(self, path: Path) -> FileDigests:
        """Return the digests of ``path``."""
        return self.stamped(path)[1]

    def remember(self, path: str, stamp: FileStamp, digests: FileDigests) -> None:
        """Let ``path`` count as ``digests`` while it has ``stamp``, without reading it."""
        self.known[(path, stamp)] = digests


@frozen
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


@frozen
class PlannedFile:
    """A file to publish: where (relative to its root), what, and how.

    Exactly one of ``content`` (rendered bytes) or ``source`` (a file copied by
    streaming, of ``source_size`` bytes) is set. ``versioned`` files are
    content-named: once published they never change.
    """

    relpath: str
    sha1: str
    content: bytes | None = None
    source: Path | None = None
    mode: int = 0o644
    versioned: bool = True
    source_size: int = 0

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        return len(self.content) if self.content is not None else self.source_size


def planned_copy(
    relpath: str, source: Path, digests: FileDigests, *, mode: int = 0o644, versioned: bool = True
) -> PlannedFile:
    """Plan a copy of ``source`` (whose digests are ``digests``) at ``relpath``."""
    return PlannedFile(
        relpath,
        digests.sha1,
        source=source,
        mode=mode,
        versioned=versioned,
        source_size=digests.size,
    )


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

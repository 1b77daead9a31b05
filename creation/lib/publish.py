"""Write a compiled plan to disk: the one module that touches the output trees.

Order: every content file, then lists, descriptions and signatures (already in
that order inside each stage directory plan), then work-dir files, then the
summary ``signatures.sha1`` by write-to-temp + fsync + rename. Versioned
(content-named) files are immutable: an existing one is kept, identical content
planned twice in one run is hard-linked, and a name that would need different
bytes is refused.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import GlideinforgeError
from .staged import PlannedFile

__all__ = ["PublishError", "PublishStats", "publish_files", "write_atomically"]


class PublishError(GlideinforgeError, OSError):
    """A file could not be published."""


@dataclass
class PublishStats:
    """What publishing did, and where each content was first published (for links)."""

    written: int = 0
    linked: int = 0
    unchanged: int = 0
    bytes_written: int = 0
    paths: list[str] = field(default_factory=list)
    published_at: dict[str, Path] = field(default_factory=dict)


def write_atomically(path: Path, content: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``content`` through a synced temporary file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _copy_atomically(source: Path, path: Path, mode: int) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _same_bytes(path: Path, planned: PlannedFile) -> bool:
    if planned.content is not None:
        return path.stat().st_size == len(planned.content) and path.read_bytes() == planned.content
    return False


def publish_files(root: Path, files: Iterable[PlannedFile], stats: PublishStats) -> None:
    """Publish ``files`` under ``root`` in order.

    Raises:
        PublishError: a content-named file exists with a different size
            (a suffix collision), or the disk refused a write.
    """
    linked_from = stats.published_at
    made: set[Path] = set()
    for planned in files:
        path = root / planned.relpath
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        try:
            _publish_one(path, planned, linked_from, stats)
        except OSError as error:
            raise PublishError(f"cannot write {path}: {error.strerror or error}") from None


def _keep_existing(path: Path, planned: PlannedFile, linked_from: dict[str, Path]) -> bool:
    """Return True when the file already on disk is the one planned."""
    if not path.exists():
        return False
    if planned.versioned:
        if path.stat().st_size != planned.size:
            raise PublishError(
                f"{path} exists with other content: content-named files never change"
            )
        linked_from.setdefault(planned.sha1, path)
        return True
    # Operators edit the staged nodes.blacklist; it is only ever created.
    return planned.relpath.endswith("nodes.blacklist") or (
        planned.source is None and _same_bytes(path, planned)
    )


def _publish_one(
    path: Path, planned: PlannedFile, linked_from: dict[str, Path], stats: PublishStats
) -> None:
    if _keep_existing(path, planned, linked_from):
        stats.unchanged += 1
        return
    original = linked_from.get(planned.sha1) if planned.versioned else None
    if original is not None:
        try:
            path.hardlink_to(original)
        except OSError:
            pass  # another file system, or links not allowed: copy instead
        else:
            stats.linked += 1
            stats.paths.append(str(path))
            return
    if planned.content is not None:
        write_atomically(path, planned.content, planned.mode)
    else:
        assert planned.source is not None
        _copy_atomically(planned.source, path, planned.mode)
    if planned.versioned:
        linked_from.setdefault(planned.sha1, path)
    stats.written += 1
    stats.bytes_written += planned.size
    stats.paths.append(str(path))

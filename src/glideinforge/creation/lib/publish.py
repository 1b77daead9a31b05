"""Write a compiled plan to disk: the one module that touches the output trees.

Order: in each stage directory every content file, then lists, descriptions
and signatures (already in that order inside each plan); after a stage
directory, the work files under the same top directory; after all of them
the main work files; last the summary ``signatures.sha1`` by write-to-temp +
fsync + rename. No write changes an existing file in place: a file replaces
another by renaming a complete temporary file, and only a directory this run
created gets new files written directly (nothing names them until the summary
does). So identical content planned more than once is hard-linked safely
(except the staged ``nodes.blacklist``, which operators edit in place).
Versioned (content-named) files are immutable: an existing one is kept, a
short one holding the start of the planned bytes (a killed run's) is
replaced, and a name that would need different bytes is refused, unless the
run repairs (``--repair``): then every existing content-named file is read,
and one whose bytes are not its name's is replaced.

Modes: a file gets its planned mode (0644, 0755, 0444) less the umask, and a
directory 0755 less the umask, so a permissive umask (000) never makes
anything writable by group or others, and a strict one (027) is respected.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .atomic_files import (
    create_exclusive,
    make_directory,
    temporary_name,
    write_all,
    write_atomically,
)
from .containment import OutsideTreeError, Trees
from .diagnostics import GlideinforgeError
from .durability import sync_written
from .gc_pause import paused_gc
from .inputs import open_input, read_input
from .publish_stats import PublishStats
from .staged import PlannedFile, digest_file

__all__ = ["PublishError", "make_directories", "publish_files", "publish_state"]


class PublishError(GlideinforgeError, OSError):
    """A file could not be published."""


def _create_new(path: str, content: bytes, mode: int) -> bool:
    """Write ``content`` to a new file at ``path``; False when something is there already.

    Only for a directory this run created: no reader looks for the file until
    the summary names it, so it needs no temporary file and rename. A run
    killed mid-write leaves a short file, which the next run recognises
    (:func:`_torn_write`) and replaces.
    """
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        try:
            write_all(handle, content)
        finally:
            os.close(handle)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    return True


_COPY_CHUNK = 1 << 20


def _changed_source(source: Path) -> PublishError:
    return PublishError(f"{source} changed while publishing; run again")


def _copy_hashed(source: Path, handle: int, size: int) -> str:
    """Copy ``source`` (planned as ``size`` bytes) to the open file ``handle``; return its SHA-1.

    At most one byte more than planned is copied: enough to tell a grown source.
    """
    digest = hashlib.sha1()  # noqa: S324 - GlideinWMS format
    with open_input(source) as stream:
        left = size + 1
        while left and (chunk := stream.read(min(left, _COPY_CHUNK))):
            digest.update(chunk)
            write_all(handle, chunk)
            left -= len(chunk)
    return digest.hexdigest()


def _copy_atomically(planned: PlannedFile, path: str) -> None:
    """Copy a large source through a temporary file, hashing the bytes copied.

    Raises:
        PublishError: the source changed since it was planned (its signature
            would not match); ``path`` is left as it was.
    """
    source = planned.source
    assert source is not None
    temporary = temporary_name(path)
    try:
        handle = create_exclusive(temporary, planned.mode)
        try:
            copied = _copy_hashed(source, handle, planned.size)
        finally:
            os.close(handle)
        if copied == planned.sha1:
            os.replace(temporary, path)  # noqa: PTH105
            return
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    Path(temporary).unlink(missing_ok=True)
    raise _changed_source(source)


_SMALL_SOURCE = 256 * 1024
"""Copied sources up to this size are read once per publish and written from memory."""


def _small_source(planned: PlannedFile, cache: dict[Path, bytes]) -> bytes | None:
    """Return the bytes of a small copied source, read once and checked against the plan.

    Raises:
        PublishError: the source changed since it was planned (its signature
            would not match).
    """
    source = planned.source
    if source is None or planned.size > _SMALL_SOURCE:
        return None
    content = cache.get(source)
    if content is None:
        content = read_input(source)
        if hashlib.sha1(content).hexdigest() != planned.sha1:  # noqa: S324 - GlideinWMS format
            raise _changed_source(source)
        cache[source] = content
    return content


def _same_bytes(path: str, planned: PlannedFile) -> bool:
    if planned.content is None:
        return digest_file(Path(path)).sha1 == planned.sha1
    with open(path, "rb") as stream:  # noqa: PTH123 - str path on the hot path
        return stream.read() == planned.content


def publish_files(
    root: Path,
    files: Iterable[PlannedFile],
    stats: PublishStats,
    trees: Trees | None = None,
    *,
    repair: bool = False,
) -> None:
    """Publish ``files`` under ``root`` in order, never through a link leading out of it.

    With ``repair``, an existing content-named file is read in full and replaced
    when its bytes are not the planned ones.

    Raises:
        PublishError: a content-named file exists with a different size
            (damaged, or a suffix collision) without ``repair``, or the disk
            refused a write.
        OutsideTreeError: a directory on the way is a link leading out of its tree.
    """
    linked_from = stats.published_at
    created: dict[str, bool] = {}
    base = str(root)
    trees = trees or Trees([root])
    for planned in files:
        path = f"{base}/{planned.relpath}"
        parent = path[: path.rfind("/")]
        try:
            fresh = created.get(parent)
            if fresh is None:
                trees.check_directory(parent)
                fresh = created[parent] = make_directory(parent)
            _publish_one(path, planned, linked_from, stats, fresh=fresh, repair=repair)
        except OutsideTreeError:
            raise
        except OSError as error:
            raise PublishError(f"cannot write {path}: {error.strerror or error}") from None


def _existing_size(path: str) -> int | None:
    """Return the size of the regular file at ``path``; None for nothing or anything else.

    A link (wherever it leads) or a special file is never the planned file:
    it is replaced, never read or written through.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _torn_write(path: str, planned: PlannedFile, size: int) -> bool:
    """Return True when ``path`` holds the start of the planned bytes (a killed write).

    Only files written in place can be torn: rendered ones and small copies.
    """
    if size >= planned.size or (planned.content is None and planned.size > _SMALL_SOURCE):
        return False
    with open(path, "rb") as stream:  # noqa: PTH123
        existing = stream.read(size + 1)
    if planned.content is not None:
        return planned.content.startswith(existing)
    assert planned.source is not None
    with open_input(planned.source) as stream:
        return stream.read(size) == existing


def _keep_existing(
    path: str, planned: PlannedFile, linked_from: dict[str, str], *, repair: bool
) -> bool:
    """Return True when the file already on disk is the one planned.

    A content-named file of the planned size is trusted, unless repairing.
    """
    size = _existing_size(path)
    if size is None:
        return False
    if planned.versioned:
        if size != planned.size:
            if repair or _torn_write(path, planned, size):
                return False
            raise PublishError(
                f"{path} exists with other content: content-named files never change "
                "(reconfig --repair restores it)"
            )
        if repair and not _same_bytes(path, planned):
            return False
        linked_from.setdefault(planned.sha1, path)
        return True
    # Operators edit the staged nodes.blacklist; it is only ever created.
    return planned.relpath.endswith("nodes.blacklist") or (
        size == planned.size and _same_bytes(path, planned)
    )


def _publish_one(
    path: str,
    planned: PlannedFile,
    linked_from: dict[str, str],
    stats: PublishStats,
    *,
    fresh: bool,
    repair: bool = False,
) -> None:
    """Publish one file; in a ``fresh`` directory (made by this run) nothing is there yet."""
    if not fresh and _keep_existing(path, planned, linked_from, repair=repair):
        stats.unchanged += 1
        return
    editable = planned.relpath.endswith("nodes.blacklist")
    original = None if editable else linked_from.get(planned.sha1)
    if original is not None:
        try:
            os.link(original, path)
        except OSError:
            pass  # another file system, or links not allowed: copy instead
        else:
            stats.linked += 1
            stats.paths.append(path)
            return
    content = planned.content
    if content is None:
        content = _small_source(planned, stats.small_sources)
    if content is not None:
        if not (fresh and _create_new(path, content, planned.mode)):
            write_atomically(path, content, planned.mode)
    else:
        _copy_atomically(planned, path)
    if not editable:
        linked_from.setdefault(planned.sha1, path)
    stats.written += 1
    stats.bytes_written += planned.size
    stats.paths.append(path)


def make_directories(directories: Iterable[str | Path], trees: Trees) -> None:
    """Create each directory (and missing parents); existing ones are left as they are.

    Raises:
        FileExistsError: something other than a directory is in the way.
        OutsideTreeError: a directory above one is a link leading out of its tree.
    """
    for directory in map(str, directories):
        trees.check_parent(directory)
        if not make_directory(directory) and not os.path.isdir(directory):  # noqa: PTH112
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), directory)


def _top_directory(relpath: str) -> str | None:
    head, slash, _ = relpath.partition("/")
    return head if slash else None


def _publish_directories(
    stage: Sequence[Sequence[PlannedFile]],
    work: Sequence[PlannedFile],
    trees: Trees,
    stats: PublishStats,
    *,
    roots: tuple[Path, Path],
    repair: bool,
    on_directory: Callable[[], None] | None,
) -> list[PlannedFile]:
    """Publish each stage directory, then the work files under its top directory.

    Returns the work files of no stage directory (the main ones), for after
    every stage directory.
    """
    stage_root, work_root = roots
    owner: dict[str, int] = {}
    for number, files in enumerate(stage):
        top = _top_directory(files[0].relpath) if files else None
        if top is not None:
            owner[top] = number
    work_of: list[list[PlannedFile]] = [[] for _ in stage]
    rest: list[PlannedFile] = []
    for planned in work:
        owning = owner.get(_top_directory(planned.relpath) or "")
        (rest if owning is None else work_of[owning]).append(planned)
    for files, own_work in zip(stage, work_of, strict=True):
        publish_files(stage_root, files, stats, trees, repair=repair)
        if on_directory is not None:
            on_directory()
        publish_files(work_root, own_work, stats, trees, repair=repair)
    return rest


def publish_state(
    *,
    stage_root: Path,
    stage_directories: Sequence[Sequence[PlannedFile]],
    work_root: Path,
    work_files: Sequence[PlannedFile],
    summary: PlannedFile,
    runtime_directories: Sequence[str | Path] = (),
    output_roots: Sequence[Path] = (),
    on_directory: Callable[[], None] | None = None,
    before_summary: Callable[[PublishStats], None] | None = None,
    repair: bool = False,
) -> PublishStats:
    """Publish one state: stage directories, then work files, then the summary atomically.

    Each stage directory is published before the work files under the same
    top directory, and all of them before the other (main) work files.
    ``runtime_directories`` (locks, logs) are created before the summary,
    under the stage, the work dir or one of ``output_roots``; nothing is
    written through a link leading out of its tree;
    ``on_directory`` runs after each stage directory (progress bars);
    ``before_summary`` just before the summary is replaced (to record the state
    durably); ``repair`` replaces content-named files whose bytes are wrong.
    """
    stats = PublishStats()
    with paused_gc():
        trees = Trees([stage_root, work_root, *output_roots])
        main_work = _publish_directories(
            stage_directories,
            work_files,
            trees,
            stats,
            roots=(stage_root, work_root),
            repair=repair,
            on_directory=on_directory,
        )
        make_directories(runtime_directories, trees)
        publish_files(work_root, main_work, stats, trees, repair=repair)
    path = work_root / summary.relpath
    assert summary.content is not None
    summary_changed = not (path.exists() and path.read_bytes() == summary.content)
    if stats.written or stats.linked or summary_changed:
        # Everything the record and the new summary name is on disk first.
        sync_written(stats.paths, [stage_root, work_root])
    if before_summary is not None:
        before_summary(stats)
    if summary_changed:
        write_atomically(path, summary.content, durable=True)
        stats.written += 1
        stats.bytes_written += summary.size
        stats.paths.append(str(path))
    else:
        stats.unchanged += 1
    return stats

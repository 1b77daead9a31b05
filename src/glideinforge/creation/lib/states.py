"""Recording published states and restoring them: the lifecycle steps both tools share.

``state_recorder`` returns the hook ``publish_state`` calls just before the new
summary goes live; ``rollback_state`` re-publishes a recorded state.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from glideinforge import __version__
from glideinforge.frozen import frozen

from .atomic_files import make_directory, write_atomically
from .containment import Trees
from .durability import sync_written
from .forked_check import start_in_child
from .history import (
    RecordedFile,
    StateRecord,
    current_state,
    load_states,
    object_path,
    plan_record,
    read_object,
    record_files,
    store_bytes,
    store_files,
    write_record,
)
from .manifest import STARTUP_SCRIPT
from .publish_stats import PublishStats
from .staged import PlannedFile
from .verify import VerifyProblem, VerifyReport, verify_stage

__all__ = [
    "SUMMARY",
    "KeptFiles",
    "RecordedStates",
    "read_recorded",
    "rollback_state",
    "state_recorder",
    "verify_published",
    "verify_work_files",
]

SUMMARY = "signatures.sha1"


@frozen
class KeptFiles:
    """The part of the live recorded state an incremental reconfig keeps as it is."""

    runs: tuple[bytes, ...]
    """The kept work files: runs of the live file list's lines (``StateFiles.runs_without``;
    their objects are stored already)."""
    snapshots: Mapping[str, str]
    """Level -> snapshot object."""


@frozen
class RecordedStates:
    """The recorded states of a work dir and the live one."""

    states: list[StateRecord]
    current: StateRecord | None
    problems: list[str]


def read_recorded(work: Path) -> RecordedStates:
    """Read the state records of ``work``."""
    states, problems = load_states(work)
    return RecordedStates(states, current_state(work, states), problems)


_ONE_READ = 1 << 20
"""Work files smaller than this are read with one call."""


def _work_file_sha1(path: str) -> tuple[str, int]:
    """Return the SHA-1 and size of a regular file, never following a link or waiting.

    Raises:
        OSError: missing, unreadable, a link (ELOOP) or not a regular file.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        digest = hashlib.sha1()  # noqa: S324 - the records' content key
        size = status.st_size
        chunk = os.read(handle, min(size + 1, _ONE_READ))
        digest.update(chunk)
        if len(chunk) != size or size >= _ONE_READ:  # not the whole file at once: read on
            while chunk := os.read(handle, _ONE_READ):
                digest.update(chunk)
    finally:
        os.close(handle)
    return digest.hexdigest(), status.st_size


def verify_work_files(work: Path, report: VerifyReport) -> None:
    """Check every work-dir file the live state records against its recorded SHA-1.

    A work dir without a record of its live summary (one GlideinWMS made) has
    nothing to compare with.
    """
    current = read_recorded(work).current
    if current is None:
        return
    files = record_files(work, current)
    if files is None:
        where = str(object_path(work, current.files_object))
        report.problems.append(
            VerifyProblem(where, "the list of the live state's work files is gone")
        )
        return
    base = str(work)
    for file in files:
        if file.relpath == SUMMARY:
            continue  # its SHA-1 is how the live state was found
        path = f"{base}/{file.relpath}"  # a str: thousands of files, no Path per file
        try:
            actual, size = _work_file_sha1(path)
        except OSError as error:
            reason = {
                errno.ENOENT: "is missing",
                errno.ELOOP: "is a symbolic link",
            }.get(error.errno or 0, f"is unreadable: {error.strerror or error}")
            report.problems.append(
                VerifyProblem(path, f"work file of the live state {reason}", file.sha1)
            )
            continue
        report.files_checked += 1
        report.bytes_checked += size
        if actual != file.sha1:
            report.problems.append(
                VerifyProblem(
                    str(path), "work file differs from the live state's record", file.sha1, actual
                )
            )


def _work_files_report(work: Path) -> dict[str, Any]:
    """Return ``verify_work_files``'s findings as JSON-ready data."""
    found = VerifyReport()
    verify_work_files(work, found)
    return {
        "problems": [problem.to_json() for problem in found.problems],
        "files": found.files_checked,
        "bytes": found.bytes_checked,
    }


def verify_published(stage: Path, summary: Path) -> VerifyReport:
    """Verify the stage ``summary`` signs and, for a work dir's summary, its recorded files.

    The work files are hashed in a child process while this one hashes the stage.
    """
    if summary.name != SUMMARY:
        return verify_stage(stage, summary)
    with start_in_child(
        lambda: _work_files_report(summary.parent), "hashing the work dir's files"
    ) as work_files:
        report = verify_stage(stage, summary)
        found = work_files()
    report.problems += [VerifyProblem(**problem) for problem in found["problems"]]
    report.files_checked += found["files"]
    report.bytes_checked += found["bytes"]
    return report


def state_recorder(
    *,
    work: Path,
    work_files: Sequence[PlannedFile],
    summary: PlannedFile,
    levels: Mapping[str, bytes],
    identity: Mapping[str, str],
    states: Sequence[StateRecord],
    current: StateRecord | None,
    kept: KeptFiles | None = None,
    current_files: Sequence[RecordedFile] | None = None,
) -> Callable[[PublishStats], None]:
    """Return the ``before_summary`` hook that records the state being published.

    Args:
        work: the work dir (its ``history/`` holds the records).
        work_files: the state's work-dir files (the summary apart).
        summary: its ``signatures.sha1``.
        levels: per-level snapshots (what ``diff`` compares).
        identity: names and directories the guards compare.
        states: the recorded states so far.
        current: the live state, if recorded.
        kept: what the state keeps of ``current`` (an incremental reconfig).
        current_files: ``current``'s work files when the caller has read them (not
            needed with ``kept``).
    """

    def record(stats: PublishStats) -> None:
        del stats
        planned = plan_record(
            files=[RecordedFile(f.relpath, f.sha1, f.mode) for f in (*work_files, summary)],
            snapshots=dict(levels),
            version=__version__,
            identity=dict(identity),
            now=time.time(),
            stored_snapshots=kept.snapshots if kept is not None else None,
            kept_runs=kept.runs if kept is not None else (),
        )
        if states and states[-1].digest == planned.record.digest:
            return
        # The live state's objects are kept already: store only what is new. (An
        # incremental reconfig's few files are linked: a stored one fails to link.)
        known = current_files
        if known is None and current is not None and kept is None:
            known = record_files(work, current)
        stored = {file.sha1 for file in known or ()}
        trees = Trees([work])
        base = str(work)
        new_objects: list[Path | None] = list(
            store_files(
                work,
                (
                    (f"{base}/{file.relpath}", file.sha1)
                    for file in work_files
                    if file.sha1 not in stored
                ),
                trees,
            )
        )
        assert summary.content is not None  # planned with its bytes (publish_state checks)
        new_objects.append(store_bytes(work, summary.content, trees, sha1=summary.sha1))
        write_record(work, planned, trees, [path for path in new_objects if path is not None])

    return record


def _restorable(
    work: Path, stage: Path, target: StateRecord
) -> tuple[dict[str, tuple[bytes, int]], list[VerifyProblem]]:
    """Return the target's work files (content, mode), or what is gone or damaged."""
    files = record_files(work, target)
    if files is None:
        gone = str(object_path(work, target.files_object))
        return {}, [VerifyProblem(gone, "the list of the state's work files is gone")]
    problems: list[VerifyProblem] = []
    contents: dict[str, tuple[bytes, int]] = {}
    for file in files:
        content = read_object(work, file.sha1)
        if content is None:
            where = str(object_path(work, file.sha1))
            problems.append(VerifyProblem(where, f"copy of {file.relpath} is gone"))
        else:
            contents[file.relpath] = (content, file.mode)
    if SUMMARY in contents:
        with tempfile.NamedTemporaryFile(prefix="glideinforge-summary-") as handle:
            handle.write(contents[SUMMARY][0])
            handle.flush()
            problems += verify_stage(stage, Path(handle.name)).problems
    return contents, problems


def _restore(path: Path, content: bytes, mode: int, stats: PublishStats) -> None:
    try:
        if not path.is_symlink() and path.read_bytes() == content:
            stats.unchanged += 1
            return
    except OSError:
        make_directory(path.parent)
    write_atomically(path, content, mode)
    stats.written += 1
    stats.bytes_written += len(content)
    stats.paths.append(str(path))


def rollback_state(
    work: Path, stage: Path, target: StateRecord
) -> tuple[PublishStats, list[VerifyProblem]]:
    """Re-publish ``target``'s work files (summary last) when all its files are still there.

    Raises:
        OutsideTreeError: a work-dir folder is a link leading out (nothing is written).
    """
    contents, problems = _restorable(work, stage, target)
    stats = PublishStats()
    if problems:
        return stats, problems
    summary = contents.pop(SUMMARY)
    trees = Trees([work, stage])
    for relpath in contents:  # before anything is written
        trees.check_parent(work / relpath)
    for relpath, (content, mode) in contents.items():
        _restore(work / relpath, content, mode, stats)
    if STARTUP_SCRIPT in contents:
        # The stage root holds the same script (unversioned): it goes back too.
        _restore(stage / STARTUP_SCRIPT, *contents[STARTUP_SCRIPT], stats)
    sync_written(stats.paths, [work, stage])
    write_atomically(work / SUMMARY, summary[0], durable=True)
    stats.written += 1
    return stats, problems

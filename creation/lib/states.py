"""Recording published states and restoring them: the lifecycle steps both tools share.

``state_recorder`` returns the hook ``publish_state`` calls just before the new
summary goes live; ``rollback_state`` re-publishes a recorded state.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from glideinforge import __version__

from .containment import Trees
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
    store_file,
    write_record,
)
from .manifest import STARTUP_SCRIPT
from .publish import PublishStats, make_directory, write_atomically
from .staged import PlannedFile
from .verify import VerifyProblem, verify_stage

__all__ = [
    "SUMMARY",
    "KeptFiles",
    "RecordedStates",
    "read_recorded",
    "rollback_state",
    "state_recorder",
]

SUMMARY = "signatures.sha1"


@dataclass(frozen=True, slots=True)
class KeptFiles:
    """The part of the live recorded state an incremental reconfig keeps as it is."""

    files: tuple[RecordedFile, ...]
    """Work-dir files (their objects are stored already)."""
    snapshots: Mapping[str, str]
    """Level -> snapshot object."""


@dataclass(frozen=True, slots=True)
class RecordedStates:
    """The recorded states of a work dir and the live one."""

    states: list[StateRecord]
    current: StateRecord | None
    problems: list[str]


def read_recorded(work: Path) -> RecordedStates:
    """Read the state records of ``work``."""
    states, problems = load_states(work)
    return RecordedStates(states, current_state(work, states), problems)


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
        current_files: ``current``'s work files when the caller has read them.
    """

    def record(stats: PublishStats) -> None:
        del stats
        planned = plan_record(
            files=[
                *(kept.files if kept is not None else ()),
                *(
                    RecordedFile(file.relpath, file.sha1, file.mode)
                    for file in (*work_files, summary)
                ),
            ],
            snapshots=dict(levels),
            version=__version__,
            identity=dict(identity),
            now=time.time(),
            stored_snapshots=kept.snapshots if kept is not None else None,
        )
        if states and states[-1].digest == planned.record.digest:
            return
        # The live state's objects are kept already: store only what is new.
        known = current_files
        if known is None and current is not None:
            known = record_files(work, current)
        stored = {file.sha1 for file in known or ()}
        trees = Trees([work])
        for file in work_files:
            if file.sha1 not in stored:
                store_file(work, work / file.relpath, file.sha1, trees)
        store_bytes(work, summary.content or b"", trees)
        write_record(work, planned, trees)

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
    os.sync()
    write_atomically(work / SUMMARY, summary[0], durable=True)
    stats.written += 1
    return stats, problems

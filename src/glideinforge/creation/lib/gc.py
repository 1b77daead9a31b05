"""Remove what no retained state needs: staged files, removed entries' stage dirs, old records.

Only content-named files (``name.<10 hex>.ext``), ``entry_*`` and ``group_*`` directories no
retained state references, and temporary files of interrupted publishes are
removed from the stage; anything else there (``glidein_startup.sh``, files an
operator put there) is left alone.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .containment import OutsideTreeError, Trees
from .diagnostics import GlideinforgeError
from .history import (
    OBJECTS_DIR,
    STATES_DIR,
    StateRecord,
    current_state,
    live_summary_sha1,
    load_states,
    read_object,
    record_files,
    record_snapshots,
    retained_states,
)
from .names import SAFE_NAME
from .stage_refs import stage_references

__all__ = ["GcError", "GcReport", "collect_garbage"]

_CONTENT_NAMED = re.compile(r"\.[0-9a-f]{10}(?:\.[^.]+)?$")
_TEMPORARY = re.compile(r"^\..+\.\d+\.tmp$")


class GcError(GlideinforgeError):
    """Garbage collection cannot know what is safe to remove."""


@dataclass
class GcReport:
    """What gc removed (or, in a dry run, would remove)."""

    dry_run: bool
    retained: list[str] = field(default_factory=list)
    states_removed: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    directories_removed: list[str] = field(default_factory=list)
    objects_removed: int = 0
    bytes_freed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Return the report as plain data."""
        return {
            "dry_run": self.dry_run,
            "retained_states": self.retained,
            "states_removed": self.states_removed,
            "files_removed": len(self.files_removed),
            "directories_removed": self.directories_removed,
            "objects_removed": self.objects_removed,
            "bytes_freed": self.bytes_freed,
            "warnings": self.warnings,
        }


class _Remover:
    """Removes paths (or only counts them), adding up the bytes really freed."""

    def __init__(self, report: GcReport, trees: Trees) -> None:
        self.report = report
        self.trees = trees
        self.planned: list[tuple[Path, os.stat_result]] = []

    def add(self, path: Path) -> None:
        """Plan removing ``path``, refusing one reached through a link leading out."""
        self.trees.check_parent(path)
        try:
            self.planned.append((path, path.lstat()))
        except FileNotFoundError:
            return

    def run(self) -> None:
        # An inode's bytes are freed when all of its links go.
        going = Counter((status.st_dev, status.st_ino) for _, status in self.planned)
        counted: set[tuple[int, int]] = set()
        for path, status in self.planned:
            inode = (status.st_dev, status.st_ino)
            if going[inode] >= status.st_nlink and inode not in counted:
                counted.add(inode)
                self.report.bytes_freed += status.st_size
            if not self.report.dry_run:
                path.unlink(missing_ok=True)


def _retained_summaries(work: Path, retained: list[StateRecord]) -> list[bytes]:
    summaries = []
    for state in retained:
        content = read_object(work, state.summary_sha1)
        if content is None:
            raise GcError(
                f"state {state.state_id}: its signatures.sha1 is no longer in the history; "
                "cannot tell which staged files it needs, so nothing is removed"
            )
        summaries.append(content)
    live = work / "signatures.sha1"
    if live.is_file():
        summaries.append(live.read_bytes())
    return summaries


def _stage_garbage(stage: Path, summaries: list[bytes], remover: _Remover) -> None:
    refs = stage_references(stage, summaries)
    remover.report.warnings += [
        f"{stage / name}: needed by a retained state but missing" for name in refs.unreadable
    ]
    if not stage.is_dir():
        return
    for child in sorted(stage.iterdir()):
        if child.is_dir() and not child.is_symlink():
            if not (child.name.startswith(("entry_", "group_")) and SAFE_NAME.match(child.name)):
                continue
            if child.name not in refs.directories:
                for path in sorted(child.rglob("*")):
                    if not path.is_dir():
                        remover.add(path)
                remover.report.directories_removed.append(str(child))
                continue
            _directory_garbage(child, f"{child.name}/", refs.files, remover)
    _directory_garbage(stage, "", refs.files, remover)


def _directory_garbage(directory: Path, prefix: str, needed: set[str], remover: _Remover) -> None:
    for path in directory.iterdir():
        if path.is_dir() and not path.is_symlink():
            continue
        name = path.name
        if _TEMPORARY.match(name) or (_CONTENT_NAMED.search(name) and prefix + name not in needed):
            remover.add(path)
            remover.report.files_removed.append(str(path))


def _history_garbage(
    work: Path, states: list[StateRecord], retained: list[StateRecord], remover: _Remover
) -> None:
    kept_ids = {state.state_id for state in retained}
    for state in states:
        if state.state_id not in kept_ids:
            remover.add(work / STATES_DIR / f"{state.state_id}.json")
            remover.report.states_removed.append(state.state_id)
    needed: set[str] = set()
    for state in retained:
        files, index = record_files(work, state), record_snapshots(work, state)
        if files is None or index is None:
            raise GcError(
                f"state {state.state_id}: its file list or snapshot index is gone from the "
                "history; nothing is removed"
            )
        needed |= {state.files_object, state.snapshots_object, *index.values()}
        needed |= set(state.fast_paths.values())
        needed |= {file.sha1 for file in files}
    objects = work / OBJECTS_DIR
    if objects.is_dir():
        for path in objects.glob("*/*"):
            if path.name not in needed:
                remover.add(path)
                remover.report.objects_removed += 1


def collect_garbage(
    work: Path,
    stage: Path,
    *,
    keep_days: float,
    keep_states: int,
    dry_run: bool,
    now: float | None = None,
) -> GcReport:
    """Remove staged files, stage dirs, records and objects no retained state needs.

    Raises:
        GcError: no state is recorded, or a retained state's summary is gone.
    """
    states, problems = load_states(work)
    if problems:
        raise GcError("; ".join(problems) + "; nothing is removed")
    if not states:
        raise GcError(f"{work}: no published state is recorded; nothing is removed")
    current = current_state(work, states)
    report = GcReport(dry_run=dry_run)
    if current is None and live_summary_sha1(work) is not None:
        report.warnings.append(
            "the live signatures.sha1 matches no recorded state; the files it names are kept"
        )
    retained = retained_states(
        states, current, keep_days=keep_days, keep_states=keep_states, now=now
    )
    report.retained = [state.state_id for state in retained]
    remover = _Remover(report, Trees([work, stage]))
    try:
        _stage_garbage(stage, _retained_summaries(work, retained), remover)
        _history_garbage(work, states, retained, remover)
    except OutsideTreeError as error:
        raise GcError(f"{error}; nothing is removed") from None
    remover.run()
    if not dry_run:
        for directory in report.directories_removed:
            shutil.rmtree(directory, ignore_errors=True)
    return report

"""Reconfig as a lifecycle: the live state, guards, recorded publishes, rollback.

Everything here is derived from what is on disk: the live ``glidein.descript``
and ``signatures.sha1``, and the state records kept under ``history/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glideinforge.creation.lib.dict_files import read_dict_file
from glideinforge.creation.lib.guards import GuardInputs, Overrides
from glideinforge.creation.lib.guards import guard_errors as shared_guard_errors
from glideinforge.creation.lib.history import (
    RecordedFile,
    StateRecord,
    current_state,
    load_states,
    read_object,
    record_snapshots,
    record_state_files,
    sha1_hex,
)
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.state_files import StateFiles
from glideinforge.creation.lib.states import KeptFiles, rollback_state, state_recorder

from .changes import Changes, compare, snapshots, submit_files
from .compile import CompiledFactory
from .model import Factory

__all__ = [
    "LiveState",
    "guard_errors",
    "identity",
    "live_changes",
    "read_live",
    "record_hook",
    "rollback_state",
]

SUMMARY = "signatures.sha1"


def identity(factory: Factory) -> dict[str, str]:
    """Return the names and directories that may only change with ``--force-rename``."""
    return {
        "glidein_name": factory.glidein_name,
        "factory_name": factory.factory_name,
        "stage_dir": str(factory.stage.base_dir),
        "work_dir": str(factory.submit.base_dir),
        "log_dir": str(factory.submit.base_log_dir),
        "client_log_dir": str(factory.submit.base_client_log_dir),
        "client_proxies_dir": str(factory.submit.base_client_proxies_dir),
        "monitor_dir": str(factory.monitor.base_dir),
    }


# glidein.descript keys for the identity of a work dir made without records (GlideinWMS).
_DESCRIPT_IDENTITY = {
    "GlideinName": "glidein_name",
    "FactoryName": "factory_name",
    "LogDir": "log_dir",
    "ClientLogBaseDir": "client_log_dir",
    "ClientProxiesBaseDir": "client_proxies_dir",
}


@dataclass
class LiveState:
    """What the existing work dir holds."""

    work_dir: Path
    descript: dict[str, str] = field(default_factory=dict)
    states: list[StateRecord] = field(default_factory=list)
    current: StateRecord | None = None
    problems: list[str] = field(default_factory=list)
    _listed: StateFiles | None = field(default=None, init=False, repr=False)
    _files: tuple[RecordedFile, ...] | None = field(default=None, init=False, repr=False)
    _snapshots: dict[str, str] | None = field(default=None, init=False, repr=False)

    def recorded_state_files(self) -> StateFiles | None:
        """Return the live record's file list (read once; None when unknown)."""
        if self._listed is None and self.current is not None:
            self._listed = record_state_files(self.work_dir, self.current)
        return self._listed

    def recorded_files(self) -> tuple[RecordedFile, ...] | None:
        """Return the live record's work files (read once; None when unknown)."""
        if self._files is None and (listed := self.recorded_state_files()) is not None:
            self._files = listed.files()
        return self._files

    def recorded_snapshots(self) -> dict[str, str] | None:
        """Return the live record's snapshot object per level (read once; None when unknown)."""
        if self._snapshots is None and self.current is not None:
            self._snapshots = record_snapshots(self.work_dir, self.current)
        return self._snapshots

    @property
    def exists(self) -> bool:
        """Return True when a factory was published here before."""
        return bool(self.descript) or self.current is not None

    @property
    def enabled_entries(self) -> list[str]:
        """Return the entries the live glidein.descript serves."""
        return [name for name in self.descript.get("Entries", "").split(",") if name]

    def identity(self) -> dict[str, str]:
        """Return the live identity (from the record, else from glidein.descript)."""
        if self.current is not None and self.current.identity:
            return dict(self.current.identity)
        return {
            ours: self.descript[theirs]
            for theirs, ours in _DESCRIPT_IDENTITY.items()
            if theirs in self.descript
        }

    def entry_setting(self, entry: str, key: str) -> str | None:
        """Return a key of the live ``entry_<entry>/job.descript``."""
        return read_dict_file(self.work_dir / f"entry_{entry}" / "job.descript").get(key)


def read_live(work_dir: Path) -> LiveState:
    """Read the live state of ``work_dir`` (empty when nothing was published)."""
    states, problems = load_states(work_dir)
    return LiveState(
        work_dir=work_dir,
        descript=read_dict_file(work_dir / "glidein.descript"),
        states=states,
        current=current_state(work_dir, states),
        problems=problems,
    )


def guard_errors(
    compiled: CompiledFactory,
    live: LiveState,
    *,
    force_delete: bool,
    force_rename: bool,
    upgrade: bool,
    names: Collection[str] | None = None,
) -> list[str]:
    """Return why publishing ``compiled`` over ``live`` must not go ahead (empty: go).

    ``names``: every entry, when ``compiled`` holds only some (incremental).
    """
    if not live.exists:
        return []
    inputs = GuardInputs(
        tool="gfactory",
        levels="entries",
        work_dir=live.work_dir,
        live_enabled=live.enabled_entries,
        new_names=set(names) if names is not None else {e.name for e in compiled.factory.entries},
        live_identity=live.identity(),
        new_identity=identity(compiled.factory),
        live_version=live.current.version if live.current is not None else None,
    )
    return shared_guard_errors(inputs, Overrides(force_delete, force_rename, upgrade))


def _work_file_reader(work: Path) -> Callable[[str], bytes | None]:
    """Return a reader of live work-dir files by relative path (None when unreadable)."""

    def read(relpath: str) -> bytes | None:
        try:
            return (work / relpath).read_bytes()
        except OSError:
            return None

    return read


def _decoded(work: Path, sha1: str) -> dict[str, Any] | None:
    content = read_object(work, sha1)
    return None if content is None else json.loads(content)


def live_changes(
    compiled: CompiledFactory,
    live: LiveState,
    levels: dict[str, bytes] | None = None,
    *,
    partial: bool = False,
) -> Changes:
    """Compare ``compiled`` (its ``snapshots``) with the live state.

    The old side is the live state's recorded snapshots and the live submit
    files. Levels whose snapshot and submit files are unchanged (by SHA-1) are
    neither decoded nor read. With ``partial`` (an incremental reconfig),
    levels ``compiled`` does not hold are unchanged, not removed.
    """
    levels = snapshots(compiled) if levels is None else levels
    work = live.work_dir
    new_submit = submit_files(compiled)
    new_sha1 = {file.relpath: file.sha1 for file in compiled.work_files}
    index = live.recorded_snapshots()
    recorded = _recorded_files(live, compiled if partial else None)
    if index is None or recorded is None:
        return _changes_without_record(live, levels, new_submit)
    old_sha1 = {file.relpath: file.sha1 for file in recorded}
    changed_submit = {
        path.split("/", 1)[0].removeprefix("entry_")
        for path in new_submit.keys() | {p for p in old_sha1 if p.endswith(".condor")}
        if old_sha1.get(path) != new_sha1.get(path)
    }
    new: dict[str, Any] = {}
    old: dict[str, Any] = {}
    for name, content in levels.items():
        if name == "main" or index.get(name) != sha1_hex(content) or name in changed_submit:
            new[name] = json.loads(content)
            previous = _decoded(work, index[name]) if name in index else None
            if previous is not None:
                old[name] = previous
    for name, sha1 in index.items():
        if name not in levels and not partial:
            previous = _decoded(work, sha1)
            if previous is not None:
                old[name] = previous

    entries = {f"entry_{name}" for name in new.keys() | old.keys()}
    old_paths = {p for p in old_sha1 if p.endswith(".condor") and p.split("/", 1)[0] in entries}
    wanted = {p: c for p, c in new_submit.items() if p.split("/", 1)[0] in entries}
    return compare(old, new, _work_file_reader(work), old_paths, wanted)


def _recorded_files(
    live: LiveState, partial: CompiledFactory | None
) -> Sequence[RecordedFile] | None:
    """Return the live record's work files: those of ``partial``'s entries alone when given."""
    if partial is None:
        return live.recorded_files()
    listed = live.recorded_state_files()
    if listed is None:
        return None
    return [
        file
        for entry in partial.factory.entries
        for file in listed.files_under(f"entry_{entry.name}/")
    ]


def _changes_without_record(
    live: LiveState, levels: dict[str, bytes], new_submit: dict[str, bytes]
) -> Changes:
    """Compare with a work dir that has no record (first run, or made by GlideinWMS)."""
    work = live.work_dir
    new = {name: json.loads(content) for name, content in levels.items()}
    old: dict[str, Any] = {}
    if live.enabled_entries:
        # Only which entries exist and their submit files can be told.
        old = {"main": {"attrs": new["main"]["attrs"]}}
        old |= {
            name: {"enabled": True, "settings": {}, "attrs": new.get(name, {}).get("attrs", {})}
            for name in live.enabled_entries
        }

    old_paths = {str(path.relative_to(work)) for path in work.glob("entry_*/job*.condor")}
    return compare(old, new, _work_file_reader(work), old_paths, new_submit)


def record_hook(
    compiled: CompiledFactory,
    live: LiveState,
    levels: dict[str, bytes] | None = None,
    kept: KeptFiles | None = None,
) -> Callable[[PublishStats], None]:
    """Return the ``before_summary`` hook that records the state being published.

    ``kept``: what the state keeps of the live one when ``compiled`` holds only
    some entries (incremental).
    """
    return state_recorder(
        work=compiled.factory.submit.base_dir,
        work_files=compiled.work_files,
        summary=compiled.summary,
        levels=snapshots(compiled) if levels is None else levels,
        identity=identity(compiled.factory),
        states=live.states,
        current=live.current,
        kept=kept,
        current_files=None if kept is not None else live.recorded_files(),
    )

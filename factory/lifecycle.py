"""Reconfig as a lifecycle: the live state, guards, recorded publishes, rollback.

Everything here is derived from what is on disk: the live ``glidein.descript``
and ``signatures.sha1``, and the state records kept under ``history/``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glideinforge import __version__
from glideinforge.creation.lib.history import (
    RecordedFile,
    StateRecord,
    content_digest,
    current_state,
    load_states,
    new_state_id,
    object_path,
    read_object,
    store_bytes,
    store_file,
    write_record,
)
from glideinforge.creation.lib.publish import PublishStats, write_atomically
from glideinforge.creation.lib.verify import VerifyProblem, verify_stage

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


def _descript(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="latin-1")
    except OSError:
        return {}
    pairs = (line.partition(" \t") for line in text.splitlines() if not line.startswith("#"))
    return {key: value for key, _, value in pairs if key}


@dataclass
class LiveState:
    """What the existing work dir holds."""

    work_dir: Path
    descript: dict[str, str] = field(default_factory=dict)
    states: list[StateRecord] = field(default_factory=list)
    current: StateRecord | None = None
    problems: list[str] = field(default_factory=list)

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
        return _descript(self.work_dir / f"entry_{entry}" / "job.descript").get(key)


def read_live(work_dir: Path) -> LiveState:
    """Read the live state of ``work_dir`` (empty when nothing was published)."""
    states, problems = load_states(work_dir)
    return LiveState(
        work_dir=work_dir,
        descript=_descript(work_dir / "glidein.descript"),
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
) -> list[str]:
    """Return why publishing ``compiled`` over ``live`` must not go ahead (empty: go)."""
    if not live.exists:
        return []
    errors = []
    names = {entry.name for entry in compiled.factory.entries}
    removed = [name for name in live.enabled_entries if name not in names]
    if removed and not force_delete:
        errors.append(
            "enabled entries would be removed: "
            + ", ".join(removed)
            + "; disable them first, or pass --force-delete"
        )
    before, after = live.identity(), identity(compiled.factory)
    renamed = [
        f"{key} changes from {before[key]!r} to {after[key]!r}"
        for key in after
        if key in before and before[key] != after[key]
    ]
    if renamed and not force_rename:
        errors.append(
            f"{live.work_dir} was published with other names or directories: "
            + "; ".join(renamed)
            + "; pass --force-rename if this is intended"
        )
    if live.current is not None and live.current.version != __version__ and not upgrade:
        errors.append(
            f"the live state was made by glideinforge {live.current.version} and this is "
            f"{__version__}: run `gfactory upgrade` to move the factory to the new version"
        )
    return errors


def _old_snapshots(live: LiveState) -> dict[str, dict[str, Any]]:
    if live.current is None:
        return {}
    decoded = {}
    for name, sha1 in live.current.snapshots.items():
        content = read_object(live.work_dir, sha1)
        if content is not None:
            decoded[name] = json.loads(content)
    return decoded


def live_changes(compiled: CompiledFactory, live: LiveState) -> Changes:
    """Compare ``compiled`` with the live state (recorded snapshots, live submit files)."""
    new = {name: json.loads(content) for name, content in snapshots(compiled).items()}
    work = live.work_dir
    old = _old_snapshots(live)
    if not old and live.enabled_entries:
        # A work dir without records (made by GlideinWMS): entries and submit files only.
        old = {"main": {"attrs": new["main"]["attrs"]}}
        old |= {
            name: {"enabled": True, "settings": {}, "attrs": new.get(name, {}).get("attrs", {})}
            for name in live.enabled_entries
        }

    def old_submit(relpath: str) -> bytes | None:
        try:
            return (work / relpath).read_bytes()
        except OSError:
            return None

    old_paths = {str(path.relative_to(work)) for path in work.glob("entry_*/job*.condor")}
    return compare(old, new, old_submit, old_paths, submit_files(compiled))


def record_hook(compiled: CompiledFactory, live: LiveState):  # noqa: ANN201 - a closure
    """Return the ``before_summary`` hook that records the state being published."""
    work = compiled.factory.submit.base_dir

    def record(stats: PublishStats) -> None:
        del stats
        files = [
            RecordedFile(file.relpath, file.sha1, file.mode)
            for file in (*compiled.work_files, compiled.summary)
        ]
        levels = {name: store_bytes(work, content) for name, content in snapshots(compiled).items()}
        version_identity = identity(compiled.factory)
        digest = content_digest(__version__, files, version_identity, levels)
        if live.states and live.states[-1].digest == digest:
            return
        for file in compiled.work_files:
            store_file(work, work / file.relpath, file.sha1)
        store_bytes(work, compiled.summary.content or b"")
        now = time.time()
        write_record(
            work,
            StateRecord(
                state_id=new_state_id(digest, now),
                published=now,
                version=__version__,
                files=tuple(files),
                identity=version_identity,
                snapshots=levels,
            ),
        )

    return record


def rollback_state(
    work: Path, stage: Path, target: StateRecord
) -> tuple[PublishStats, list[VerifyProblem]]:
    """Re-publish ``target``'s work files (summary last) when all its files are still there."""
    problems: list[VerifyProblem] = []
    contents: dict[str, bytes] = {}
    for file in target.files:
        content = read_object(work, file.sha1)
        if content is None:
            problems.append(
                VerifyProblem(str(object_path(work, file.sha1)), f"copy of {file.relpath} is gone")
            )
        else:
            contents[file.relpath] = content
    summary = contents.get(SUMMARY)
    if summary is not None:
        with tempfile.NamedTemporaryFile(prefix="glideinforge-summary-") as handle:
            handle.write(summary)
            handle.flush()
            report = verify_stage(stage, Path(handle.name))
        problems += report.problems
    stats = PublishStats()
    if problems:
        return stats, problems
    modes = {file.relpath: file.mode for file in target.files}
    for relpath, content in contents.items():
        if relpath == SUMMARY:
            continue
        path = work / relpath
        try:
            if path.read_bytes() == content:
                stats.unchanged += 1
                continue
        except OSError:
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, content, modes[relpath])
        stats.written += 1
        stats.bytes_written += len(content)
    assert summary is not None
    os.sync()
    write_atomically(work / SUMMARY, summary, durable=True)
    stats.written += 1
    return stats, problems

"""The frontend's reconfig lifecycle: snapshots, guards, changes against the live state.

Publishing, recording, gc and rollback are the shared ones (``creation.lib``);
this module supplies what is particular to a frontend: its identity, its
levels (``main`` and one per group) and the live ``frontend.descript``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glideinforge.creation.lib.attrs import Attr
from glideinforge.creation.lib.changes import Changes, canonical_json, compare
from glideinforge.creation.lib.dict_files import read_dict_file
from glideinforge.creation.lib.guards import GuardInputs, Overrides
from glideinforge.creation.lib.guards import guard_errors as shared_guard_errors
from glideinforge.creation.lib.history import read_object, record_snapshots
from glideinforge.creation.lib.publish import publish_state
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.states import RecordedStates, read_recorded, state_recorder
from glideinforge.frozen import frozen

from .compile import CompiledFrontend
from .model import Frontend

__all__ = [
    "FrontendLive",
    "frontend_identity",
    "frontend_snapshots",
    "guard_errors",
    "live_changes",
    "no_submit_file",
    "publish_frontend",
    "read_frontend_live",
]

_FLAGS = ("parameter", "glidein_publish", "job_publish")


def frontend_identity(frontend: Frontend) -> dict[str, str]:
    """Return the names and directories that may only change with ``--force-rename``."""
    return {
        "frontend_name": frontend.name,
        "work_dir": str(frontend.work_dir),
        "stage_dir": str(frontend.stage_dir),
        "log_dir": str(frontend.log_dir),
        "monitor_dir": str(frontend.monitor_dir),
    }


def _attr_snapshot(attr: Attr) -> dict[str, Any]:
    return {
        "value": attr.value,
        "type": attr.type.value,
        "flags": [flag for flag in _FLAGS if getattr(attr, flag)],
    }


def frontend_snapshots(compiled: CompiledFrontend) -> dict[str, bytes]:
    """Return each level's snapshot (``main`` and ``group_<name>``) as canonical JSON."""
    frontend = compiled.frontend
    global_attrs = {attr.name: _attr_snapshot(attr) for attr in frontend.attrs}
    levels: dict[str, Any] = {"main": {"attrs": global_attrs}}
    for group in frontend.groups:
        attrs = dict(global_attrs)
        attrs.update({attr.name: _attr_snapshot(attr) for attr in group.attrs})
        levels[f"group_{group.name}"] = {
            "enabled": group.enabled,
            "settings": {
                "match_expr": group.match.match_expr,
                "start_expr": group.match.start_expr,
                "security_name": group.security.security_name or frontend.security_name,
            },
            "attrs": attrs,
        }
    return {name: canonical_json(level) for name, level in levels.items()}


@frozen
class FrontendLive:
    """What the existing frontend work dir holds."""

    work_dir: Path
    descript: dict[str, str]
    recorded: RecordedStates

    @property
    def exists(self) -> bool:
        """Return True when a frontend was published here before."""
        return bool(self.descript) or self.recorded.current is not None

    @property
    def enabled_groups(self) -> list[str]:
        """Return the groups the live frontend.descript serves."""
        return [name for name in self.descript.get("Groups", "").split(",") if name]


def read_frontend_live(work_dir: Path) -> FrontendLive:
    """Read the live state of a frontend work dir (empty when nothing was published)."""
    return FrontendLive(
        work_dir, read_dict_file(work_dir / "frontend.descript"), read_recorded(work_dir)
    )


def guard_errors(
    compiled: CompiledFrontend,
    live: FrontendLive,
    *,
    force_delete: bool,
    force_rename: bool,
    upgrade: bool,
) -> list[str]:
    """Return why publishing ``compiled`` over ``live`` must not go ahead (empty: go)."""
    if not live.exists:
        return []
    current = live.recorded.current
    if current is not None and current.identity:
        before = dict(current.identity)
    else:  # a work dir without records (made by GlideinWMS): only the name can be told
        name = live.descript.get("FrontendName")
        before = {"frontend_name": name} if name else {}
    inputs = GuardInputs(
        tool="gfrontend",
        levels="groups",
        work_dir=live.work_dir,
        live_enabled=live.enabled_groups,
        new_names={group.name for group in compiled.frontend.groups},
        live_identity=before,
        new_identity=frontend_identity(compiled.frontend),
        live_version=current.version if current is not None else None,
    )
    return shared_guard_errors(inputs, Overrides(force_delete, force_rename, upgrade))


def live_changes(
    compiled: CompiledFrontend, live: FrontendLive, levels: dict[str, bytes]
) -> Changes:
    """Compare ``compiled`` with the live state's recorded snapshots."""
    new = {name: json.loads(content) for name, content in levels.items()}
    old: dict[str, Any] = {}
    current = live.recorded.current
    index = record_snapshots(live.work_dir, current) if current is not None else None
    for name, sha1 in (index or {}).items():
        content = read_object(live.work_dir, sha1)
        if content is not None:
            old[name] = json.loads(content)
    if index is None and live.enabled_groups:
        old = {"main": {"attrs": new["main"]["attrs"]}}
        old |= {
            f"group_{name}": {
                "enabled": True,
                "settings": {},
                "attrs": new.get(f"group_{name}", {}).get("attrs", {}),
            }
            for name in live.enabled_groups
        }
    del compiled
    return compare(old, new, no_submit_file, set(), {})


def no_submit_file(relpath: str) -> None:
    """Frontends have no submit files: every lookup finds none."""
    del relpath


def _runtime_directories(frontend: Frontend) -> list[Path]:
    """Return the lock and log directories the frontend daemons write into."""
    directories = [frontend.work_dir / "lock", frontend.log_dir / "frontend"]
    for group in frontend.groups:
        directories += [
            frontend.work_dir / f"group_{group.name}" / "lock",
            frontend.log_dir / f"group_{group.name}",
        ]
    return directories


def publish_frontend(
    compiled: CompiledFrontend,
    live: FrontendLive,
    levels: dict[str, bytes],
    *,
    repair: bool = False,
) -> PublishStats:
    """Publish the stage, the work dir and, last and atomically, ``signatures.sha1``.

    ``repair`` replaces content-named files whose bytes are wrong.
    """
    frontend = compiled.frontend
    record: Callable[[PublishStats], None] = state_recorder(
        work=frontend.work_dir,
        work_files=compiled.work_files,
        summary=compiled.summary,
        levels=levels,
        identity=frontend_identity(frontend),
        states=live.recorded.states,
        current=live.recorded.current,
    )
    return publish_state(
        stage_root=frontend.stage_dir,
        stage_directories=[directory.files for directory in compiled.stage],
        work_root=frontend.work_dir,
        work_files=compiled.work_files,
        summary=compiled.summary,
        runtime_directories=_runtime_directories(frontend),
        output_roots=(frontend.log_dir,),
        before_summary=record,
        repair=repair,
    )

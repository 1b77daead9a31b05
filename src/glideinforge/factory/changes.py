"""What changes between two factory states: entries, effective attrs, settings, submit files.

A state is described by per-level snapshots (plain JSON, kept with each
published state) and the text of its submit files. ``snapshots`` makes them
from a compiled factory; ``compare`` lists the differences.
"""

from __future__ import annotations

from typing import Any

from glideinforge.creation.lib.changes import (
    WARN_SETTINGS,
    AttrChange,
    Changes,
    EntryChange,
    canonical_json,
    compare,
)

from .compile import CompiledFactory
from .model import Attr, Entry

__all__ = [
    "WARN_SETTINGS",
    "AttrChange",
    "Changes",
    "EntryChange",
    "compare",
    "snapshots",
    "submit_files",
]

_FLAGS = ("const", "publish", "parameter", "glidein_publish", "job_publish")
_SETTINGS = ("gatekeeper", "gridtype", "auth_method", "trust_domain", "work_dir", "verbosity")


def _attr_snapshot(attr: Attr) -> dict[str, Any]:
    return {
        "value": attr.value,
        "type": attr.type.value,
        "flags": [flag for flag in _FLAGS if getattr(attr, flag)],
    }


def _entry_snapshot(entry: Entry, global_attrs: dict[str, Any], schedd: str) -> dict[str, Any]:
    effective = dict(global_attrs)
    effective.update({attr.name: _attr_snapshot(attr) for attr in entry.attrs})
    settings = {name: getattr(entry, name) for name in _SETTINGS}
    settings["schedd"] = schedd
    return {"enabled": entry.enabled, "settings": settings, "attrs": effective}


def snapshots(compiled: CompiledFactory) -> dict[str, bytes]:
    """Return each level's snapshot as canonical JSON bytes ("main" and each entry name)."""
    factory = compiled.factory
    global_attrs = {attr.name: _attr_snapshot(attr) for attr in factory.attrs}
    levels: dict[str, Any] = {"main": {"attrs": global_attrs}}
    for entry in factory.entries:
        levels[entry.name] = _entry_snapshot(entry, global_attrs, compiled.schedds[entry.name])
    return {name: canonical_json(level) for name, level in levels.items()}


def submit_files(compiled: CompiledFactory) -> dict[str, bytes]:
    """Return each submit file's text by work-dir path (``entry_X/job.condor``)."""
    return {
        file.relpath: file.content
        for file in compiled.work_files
        if file.content is not None and file.relpath.rsplit("/", 1)[-1].endswith(".condor")
    }

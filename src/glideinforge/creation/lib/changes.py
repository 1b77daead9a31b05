"""What changes between two published states: levels, effective attrs, settings, submit files.

A state is described by per-level snapshots (plain JSON, kept with each
published state: ``main`` and one per entry or group, each with ``enabled``,
``settings`` and ``attrs``) and the text of its submit files; ``compare``
lists the differences. The factory calls its levels entries, the frontend groups.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glideinforge.frozen import frozen

__all__ = [
    "WARN_SETTINGS",
    "AttrChange",
    "Changes",
    "EntryChange",
    "canonical_json",
    "compare",
]

WARN_SETTINGS = ("gridtype", "auth_method")
"""Settings whose change affects the glideins of the entry already running."""


def canonical_json(level: Mapping[str, Any]) -> bytes:
    """Return a snapshot as canonical JSON bytes (equal snapshots, equal bytes)."""
    return json.dumps(level, sort_keys=True, separators=(",", ":")).encode()


@frozen
class AttrChange:
    """One attr whose effective value or flags differ."""

    name: str
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    def describe(self) -> str:
        """Return ``NAME: old -> new`` in words."""

        def text(side: Mapping[str, Any] | None) -> str:
            if side is None:
                return "(unset)"
            flags = ",".join(side["flags"]) or "-"
            return f"{side['value']!r} ({side['type']}; {flags})"

        return f"{self.name}: {text(self.old)} -> {text(self.new)}"


@dataclass
class EntryChange:
    """How one entry differs."""

    name: str
    status: str  # added, removed, enabled, disabled, changed
    attrs: list[AttrChange] = field(default_factory=list)
    settings: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    submit_diff: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the change as plain data."""
        return {
            "entry": self.name,
            "status": self.status,
            "attrs": [{"name": c.name, "old": c.old, "new": c.new} for c in self.attrs],
            "settings": {name: {"old": o, "new": n} for name, (o, n) in self.settings.items()},
            "submit_diff": self.submit_diff,
        }


@dataclass
class Changes:
    """Every difference between two states."""

    entries: list[EntryChange] = field(default_factory=list)
    main_attrs: list[AttrChange] = field(default_factory=list)
    first_publish: bool = False
    """Nothing was published before: every level is new (not listed one by one)."""

    @property
    def empty(self) -> bool:
        """Return True when nothing differs."""
        return not self.entries and not self.main_attrs

    def warnings(self) -> list[str]:
        """Return a warning per entry whose gridtype or auth_method changes."""
        return [
            f"entry {change.name}: {name} changes from {old!r} to {new!r}; "
            "glideins of this entry already submitted or running are affected"
            for change in self.entries
            for name, (old, new) in change.settings.items()
            if name in WARN_SETTINGS and old is not None and new is not None
        ]

    def to_json(self) -> dict[str, Any]:
        """Return the changes as plain data."""
        return {
            "entries": [change.to_json() for change in self.entries],
            "main_attrs": [{"name": c.name, "old": c.old, "new": c.new} for c in self.main_attrs],
            "first_publish": self.first_publish,
        }


def _attr_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[AttrChange]:
    return [
        AttrChange(name, old.get(name), new.get(name))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    ]


def _submit_diff(name: str, old: bytes | None, new: bytes | None) -> list[str]:
    import difflib  # noqa: PLC0415 - only a changed submit file needs it

    old_lines = (old or b"").decode("latin-1").splitlines()
    new_lines = (new or b"").decode("latin-1").splitlines()
    diff = difflib.unified_diff(old_lines, new_lines, f"a/{name}", f"b/{name}", n=0, lineterm="")
    return list(diff)


def _status(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old["enabled"] != new["enabled"]:
        return "enabled" if new["enabled"] else "disabled"
    return "changed"


def compare(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    old_submit: Callable[[str], bytes | None],
    old_submit_paths: set[str],
    new_submit: Mapping[str, bytes],
) -> Changes:
    """Compare two states' snapshots (decoded) and submit files.

    ``old_submit`` returns the old text of a work-dir submit file (None when
    absent); ``old_submit_paths`` are the old state's submit files.
    """
    changes = Changes(
        main_attrs=_attr_changes(old.get("main", {}).get("attrs", {}), new["main"]["attrs"])
    )
    names = [name for name in new if name != "main"]
    names += sorted(name for name in old if name != "main" and name not in new)
    submit_paths: dict[str, list[str]] = {}
    for path in sorted(new_submit.keys() | old_submit_paths):
        submit_paths.setdefault(path.split("/", 1)[0], []).append(path)
    for name in names:
        before, after = old.get(name), new.get(name)
        change = EntryChange(name, _status(before, after))
        before_settings = (before or {}).get("settings", {})
        after_settings = (after or {}).get("settings", {})
        change.settings = {
            key: (before_settings.get(key), after_settings.get(key))
            for key in sorted(before_settings.keys() | after_settings.keys())
            if before_settings.get(key) != after_settings.get(key)
        }
        change.attrs = _attr_changes(
            (before or {}).get("attrs", {}), (after or {}).get("attrs", {})
        )
        for path in submit_paths.get(f"entry_{name}", []):
            old_text, new_text = old_submit(path), new_submit.get(path)
            if old_text != new_text:
                change.submit_diff += _submit_diff(path, old_text, new_text)
        if change.status != "changed" or change.attrs or change.settings or change.submit_diff:
            changes.entries.append(change)
    return changes

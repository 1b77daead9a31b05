"""The few lines after a reconfig that say what changed, where it went and what to do next."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SHOWN_NAMES", "change_lines", "next_step"]

SHOWN_NAMES = 10
"""Names listed per kind of change; ``--verbose`` lists every one."""

_STATUSES = ("added", "removed", "enabled", "disabled", "changed")


def _named(change: Mapping[str, Any], level: str) -> str:
    """``NAME`` or ``NAME (attr, setting, ...)`` for a changed level."""
    name = str(change[level])
    what = [item["name"] for item in change.get("attrs", ())] + list(change.get("settings", {}))
    if change.get("submit_diff") and not what:
        what.append("submit file")
    return f"{name} ({', '.join(what)})" if what and change["status"] != "added" else name


def _listed(names: Sequence[str], verbose: bool) -> str:
    shown = names if verbose else names[:SHOWN_NAMES]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f", ... and {more} more (--verbose lists them)" if more else "")


def change_lines(changes: Mapping[str, Any], levels: str, *, verbose: bool = False) -> list[str]:
    """Return one line per kind of change (``levels``: ``entries`` or ``groups``).

    Levels added, removed, enabled, disabled and changed (with the attrs and
    settings that changed), then the main attrs; a first publish says so.
    """
    level = "entry" if levels == "entries" else "group"
    if changes.get("first_publish"):
        return ["  first publish of this work dir: every file is new"]
    by_status: dict[str, list[str]] = {status: [] for status in _STATUSES}
    for change in changes.get(levels, ()):
        by_status.setdefault(change["status"], []).append(_named(change, level))
    lines = [
        f"  {status}: {_listed(names, verbose)}" for status, names in by_status.items() if names
    ]
    main = [item["name"] for item in changes.get("main_attrs", ())]
    if main:
        lines.append(f"  main attrs changed: {_listed(main, verbose)}")
    return lines


def next_step(prog: str, config: str, changed: bool, root: str | None = None) -> str:
    """Return what the operator does next (the command names ``--root`` when one was given)."""
    if not changed:
        return "nothing to do: the published state is this configuration"
    words = [prog, "verify", config, *(["--root", root] if root is not None else [])]
    return f"{shlex.join(words)}  (checks every published file against its signature)"

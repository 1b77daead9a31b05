"""The guards of reconfig and upgrade, for any tool: removals, renames, version changes."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from glideinforge import __version__
from glideinforge.frozen import frozen

__all__ = ["GuardInputs", "Overrides", "guard_errors"]


@frozen
class GuardInputs:
    """The live state and the new one, as the guards compare them.

    Attributes:
        tool: ``gfactory`` or ``gfrontend`` (named in the upgrade hint).
        levels: what the live state serves, in words (``entries``, ``groups``).
        work_dir: the live work dir.
        live_enabled: the levels the live state serves.
        new_names: every level of the new configuration, disabled ones included.
        live_identity: the live names and directories (empty when unknown).
        new_identity: the new ones.
        live_version: the glideinforge version of the live state (None when not recorded).
    """

    tool: str
    levels: str
    work_dir: Path
    live_enabled: Iterable[str]
    new_names: Collection[str]
    live_identity: Mapping[str, str]
    new_identity: Mapping[str, str]
    live_version: str | None


@frozen
class Overrides:
    """The command-line options that lift a guard."""

    force_delete: bool
    force_rename: bool
    upgrade: bool


def guard_errors(inputs: GuardInputs, overrides: Overrides) -> list[str]:
    """Return why publishing over the live state must not go ahead (empty: go)."""
    errors = []
    removed = [name for name in inputs.live_enabled if name not in inputs.new_names]
    if removed and not overrides.force_delete:
        errors.append(
            f"enabled {inputs.levels} would be removed: "
            + ", ".join(removed)
            + "; disable them first, or pass --force-delete"
        )
    before, after = inputs.live_identity, inputs.new_identity
    renamed = [
        f"{key} changes from {before[key]!r} to {after[key]!r}"
        for key in after
        if key in before and before[key] != after[key]
    ]
    if renamed and not overrides.force_rename:
        errors.append(
            f"{inputs.work_dir} was published with other names or directories: "
            + "; ".join(renamed)
            + "; pass --force-rename if this is intended"
        )
    version = inputs.live_version
    if version is not None and version != __version__ and not overrides.upgrade:
        product = inputs.tool.removeprefix("g")
        errors.append(
            f"the live state was made by glideinforge {version} and this is "
            f"{__version__}: run `{inputs.tool} upgrade` to move the {product} to the new version"
        )
    return errors

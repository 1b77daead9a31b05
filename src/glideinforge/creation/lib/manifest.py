"""The web_base manifest: which shipped and generated files go into which list."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from glideinforge.creation.web_base import WEB_BASE
from glideinforge.frozen import frozen

__all__ = [
    "LEVELS",
    "MAIN_LISTS",
    "MANIFEST",
    "STARTUP_SCRIPT",
    "LevelLayout",
    "Manifest",
    "ManifestRow",
    "level_layout",
    "startup_script",
    "web_base_file",
]

MAIN_LISTS = ("file_list", "precvmfs_file_list", "at_file_list", "after_file_list")
"""Main file lists in GlideinWMS's order (the entry has only ``file_list``)."""


@frozen
class ManifestRow:
    """One manifest row: a shipped file, a generated file, or a compiler slot."""

    kind: str  # "file", "generated" or "slot"
    name: str  # file name, generated-file id, or slot id
    key: str  # Outfile key ("" for slots)
    type: str = "regular"
    period: int = 0
    prefix: str = "GLIDEIN_PS_"
    condition: str = "TRUE"
    config_out: str = "FALSE"


@frozen
class LevelLayout:
    """One level's lists (in description order) and its extra description lines."""

    lists: Mapping[str, tuple[ManifestRow, ...]]
    description: tuple[tuple[str, str], ...] = ()
    """(description key, Outfile key of a row), placed after the first list's line."""

    def uses(self, generated: str) -> bool:
        """Return whether a row of this level is the generated file ``generated``."""
        return any(
            row.kind == "generated" and row.name == generated
            for rows in self.lists.values()
            for row in rows
        )


LEVELS = ("main", "entry", "client", "client_group")
"""Factory main and entry, frontend main (client) and group (client_group)."""


@frozen
class Manifest:
    """The list layout of every level."""

    levels: Mapping[str, LevelLayout]

    @property
    def main(self) -> Mapping[str, tuple[ManifestRow, ...]]:
        """Return the factory main lists."""
        return self.levels["main"].lists

    @property
    def entry(self) -> Mapping[str, tuple[ManifestRow, ...]]:
        """Return the factory entry lists."""
        return self.levels["entry"].lists

    @property
    def main_description(self) -> tuple[tuple[str, str], ...]:
        """Return the factory main's extra description lines."""
        return self.levels["main"].description


def _row(raw: dict[str, Any]) -> ManifestRow:
    for kind in ("file", "generated", "slot"):
        if kind in raw:
            name = raw[kind]
            return ManifestRow(
                kind=kind,
                name=name,
                key=raw.get("key", name if kind == "file" else ""),
                type=raw.get("type", "regular"),
                period=raw.get("period", 0),
                prefix=raw.get("prefix", "GLIDEIN_PS_"),
                condition=raw.get("condition", "TRUE"),
                config_out=raw.get("config_out", "FALSE"),
            )
    raise ValueError(f"manifest row without file/generated/slot: {raw}")


def _level(raw: dict[str, Any], level: str) -> LevelLayout:
    lists = {name: tuple(_row(row) for row in rows) for name, rows in raw[level].items()}
    description = tuple((key, outfile) for key, outfile in raw.get(f"{level}_description", ()))
    keys = {row.key for rows in lists.values() for row in rows}
    for key, outfile in description:
        if outfile not in keys:
            raise ValueError(f"manifest: {level} description key {key} names {outfile}, not a row")
    return LevelLayout(MappingProxyType(lists), description)


def _load_manifest() -> Manifest:
    raw = json.loads((WEB_BASE / "manifest.json").read_text(encoding="utf-8"))
    return Manifest(MappingProxyType({level: _level(raw, level) for level in LEVELS}))


MANIFEST = _load_manifest()
"""The shipped manifest (read-only throughout)."""


def level_layout(level: str) -> LevelLayout:
    """Return the layout of one level (``main``, ``entry``, ``client``, ``client_group``)."""
    return MANIFEST.levels[level]


def web_base_file(name: str) -> Path:
    """Return the path of a shipped web_base file."""
    return WEB_BASE / name


STARTUP_SCRIPT = "glidein_startup.sh"
"""The script a glidein job runs first; placed in the work dir and at the stage root."""


def startup_script() -> Path | None:
    """Return the shipped ``glidein_startup.sh``, or None while web_base has none."""
    path = web_base_file(STARTUP_SCRIPT)
    return path if path.is_file() else None

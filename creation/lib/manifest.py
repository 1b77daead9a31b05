"""The web_base manifest: which shipped and generated files go into which list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = [
    "MAIN_LISTS",
    "STARTUP_SCRIPT",
    "Manifest",
    "ManifestRow",
    "load_manifest",
    "startup_script",
    "web_base_file",
]

MAIN_LISTS = ("file_list", "precvmfs_file_list", "at_file_list", "after_file_list")
"""Main file lists in GlideinWMS's order (the entry has only ``file_list``)."""

_WEB_BASE = "glideinforge.creation.web_base"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Manifest:
    """The main and entry list layouts, and the extra main description lines."""

    main: dict[str, tuple[ManifestRow, ...]]
    entry: dict[str, tuple[ManifestRow, ...]]
    main_description: tuple[tuple[str, str], ...] = ()
    """(description key, Outfile key of a main-list row), in description order."""


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


@cache
def load_manifest() -> Manifest:
    """Return the shipped manifest, parsed once."""
    raw = json.loads(files(_WEB_BASE).joinpath("manifest.json").read_text(encoding="utf-8"))
    manifest = Manifest(
        main={name: tuple(_row(row) for row in rows) for name, rows in raw["main"].items()},
        entry={name: tuple(_row(row) for row in rows) for name, rows in raw["entry"].items()},
        main_description=tuple((key, outfile) for key, outfile in raw.get("main_description", ())),
    )
    main_keys = {row.key for rows in manifest.main.values() for row in rows}
    for key, outfile in manifest.main_description:
        if outfile not in main_keys:
            raise ValueError(f"manifest: description key {key} names {outfile}, not a main row")
    return manifest


@cache
def web_base_file(name: str) -> Path:
    """Return the path of a shipped web_base file."""
    return Path(str(files(_WEB_BASE).joinpath(name)))


STARTUP_SCRIPT = "glidein_startup.sh"
"""The script a glidein job runs first; placed in the work dir and at the stage root."""


def startup_script() -> Path | None:
    """Return the shipped ``glidein_startup.sh``, or None while web_base has none."""
    path = web_base_file(STARTUP_SCRIPT)
    return path if path.is_file() else None

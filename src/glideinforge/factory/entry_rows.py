"""One row per entry, as ``inspect`` lists them; recorded with each publish so it answers fast."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from glideinforge.creation.lib.explain import AttrLevel, LevelRole, effective_value
from glideinforge.frozen import frozen

if TYPE_CHECKING:
    from .compile import CompiledFactory

__all__ = [
    "EntryRow",
    "EntrySelection",
    "RowDocument",
    "entry_levels",
    "entry_rows",
    "main_stage_bytes",
    "merged_rows",
    "recorded_rows",
    "totals",
]

RowDocument = dict[str, Any]
"""An entry's row as recorded (``EntryRow.to_json``)."""


@frozen
class EntryRow:
    """What ``inspect`` shows of one entry."""

    name: str
    enabled: bool
    gridtype: str
    gatekeeper: str
    auth_method: str
    schedd: str
    attrs: int
    """Attrs the entry sets itself."""
    files: int
    """Files the entry adds itself."""
    staged_bytes: int
    """Bytes of the entry's stage directory."""
    site: str = ""
    """The entry's effective ``GLIDEIN_Site``."""

    def to_json(self) -> dict[str, Any]:
        """Return the row as JSON-ready data (by hand: ``asdict`` costs 60 ms a publish)."""
        return {
            "name": self.name,
            "enabled": self.enabled,
            "gridtype": self.gridtype,
            "gatekeeper": self.gatekeeper,
            "auth_method": self.auth_method,
            "schedd": self.schedd,
            "attrs": self.attrs,
            "files": self.files,
            "staged_bytes": self.staged_bytes,
            "site": self.site,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> EntryRow:
        """Read a row written by ``to_json``."""
        return cls(**{field.name: raw[field.name] for field in fields(cls) if field.name in raw})


_SORTED_BY = {
    "bytes": lambda row: (-row.staged_bytes, row.name),
    "attrs": lambda row: (-row.attrs, row.name),
    "files": lambda row: (-row.files, row.name),
}


@frozen
class EntrySelection:
    """Which entries ``inspect`` lists, and in which order."""

    grep: re.Pattern[str] | None = None
    """Matched against the name, gridtype, site, gatekeeper, auth method and schedd."""
    gridtype: str | None = None
    enabled: bool | None = None
    sort: str = "name"
    """One of ``entry_sort.SORT_KEYS``; numbers sort largest first."""

    def apply(self, rows: Iterable[EntryRow]) -> list[EntryRow]:
        """Return the selected rows, sorted."""
        chosen = [
            row
            for row in rows
            if (self.enabled is None or row.enabled is self.enabled)
            and (self.gridtype is None or row.gridtype == self.gridtype)
            and (self.grep is None or self.grep.search(_searched(row)))
        ]
        key = _SORTED_BY.get(self.sort, lambda row: (getattr(row, self.sort), row.name))
        return sorted(chosen, key=key)


def _searched(row: EntryRow) -> str:
    """Return the text ``--grep`` searches: one line per field, so no match spans two."""
    return (
        f"{row.name}\n{row.gridtype}\n{row.site}\n{row.gatekeeper}\n{row.auth_method}\n{row.schedd}"
    )


def entry_rows(compiled: CompiledFactory) -> tuple[EntryRow, ...]:
    """Return the rows of the entries ``compiled`` holds, in configuration order."""
    directories = compiled.stage_directories()
    return tuple(
        EntryRow(
            name=entry.name,
            enabled=entry.enabled,
            gridtype=entry.gridtype,
            gatekeeper=entry.gatekeeper,
            auth_method=entry.auth_method,
            schedd=compiled.schedds[entry.name],
            attrs=len(entry.attrs),
            files=len(entry.files),
            staged_bytes=sum(file.size for file in directories[f"entry_{entry.name}"].files),
            site=effective_value(entry_levels(compiled, entry.name), "GLIDEIN_Site") or "",
        )
        for entry in compiled.factory.entries
    )


def recorded_rows(report: Mapping[str, object]) -> tuple[list[RowDocument], int] | None:
    """Return the rows and main stage bytes a fingerprint's report recorded (None: none)."""
    documents, main_bytes = report.get("entries"), report.get("main_bytes")
    if not isinstance(documents, list) or not isinstance(main_bytes, int):
        return None
    if not all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in documents):
        return None
    return documents, main_bytes


def merged_rows(
    recorded: tuple[list[RowDocument], int], compiled: CompiledFactory
) -> tuple[list[RowDocument], int]:
    """Return the recorded rows with those of the entries ``compiled`` holds replaced.

    The kept entries' rows stay the documents they were recorded as (none is read
    into an ``EntryRow`` and written back); so does the main stage directory's bytes
    when ``compiled`` kept it.
    """
    documents, main_bytes = recorded
    fresh = {row.name: row.to_json() for row in entry_rows(compiled)}
    fresh_main = main_stage_bytes(compiled)
    merged = [fresh.get(document["name"], document) for document in documents]
    return merged, main_bytes if fresh_main is None else fresh_main


def entry_levels(compiled: CompiledFactory, entry: str) -> list[AttrLevel]:
    """Return the factory's levels of ``entry``: its main attrs, then the entry's own."""
    return [
        AttrLevel(LevelRole.FACTORY_MAIN, "factory main", compiled.routed_main),
        AttrLevel(LevelRole.FACTORY_ENTRY, f"entry {entry}", compiled.routed_entries[entry]),
    ]


def main_stage_bytes(compiled: CompiledFactory) -> int | None:
    """Return the bytes of the main stage directory (None when ``compiled`` has none)."""
    main = compiled.stage_directories().get("main")
    return None if main is None else sum(file.size for file in main.files)


def totals(rows: Sequence[EntryRow]) -> dict[str, Any]:
    """Return the entries by state and by gridtype (most first)."""
    enabled = sum(row.enabled for row in rows)
    return {
        "entries": len(rows),
        "enabled": enabled,
        "disabled": len(rows) - enabled,
        "gridtypes": dict(Counter(row.gridtype for row in rows).most_common()),
    }

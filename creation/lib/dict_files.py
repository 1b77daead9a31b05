"""Read the work dir's dictionary files ("key<space><tab>value" lines after a "# File:" header)."""

from __future__ import annotations

from pathlib import Path

from .staged import PlannedFile, planned_bytes
from .templating import render

__all__ = ["plan_dict_file", "read_dict_file", "summary_rows"]


def plan_dict_file(relpath: str, rows: list[tuple[str, object]], *, as_repr: bool) -> PlannedFile:
    """Plan an unversioned work-dir dictionary file: StrDict (``str``) or ReprDict (``repr``)."""
    name = relpath.rsplit("/", 1)[-1]
    formatted = [(key, repr(value) if as_repr else str(value)) for key, value in rows]
    return planned_bytes(
        relpath, render("dict_file.j2", name=name, rows=formatted), versioned=False
    )


def read_dict_file(path: Path) -> dict[str, str]:
    """Return the key/value pairs of a dictionary file; empty when it cannot be read."""
    try:
        text = path.read_text(encoding="latin-1")
    except OSError:
        return {}
    pairs = (line.partition(" \t") for line in text.splitlines() if not line.startswith("#"))
    return {key: value for key, _, value in pairs if key}


def summary_rows(text: str) -> list[tuple[str, str, str]]:
    """Return the (signature SHA-1, description name, key) rows of a ``signatures.sha1``.

    Comment and malformed lines are skipped (``verify`` is the place that reports them).
    """
    rows = []
    for line in text.splitlines():
        parts = line.split("  ")
        if len(parts) == 3 and not line.startswith("#"):
            rows.append((parts[0], parts[1], parts[2]))
    return rows

"""Read the work dir's dictionary files ("key<space><tab>value" lines after a "# File:" header)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .staged import PlannedFile, planned_bytes
from .templating import Templates

__all__ = ["RenderedDicts", "plan_dict_file", "read_dict_file", "summary_rows"]

RenderedDicts = dict[tuple[str, tuple[tuple[str, str], ...]], tuple[bytes, str]]
"""One run's dictionary files rendered so far, by name and text (bytes and SHA-1)."""


def plan_dict_file(
    templates: Templates,
    relpath: str,
    rows: Sequence[tuple[str, object]],
    *,
    as_repr: bool,
    rendered: RenderedDicts | None = None,
) -> PlannedFile:
    """Plan an unversioned work-dir dictionary file: StrDict (``str``) or ReprDict (``repr``).

    Many entries share a file's exact text (same params, same submit attrs):
    with the run's ``rendered`` it is rendered and hashed once, keyed by the
    formatted text, never by values that merely compare equal (``1 == True``).
    """
    name = relpath.rsplit("/", 1)[-1]
    formatted = tuple((key, repr(value) if as_repr else str(value)) for key, value in rows)
    known = rendered.get((name, formatted)) if rendered is not None else None
    if known is None:
        planned = planned_bytes(
            relpath, templates.render("dict_file.j2", name=name, rows=formatted), versioned=False
        )
        assert planned.content is not None
        if rendered is not None:
            rendered[name, formatted] = (planned.content, planned.sha1)
        return planned
    content, sha1 = known
    return PlannedFile(relpath, sha1, content=content, versioned=False)


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

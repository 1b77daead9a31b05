"""Pin each diagnostic to the line and column of its attribute, or of its element's tag.

lxml gives an element the line its start tag *ends* on, and no column: a problem with
an attribute of a start tag spread over several lines would point past it. Once the
(few) diagnostics of a check are known, each is moved to where its attribute name,
or its ``<tag``, starts in the file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .diagnostics import Diagnostic, Source
from .inputs import InputError, read_input
from .xml_tree import MAX_FILE_BYTES

__all__ = ["pinpoint"]

_LAST_STEP = re.compile(
    r"/(?P<tag>[\w.-]+)(?:\[@(?P<key>[\w.-]+)='(?P<value>[^']*)'\])?(?:\[\d+\])?$"
)


class _Text:
    """A file's text and where each of its lines starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def offset(self, line: int) -> int:
        """Return the offset just past line ``line`` (1-based)."""
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of ``offset``."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


def _read(file: str) -> _Text | None:
    try:
        return _Text(read_input(Path(file), MAX_FILE_BYTES).decode("utf-8", "replace"))
    except (OSError, InputError):
        return None


_ATTRIBUTE = re.compile(r"""\s+([\w.:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_START_TAG = re.compile(r"""<[\w.:-]+(?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


def _attributes(text: str, start: int, end: int) -> dict[str, tuple[int, str]]:
    """Return each attribute of the start tag at ``start:end``: where its name starts, its value."""
    return {
        found[1]: (found.start(1), found[2][1:-1])
        for found in _ATTRIBUTE.finditer(text, start, end)
    }


def _start_tag(
    text: _Text, line: int, tag: str, key: tuple[str, str] | None
) -> tuple[int, int] | None:
    """Return the span of the start tag of ``tag`` that ends on ``line`` (None: not found)."""
    line_start = text.starts[line - 1] if line - 1 < len(text.starts) else len(text.text)
    line_end = text.offset(line)
    end = line_end
    while (start := text.text.rfind(f"<{tag}", 0, end)) >= 0:
        end = start
        matched = _START_TAG.match(text.text, start)
        if matched is None or matched.end() - 1 < line_start or matched.end() > line_end:
            continue
        name_end = start + 1 + len(tag)
        if text.text[name_end] not in " \t\r\n/>":
            continue
        if (
            key is None
            or _attributes(text.text, name_end, matched.end()).get(key[0], (0, None))[1] == key[1]
        ):
            return start, matched.end()
    return None


def _pinned(diagnostic: Diagnostic, text: _Text) -> Source | None:
    path, separator, attribute = diagnostic.path.rpartition("/@")
    if not separator:
        path, attribute = diagnostic.path, ""
    step = _LAST_STEP.search(path)
    if step is None:
        return None
    key = (step["key"], step["value"]) if step["key"] else None
    span = _start_tag(text, diagnostic.source.line, step["tag"], key)
    if span is None:
        return None
    # An attribute left to its default is pinned to its element's tag.
    offset = _attributes(text.text, span[0], span[1]).get(attribute, (span[0], ""))[0]
    line, column = text.position(offset)
    return Source(diagnostic.source.file, line, column)


def pinpoint(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Return ``diagnostics``, each at its attribute's (or tag's) line and column where found."""
    texts: dict[str, _Text | None] = {}

    def pinned(diagnostic: Diagnostic) -> Diagnostic:
        source = diagnostic.source
        if source.column is not None or not diagnostic.path.startswith("/"):
            return diagnostic
        if source.file not in texts:
            texts[source.file] = _read(source.file)
        text = texts[source.file]
        found = None if text is None else _pinned(diagnostic, text)
        return diagnostic if found is None else replace(diagnostic, source=found)

    return [pinned(diagnostic) for diagnostic in diagnostics]

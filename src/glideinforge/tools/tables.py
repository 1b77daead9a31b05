"""Tables: drawn to the terminal's width on a terminal, plain aligned text when piped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from glideinforge.frozen import frozen

__all__ = ["TextTable", "print_table", "staged_files_table"]


@frozen
class TextTable:
    """A titled table of text cells."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]


def print_table(table: TextTable, stream: TextIO) -> None:
    """Write ``table``: rich, fitted to the terminal, or unboxed text for a pipe or file.

    Plain text is the title, a header and one line per row, columns separated by two
    spaces and padded to their widest cell; no cell is cut, so ``grep``, ``awk`` and
    ``sort`` see every value whole.
    """
    if stream.isatty():
        from rich.console import Console  # noqa: PLC0415 - only for a terminal
        from rich.table import Table  # noqa: PLC0415

        drawn = Table(title=table.title)
        for column in table.columns:
            drawn.add_column(column, overflow="fold")
        for row in table.rows:
            drawn.add_row(*row)
        Console(file=stream, highlight=False).print(drawn)
        return
    lines = [table.columns, *table.rows]
    widths = [max(len(line[index]) for line in lines) for index in range(len(table.columns))]
    stream.write(table.title + "\n")
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
        stream.write("  ".join([*cells, line[-1]]).rstrip() + "\n")


def staged_files_table(title: str, staged: Sequence[dict[str, object]]) -> TextTable:
    """Return the table of a stage directory's files (``inspect ENTRY`` and ``GROUP``)."""
    rows = [[str(row["path"]), str(row["sha1"]), str(row["bytes"])] for row in staged]
    return TextTable(title, ("file", "sha1", "bytes"), rows)

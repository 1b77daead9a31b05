"""A state's list of work-dir files, as its history object holds it.

One line per file, ``<sha1> <mode in octal> <relpath>``, sorted by relpath. The
files under one directory are one run of lines, so an incremental reconfig keeps
the kept entries' lines as byte runs, found by binary search, and reads none of
them into ``RecordedFile``s: 7,000 lines at 1,000 entries.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from glideinforge.frozen import frozen

__all__ = ["RecordedFile", "StateFiles", "file_list_bytes"]


class RecordedFile(NamedTuple):
    """One work-dir file of a state: where, which content, which mode.

    A named tuple rather than a frozen dataclass: a state lists every work file
    (7,000 at 1,000 entries).
    """

    relpath: str
    sha1: str
    mode: int = 0o644


_SHA1_WIDTH = 40


def _line(file: RecordedFile) -> str:
    return f"{file.sha1} {file.mode:o} {file.relpath}\n"


def _relpath_at(content: bytes, start: int) -> bytes:
    """Return the relpath of the line of ``content`` starting at ``start``."""
    mode_end = content.index(b" ", start + _SHA1_WIDTH + 1)
    return content[mode_end + 1 : content.index(b"\n", mode_end)]


def _last_relpath(lines: bytes) -> bytes:
    return _relpath_at(lines, lines.rfind(b"\n", 0, len(lines) - 1) + 1)


def _after(prefix: bytes) -> bytes:
    """Return the least string above every string starting with ``prefix``."""
    return prefix[:-1] + bytes([prefix[-1] + 1])


@frozen
class StateFiles:
    """A state's work files: the lines of its file-list object."""

    content: bytes

    def files(self) -> tuple[RecordedFile, ...]:
        """Return every file, in relpath order."""
        files = []
        for line in self.content.decode("utf-8").splitlines():
            sha1, mode, relpath = line.split(" ", 2)
            files.append(RecordedFile(relpath, sha1, int(mode, 8)))
        return tuple(files)

    def _first_at_or_above(self, relpath: bytes, low: int = 0) -> int:
        """Return where the first line whose relpath is not below ``relpath`` starts.

        ``low``: a line start at or before it. UTF-8 orders bytes as ``str`` orders
        code points, so the lines sorted by relpath are sorted by its bytes.
        """
        content = self.content
        high = len(content)
        while low < high:
            start = content.rfind(b"\n", low, (low + high) // 2) + 1 or low
            if _relpath_at(content, start) < relpath:
                low = content.index(b"\n", start) + 1
            else:
                high = start
        return low

    def span(self, prefix: str) -> tuple[int, int]:
        """Return the byte range of the lines whose relpath starts with ``prefix``."""
        encoded = prefix.encode()
        start = self._first_at_or_above(encoded)
        return start, self._first_at_or_above(_after(encoded), start)

    def files_under(self, prefix: str) -> tuple[RecordedFile, ...]:
        """Return the files whose relpath starts with ``prefix``."""
        start, end = self.span(prefix)
        return StateFiles(self.content[start:end]).files()

    def runs_without(self, prefix: str, cut: Iterable[str]) -> tuple[bytes, ...]:
        """Return the lines under ``prefix`` but those under each of ``cut``, as runs.

        Each run is a stretch of consecutive lines; the runs are in order.
        """
        start, end = self.span(prefix)
        runs = []
        for cut_start, cut_end in sorted(self.span(item) for item in cut):
            if cut_start > start:
                runs.append(self.content[start:cut_start])
            start = max(start, cut_end)
        if end > start:
            runs.append(self.content[start:end])
        return tuple(runs)


def file_list_bytes(files: Sequence[RecordedFile], runs: Sequence[bytes] = ()) -> bytes:
    """Return the file list of ``files`` and of the lines in ``runs`` (``runs_without``).

    No file of ``files`` may be under the same directory as a run's lines: each run
    then goes whole between two of them. Should one fall inside a run all the same,
    the runs are read into files and everything is sorted again.
    """
    lines = sorted((file.relpath, _line(file)) for file in files)
    if not runs:
        return "".join(line for _, line in lines).encode()
    pieces = sorted(
        [(relpath.encode(), line.encode()) for relpath, line in lines]
        + [(_relpath_at(run, 0), run) for run in runs]
    )
    for (_, before), (after, _) in itertools.pairwise(pieces):
        if _last_relpath(before) >= after:
            return file_list_bytes([*files, *(f for run in runs for f in StateFiles(run).files())])
    return b"".join(piece for _, piece in pieces)

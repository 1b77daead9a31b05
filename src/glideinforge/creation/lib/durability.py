"""Make what a run wrote durable with targeted fsyncs, never the machine-wide sync.

The files a run wrote or linked are fsynced first, then every directory that names one,
up to the output roots (and their parents, in case the run made a root): only then is
the record or summary that names them written, itself durably. A power loss therefore
leaves the old state or the new one, and the run waits for its own data only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["sync_written"]

_WORKERS = 8
"""fsyncs in flight at once (fsync releases the GIL; disks and journals batch them)."""


def _fsync(path: str, flags: int) -> None:
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:  # replaced since: its replacement is synced where written
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _directories(files: Iterable[str], roots: Iterable[Path]) -> list[str]:
    """Each file's directory and its ancestors up to a root's parent (deepest first)."""
    stops = {os.path.dirname(os.fspath(root).rstrip("/")) for root in roots}  # noqa: PTH120
    seen: set[str] = set()
    for name in files:
        directory = os.path.dirname(name)  # noqa: PTH120
        while directory and directory not in seen:
            seen.add(directory)
            if directory in stops or directory == "/":
                break
            directory = os.path.dirname(directory)  # noqa: PTH120
    return sorted(seen, key=len, reverse=True)


def sync_written(paths: Iterable[str | Path], roots: Iterable[Path]) -> int:
    """Fsync the files of ``paths``, then the directories naming them up to ``roots``.

    Returns the number of fsyncs made.
    """
    files = sorted({os.fspath(path) for path in paths})
    if not files:
        return 0
    directories = _directories(files, roots)
    with ThreadPoolExecutor(_WORKERS) as pool:
        list(pool.map(_fsync, files, [os.O_RDONLY] * len(files)))
        list(pool.map(_fsync, directories, [os.O_RDONLY | os.O_DIRECTORY] * len(directories)))
    return len(files) + len(directories)

"""Make what a run wrote durable with targeted syncs, never the machine-wide sync.

The files a run wrote or linked are made durable first, then every directory that names
one, up to the output roots (and their parents, in case the run made a root): only then
is the record or summary that names them written, itself durably. A power loss therefore
leaves the old state or the new one, and the run waits for its own file systems only.

A handful of files (an edit) are fsynced one after the other: starting threads would cost
more (measured, below), the more so beside a busy child process. Some more (a rollback)
are fsynced eight at a time. Many (a new factory: thousands of files) would cost one
journal commit each, several times what the whole machine's sync costs on a quiet disk;
their file systems are synced instead, each once (``syncfs``): other disks, and the
machine's other writers there, are not waited for beyond what shares the file system.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

__all__ = ["FSYNC_LIMIT", "sync_written"]

_WORKERS = 8
"""fsyncs in flight at once (fsync releases the GIL; the journal batches them)."""
_ONE_BY_ONE = 16
"""Up to this many paths, fsync them in this thread (measured: 10 files 3 ms alone, 4-7 ms
in threads; 100 files 14-30 ms alone, 6 ms in threads)."""
FSYNC_LIMIT = 512
"""Up to this many files, fsync each; beyond, sync their file systems."""


def _libc_syncfs() -> Callable[[int], int] | None:
    """Return the C library's ``syncfs`` (None: not Linux's); it sets ``errno`` on failure."""
    import ctypes  # noqa: PLC0415 - only a run of many files needs it

    try:
        function: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux's C library
        return None
    return function


def _fsync(path: str, flags: int) -> None:
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:  # replaced since: its replacement is synced where written
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _fsync_all(paths: Sequence[str], flags: int) -> None:
    """Call fsync on each of ``paths`` (``_WORKERS`` at a time when many); raise the first error."""
    if len(paths) <= _ONE_BY_ONE:
        for path in paths:
            _fsync(path, flags)
        return
    errors: list[BaseException] = []

    def work(share: Sequence[str]) -> None:
        try:
            for path in share:
                _fsync(path, flags)
        except BaseException as error:  # noqa: BLE001 - raised in the calling thread
            errors.append(error)

    started: list[threading.Thread] = []
    try:
        for start in range(min(_WORKERS, len(paths))):
            thread = threading.Thread(target=work, args=(paths[start::_WORKERS],))
            thread.start()
            started.append(thread)
    finally:
        for thread in started:
            thread.join()
    if errors:
        raise errors[0]


def _syncfs(path: str, syncfs: Callable[[int], int]) -> None:
    """Sync the file system holding the directory ``path``."""
    handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(handle) != 0:
            import ctypes  # noqa: PLC0415 - loaded already by _libc_syncfs

            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), path)
    finally:
        os.close(handle)


def _directories(files: Iterable[str], roots: Iterable[Path]) -> list[str]:
    """Each file's directory and its ancestors up to a root's parent."""
    stops = {os.path.dirname(os.fspath(root).rstrip("/")) for root in roots}  # noqa: PTH120
    seen: set[str] = set()
    for name in files:
        directory = os.path.dirname(name)  # noqa: PTH120
        while directory and directory not in seen:
            seen.add(directory)
            if directory in stops or directory == "/":
                break
            directory = os.path.dirname(directory)  # noqa: PTH120
    return sorted(seen)


def _one_per_device(directories: Iterable[str]) -> list[str]:
    devices: dict[int, str] = {}
    for directory in directories:
        try:
            devices.setdefault(os.stat(directory).st_dev, directory)  # noqa: PTH116
        except FileNotFoundError:
            continue
    return list(devices.values())


def sync_written(paths: Iterable[str | Path], roots: Iterable[Path]) -> int:
    """Make the files of ``paths``, and the directories naming them up to ``roots``, durable.

    Returns the number of syncs made.
    """
    files = sorted({os.fspath(path) for path in paths})
    if not files:
        return 0
    directories = _directories(files, roots)
    syncfs = _libc_syncfs() if len(files) > FSYNC_LIMIT else None
    if syncfs is not None:
        devices = _one_per_device(directories)
        for directory in devices:
            _syncfs(directory, syncfs)
        return len(devices)
    _fsync_all(files, os.O_RDONLY)
    _fsync_all(directories, os.O_RDONLY | os.O_DIRECTORY)
    return len(files) + len(directories)

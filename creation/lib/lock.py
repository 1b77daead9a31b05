"""One writer per work dir: an advisory ``flock`` the OS releases when the holder dies.

The lock file is created once and never written to, so taking the lock leaves
no trace in the work dir. The holder's pid is read from ``/proc/locks``.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .diagnostics import GlideinforgeError

__all__ = ["LOCK_FILE", "LockHeldError", "work_dir_lock"]

LOCK_FILE = "lock/glideinforge.lock"
"""The lock file, relative to the work dir (``lock/`` is the factory's lock directory)."""


class LockHeldError(GlideinforgeError):
    """Another process holds the work dir's lock."""

    def __init__(self, path: Path, pid: int | None) -> None:
        """Say who holds ``path``: ``pid``, or another process when it cannot be told."""
        holder = f"pid {pid}" if pid is not None else "another process"
        super().__init__(f"{path}: locked by {holder}")
        self.pid = pid


def _holder_pid(inode: int) -> int | None:
    """Return the pid holding a flock on ``inode``, from ``/proc/locks``.

    Each line there reads ``N: FLOCK ADVISORY WRITE <pid> <major>:<minor>:<inode> 0 EOF``.
    """
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            return int(fields[4]) if fields[4].isdigit() else None
    return None


def _acquire(handle: int, path: Path, *, wait: bool) -> None:
    if wait:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    pid = None
    for _ in range(_ATTEMPTS):
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(os.fstat(handle).st_ino)
            if pid is not None:
                break
            # The holder let go between our attempt and the look-up: try again.
        else:
            return
    raise LockHeldError(path, pid)


_ATTEMPTS = 3


@contextmanager
def work_dir_lock(work_dir: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the work dir's lock for the ``with`` block.

    Raises:
        LockHeldError: another process holds it and ``wait`` is False.
    """
    path = work_dir / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        _acquire(handle, path, wait=wait)
        yield
    finally:
        os.close(handle)

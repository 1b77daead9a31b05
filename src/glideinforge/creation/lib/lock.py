"""One writer per work dir: an advisory ``flock`` on the work dir itself, released by the OS.

The lock is the work directory: a lock file inside it could be deleted while
held and a second writer would then lock a new file. Before the first publish
the work dir does not exist yet: its nearest existing parent is locked instead,
and ``WorkDirLock.make_work_dir`` creates the work dir and locks it too, so
nothing is created before a publish is sure to happen. The holder's pid is read
from ``/proc/locks``.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from glideinforge.errors import EXIT_LOCKED, GlideinforgeError

from .atomic_files import make_directory

__all__ = ["LockHeldError", "WorkDirLock", "work_dir_lock"]

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_ATTEMPTS = 3


class LockHeldError(GlideinforgeError):
    """Another process holds the work dir's lock."""

    exit_code = EXIT_LOCKED

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


def _nearest_existing(path: Path) -> Path:
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


class WorkDirLock:
    """The held lock of one work dir (see the module docstring)."""

    def __init__(self, work_dir: Path, *, wait: bool) -> None:
        """Lock ``work_dir``, or its nearest existing parent while it does not exist."""
        self.work_dir = work_dir
        self._wait = wait
        self._handles: list[int] = []
        self._holds_work_dir = work_dir.is_dir()
        self._lock(_nearest_existing(work_dir))

    def _lock(self, directory: Path) -> None:
        handle = os.open(directory, _DIRECTORY_FLAGS)
        try:
            _acquire(handle, self.work_dir, wait=self._wait)
        except BaseException:
            os.close(handle)
            raise
        self._handles.append(handle)

    def make_work_dir(self) -> None:
        """Create the work dir if needed and hold its own lock (before writing into it).

        Raises:
            LockHeldError: another process took the new work dir's lock first.
        """
        if self._holds_work_dir:
            return
        make_directory(self.work_dir)
        self._lock(self.work_dir)
        self._holds_work_dir = True

    def release(self) -> None:
        """Let go of every lock held."""
        while self._handles:
            os.close(self._handles.pop())


@contextmanager
def work_dir_lock(work_dir: Path, *, wait: bool = False) -> Iterator[WorkDirLock]:
    """Hold the work dir's lock for the ``with`` block.

    Raises:
        LockHeldError: another process holds it and ``wait`` is False.
    """
    lock = WorkDirLock(work_dir, wait=wait)
    try:
        yield lock
    finally:
        lock.release()

"""Do part of a large job in a forked child on the other core; get its result back as bytes.

The child starts with a copy of the parent's memory (the compiled plan, the
model), so only its result crosses back, through a pipe. It never prints,
never runs exit handlers, and its result is trusted only when it exits 0
after sending exactly the announced number of bytes: on any failure the
caller does the child's share itself, so a failed child costs time, never
correctness. A child outlives a killed parent only to finish its share; it
holds the parent's ``flock`` (inherited) until it exits.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["ForkedWork", "forked", "shares", "spare_cores"]

_HEADER = struct.Struct("<Q")

_NO_FORK = "GLIDEINFORGE_NO_FORK"
"""Set (to anything) to keep every job in one process."""


def spare_cores() -> int:
    """Return how many more processes than this one can run at once (0 without fork)."""
    if os.environ.get(_NO_FORK) or not hasattr(os, "fork"):
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(cores - 1, 0)


def shares(count: int, minimum: int, own_weight: float = 1.0) -> list[range]:
    """Split ``count`` items into contiguous shares: this process's first, then one per child.

    There are no more shares than ``count // minimum`` (forking costs more
    than a smaller share saves), so small jobs stay in one process. This process's
    share is ``own_weight`` times a child's: a child pays for copying the
    pages it touches and for sending its result back.
    """
    workers = max(min(spare_cores() + 1, count // max(minimum, 1)), 1)
    total = own_weight + workers - 1
    bounds = [0] + [round(count * (own_weight + index) / total) for index in range(workers)]
    return [range(bounds[index], bounds[index + 1]) for index in range(workers)]


@dataclass
class ForkedWork:
    """A child doing its share; ``result()`` waits for it."""

    pid: int
    stream: BinaryIO | None

    def result(self) -> bytes | None:
        """Return the child's bytes, or None when it failed (do its share in-process)."""
        data = None
        if self.stream is not None:
            with self.stream:
                header = self.stream.read(_HEADER.size)
                if len(header) == _HEADER.size:
                    (length,) = _HEADER.unpack(header)
                    body = self.stream.read(length)
                    data = body if len(body) == length else None
            self.stream = None
        _, status = os.waitpid(self.pid, 0)
        return data if os.waitstatus_to_exitcode(status) == 0 else None

    def abandon(self) -> None:
        """Stop listening (the child's next write fails) and wait for it to end."""
        if self.stream is not None:
            self.stream.close()
            self.stream = None
            os.waitpid(self.pid, 0)


def _run_child(work: Callable[[], bytes], write_fd: int) -> None:
    code = 1
    try:
        data = work()
        with os.fdopen(write_fd, "wb") as out:
            out.write(_HEADER.pack(len(data)))
            out.write(data)
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the parent redoes the share on failure
        pass
    finally:
        os._exit(code)


@contextmanager
def forked(work: Callable[[], bytes]) -> Iterator[ForkedWork | None]:
    """Run ``work`` in a forked child; yield its handle (None when it cannot fork).

    Leaving the block without ``result()`` (an exception in the parent's own
    share) abandons the child and waits for it, so no writer outlives the block.
    """
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        yield None
        return
    if pid == 0:  # pragma: no cover - the child ends in os._exit; its result is what is tested
        os.close(read_fd)
        _run_child(work, write_fd)
    os.close(write_fd)
    handle = ForkedWork(pid, os.fdopen(read_fd, "rb"))
    try:
        yield handle
    finally:
        with suppress(ChildProcessError):
            handle.abandon()

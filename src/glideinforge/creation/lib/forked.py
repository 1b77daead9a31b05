"""Do part of a large job in a forked child on another core; get its result back as bytes.

The child starts with a copy of the parent's memory (the compiled plan, the
model), so only its result crosses back, through a pipe, as length-prefixed
frames the parent can take while it still works on its own share. The child
never prints and never runs exit handlers; its frames are trusted only when
it sends the end mark and exits 0: on any failure the caller does the child's
share itself, so a failed child costs time, never correctness. A child
outlives a killed parent only to finish its share; it holds the parent's
``flock`` (inherited) until it exits.
"""

from __future__ import annotations

import fcntl
import marshal
import os
import select
import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ChunkQueue",
    "ForkedWork",
    "forked",
    "from_child",
    "shares",
    "spare_cores",
    "workers_for",
]

_HEADER = struct.Struct("<Q")
_END = (1 << 64) - 1
"""The header that ends a child's frames (it finished its work)."""

_READ_CHUNK = 1 << 20
_PIPE_SIZE = 1 << 20

_listening: set[int] = set()
"""This process's read ends of its children's pipes (a later child closes its copies, so
abandoning one child never leaves its writes blocked on a sibling's copy)."""

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


def workers_for(count: int, minimum: int) -> int:
    """Return how many processes should share ``count`` items (no fewer than ``minimum`` each).

    Forking costs more than a smaller share saves, so small jobs stay in one process.
    """
    return max(min(spare_cores() + 1, count // max(minimum, 1)), 1)


def from_child(data: bytes | memoryview | None) -> Any:
    """Return the plain values a child sent (``marshal``), or None when they are unusable."""
    if data is None:
        return None
    try:
        # Only from this process's own forked child, in this run: never a file, never code.
        return marshal.loads(data)  # noqa: S302
    except (ValueError, TypeError, EOFError):
        return None


def shares(count: int, minimum: int, own_weight: float = 1.0) -> list[range]:
    """Split ``count`` items into contiguous shares: this process's first, then one per child.

    There are no more shares than ``count // minimum`` (forking costs more
    than a smaller share saves), so small jobs stay in one process. This process's
    share is ``own_weight`` times a child's: a child pays for copying the
    pages it touches and for sending its result back.
    """
    workers = workers_for(count, minimum)
    total = own_weight + workers - 1
    bounds = [0] + [round(count * (own_weight + index) / total) for index in range(workers)]
    return [range(bounds[index], bounds[index + 1]) for index in range(workers)]


_CLAIM = struct.Struct("<I")
_PIPE_ALWAYS_HOLDS = 1 << 16
"""Bytes a Linux pipe holds by default."""


class ChunkQueue:
    """Chunk numbers that this process and its forked children claim, each exactly once.

    A pipe filled before forking and closed for writing: a read of one
    record is atomic, so whichever process is free takes the next chunk
    (a slower core simply takes fewer), and an empty pipe reads as the end.
    """

    def __init__(self, count: int) -> None:
        """Queue chunks ``0 .. count-1``.

        Raises:
            ValueError: more chunks than any pipe holds unread (filling it would block).
        """
        if count * _CLAIM.size > _PIPE_ALWAYS_HOLDS:
            raise ValueError(f"{count} chunks: at most {_PIPE_ALWAYS_HOLDS // _CLAIM.size}")
        self._read_fd, write_fd = os.pipe()
        try:
            with suppress(OSError, AttributeError):
                fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
            records = b"".join(_CLAIM.pack(number) for number in range(count))
            view = memoryview(records)
            while view:
                view = view[os.write(write_fd, view) :]
        finally:
            os.close(write_fd)

    def claim(self) -> int | None:
        """Return the next unclaimed chunk, or None when every chunk is taken."""
        record = os.read(self._read_fd, _CLAIM.size)
        return _CLAIM.unpack(record)[0] if len(record) == _CLAIM.size else None

    def close(self) -> None:
        """Stop claiming (this process's copy of the pipe)."""
        os.close(self._read_fd)


@dataclass
class ForkedWork:
    """A child doing its share and sending it back as frames; ``finish()`` waits for it."""

    pid: int
    fd: int | None
    ended: bool = False
    succeeded: bool | None = None

    def ready(self) -> bool:
        """Return True when the child has sent something not read yet (never blocks)."""
        if self.fd is None:
            return False
        return bool(select.select([self.fd], [], [], 0)[0])

    def next_frame(self) -> bytes | None:
        """Return the child's next frame (blocking); None after its last one or a break."""
        if self.fd is None or self.ended:
            return None
        header = _read_exactly(self.fd, _HEADER.size)
        if len(header) == _HEADER.size:
            (length,) = _HEADER.unpack(header)
            if length == _END:
                self.ended = True
                return None
            body = _read_exactly(self.fd, length)
            if len(body) == length:
                return body
        self._close()
        return None

    def finish(self) -> bool:
        """Wait for the child (once); True when it sent its end mark and exited 0."""
        if self.succeeded is None:
            self._close()
            _, status = os.waitpid(self.pid, 0)
            self.succeeded = self.ended and os.waitstatus_to_exitcode(status) == 0
        return self.succeeded

    def result(self) -> bytes | None:
        """Return every frame joined, or None when the child failed (do its share in-process)."""
        frames = []
        while (frame := self.next_frame()) is not None:
            frames.append(frame)
        return b"".join(frames) if self.finish() else None

    def abandon(self) -> None:
        """Stop listening (the child's next write fails) and wait for it to end."""
        self.finish()

    def _close(self) -> None:
        if self.fd is not None:
            _listening.discard(self.fd)
            os.close(self.fd)
            self.fd = None


def _read_exactly(fd: int, size: int) -> bytes:
    """Read ``size`` bytes from ``fd`` (fewer only at its end)."""
    parts = []
    while size:
        part = os.read(fd, min(size, _READ_CHUNK))
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _run_child(work: Callable[[], Iterable[bytes]], write_fd: int) -> None:
    code = 1
    try:
        with suppress(OSError, AttributeError):  # a larger pipe saves waits; Linux only
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        with os.fdopen(write_fd, "wb") as out:
            for frame in work():
                out.write(_HEADER.pack(len(frame)))
                out.write(frame)
                out.flush()
            out.write(_HEADER.pack(_END))
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the parent redoes the share on failure
        pass
    finally:
        os._exit(code)


@contextmanager
def forked(work: Callable[[], Iterable[bytes]]) -> Iterator[ForkedWork | None]:
    """Run ``work`` in a forked child, which sends each frame it yields; yield its handle.

    The handle is None when the process cannot fork. Leaving the block before
    ``finish()`` (an exception in the parent's own share) abandons the child
    and waits for it, so no writer outlives the block.
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
        for fd in (read_fd, *_listening):
            with suppress(OSError):
                os.close(fd)
        _run_child(work, write_fd)
    os.close(write_fd)
    _listening.add(read_fd)
    handle = ForkedWork(pid, read_fd)
    try:
        yield handle
    finally:
        with suppress(ChildProcessError):
            handle.abandon()

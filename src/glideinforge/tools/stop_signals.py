"""SIGTERM and SIGINT as a stop request that a loop can wait on.

A handler that sets a ``threading.Event`` can deadlock: the signal may arrive while the main
thread itself holds the event's lock (inside ``Event.wait``), and the handler then waits for that
lock forever. Here the handler only sets a flag, and the C-level wakeup fd (written when the
signal arrives, whatever Python is doing) ends a wait that is in progress or about to start.
"""

from __future__ import annotations

import math
import os
import select
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType

__all__ = ["StopRequest", "stop_signals_caught"]

_STOPPING = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """Whether a stop signal came; ``wait`` sleeps until one does."""

    def __init__(self, wakeup_fd: int) -> None:
        """Wait on ``wakeup_fd``, the read end of the signal wakeup pipe."""
        self.stopped = False
        self._wakeup_fd = wakeup_fd

    def stop(self, _signal: int, _frame: FrameType | None) -> None:
        """Handle a stop signal: set a flag, and take no lock."""
        self.stopped = True

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True, at once, when a stop signal came (before or during)."""
        deadline = time.monotonic() + seconds
        waiting = select.poll()
        waiting.register(self._wakeup_fd, select.POLLIN)
        while not self.stopped:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if waiting.poll(max(1, math.ceil(left * 1000))):
                self._drain()
        return self.stopped

    def _drain(self) -> None:
        """Empty the pipe, so that another signal's byte does not end the next wait early."""
        try:
            while os.read(self._wakeup_fd, 512):
                pass
        except BlockingIOError:
            pass


@contextmanager
def stop_signals_caught() -> Iterator[StopRequest]:
    """Catch SIGTERM and SIGINT as a ``StopRequest`` (main thread only), restoring after."""
    with ExitStack() as restore:  # undone in reverse: handlers, wakeup fd, then the pipe
        read_fd, write_fd = os.pipe()
        restore.callback(os.close, read_fd)
        restore.callback(os.close, write_fd)
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        request = StopRequest(read_fd)
        previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        restore.callback(signal.set_wakeup_fd, previous_fd)
        for number in _STOPPING:
            restore.callback(signal.signal, number, signal.signal(number, request.stop))
        yield request

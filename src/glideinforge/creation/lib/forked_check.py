"""Run one job in a forked child, beside the parent's own work.

``verify`` hashes the stage and the work dir's files: two halves of about equal
cost that share nothing. On two cores, hashing the work files in a child while the
parent hashes the stage takes a sixth off the whole command. Likewise a no-op takes
half the published files' stamps in a child, a publish draws its report page there
(``page_start``), and a reconfig packs each HTCondor release in a niced child while
it loads. The job writes nothing the parent's work reads or writes (the page child
reads the state records, which the parent replaces atomically), can be
run again, and sends back JSON; anything unexpected (not Linux, other threads
running, a child that fails or answers garbage) makes the caller run the job itself,
but for an interrupted or killed child. A child ends with its parent, as a thread
would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, Self

import orjson

from glideinforge.errors import GlideinforgeError

__all__ = ["ChildInterruptedError", "ForkedJob", "start_in_child"]


_PR_SET_PDEATHSIG = 1
_UNUSABLE = 1
"""A child's exit code when its job failed (the parent runs the job itself)."""
_INTERRUPTED = 130
"""A child's exit code when it was interrupted (the parent is too: nothing runs again)."""


class ChildInterruptedError(GlideinforgeError):
    """A forked child was interrupted or killed: its job is not run again here.

    Ctrl-C reaches the whole process group, so the parent is interrupted too.
    """


def _end_with(parent: int) -> None:
    """Have the kernel end this child when its parent ends (Linux), as a thread would.

    Else a killed run's child would go on holding what it inherited (the work
    dir's lock) until its job is done. A child that cannot ask (no Linux C library,
    or refused) leaves the job to the parent.
    """
    import ctypes  # noqa: PLC0415 - in the child only

    try:
        asked = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        asked = -1
    if asked != 0 or os.getppid() != parent:  # refused, or the parent ended before that
        os._exit(_UNUSABLE)


def _child(job: Callable[[], Any], write: int, nice: int, parent: int) -> None:
    """Run ``job`` and write its JSON result; never return."""
    code = 0
    try:
        _end_with(parent)
        if nice:
            os.nice(nice)
        data = orjson.dumps(job())
        with os.fdopen(write, "wb") as out:
            out.write(data)
    except KeyboardInterrupt:
        code = _INTERRUPTED
    except BaseException:  # noqa: BLE001 - the parent runs the job itself
        code = _UNUSABLE
    os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


class ForkedJob:
    """A job started in a forked child: call it for the job's result, or stop it.

    The first call waits for the child and returns its answer; the job runs here
    instead when no child could be used, when the child failed or answered garbage,
    and on every later call. Used as a context manager, leaving stops the child
    unless its answer was taken, so that no error path leaves it running.
    """

    def __init__(
        self, job: Callable[[], Any], child: tuple[int, int] | None, what: str = "a job"
    ) -> None:
        """Wrap ``job``; ``child``: the pid and the read end of its pipe (None: no child).

        ``what``: the job, as an error names it ("packing /opt/condor").
        """
        self._job = job
        self._child = child
        self._what = what

    def __enter__(self) -> Self:
        """Return this job."""
        return self

    def __exit__(self, *_: object) -> None:
        """Stop the child unless its answer was taken (``stop``)."""
        self.stop()

    def __call__(self) -> Any:
        """Return the job's result: the child's, or the job's run here.

        Raises:
            ChildInterruptedError: the child was interrupted or killed by a signal.
        """
        if self._child is None:
            return self._job()
        pid, read = self._child
        self._child = None
        try:
            with os.fdopen(read, "rb") as source:
                data = source.read()
        finally:
            _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code == _INTERRUPTED or code < 0:
            raise ChildInterruptedError(f"{self._what}: its process ended by {_ending(code)}")
        if code != 0:
            return self._job()
        try:
            return orjson.loads(data)
        except ValueError:
            return self._job()

    def stop(self) -> None:
        """End the child, if it still runs, without its answer; reap it."""
        if self._child is None:
            return
        pid, read = self._child
        self._child = None
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _ending(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
        return f"signal {-code}"
    return "an interrupt"


def start_in_child(job: Callable[[], Any], what: str, *, nice: int = 0) -> ForkedJob:
    """Start ``job`` (returning JSON-ready data) in a child; return how to get its result.

    ``what``: the job, as an error names it; ``nice``: added to the child's
    niceness, so that it yields the cores this process needs (packing beside the load).
    Only on Linux, where a child can be made to end with its parent.
    """
    if sys.platform != "linux" or threading.active_count() > 1:
        return ForkedJob(job, None, what)
    parent = os.getpid()
    try:
        read, write = os.pipe()
    except OSError:
        return ForkedJob(job, None, what)
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return ForkedJob(job, None, what)
    if pid == 0:
        os.close(read)
        _child(job, write, nice, parent)
    os.close(write)
    return ForkedJob(job, (pid, read), what)

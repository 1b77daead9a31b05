"""Start a publish's report page in a forked child before the publish, without its code here.

The child imports what draws the page (``factory_report``), compiles its template,
reads the page it replaces and draws the compiled entries' lines, on the other core,
while this process publishes. Only once the publish stands (``PageInProgress.published``)
does it read the states recorded and write the page. An edit starts its page before
it even plans (``start_early_page``): the child's reading is done by the time the
compiled entries are sent to it, and the edit then waits for the page hardly at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self, TextIO

from glideinforge.creation.lib.atomic_files import write_all
from glideinforge.creation.lib.forked_check import ChildInterruptedError, ForkedJob, start_in_child

if TYPE_CHECKING:
    from glideinforge.factory.compile import CompiledFactory
    from glideinforge.factory.entry_rows import RowDocument

__all__ = ["REPORT_NAME", "PageInProgress", "start_early_page", "start_page"]

REPORT_NAME = "glideinforge-report.html"
"""The page's name in the monitor directory."""

_EARLY_NICENESS = 10
"""Added to an early page's niceness: the check of the published files and the plan come
first (the child has all the time the plan takes)."""
_ROOM = 1 << 20
"""The pipe room asked for an early page: the compiled entries sent without waiting."""
_LENGTH = 8
"""Bytes of the length sent before the compiled entries."""


class _Gate:
    """Whether the publish stood, told from this process to the child drawing the page.

    A pipe: the byte 1 once the publish stands, 0 (or its end) otherwise; an early
    page's child is first sent the compiled entries on it (``send``). In this
    process (where the page is drawn when no child could be used, at the wait) the
    answers are known by then; without a pipe (none could be made) no child may be used.
    """

    def __init__(self, room: int = 0) -> None:
        """Make the pipe, if one can be made (``piped``), with ``room`` bytes if it may."""
        try:
            self._read, self._write = os.pipe()
        except OSError:
            self._read = self._write = -1
        if room and self._write >= 0:
            with contextlib.suppress(OSError):  # the default room: a larger send waits
                fcntl.fcntl(self._write, fcntl.F_SETPIPE_SZ, room)
        self._parent = os.getpid()
        self._sent: bytes | None = None
        self.opened = False

    def send(self, payload: bytes) -> None:
        """Send the child ``payload`` (its length first), before the answer; once."""
        self._sent = payload
        if self._write >= 0:
            with contextlib.suppress(OSError):  # the child is gone: it draws nothing
                write_all(self._write, len(payload).to_bytes(_LENGTH, "big") + payload)

    def receive(self) -> bytes | None:
        """Return what was sent, waiting for it in a child (None: nothing will be)."""
        if os.getpid() == self._parent:
            return self._sent
        self._child_end()
        length = _read_exactly(self._read, _LENGTH)
        return None if length is None else _read_exactly(self._read, int.from_bytes(length, "big"))

    @property
    def piped(self) -> bool:
        """Whether a child can be told (there is a pipe)."""
        return self._read >= 0

    def open(self) -> None:
        """Let the page be written: the publish stands."""
        if self._write >= 0 or not self.piped:
            self.opened = True
        self.shut()

    def shut(self) -> None:
        """Tell the child the answer (open, or not) and end the pipe; once."""
        if self._write >= 0:
            with contextlib.suppress(OSError):  # the child is gone: nothing to tell
                os.write(self._write, b"1" if self.opened else b"0")
            os.close(self._write)
            self._write = -1

    def wait(self) -> bool:
        """Return whether the publish stood, waiting for it in a child."""
        if os.getpid() == self._parent:
            return self.opened
        self._child_end()
        return os.read(self._read, 1) == b"1"

    def _child_end(self) -> None:
        """Close the child's copy of the writing end, or the end could never reach it."""
        if self._write >= 0:
            os.close(self._write)
            self._write = -1

    def close(self) -> None:
        """Release the pipe (once the page's job is over)."""
        self.shut()
        if self._read >= 0:
            os.close(self._read)
            self._read = -1


def _read_exactly(handle: int, size: int) -> bytes | None:
    """Read ``size`` bytes from the pipe ``handle`` (None: it ended before)."""
    parts, wanted = [], size
    while wanted:
        part = os.read(handle, min(wanted, _ROOM))
        if not part:
            return None
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class PageInProgress:
    """The report page a publish writes in a forked child (``start_page``).

    Use it as a context manager around the publish and its recording, and call
    ``published`` once the files stand: leaving waits for the page, which tells of
    what was published even when the recording failed, and says when it could not
    be written (only a warning). When the publish failed, no page is written. An
    interrupted run stops it. Leaving it again does nothing.
    """

    def __init__(self, job: ForkedJob, gate: _Gate, target: Path, stderr: TextIO) -> None:
        """Follow ``job``, which writes the page to ``target`` once ``gate`` opens."""
        self._job = job
        self._gate = gate
        self.target = target
        self._stderr = stderr
        self._left = False

    def __enter__(self) -> Self:
        """Return this page."""
        return self

    def send(self, compiled: CompiledFactory) -> None:
        """Send an early page the compiled entries it draws (``start_early_page``)."""
        self._gate.send(pickle.dumps(compiled, pickle.HIGHEST_PROTOCOL))

    def published(self) -> None:
        """Say that the publish stands: the page may be written."""
        self._gate.open()

    def stop(self) -> None:
        """Stop the page unwritten (an early page whose plan does not draw it)."""
        self.__exit__(None)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Wait for the page; stop it when the publish failed or the run is interrupted."""
        if self._left:
            return
        self._left = True
        self._gate.shut()
        try:
            if not self._gate.opened or (kind is not None and not issubclass(kind, Exception)):
                self._job.stop()  # nothing was written: the child writes only once told
                return
            try:
                problem = self._job()
            except ChildInterruptedError as error:  # killed (the OOM killer): the publish stands
                problem = str(error)
        finally:
            self._gate.close()
        if problem is not None:
            from .report_page import warn_unwritten  # noqa: PLC0415 - only on a failure

            warn_unwritten("gfactory", self.target, str(problem), self._stderr)


def start_page(
    compiled: CompiledFactory,
    rows: Sequence[RowDocument] | None,
    main_bytes: int | None,
    stderr: TextIO,
) -> PageInProgress:
    """Start the page of a publish about to be made (see ``factory_report.prepare_report``).

    The page is drawn in a forked child (``forked_check``) while this process
    publishes and records; where no child can be used, it is drawn when it is
    waited for (``PageInProgress``).
    """

    def draw() -> Callable[[], object]:
        from .factory_report import prepare_report  # noqa: PLC0415 - in the child

        return prepare_report(compiled, rows, main_bytes)

    target = compiled.factory.monitor.base_dir / REPORT_NAME
    return _started(draw, _Gate(), target, stderr)


def start_early_page(target: Path, report: Mapping[str, object], stderr: TextIO) -> PageInProgress:
    """Start the page of an incremental publish before its plan; ``send`` it the compile.

    The child compiles the template and reads the page at ``target`` while this
    process plans; sent the compiled entries, it draws their lines over the rows
    ``report`` (the last publish's fingerprint) recorded, and it writes the page once
    the publish stands. A plan that gives way just leaves it (it is stopped).
    """
    gate = _Gate(_ROOM)

    def draw() -> Callable[[], object] | None:
        from glideinforge.factory.entry_rows import merged_rows, recorded_rows  # noqa: PLC0415

        from .factory_report import prepare_report, read_page_base  # noqa: PLC0415

        base = read_page_base(target, keep_lines=True)
        message, recorded = gate.receive(), recorded_rows(report)
        if message is None or recorded is None:
            return None
        compiled = pickle.loads(message)  # noqa: S301 - this run's own, through its own pipe
        return prepare_report(compiled, *merged_rows(recorded, compiled), base)

    return _started(draw, gate, target, stderr, nice=_EARLY_NICENESS)


def _started(
    draw: Callable[[], Callable[[], object] | None],
    gate: _Gate,
    target: Path,
    stderr: TextIO,
    *,
    nice: int = 0,
) -> PageInProgress:
    """Start ``draw`` in a child; write what it drew once ``gate`` opens (None: nothing)."""

    def write() -> str | None:
        try:
            write_page = draw()
        except OSError as error:
            return (error.strerror or str(error)) if gate.wait() else None
        if write_page is None or not gate.wait():
            return None
        try:
            write_page()
        except OSError as error:
            return error.strerror or str(error)
        return None

    what = f"writing {target}"
    try:
        job = start_in_child(write, what, nice=nice) if gate.piped else ForkedJob(write, None, what)
    except BaseException:
        gate.close()
        raise
    return PageInProgress(job, gate, target, stderr)

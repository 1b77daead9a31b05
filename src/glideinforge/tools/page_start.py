"""Start a publish's report page in a forked child before the publish, without its code here.

The child imports what draws the page (``factory_report``), compiles its template,
reads the page it replaces and draws the compiled entries' lines, on the other core,
while this process publishes. Only once the publish stands (``PageInProgress.published``)
does it read the states recorded and write the page: an edit then waits for the page
hardly at all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self, TextIO

from glideinforge.creation.lib.forked_check import ChildInterruptedError, ForkedJob, start_in_child

if TYPE_CHECKING:
    from glideinforge.factory.compile import CompiledFactory
    from glideinforge.factory.entry_rows import EntryRow

__all__ = ["REPORT_NAME", "PageInProgress", "start_page"]

REPORT_NAME = "glideinforge-report.html"
"""The page's name in the monitor directory."""


class _Gate:
    """Whether the publish stood, told from this process to the child drawing the page.

    A pipe: the byte 1 once the publish stands, 0 (or its end) otherwise. In this
    process (where the page is drawn when no child could be used, at the wait) the
    answer is known by then; without a pipe (none could be made) no child may be used.
    """

    def __init__(self) -> None:
        """Make the pipe, if one can be made (``piped``)."""
        try:
            self._read, self._write = os.pipe()
        except OSError:
            self._read = self._write = -1
        self._parent = os.getpid()
        self.opened = False

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
        if self._write >= 0:
            os.close(self._write)  # the child's copy, or the end could never reach it
            self._write = -1
        return os.read(self._read, 1) == b"1"

    def close(self) -> None:
        """Release the pipe (once the page's job is over)."""
        self.shut()
        if self._read >= 0:
            os.close(self._read)
            self._read = -1


class PageInProgress:
    """The report page a publish writes in a forked child (``start_page``).

    Use it as a context manager around the publish and its recording, and call
    ``published`` once the files stand: leaving waits for the page, which tells of
    what was published even when the recording failed, and says when it could not
    be written (only a warning). When the publish failed, no page is written. An
    interrupted run stops it.
    """

    def __init__(self, job: ForkedJob, gate: _Gate, target: Path, stderr: TextIO) -> None:
        """Follow ``job``, which writes the page to ``target`` once ``gate`` opens."""
        self._job = job
        self._gate = gate
        self._target = target
        self._stderr = stderr

    def __enter__(self) -> Self:
        """Return this page."""
        return self

    def published(self) -> None:
        """Say that the publish stands: the page may be written."""
        self._gate.open()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Wait for the page; stop it when the publish failed or the run is interrupted."""
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

            warn_unwritten("gfactory", self._target, str(problem), self._stderr)


def start_page(
    compiled: CompiledFactory,
    rows: Sequence[EntryRow] | None,
    main_bytes: int | None,
    stderr: TextIO,
) -> PageInProgress:
    """Start the page of a publish about to be made (see ``factory_report.prepare_report``).

    The page is drawn in a forked child (``forked_check``) while this process
    publishes and records; where no child can be used, it is drawn when it is
    waited for (``PageInProgress``).
    """
    gate = _Gate()

    def write() -> str | None:
        from .factory_report import prepare_report  # noqa: PLC0415 - in the child

        try:
            write_page = prepare_report(compiled, rows, main_bytes)
        except OSError as error:
            return (error.strerror or str(error)) if gate.wait() else None
        if not gate.wait():
            return None
        try:
            write_page()
        except OSError as error:
            return error.strerror or str(error)
        return None

    target = compiled.factory.monitor.base_dir / REPORT_NAME
    what = f"writing {target}"
    try:
        job = start_in_child(write, what) if gate.piped else ForkedJob(write, None, what)
    except BaseException:
        gate.close()
        raise
    return PageInProgress(job, gate, target, stderr)

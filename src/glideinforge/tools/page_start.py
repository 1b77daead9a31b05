"""Start a publish's report page in a forked child, without loading the page's code here.

The child imports what draws the page (``factory_report``), on the other core, while
this process records the publish: an edit then pays nothing for the page's modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self, TextIO

from glideinforge.creation.lib.forked_check import ForkedJob, start_in_child

if TYPE_CHECKING:
    from glideinforge.factory.compile import CompiledFactory
    from glideinforge.factory.entry_rows import EntryRow

__all__ = ["REPORT_NAME", "PageInProgress", "start_page"]

REPORT_NAME = "glideinforge-report.html"
"""The page's name in the monitor directory."""


class PageInProgress:
    """The report page a publish writes in a forked child while it records (``start_page``).

    Use it as a context manager around the recording: leaving waits for the page,
    which tells of what was published even when the recording failed, and says
    when it could not be written (only a warning). An interrupted run stops it.
    """

    def __init__(self, job: ForkedJob, target: Path, stderr: TextIO) -> None:
        """Follow ``job``, which writes the page to ``target``; warn on ``stderr``."""
        self._job = job
        self._target = target
        self._stderr = stderr

    def __enter__(self) -> Self:
        """Return this page."""
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Wait for the page, or stop it when the run is interrupted."""
        if kind is not None and not issubclass(kind, Exception):
            self._job.stop()
            return
        problem = self._job()
        if problem is not None:
            from .report_page import warn_unwritten  # noqa: PLC0415 - only on a failure

            warn_unwritten("gfactory", self._target, str(problem), self._stderr)


def start_page(
    compiled: CompiledFactory,
    rows: Sequence[EntryRow] | None,
    main_bytes: int | None,
    stderr: TextIO,
) -> PageInProgress:
    """Start writing the page after a publish (see ``factory_report.write_report``).

    The page is written in a forked child (``forked_check``) while this process
    records the publish; where no child can be used, it is written when it is
    waited for (``PageInProgress``).
    """

    def write() -> str | None:
        from .factory_report import write_report  # noqa: PLC0415 - in the child

        try:
            write_report(compiled, rows, main_bytes)
        except OSError as error:
            return error.strerror or str(error)
        return None

    target = compiled.factory.monitor.base_dir / REPORT_NAME
    return PageInProgress(start_in_child(write, f"writing {target}"), target, stderr)

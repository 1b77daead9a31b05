"""The incremental step of ``gfactory reconfig``: plan the edited entries alone.

It runs under the work dir's lock from the fingerprint of the last publish, and
its plan is published as every plan is (``publish_flow``). It gives way to the
full run (None) whenever it cannot be sure; the full run then reports errors, the
lock and the guards as always.
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.fingerprint import Fingerprint
from glideinforge.creation.lib.lock import WorkDirLock
from glideinforge.creation.lib.publish import PublishError
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.factory.compile import CompiledFactory
from glideinforge.factory.entry_rows import recorded_rows
from glideinforge.factory.incremental import OutputsCheck, finish, plan_incremental
from glideinforge.factory.no_op import ConfigSnapshot

from .cli_common import output_root
from .page_start import REPORT_NAME, PageInProgress, start_early_page
from .publish_flow import Plan, publish_plan

__all__ = ["incremental_reconfig"]


def incremental_reconfig(
    args: argparse.Namespace,
    held: tuple[WorkDirLock, ConfigSnapshot],
    recorded: tuple[Fingerprint, DigestCache],
    started: float,
    streams: tuple[TextIO, TextIO],
    *,
    outputs_check: OutputsCheck,
) -> int | None:
    """Publish only the edited entries when the fingerprint allows; None: do the full run.

    ``held``: the work dir's lock and the configuration as read under it;
    ``recorded``: the fingerprint of the last publish, and the run's digests;
    ``outputs_check``: see ``plan_incremental``.
    """
    lock, snapshot = held
    root = output_root(args)
    early = _early_page(recorded[0], streams[1])
    try:
        with early or nullcontext(), tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
            incremental = plan_incremental(
                args.config,
                snapshot,
                recorded,
                root,
                Path(scratch),
                outputs_check=outputs_check,
            )
            if incremental is None or (incremental.warnings and args.strict):
                return None
            rows = incremental.rows()
            plan = Plan(
                incremental.compiled,
                lambda _stats, known: finish(incremental, snapshot, root, rows, known),
                incremental.warnings,
                incremental,
                rows,
                _sent(early, incremental.compiled, drawn=rows is not None),
            )
            return publish_plan(plan, lock, args, streams, started=started)
    except (PublishError, OSError):
        return None  # the full run reports the error properly


def _early_page(fingerprint: Fingerprint, stderr: TextIO) -> PageInProgress | None:
    """Start the page before the plan, where the fingerprint tells where it goes and its rows."""
    report = fingerprint.report
    monitor = report.get("monitor")
    if not isinstance(monitor, str) or recorded_rows(report) is None:
        return None
    return start_early_page(Path(monitor) / REPORT_NAME, report, stderr)


def _sent(
    early: PageInProgress | None, compiled: CompiledFactory, *, drawn: bool
) -> PageInProgress | None:
    """Send the early page the compiled entries; None: the publish starts its page, or none.

    ``drawn``: whether the plan has the rows a page is drawn from.
    """
    if early is None:
        return None
    if not drawn or early.target != compiled.factory.monitor.base_dir / REPORT_NAME:
        early.stop()
        return None
    early.send(compiled)
    return early

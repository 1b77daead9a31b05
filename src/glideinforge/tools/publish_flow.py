"""The publish half of every ``gfactory reconfig``, full or incremental: one flow.

A reconfig plans first (``reconfig_command``): nothing to do (a no-op, answered
there), the edited entries alone (``incremental_step``) or the whole factory
(``factory_commands.full_reconfig``). Every plan is then published here the same
way: the live state is read, the guards are checked, the files are published with
the new state record written before the summary that names them, the report page
is drawn beside, the fast paths' records are kept and the summary is printed. A
partial plan gives way (None) wherever it cannot be sure: the full run then
decides, and reports errors and the guards as always.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import TextIO

from glideinforge.creation.lib.diagnostics import Diagnostic
from glideinforge.creation.lib.forked_check import ForkedJob
from glideinforge.creation.lib.history import StateRecord
from glideinforge.creation.lib.lock import WorkDirLock
from glideinforge.creation.lib.publish import PublishError
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.states import KeptFiles
from glideinforge.factory.changes import Changes, snapshots
from glideinforge.factory.compile import CompiledFactory
from glideinforge.factory.entry_rows import RowDocument
from glideinforge.factory.incremental import Incremental, kept_files
from glideinforge.factory.lifecycle import (
    LiveState,
    guard_errors,
    live_changes,
    read_live,
    record_hook,
)
from glideinforge.factory.publish import publish_factory
from glideinforge.frozen import frozen

from .exit_codes import EXIT_INVALID, EXIT_OK
from .page_start import REPORT_NAME, PageInProgress, start_page
from .repair import RepairOutcome, damaged_files, repair_outcome
from .report import PublishSummary, print_config_warnings, print_line, print_publish_summary

__all__ = ["Plan", "publish_plan"]

_Streams = tuple[TextIO, TextIO]
"""stdout and stderr."""

_PROGRESS_THRESHOLD = 200
"""Entries above which a terminal gets a progress bar."""


@frozen
class Plan:
    """A compiled reconfig, ready to publish: the whole factory, or its edited entries alone."""

    compiled: CompiledFactory
    record: Callable[[PublishStats, Sequence[StateRecord]], None]
    """Keeps the fast paths' records of the state just published (given the states
    read before it, ``history.load_states``)."""
    warnings: tuple[Diagnostic, ...] = ()
    """The configuration's warnings (a full run has shown them as it loaded)."""
    partial: Incremental | None = None
    """The plan of the edited entries alone; None: the whole factory is compiled."""
    rows: tuple[list[RowDocument], int] | None = None
    """A partial plan's every entry row and main stage bytes (None: no page can be drawn).
    A full plan's page draws them from ``compiled``."""
    page: PageInProgress | None = None
    """A partial plan's page, started before it was planned (``start_early_page``) and
    sent the compiled entries; None: the page is started here."""
    rsa_key: ForkedJob | None = None
    """The work dir's RSA key in the making (a create, ``start_rsa_key``)."""


def publish_plan(
    plan: Plan,
    lock: WorkDirLock,
    args: argparse.Namespace,
    streams: _Streams,
    *,
    started: float,
    upgrade: bool = False,
) -> int | None:
    """Check the guards, publish ``plan``, record it and print the summary.

    Returns the exit code; None when a partial plan gives way to the full run.
    """
    stdout, stderr = streams
    compiled, partial = plan.compiled, plan.partial
    live = read_live(compiled.work_root)
    kept = None if partial is None else kept_files(partial, live)
    if partial is not None and (kept is None or live.problems):
        return None
    if not _guarded(plan, live, args, stderr, upgrade=upgrade):
        return None if partial is not None else EXIT_INVALID
    if partial is not None:
        print_config_warnings(plan.warnings, args, stderr)  # a full run showed them as it loaded
    levels = snapshots(compiled)
    # A first publish changes everything; listing it all would only cost memory.
    changes = (
        live_changes(compiled, live, levels, partial=partial is not None)
        if live.exists
        else Changes(first_publish=True)
    )
    for message in changes.warnings():
        print_line(f"gfactory: warning: {message}", stderr, "yellow")
    roots = (compiled.stage_root, compiled.work_root)
    damaged = damaged_files(*roots) if args.repair else ()
    page_missing = not (compiled.factory.monitor.base_dir / REPORT_NAME).exists()
    # The page is drawn beside the publish; it is written once the publish stands, when it
    # tells what changed (or is not written yet), while the publish is recorded.
    with _page(plan, stderr) as page:
        try:
            lock.make_work_dir()
            stats = _publish(plan, (live, levels, kept), stdout, repair=args.repair)
            if page is not None and (stats.written or stats.linked or page_missing):
                page.published()
            plan.record(stats, live.states)
        except (PublishError, OSError) as error:
            if partial is not None:
                return None
            stderr.write(f"gfactory: {error}\n")
            return EXIT_INVALID
    if partial is not None:  # the kept entries' files stand as published
        stats.unchanged += len(partial.kept_outputs.paths)
    repaired = repair_outcome(damaged, *roots) if args.repair else None
    _print_summary(plan, (stats, changes, repaired), args, streams, started)
    return EXIT_INVALID if repaired is not None and repaired.remaining else EXIT_OK


def _page(plan: Plan, stderr: TextIO) -> AbstractContextManager[PageInProgress | None]:
    """Return the page of ``plan``: started already, started now, or none (no rows to draw)."""
    if plan.page is not None:
        return plan.page
    if plan.partial is None:
        return start_page(plan.compiled, None, None, stderr)
    if plan.rows is None:
        return nullcontext()
    return start_page(plan.compiled, *plan.rows, stderr)


def _guarded(
    plan: Plan, live: LiveState, args: argparse.Namespace, stderr: TextIO, *, upgrade: bool
) -> bool:
    """Return whether the guards let ``plan`` be published over ``live``.

    A full plan says why not, and what is wrong with the live state; a partial
    plan gives way silently (the full run will say it).
    """
    partial = plan.partial
    errors = guard_errors(
        plan.compiled,
        live,
        force_delete=args.force_delete,
        force_rename=args.force_rename,
        upgrade=upgrade,
        names=None if partial is None else partial.names,
    )
    if partial is None:
        for problem in live.problems:
            print_line(f"gfactory: warning: {problem}", stderr, "yellow")
        for message in errors:
            print_line(f"gfactory: {message}; nothing written", stderr, "bold red")
    return not errors


def _print_summary(
    plan: Plan,
    outcome: tuple[PublishStats, Changes, RepairOutcome | None],
    args: argparse.Namespace,
    streams: _Streams,
    started: float,
) -> None:
    """Print what the publish of ``plan`` did (its stats, changes and repair)."""
    stats, changes, repaired = outcome
    compiled, partial = plan.compiled, plan.partial
    factory = compiled.factory
    if partial is None:
        enabled, total = len(factory.enabled_entries), len(factory.entries)
    else:
        enabled, total = partial.enabled, len(partial.names)
    summary = PublishSummary.of(
        compiled,
        levels="entries",
        enabled=enabled,
        total=total,
        stats=stats,
        seconds=time.perf_counter() - started,
        changes=changes.to_json(),
    )
    summary = replace(
        summary,
        compiled_alone=None if partial is None else len(partial.changed),
        warnings=plan.warnings,
        repair=repaired,
    )
    print_publish_summary(summary, args, *streams)


def _publish(
    plan: Plan,
    live: tuple[LiveState, dict[str, bytes], KeptFiles | None],
    stdout: TextIO,
    *,
    repair: bool,
) -> PublishStats:
    """Publish ``plan`` over the live state (its snapshots, the files a partial plan keeps).

    A terminal gets a progress bar when there are many entries.
    """
    compiled = plan.compiled
    hook = record_hook(compiled, *live)
    if not stdout.isatty() or len(compiled.stage) < _PROGRESS_THRESHOLD:
        return publish_factory(compiled, None, hook, repair=repair, rsa_key=plan.rsa_key)
    from rich.console import Console  # noqa: PLC0415 - only for a terminal
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=Console(file=stdout), transient=True) as progress:
        task = progress.add_task("publishing", total=len(compiled.stage))
        return publish_factory(
            compiled, lambda: progress.advance(task), hook, repair=repair, rsa_key=plan.rsa_key
        )

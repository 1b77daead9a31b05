"""The two fast paths of ``gfactory reconfig``: no change at all, and a few edited entries.

Both run under the work dir's lock from the fingerprint of the last publish
and give way to the full run (None) whenever they cannot be sure; the full
run then reports errors, the lock and the guards as always.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.diagnostics import Diagnostic
from glideinforge.creation.lib.fingerprint import (
    FINGERPRINT_FILE,
    Fingerprint,
    read_fingerprint,
    remember_large_inputs,
)
from glideinforge.creation.lib.gc_pause import paused_gc
from glideinforge.creation.lib.publish import PublishError, PublishStats
from glideinforge.factory.changes import Changes, snapshots
from glideinforge.factory.incremental import (
    Incremental,
    finish,
    kept_files,
    plan_incremental,
)
from glideinforge.factory.lifecycle import guard_errors, live_changes, read_live, record_hook
from glideinforge.factory.no_op import ConfigSnapshot, recorded_warnings, unchanged
from glideinforge.factory.publish import publish_factory

from .cli_common import output_root
from .exit_codes import EXIT_OK
from .report import PublishSummary, print_diagnostics, print_line, print_publish_summary

__all__ = ["fast_reconfig"]

_Streams = tuple[TextIO, TextIO]


def fast_reconfig(
    args: argparse.Namespace,
    snapshot: ConfigSnapshot | None,
    started: float,
    streams: _Streams,
) -> int | None:
    """Reconfig without the full run when the fingerprint allows; None: do the full run."""
    root = output_root(args)
    if args.repair or snapshot is None or not (snapshot.work_dir / FINGERPRINT_FILE).is_file():
        return None
    try:
        with paused_gc():
            return _locked(args, snapshot, root, started, streams)
    except (PublishError, OSError):
        return None  # the full run reports the error properly


def _locked(
    args: argparse.Namespace,
    snapshot: ConfigSnapshot,
    root: Path | None,
    started: float,
    streams: _Streams,
) -> int | None:
    """Take a fast path under the work dir's lock (None: do the full run)."""
    fingerprint = read_fingerprint(snapshot.work_dir)
    if fingerprint is None:
        return None
    remember_large_inputs(fingerprint)
    warnings = recorded_warnings(fingerprint)
    if warnings is None or (warnings and args.strict):
        return None  # the full run reports them (as errors under --strict)
    if unchanged(snapshot, fingerprint, root):
        _report_warnings(warnings, args, streams[1])
        _print_no_op(fingerprint, warnings, args, started, streams[0])
        return EXIT_OK
    with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
        incremental = plan_incremental(args.config, snapshot, fingerprint, root, Path(scratch))
        if incremental is None:
            return None
        return _publish(incremental, args, snapshot, started, streams)


def _report_warnings(
    warnings: Sequence[Diagnostic], args: argparse.Namespace, stderr: TextIO
) -> None:
    """Show the configuration's warnings as ``validate`` does (not with ``--json``)."""
    if not args.json:
        print_diagnostics(warnings, stderr, verbose=args.verbose)


def _print_no_op(
    fingerprint: Fingerprint,
    warnings: Sequence[Diagnostic],
    args: argparse.Namespace,
    started: float,
    stdout: TextIO,
) -> None:
    report = fingerprint.report
    summary = PublishSummary(
        levels="entries",
        enabled=int(str(report["enabled"])),
        disabled=int(str(report["disabled"])),
        stats=PublishStats(unchanged=int(str(report["files"]))),
        seconds=time.perf_counter() - started,
        stage=Path(str(report["stage"])),
        work=Path(str(report["work"])),
        changes=Changes().to_json(),
        fingerprint=True,
        warnings=tuple(warnings),
    )
    print_publish_summary(summary, args.command, args.json, stdout)


def _publish(
    incremental: Incremental,
    args: argparse.Namespace,
    snapshot: ConfigSnapshot,
    started: float,
    streams: _Streams,
) -> int | None:
    """Publish the changed entries, the main files and the summary; record the state."""
    stdout, stderr = streams
    if incremental.warnings and args.strict:
        return None
    compiled = incremental.compiled
    live = read_live(compiled.work_root)
    kept = kept_files(incremental, live)
    if kept is None or live.problems:
        return None
    errors = guard_errors(
        compiled,
        live,
        force_delete=args.force_delete,
        force_rename=args.force_rename,
        upgrade=False,
        names=incremental.names,
    )
    if errors:
        return None
    _report_warnings(incremental.warnings, args, stderr)
    levels = snapshots(compiled)
    changes = live_changes(compiled, live, levels, partial=True)
    for message in changes.warnings():
        print_line(f"gfactory: warning: {message}", stderr, "yellow")
    stats = publish_factory(compiled, before_summary=record_hook(compiled, live, levels, kept))
    stats.unchanged += len(incremental.kept_outputs)
    finish(incremental, snapshot, output_root(args))
    enabled = incremental.enabled
    summary = PublishSummary.of(
        compiled,
        levels="entries",
        enabled=enabled,
        total=len(incremental.names),
        stats=stats,
        seconds=time.perf_counter() - started,
        changes=changes.to_json(),
    )
    summary = replace(
        summary, compiled_alone=len(incremental.changed), warnings=incremental.warnings
    )
    print_publish_summary(summary, args.command, args.json, stdout)
    return EXIT_OK

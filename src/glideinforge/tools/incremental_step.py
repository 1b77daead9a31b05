"""The incremental step of ``gfactory reconfig``: publish a few edited entries alone.

It runs under the work dir's lock from the fingerprint of the last publish and
gives way to the full run (None) whenever it cannot be sure; the full run then
reports errors, the lock and the guards as always.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.fingerprint import Fingerprint
from glideinforge.creation.lib.publish import PublishError
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.factory.changes import snapshots
from glideinforge.factory.incremental import (
    Incremental,
    OutputsCheck,
    finish,
    kept_files,
    plan_incremental,
)
from glideinforge.factory.lifecycle import guard_errors, live_changes, read_live, record_hook
from glideinforge.factory.no_op import ConfigSnapshot
from glideinforge.factory.publish import publish_factory

from .cli_common import output_root
from .exit_codes import EXIT_OK
from .page_start import start_page
from .report import PublishSummary, print_config_warnings, print_line, print_publish_summary

__all__ = ["incremental_reconfig"]

_Streams = tuple[TextIO, TextIO]


def incremental_reconfig(
    args: argparse.Namespace,
    snapshot: ConfigSnapshot,
    recorded: tuple[Fingerprint, DigestCache],
    started: float,
    streams: _Streams,
    *,
    outputs_check: OutputsCheck,
) -> int | None:
    """Publish only the edited entries when the fingerprint allows; None: do the full run.

    ``recorded``: the fingerprint of the last publish, and the run's digests;
    ``outputs_check``: see ``plan_incremental``.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
            incremental = plan_incremental(
                args.config,
                snapshot,
                recorded,
                output_root(args),
                Path(scratch),
                outputs_check=outputs_check,
            )
            if incremental is None:
                return None
            return _publish(incremental, args, snapshot, started, streams)
    except (PublishError, OSError):
        return None  # the full run reports the error properly


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
    print_config_warnings(incremental.warnings, args, stderr)
    levels = snapshots(compiled)
    changes = live_changes(compiled, live, levels, partial=True)
    for message in changes.warnings():
        print_line(f"gfactory: warning: {message}", stderr, "yellow")
    rows = incremental.rows()
    with contextlib.nullcontext() if rows is None else start_page(compiled, *rows, stderr) as page:
        stats = publish_factory(compiled, before_summary=record_hook(compiled, live, levels, kept))
        if page is not None:
            page.published()
        finish(incremental, snapshot, output_root(args), rows, live.states)
    stats.unchanged += len(incremental.kept_outputs.paths)
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
    print_publish_summary(summary, args, stdout)
    return EXIT_OK

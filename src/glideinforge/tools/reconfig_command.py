"""``gfactory reconfig`` and ``upgrade``: one flow that skips what it can prove unchanged.

Under the work dir's lock: a configuration whose bytes, inputs and published
files are all as the fingerprint of the last publish recorded is a no-op,
answered with little more than this module loaded; a few edited entries are
compiled alone (``incremental_step``); anything else is the full run
(``factory_commands``). Both plans are published by one flow (``publish_flow``).
The later steps load only when they run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.changes import Changes
from glideinforge.creation.lib.diagnostics import Diagnostic
from glideinforge.creation.lib.fingerprint import (
    Fingerprint,
    outputs_intact_beside,
    read_fingerprint,
    recorded_digests,
)
from glideinforge.creation.lib.lock import LockHeldError, WorkDirLock, work_dir_lock
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.factory.no_op import ConfigSnapshot, read_config, recorded_warnings, unchanged

from .cli_common import output_root
from .exit_codes import EXIT_OK
from .report import PublishSummary, print_config_warnings, print_publish_summary

__all__ = ["reconfig"]

_Streams = tuple[TextIO, TextIO]
"""stdout and stderr."""


def reconfig(
    args: argparse.Namespace, stdout: TextIO, stderr: TextIO, *, upgrade: bool = False
) -> int:
    """Compile the configuration and publish the staging area and work dir, under the lock.

    The work dir's lock is taken before anything else is done (a dry run, which
    writes nothing, takes none), so a second reconfig exits 3 at once.
    """
    started = time.perf_counter()
    streams = (stdout, stderr)
    # Read before loading: the records describe exactly these bytes.
    snapshot = read_config(args.config, output_root(args))
    if args.dry_run or snapshot is None:
        from .factory_commands import unlocked  # noqa: PLC0415 - loaded when needed

        return unlocked(args, streams, upgrade=upgrade)
    try:
        with work_dir_lock(snapshot.work_dir, wait=args.wait) as lock:
            recorded = None if upgrade else _recorded(args, snapshot)
            run = None
            if recorded is not None:
                fingerprint, warnings = recorded
                # The digests taken here serve the later steps too: no input is read twice.
                run = (fingerprint, recorded_digests(fingerprint))
                code = _skip_unchanged(args, (lock, snapshot), (run, warnings), started, streams)
                if code is not None:
                    return code
            from .factory_commands import full_reconfig  # noqa: PLC0415 - loaded when needed

            return full_reconfig(
                args, streams, lock, snapshot, started, upgrade=upgrade, recorded=run
            )
    except LockHeldError as error:
        stderr.write(f"gfactory: {error}\n")
        return error.exit_code


def _recorded(
    args: argparse.Namespace, snapshot: ConfigSnapshot
) -> tuple[Fingerprint, list[Diagnostic]] | None:
    """Return the fingerprint of the last publish and its warnings (None: do the full run)."""
    if args.repair:
        return None
    fingerprint = read_fingerprint(snapshot.work_dir)
    if fingerprint is None:
        return None
    warnings = recorded_warnings(fingerprint)
    if warnings is None or (warnings and args.strict):
        return None  # the full run reports them (as errors under --strict)
    return fingerprint, warnings


def _skip_unchanged(
    args: argparse.Namespace,
    held: tuple[WorkDirLock, ConfigSnapshot],
    recorded: tuple[tuple[Fingerprint, DigestCache], list[Diagnostic]],
    started: float,
    streams: _Streams,
) -> int | None:
    """Answer a no-op, or publish only the edited entries; None: do the full run.

    ``held``: the work dir's lock and the configuration as read under it;
    ``recorded``: the fingerprint of the last publish with the run's digests, and
    its warnings. Whenever either step cannot be sure, the full run decides, and
    reports errors, the lock and the guards as always.
    """
    snapshot = held[1]
    (fingerprint, digests), warnings = recorded
    try:
        if unchanged(snapshot, fingerprint, output_root(args), digests):
            print_config_warnings(warnings, args, streams[1])
            _print_no_op(fingerprint, warnings, args, started, streams[0])
            return EXIT_OK
    except OSError:
        return None
    # The published files are checked in a child while the compiler is imported here.
    outputs_check = outputs_intact_beside(fingerprint)
    try:
        from .incremental_step import incremental_reconfig  # noqa: PLC0415 - loaded when needed

        return incremental_reconfig(
            args, held, (fingerprint, digests), started, streams, outputs_check=outputs_check
        )
    finally:
        outputs_check()  # asked already, or now, to reap the child


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
    print_publish_summary(summary, args, stdout)

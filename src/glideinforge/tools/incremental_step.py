"""The incremental step of ``gfactory reconfig``: plan the edited entries alone.

It runs under the work dir's lock from the fingerprint of the last publish, and
its plan is published as every plan is (``publish_flow``). It gives way to the
full run (None) whenever it cannot be sure; the full run then reports errors, the
lock and the guards as always.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.fingerprint import Fingerprint
from glideinforge.creation.lib.lock import WorkDirLock
from glideinforge.creation.lib.publish import PublishError
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.factory.incremental import OutputsCheck, finish, plan_incremental
from glideinforge.factory.no_op import ConfigSnapshot

from .cli_common import output_root
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
    try:
        with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
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
            )
            return publish_plan(plan, lock, args, streams, started=started)
    except (PublishError, OSError):
        return None  # the full run reports the error properly

"""``gfactory verify CONFIG``: check the published stage without loading an unchanged config."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from glideinforge.factory.no_op import published_as_is, read_config

from .cli_common import output_root
from .verify_command import run_verify

__all__ = ["verify"]


def verify(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Verify a staging area against its signature summary."""
    return run_verify(args, stdout, stderr, _locate, _declared_work)


def _locate(args: argparse.Namespace, stderr: TextIO) -> tuple[Path, Path] | None:
    """Return the stage and summary CONFIG names (None after printing why not).

    When the last publish was recorded from exactly these files and inputs, its
    record names them; otherwise the configuration is loaded and checked.
    """
    recorded = published_as_is(args.config, output_root(args))
    if recorded is not None:
        snapshot, fingerprint = recorded
        return Path(str(fingerprint.report["stage"])), snapshot.work_dir / "signatures.sha1"
    from .factory_commands import load_for_command  # noqa: PLC0415 - loaded when needed

    factory = load_for_command(args, stderr)
    if factory is None:
        return None
    return factory.stage.base_dir, factory.submit.base_dir / "signatures.sha1"


def _declared_work(args: argparse.Namespace) -> Path | None:
    snapshot = read_config(args.config, output_root(args))
    return None if snapshot is None else snapshot.work_dir

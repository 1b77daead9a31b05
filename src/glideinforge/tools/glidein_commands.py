"""Handlers of ``gfactory glidein-args`` and ``gfactory try-glidein``."""

from __future__ import annotations

import argparse
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import TextIO

from glideinforge.errors import GlideinforgeError
from glideinforge.factory.glidein_args import ArgsError
from glideinforge.factory.model import Factory
from glideinforge.factory.try_glidein import ClientStage, GlideinRun, run_glidein
from glideinforge.factory.vm_user_data import vm_user_data
from glideinforge.frontend.model import Frontend
from glideinforge.frontend.request import frontend_request, requested_args

from .factory_commands import EXIT_INVALID, EXIT_OK, EXIT_USAGE, load_for_command
from .frontend_commands import load_frontend_for_command
from .names import entry_known, unknown_name
from .report import print_json, print_line

__all__ = [
    "SHOWN_KNOBS",
    "RefusedError",
    "glidein_args_command",
    "load_entry_and_group",
    "try_glidein_command",
]

SHOWN_KNOBS = (
    "COLLECTOR_HOST",
    "NUM_CPUS",
    "MEMORY",
    "GLIDEIN_SLOTS_LAYOUT_USED",
    "SLOT_TYPE_1",
    "NUM_SLOTS_TYPE_1",
    "START",
    "STARTD.DAEMON_SHUTDOWN",
    "GLIDEIN_ToRetire",
    "GLIDEIN_ToDie",
    "STARTD_ATTRS",
    "STARTER_JOB_ENVIRONMENT",
    "STARTD_CRON_JOBLIST",
)
"""The knobs try-glidein prints on a terminal (--json prints every knob)."""


class RefusedError(GlideinforgeError):
    """A command cannot go on (the message is already printed); carries its exit code."""

    def __init__(self, code: int) -> None:
        """Carry ``code``, the exit code of the command."""
        super().__init__(code)
        self.exit_code = code


def load_entry_and_group(
    args: argparse.Namespace, stderr: TextIO
) -> tuple[Factory, Frontend | None]:
    """Load the factory and, with ``--frontend``, the frontend (both under ``--root``)."""
    if (args.frontend is None) != (args.group is None):
        stderr.write("--frontend and --group go together\n")
        raise RefusedError(EXIT_USAGE)
    factory = load_for_command(args, stderr)
    if factory is None:
        raise RefusedError(EXIT_INVALID)
    if not entry_known(args.entry, [item.name for item in factory.entries], args.config, stderr):
        raise RefusedError(EXIT_USAGE)
    if args.frontend is None:
        return factory, None
    frontend = load_frontend_for_command(
        argparse.Namespace(config=args.frontend, root=getattr(args, "root", None)), stderr
    )
    if frontend is None:
        raise RefusedError(EXIT_INVALID)
    enabled = [group.name for group in frontend.enabled_groups]
    if args.group not in enabled:
        listing = f"gfrontend inspect {args.frontend}"
        stderr.write(unknown_name(args.group, "enabled group", enabled, listing) + "\n")
        raise RefusedError(EXIT_USAGE)
    return factory, frontend


def glidein_args_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Print the glidein_startup.sh arguments the factory would submit for ENTRY."""
    try:
        factory, frontend = load_entry_and_group(args, stderr)
    except RefusedError as refused:
        return refused.exit_code
    try:
        request = None if frontend is None else frontend_request(frontend.work_dir, args.group)
        built = requested_args(
            factory.submit.base_dir, args.entry, request, web_url=args.web, params=dict(args.param)
        )
    except ArgsError as error:
        stderr.write(f"{error}; run 'gfactory reconfig' (and 'gfrontend reconfig') first\n")
        return EXIT_INVALID
    stderr.writelines(f"warning: parameter {name} is empty; not passed\n" for name in built.skipped)
    if args.vm_user_data:
        entry = next(item for item in factory.entries if item.name == args.entry)
        try:
            text = vm_user_data(entry.gridtype, built)
        except ArgsError as error:
            stderr.write(f"{args.entry}: {error}\n")
            return EXIT_INVALID
        if args.json:
            print_json({"user_data": text}, stdout)
        else:
            stdout.write(text)
        return EXIT_OK
    if args.json:
        print_json(list(built.words), stdout)
    else:
        stdout.write(shlex.join(built.words) + "\n")
    return EXIT_OK


def _print_run(run: GlideinRun, stdout: TextIO, stderr: TextIO, *, kept: bool) -> None:
    style = "green" if run.exit_code == 0 else "bold red"
    where = (
        f"kept in {run.glidein_dir or run.start_dir}"
        if kept
        else "its scratch directory is removed (--keep keeps it)"
    )
    print_line(
        f"glidein exit code {run.exit_code} after {run.seconds:.2f} s; "
        f"{len(run.verified)} file(s) verified; {where}",
        stdout,
        style,
    )
    if run.exit_code != 0:
        for line in run.stderr.splitlines():
            if line.startswith(("glidein_startup.sh:", "condor_startup.sh:", "===")):
                stderr.write(line + "\n")
    if run.glidein_config:
        print_line("glidein_config:", stdout, "bold")
        stdout.writelines(f"  {key} {value}\n" for key, value in run.glidein_config.items())
    if run.condor_config:
        print_line("condor_config (as HTCondor reads it):", stdout, "bold")
        for name in SHOWN_KNOBS:
            if name in run.condor_config:
                stdout.write(f"  {name} = {run.condor_config[name]}\n")


def try_glidein_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run ENTRY's glidein against the published stage on 127.0.0.1; show what it did."""
    try:
        factory, frontend = load_entry_and_group(args, stderr)
    except RefusedError as refused:
        return refused.exit_code
    if not (factory.submit.base_dir / "signatures.sha1").is_file():
        stderr.write(
            f"{factory.submit.base_dir}: nothing published; run 'gfactory reconfig' first\n"
        )
        return EXIT_INVALID
    client = None
    if frontend is not None:
        client = ClientStage(frontend.work_dir, frontend.stage_dir, args.group)
    start_dir = Path(tempfile.mkdtemp(prefix=f"try-glidein-{args.entry}-"))
    try:
        run = run_glidein(
            factory.submit.base_dir,
            factory.stage.base_dir,
            args.entry,
            start_dir,
            params=dict(args.param),
            client=client,
        )
    except ArgsError as error:
        stderr.write(f"{error}; run 'gfrontend reconfig' first\n")
        return EXIT_INVALID
    if not args.keep:
        shutil.rmtree(start_dir, ignore_errors=True)
    if args.json:
        print_json({**run.to_json(), "kept": args.keep}, stdout)
    else:
        _print_run(run, stdout, stderr, kept=args.keep)
    return EXIT_OK if run.exit_code == 0 else EXIT_INVALID

"""``gfactory submit`` and ``gfactory site-client``: glideins straight to a batch system."""

from __future__ import annotations

import argparse
import dataclasses
import socket
import time
from typing import TextIO

from glideinforge.creation.lib.inputs import input_problem
from glideinforge.errors import GlideinforgeError
from glideinforge.factory.batch_queue import BatchError, QueueCount, count_queued
from glideinforge.factory.glidein_args import ArgsError
from glideinforge.factory.job_demand import RequestGroup
from glideinforge.factory.machine_ad import Offer
from glideinforge.factory.model import Factory
from glideinforge.factory.site_client import (
    ClientLimits,
    ServerError,
    fetch_state,
    glideins_to_submit,
    glideins_wanted,
    report_metrics,
)
from glideinforge.factory.submission import (
    MAX_CREDENTIAL_BYTES,
    RECORD_NAME,
    SubmitOptions,
    job_name,
    submit_glideins,
)
from glideinforge.frozen import frozen

from .demand_command import enabled_offers
from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .names import entry_known
from .report import print_json, print_line
from .stop_signals import StopRequest, stop_signals_caught

__all__ = ["site_client_command", "submit_command"]


def _load_enabled_entry(args: argparse.Namespace, stderr: TextIO) -> Factory | int:
    """Load CONFIG and check ENTRY is one of its enabled entries; else the exit code."""
    from .factory_commands import load_for_command  # noqa: PLC0415 - loaded when needed

    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID
    if not entry_known(args.entry, [item.name for item in factory.entries], args.config, stderr):
        return EXIT_USAGE
    if not factory.entry(args.entry).enabled:
        stderr.write(f"{args.entry}: the entry is disabled; glideins go to enabled entries only\n")
        return EXIT_INVALID
    return factory


def _submit_options(args: argparse.Namespace, count: int, stderr: TextIO) -> SubmitOptions | None:
    """Return how to submit, from the options; None (said on stderr) when one is unusable."""
    problems = [input_problem(path, MAX_CREDENTIAL_BYTES) for path in args.credential]
    if any(problems):
        stderr.writelines(f"--credential: {problem}\n" for problem in problems if problem)
        return None
    if args.templates is not None and not args.templates.is_dir():
        stderr.write(f"--templates {args.templates}: not a directory\n")
        return None
    return SubmitOptions(
        system=args.to,
        count=count,
        web_url=args.web,
        walltime=args.walltime,
        credentials=tuple(args.credential),
        templates=args.templates,
        dry_run=args.dry_run,
    )


def submit_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Render ENTRY's glideins for ``--to`` and submit them (print them with ``--dry-run``)."""
    loaded = _load_enabled_entry(args, stderr)
    if isinstance(loaded, int):
        return loaded
    options = _submit_options(args, args.count, stderr)
    if options is None:
        return EXIT_USAGE
    factory = loaded
    try:
        submission = submit_glideins(
            factory.submit.base_dir,
            factory.submit.base_log_dir,
            factory.glidein_name,
            args.entry,
            options,
        )
    except ArgsError as error:
        stderr.write(f"gfactory submit: {error}; run 'gfactory reconfig' first\n")
        return EXIT_INVALID
    except GlideinforgeError as error:
        stderr.write(f"gfactory submit: {error}\n")
        return EXIT_INVALID
    document = {**submission.to_json(), "dry_run": options.dry_run}
    if args.json:
        print_json({**document, "text": submission.script}, stdout)
    elif options.dry_run:
        stdout.write(submission.script)
        print_line(f"(dry run: {submission.script_path} would be submitted to {args.to})", stdout)
    else:
        print_line(
            f"submitted {args.count} glidein(s) of {args.entry} to {args.to} as job "
            f"{submission.job_id}; record: {submission.job.submit_dir / RECORD_NAME}",
            stdout,
            "green",
        )
    return EXIT_OK


@frozen
class Cycle:
    """What one site-client cycle saw and did."""

    started: float
    wanted: int | None = None
    queued: QueueCount | None = None
    submitted: int = 0
    job_id: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        """Return the cycle as ``--json`` lists it."""
        queued = self.queued
        return {
            "started": self.started,
            "wanted": self.wanted,
            "idle": None if queued is None else queued.idle,
            "running": None if queued is None else queued.running,
            "submitted": self.submitted,
            "job_id": self.job_id,
            "error": self.error,
        }

    def describe(self) -> str:
        """Return the cycle as one line."""
        if self.error is not None and self.wanted is None:
            return f"no demand read: {self.error}"
        queued = self.queued or QueueCount(0, 0)
        said = (
            f"{self.wanted} glidein(s) wanted; queue: {queued.idle} idle, "
            f"{queued.running} running; submitted {self.submitted}"
        )
        if self.job_id is not None:
            said += f" (job {self.job_id})"
        return said if self.error is None else f"{said}; {self.error}"


@frozen
class _Client:
    """A site client's fixed settings."""

    factory: Factory
    entry: str
    offer: Offer
    limits: ClientLimits
    options: SubmitOptions
    server: str
    uuid: str
    retries: int
    retry_delay: float


def _fetch(client: _Client, stopping: StopRequest, stderr: TextIO) -> list[RequestGroup] | str:
    """Return the server's groups, retrying; the last error's text when every try failed."""
    error = ""
    for attempt in range(client.retries + 1):
        try:
            return fetch_state(client.server)
        except ServerError as failure:
            error = str(failure)
            if attempt < client.retries:
                stderr.write(f"site-client: {error}; retrying in {client.retry_delay:g} s\n")
                if stopping.wait(client.retry_delay):
                    break
    return error


def _cycle(client: _Client, stopping: StopRequest, stderr: TextIO) -> Cycle:
    started = time.time()
    groups = _fetch(client, stopping, stderr)
    if isinstance(groups, str):
        return Cycle(started, error=groups)
    wanted = glideins_wanted(groups, client.offer, client.limits)
    name = job_name(client.factory.glidein_name, client.entry)
    try:
        queued = count_queued(client.options.system, name, client.entry)
    except BatchError as failure:
        # A queue that cannot be counted could hide glideins: submit none.
        return Cycle(started, wanted, error=f"nothing submitted: {failure}")
    count = glideins_to_submit(wanted, queued, client.limits)
    cycle = Cycle(started, wanted, queued)
    if count:
        options = dataclasses.replace(client.options, count=count)
        try:
            submission = submit_glideins(
                client.factory.submit.base_dir,
                client.factory.submit.base_log_dir,
                client.factory.glidein_name,
                client.entry,
                options,
            )
        except GlideinforgeError as failure:
            cycle = dataclasses.replace(cycle, error=f"submitting {count}: {failure}")
        else:
            cycle = dataclasses.replace(cycle, submitted=count, job_id=submission.job_id)
    metrics = {
        "entry": client.entry,
        "wanted": wanted,
        "idle": queued.idle,
        "running": queued.running,
        "submitted": cycle.submitted,
    }
    try:
        report_metrics(client.server, client.uuid, started, metrics)
    except ServerError as failure:
        stderr.write(f"site-client: monitoring not sent: {failure}\n")
    return cycle


def site_client_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run pyglidein's client for ENTRY: each cycle, submit what the server's demand wants."""
    loaded = _load_enabled_entry(args, stderr)
    if isinstance(loaded, int):
        return loaded
    options = _submit_options(args, 0, stderr)
    if options is None:
        return EXIT_USAGE
    offers = enabled_offers(loaded, stderr, {args.entry})
    if offers is None:
        return EXIT_INVALID
    client = _Client(
        factory=loaded,
        entry=args.entry,
        offer=offers[0],
        limits=ClientLimits(
            max_idle=args.max_idle,
            max_total=args.max_total,
            limit_per_submit=args.limit_per_submit,
            max_job_cpus=args.max_job_cpus,
            max_job_memory=args.max_job_memory,
            max_job_disk=args.max_job_disk,
            max_job_gpus=args.max_job_gpus,
        ),
        options=options,
        server=args.server,
        uuid=args.uuid or f"{socket.gethostname()}:{args.entry}",
        retries=args.retries,
        retry_delay=args.retry_delay,
    )
    cycles: list[Cycle] = []
    with stop_signals_caught() as stopping:
        while not stopping.stopped:
            cycle = _cycle(client, stopping, stderr)
            cycles.append(cycle)
            if not args.json:
                style = "bold red" if cycle.error else ""
                print_line(f"cycle {len(cycles)}: {cycle.describe()}", stdout, style)
                stdout.flush()
            if args.once or stopping.wait(args.delay):
                break
    if args.json:
        print_json({"entry": args.entry, "cycles": [cycle.to_json() for cycle in cycles]}, stdout)
    failed = args.once and cycles and cycles[-1].error is not None
    return EXIT_INVALID if failed else EXIT_OK

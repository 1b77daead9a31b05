"""``gfactory demand CONFIG --jobs FILE``: which enabled entries can run the queue's idle jobs."""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import TextIO

from glideinforge.factory.entry_rows import entry_levels
from glideinforge.factory.job_demand import (
    GroupDemand,
    JobAdsError,
    QueueSource,
    idle_jobs,
    match_demand,
)
from glideinforge.factory.machine_ad import Offer, offer
from glideinforge.factory.model import Factory

from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .report import print_json, print_line
from .tables import TextTable, print_table

__all__ = ["demand_command", "enabled_offers", "queue_source"]


def queue_source(args: argparse.Namespace) -> QueueSource:
    """Return where ``--jobs``, ``--schedd`` or ``--pool`` say the idle jobs are read."""
    return QueueSource(args.jobs, args.schedd, args.pool, args.collector)


def enabled_offers(
    factory: Factory, stderr: TextIO, names: Collection[str] | None = None
) -> list[Offer] | None:
    """Return what a glidein of each enabled entry (of ``names``) offers; None: it cannot compile.

    The factory is compiled in a scratch directory: nothing is published.
    """
    from .factory_commands import compile_for_command  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="glideinforge-offers-") as scratch:
        compiled = compile_for_command(factory, Path(scratch), stderr, schedds={})
    if compiled is None:
        return None
    return [
        offer(entry.name, entry_levels(compiled, entry.name))
        for entry in compiled.factory.entries
        if entry.enabled and (names is None or entry.name in names)
    ]


def _describe(demand: GroupDemand) -> str:
    request = demand.group.request
    gpus = f", {request.gpus} GPU(s)" if request.gpus else ""
    system = f", {request.os}" if request.os else ""
    return (
        f"{demand.group.count} idle job(s) of {request.cpus} CPU(s), {request.memory} MB, "
        f"{request.disk} MB disk{gpus}{system}"
    )


def demand_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Group the idle jobs of ``--jobs`` by request and match each group to the entries."""
    try:
        ads, left_out = queue_source(args).read()
        jobs = idle_jobs(ads, args.constraint)
    except JobAdsError as error:
        stderr.write(f"gfactory demand: {error}\n")
        return EXIT_USAGE
    stderr.writelines(f"gfactory demand: warning: {item}\n" for item in left_out)
    from .factory_commands import load_for_command  # noqa: PLC0415

    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID
    offers = enabled_offers(factory, stderr)
    if offers is None:
        return EXIT_INVALID
    demand = match_demand(jobs, offers)
    jobs_by_entry: Counter[str] = Counter()
    glideins_by_entry: Counter[str] = Counter()
    for item in demand:
        for share in item.entries:
            jobs_by_entry[share.entry] += share.jobs
            glideins_by_entry[share.entry] += share.glideins
    names = sorted(jobs_by_entry)
    if args.json:
        entries = [
            {"entry": name, "jobs": jobs_by_entry[name], "glideins": glideins_by_entry[name]}
            for name in names
        ]
        groups = [item.to_json() for item in demand]
        print_json({"idle_jobs": len(jobs), "groups": groups, "entries": entries}, stdout)
        return EXIT_OK
    print_line(f"{len(jobs)} idle job(s) in {len(demand)} request group(s)", stdout)
    for item in demand:
        matched = ", ".join(f"{s.entry} ({s.glideins} glidein(s))" for s in item.entries)
        print_line(f"  {_describe(item)}: {matched or 'no enabled entry can run them'}", stdout)
    rows = [[name, str(jobs_by_entry[name]), str(glideins_by_entry[name])] for name in names]
    print_table(TextTable("per entry", ("entry", "idle jobs it can run", "glideins"), rows), stdout)
    return EXIT_OK

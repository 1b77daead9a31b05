"""The factory's report page: written by every publishing reconfig, and by ``gfactory report``.

Each entry's details are made when the entry is compiled; an incremental reconfig
keeps the other entries' lines of the page it replaces.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import jinja2

from glideinforge.factory.compile import CompiledFactory
from glideinforge.factory.entry_rows import (
    EntryRow,
    RowDocument,
    entry_levels,
    entry_rows,
    main_stage_bytes,
    totals,
)
from glideinforge.frozen import frozen

from .exit_codes import EXIT_INVALID
from .report_page import (
    NOT_PUBLISHED,
    REPORT_NAME,
    Column,
    Details,
    Report,
    ToldStates,
    bars,
    data_line,
    level_details,
    previous_states,
    read_previous,
    report_states,
    report_template,
    state_plots,
    utc,
    verified_statuses,
    write_page,
    write_requested_page,
)

__all__ = [
    "ENTRY_COLUMNS",
    "PageBase",
    "entry_details",
    "factory_report",
    "prepare_report",
    "read_page_base",
    "report_command",
]

ENTRY_COLUMNS = (
    Column("name", "entry"),
    Column("enabled", "enabled"),
    Column("gridtype", "gridtype"),
    Column("site", "site"),
    Column("gatekeeper", "gatekeeper"),
    Column("auth_method", "auth"),
    Column("schedd", "schedd"),
    Column("attrs", "attrs", numeric=True),
    Column("files", "files", numeric=True),
    Column("staged_bytes", "staged bytes", numeric=True),
)


def entry_details(
    compiled: CompiledFactory, statuses: Mapping[str, str] | None = None, unlisted: str = ""
) -> dict[str, Details]:
    """Return the details of each entry ``compiled`` holds (see ``level_details``)."""
    return level_details(
        compiled.stage_directories(),
        [entry.name for entry in compiled.factory.entries],
        lambda name: entry_levels(compiled, name),
        "entry_",
        statuses=statuses,
        unlisted=unlisted or "verified",
    )


def factory_report(
    compiled: CompiledFactory,
    rows: Sequence[EntryRow],
    lines: Mapping[str, bytes],
    stage_bytes: int,
    known_states: Mapping[str, tuple[int | None, tuple[str, ...]]] | None = None,
) -> Report:
    """Return what the page shows: every entry's row and data line, and the history.

    ``lines`` holds the data line of each entry whose details are known.
    """
    factory = compiled.factory
    states = report_states(compiled.work_root, known_states)
    counts = totals(rows)
    gridtypes = ", ".join(f"{name} {count}" for name, count in counts["gridtypes"].items())
    live = next((state.state_id for state in states if state.live), None)
    summary = (
        ("entries", str(counts["entries"])),
        ("enabled", str(counts["enabled"])),
        ("disabled", str(counts["disabled"])),
        ("gridtypes", gridtypes or "none"),
        ("stage bytes", f"{stage_bytes:,}"),
        ("states recorded", str(len(states))),
        ("live state", live or "none recorded"),
    )
    plots = (
        ("entries per gridtype", bars(Counter(row.gridtype for row in rows))),
        ("entries per site (the 20 largest)", bars(Counter(row.site for row in rows))),
        *state_plots(states),
    )
    return Report(
        name=f"{factory.factory_name}/{factory.glidein_name}",
        generated=utc(),
        level="entry",
        levels="entries",
        columns=ENTRY_COLUMNS,
        summary=summary,
        lines=[lines.get(row.name) or data_line(row.to_json(), None) for row in rows],
        states=states,
        plots=plots,
    )


@frozen
class PageBase:
    """What a publish's page is drawn over, known before the compile.

    Its template, the page it replaces (each entry's data line, kept when only some
    entries are drawn again) and the states that page told of.
    """

    template: jinja2.Template
    lines: Mapping[str, bytes]
    told: ToldStates


def read_page_base(target: Path, *, keep_lines: bool) -> PageBase:
    """Compile the template and read the page at ``target`` (its lines only if ``keep_lines``)."""
    template = report_template()
    if keep_lines:
        lines, told = read_previous(target)
        return PageBase(template, lines, told)
    # A full run rebuilds every line: only the states' diffs are read back then.
    return PageBase(template, {}, previous_states(target))


def prepare_report(
    compiled: CompiledFactory,
    rows: Sequence[RowDocument] | None,
    main_bytes: int | None,
    base: PageBase | None = None,
) -> Callable[[], Path]:
    """Draw the page of a publish; return the call that writes it into the monitor directory.

    Each compiled entry's line is drawn now (before the publish stands, when an edit's
    child draws it), over ``base`` (``read_page_base``, read now when None); the
    returned call reads the states recorded, writes the page and returns its path
    (``OSError`` when it cannot be written). ``rows``: every entry's row as recorded
    (``merged_rows``; None: ``compiled`` holds every entry); the entries ``compiled``
    does not hold keep their lines of the page this one replaces.
    """
    target = compiled.factory.monitor.base_dir / REPORT_NAME
    if base is None:
        base = read_page_base(target, keep_lines=rows is not None)
    fresh_rows = entry_rows(compiled)
    all_rows = fresh_rows if rows is None else [EntryRow.from_json(row) for row in rows]
    details = entry_details(compiled)
    lines = dict(base.lines)
    lines.update((row.name, data_line(row.to_json(), details[row.name])) for row in fresh_rows)
    bytes_of_main = main_stage_bytes(compiled) if main_bytes is None else main_bytes
    stage_bytes = (bytes_of_main or 0) + sum(row.staged_bytes for row in all_rows)

    def write() -> Path:
        report = factory_report(compiled, all_rows, lines, stage_bytes, base.told)
        write_page(target, report, base.template)
        return target

    return write


def report_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Write the page to ``--html`` or into the monitor directory, verifying the stage."""
    from .factory_commands import compile_for_command, load_for_command  # noqa: PLC0415

    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID
    with tempfile.TemporaryDirectory(prefix="glideinforge-report-") as scratch:
        compiled = compile_for_command(factory, Path(scratch), stderr)
    if compiled is None:
        return EXIT_INVALID
    statuses = verified_statuses(compiled.stage_root, compiled.work_root)
    if statuses is None:  # nothing published yet
        details = entry_details(compiled, {}, NOT_PUBLISHED)
    else:
        details = entry_details(compiled, statuses)
    rows = entry_rows(compiled)
    lines = {row.name: data_line(row.to_json(), details[row.name]) for row in rows}
    stage_bytes = (main_stage_bytes(compiled) or 0) + sum(row.staged_bytes for row in rows)
    target = args.html or factory.monitor.base_dir / REPORT_NAME
    report = factory_report(compiled, rows, lines, stage_bytes)
    return write_requested_page(report, target, args, (stdout, stderr))

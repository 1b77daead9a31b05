"""The factory as one self-contained web page (no network, no CDN): ``gfactory report``.

A summary; the entries in a table that sorts and filters in the browser; per entry
its effective attrs with the level that set each (as ``explain`` decides it) and its
staged files with their sizes and signature status; the recorded states with what
changed between them; and inline SVG plots (entries per gridtype and per site, work
files and levels changed per state).

Every reconfig that publishes writes it into the monitor directory. Each entry's
details are made when the entry is compiled; an incremental reconfig takes the
others from the page it replaces, which carries them as JSON (the browser draws
the table and the details from it).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import jinja2
import markupsafe

from glideinforge.creation.lib.atomic_files import make_directory, write_atomically
from glideinforge.creation.lib.explain import effective_values
from glideinforge.creation.lib.history import StateRecord, record_snapshots, sha1_hex
from glideinforge.creation.lib.states import SUMMARY, read_recorded, verify_published
from glideinforge.factory.compile import CompiledFactory
from glideinforge.factory.entry_rows import (
    EntryRow,
    entry_levels,
    entry_rows,
    main_stage_bytes,
    totals,
)

from .exit_codes import EXIT_INVALID, EXIT_OK
from .report import print_json, print_line

__all__ = [
    "REPORT_NAME",
    "FactoryReport",
    "build_report",
    "entry_details",
    "previous_lines",
    "publish_page",
    "render_report",
    "report_command",
    "write_report",
]

REPORT_NAME = "glideinforge-report.html"
"""The page's name in the monitor directory."""

PUBLISHED = "signed in this state"
"""The signature status of a file the reconfig that wrote the page just published."""

_PLOTTED_STATES = 30
"""The newest states the per-state plots show."""

_DATA = re.compile(rb'<script type="application/json" id="report-data">(.*?)</script>', re.DOTALL)

Details = dict[str, Any]
"""One entry's details, as the page's JSON carries them: ``effective`` and ``staged`` rows."""


@dataclass(frozen=True, slots=True)
class ReportState:
    """One recorded state and how it differs from the one before."""

    state_id: str
    published: str
    version: str
    live: bool
    work_files: int | None
    changed: tuple[str, ...]
    """Levels added, removed or changed since the state before (``+x``, ``-x``, ``~x``)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a plot."""

    label: str
    value: int


@dataclass(frozen=True, slots=True)
class FactoryReport:
    """Everything the page shows."""

    name: str
    generated: str
    summary: Mapping[str, object]
    entries: Sequence[str]
    """Per entry one line of JSON: its ``inspect`` row and its details (null: not known)."""
    states: tuple[ReportState, ...]
    plots: tuple[tuple[str, tuple[Bar, ...]], ...]


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def entry_details(
    compiled: CompiledFactory, statuses: Mapping[str, str] | None = None
) -> dict[str, Details]:
    """Return the details of each entry ``compiled`` holds.

    ``statuses`` maps staged paths to what ``verify`` found wrong with them (None: the
    files were just published, so each is signed in this state).
    """
    directories = compiled.stage_directories()
    details = {}
    for entry in compiled.factory.entries:
        files = directories[f"entry_{entry.name}"].files
        details[entry.name] = {
            "effective": effective_values(entry_levels(compiled, entry.name)),
            "staged": [
                [
                    file.relpath,
                    file.size,
                    file.sha1,
                    PUBLISHED if statuses is None else statuses.get(file.relpath, "verified"),
                ]
                for file in files
            ],
        }
    return details


def _verified(compiled: CompiledFactory) -> dict[str, str] | None:
    """Return, per staged path, what ``verify`` of the published stage finds wrong.

    None when nothing is published: every file is then ``not published``.
    """
    summary = compiled.work_root / SUMMARY
    if not summary.is_file():
        return None
    report = verify_published(compiled.stage_root, summary)
    stage = str(compiled.stage_root) + "/"
    return {problem.file.removeprefix(stage): problem.message for problem in report.problems}


def _state(
    work: Path,
    record: StateRecord,
    live_sha1: str | None,
    levels: Mapping[str, str] | None,
    before: Mapping[str, str] | None,
) -> ReportState:
    changed: list[str] = []
    if levels is not None and before is not None:
        changed = sorted(
            [f"+{name}" for name in levels.keys() - before.keys()]
            + [f"-{name}" for name in before.keys() - levels.keys()]
            + [
                f"~{name}" for name in levels.keys() & before.keys() if levels[name] != before[name]
            ],
            key=lambda text: text[1:],
        )
    listing = work / "history" / "objects" / record.files_object[:2] / record.files_object
    return ReportState(
        record.state_id,
        _utc(record.published),
        record.version,
        record.summary_sha1 == live_sha1,
        listing.read_bytes().count(b"\n") if listing.is_file() else None,
        tuple(changed),
    )


def _states(work: Path) -> tuple[ReportState, ...]:
    """Return the recorded states, newest first."""
    summary = work / SUMMARY
    live_sha1 = sha1_hex(summary.read_bytes()) if summary.is_file() else None
    states = []
    before = None
    for record in read_recorded(work).states:
        levels = record_snapshots(work, record)
        states.append(_state(work, record, live_sha1, levels, before))
        before = levels
    return tuple(reversed(states))


def _bars(counts: Counter[str], shown: int = 20) -> tuple[Bar, ...]:
    return tuple(Bar(label or "(none)", value) for label, value in counts.most_common(shown))


def _line(row: EntryRow, details: Details | None) -> str:
    """Return one entry of the page's data: compact JSON that cannot end its script element."""
    text = json.dumps({**row.to_json(), "details": details}, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


def build_report(
    compiled: CompiledFactory,
    rows: Sequence[EntryRow],
    lines: Mapping[str, str],
    stage_bytes: int,
    now: float | None = None,
) -> FactoryReport:
    """Gather what the page shows: every entry's row and data line, and the history.

    ``lines`` holds the data line of each entry whose details are known (``_line``).
    """
    factory = compiled.factory
    states = _states(compiled.work_root)
    summary = {
        **totals(rows),
        "stage_bytes": stage_bytes,
        "states": len(states),
        "live": next((state.state_id for state in states if state.live), None),
    }
    history = tuple(reversed(states[:_PLOTTED_STATES]))
    plots = (
        ("entries per gridtype", _bars(Counter(row.gridtype for row in rows))),
        ("entries per site (the 20 largest)", _bars(Counter(row.site for row in rows))),
        (
            "work files per state (oldest first)",
            tuple(Bar(state.state_id[:15], state.work_files or 0) for state in history),
        ),
        (
            "levels changed per state (oldest first)",
            tuple(Bar(state.state_id[:15], len(state.changed)) for state in history),
        ),
    )
    return FactoryReport(
        name=f"{factory.factory_name}/{factory.glidein_name}",
        generated=_utc(time.time() if now is None else now),
        summary=summary,
        entries=[lines.get(row.name) or _line(row, None) for row in rows],
        states=states,
        plots=plots,
    )


def _environment() -> jinja2.Environment:
    """Return the HTML templates' environment: everything escaped unless marked safe."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("glideinforge.creation.lib", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})
"""JSON escapes that keep a script element's text from ending it or opening markup."""


def render_report(report: FactoryReport) -> bytes:
    """Return the page: one HTML file with its style, script, data and plots inline."""
    template = _environment().get_template("report.html.j2")
    data = markupsafe.Markup("[\n" + ",\n".join(report.entries) + "\n]")  # noqa: S704 - _line escapes
    return template.render(report=report, data=data).encode("utf-8")


_LINE_NAME = re.compile(r'^\{"name":("(?:[^"\\]|\\.)*")')


def previous_lines(page: Path) -> dict[str, str]:
    """Return the data line of each entry the page at ``page`` carries (none when unreadable)."""
    try:
        found = _DATA.search(page.read_bytes())
    except OSError:
        return {}
    lines = {}
    for line in (found[1].decode("utf-8", "replace") if found else "").split("\n"):
        text = line.rstrip(",")
        named = _LINE_NAME.match(text)
        if named and text.endswith("}"):
            try:
                lines[json.loads(named[1])] = text
            except ValueError:
                continue
    return lines


def write_report(
    compiled: CompiledFactory, rows: Sequence[EntryRow] | None, main_bytes: int | None
) -> Path:
    """Write the page of what was just published into the monitor directory; return it.

    ``rows``: every entry's row (None: ``compiled`` holds every entry); the entries
    ``compiled`` does not hold keep their lines of the page this one replaces.

    Raises:
        OSError: the page cannot be written.
    """
    target = compiled.factory.monitor.base_dir / REPORT_NAME
    fresh_rows = entry_rows(compiled)
    all_rows = fresh_rows if rows is None else rows
    lines = {} if rows is None else previous_lines(target)
    details = entry_details(compiled)
    lines.update((row.name, _line(row, details[row.name])) for row in fresh_rows)
    bytes_of_main = main_stage_bytes(compiled) if main_bytes is None else main_bytes
    stage_bytes = (bytes_of_main or 0) + sum(row.staged_bytes for row in all_rows)
    page = render_report(build_report(compiled, all_rows, lines, stage_bytes))
    make_directory(target.parent)
    write_atomically(target, page)
    return target


def publish_page(
    compiled: CompiledFactory,
    rows: Sequence[EntryRow] | None,
    main_bytes: int | None,
    stderr: TextIO,
) -> None:
    """Write the page after a publish (see ``write_report``); a failure is only a warning."""
    try:
        write_report(compiled, rows, main_bytes)
    except OSError as error:
        target = compiled.factory.monitor.base_dir / REPORT_NAME
        print_line(
            f"gfactory: warning: cannot write the report page {target}: {error.strerror}",
            stderr,
            "yellow",
        )


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
    statuses = _verified(compiled)
    details = entry_details(compiled, {} if statuses is None else statuses)
    if statuses is None:
        for item in details.values():
            for file in item["staged"]:
                file[3] = "not published"
    rows = entry_rows(compiled)
    lines = {row.name: _line(row, details[row.name]) for row in rows}
    stage_bytes = (main_stage_bytes(compiled) or 0) + sum(row.staged_bytes for row in rows)
    page = render_report(build_report(compiled, rows, lines, stage_bytes))
    target = args.html or factory.monitor.base_dir / REPORT_NAME
    try:
        make_directory(target.parent)
        write_atomically(target, page)
    except OSError as error:
        stderr.write(f"gfactory report: cannot write {target}: {error.strerror}\n")
        return EXIT_INVALID
    if args.json:
        print_json({"html": str(target), "bytes": len(page), "entries": len(rows)}, stdout)
    else:
        print_line(f"report: {target} ({len(rows)} entries, {len(page):,} bytes)", stdout)
    return EXIT_OK

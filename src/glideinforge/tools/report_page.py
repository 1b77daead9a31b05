"""``gfactory report``: the factory as one self-contained web page (no network, no CDN).

A summary; the entries in a table that sorts and filters in the browser; per entry
the attrs the configuration sets, with the level each comes from (as ``explain``
tells it), and its staged files with their sizes and signature status (as
``verify`` finds them); the recorded states with what changed between them; and
inline SVG plots of the entries per gridtype and per site and of each state.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import jinja2

from glideinforge.creation.lib.atomic_files import make_directory, write_atomically
from glideinforge.creation.lib.explain import configured_names, explain_attrs
from glideinforge.creation.lib.history import StateRecord, record_snapshots
from glideinforge.creation.lib.script_writers import script_writers
from glideinforge.creation.lib.states import SUMMARY, read_recorded, verify_published
from glideinforge.factory.compile import CompiledFactory
from glideinforge.factory.entry_rows import EntryRow, entry_rows, main_stage_bytes, totals

from .exit_codes import EXIT_INVALID, EXIT_OK
from .explain_command import attr_levels
from .report import print_json, print_line

__all__ = ["REPORT_NAME", "FactoryReport", "build_report", "render_report", "report_command"]

REPORT_NAME = "glideinforge-report.html"
"""The report's name in the monitor directory."""

_SETTING_SOURCES = ("factory main", "entry ")
"""Explanations whose winning setting the configuration wrote (not a condor_vars default)."""


@dataclass(frozen=True, slots=True)
class ReportAttr:
    """One attr an entry's glideins get, and the level that set it."""

    name: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class ReportFile:
    """One staged file of an entry."""

    path: str
    size: int
    sha1: str
    status: str
    """``verified``, or what ``verify`` found wrong (``not published`` before a reconfig)."""


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One entry: its row, its site, its attrs and its staged files."""

    row: EntryRow
    site: str
    attrs: tuple[ReportAttr, ...]
    files: tuple[ReportFile, ...]


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
    entries: tuple[ReportEntry, ...]
    states: tuple[ReportState, ...]
    plots: tuple[tuple[str, tuple[Bar, ...]], ...]


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def _file_status(compiled: CompiledFactory) -> dict[str, str]:
    """Return, per staged file path, what ``verify`` of the published stage says of it."""
    summary = compiled.work_root / SUMMARY
    if not summary.is_file():
        return {}
    report = verify_published(compiled.stage_root, summary)
    return {str(Path(problem.file)): problem.message for problem in report.problems}


def _entries(compiled: CompiledFactory) -> tuple[ReportEntry, ...]:
    problems = _file_status(compiled)
    published = (compiled.work_root / SUMMARY).is_file()
    writers = script_writers()
    directories = compiled.stage_directories()
    entries = []
    for row in entry_rows(compiled):
        levels = attr_levels(compiled, row.name)
        explained = explain_attrs(levels, configured_names(levels), writers)
        attrs = tuple(
            ReportAttr(item.name, item.value, item.source)
            for item in explained
            if item.value is not None
            and item.source is not None
            and item.source.startswith(_SETTING_SOURCES)
        )
        site = next((item.value for item in explained if item.name == "GLIDEIN_Site"), None)
        files = tuple(
            ReportFile(
                file.relpath,
                file.size,
                file.sha1,
                problems.get(str(compiled.stage_root / file.relpath), "verified")
                if published
                else "not published",
            )
            for file in directories[f"entry_{row.name}"].files
        )
        entries.append(ReportEntry(row, site or "", attrs, files))
    return tuple(entries)


def _states(work: Path, live_sha1: str | None) -> tuple[ReportState, ...]:
    recorded = read_recorded(work).states
    states = []
    before: dict[str, str] | None = None
    for record in recorded:
        levels = record_snapshots(work, record)
        states.append(_state(work, record, live_sha1, levels, before))
        before = levels
    return tuple(reversed(states))


def _state(
    work: Path,
    record: StateRecord,
    live_sha1: str | None,
    levels: dict[str, str] | None,
    before: dict[str, str] | None,
) -> ReportState:
    changed: tuple[str, ...] = ()
    if levels is not None and before is not None:
        changed = tuple(
            [f"+{name}" for name in levels.keys() - before.keys()]
            + [f"-{name}" for name in before.keys() - levels.keys()]
            + [f"~{name}" for name in levels.keys() & before.keys() if levels[name] != before[name]]
        )
    listing = work / "history" / "objects" / record.files_object[:2] / record.files_object
    work_files = None
    if listing.is_file():
        work_files = listing.read_bytes().count(b"\n")
    return ReportState(
        record.state_id,
        _utc(record.published),
        record.version,
        record.summary_sha1 == live_sha1,
        work_files,
        tuple(sorted(changed, key=lambda text: text[1:])),
    )


def _bars(counts: Counter[str], shown: int = 20) -> tuple[Bar, ...]:
    return tuple(Bar(label or "(none)", value) for label, value in counts.most_common(shown))


def build_report(compiled: CompiledFactory, now: float | None = None) -> FactoryReport:
    """Gather what the page shows of ``compiled`` and of its work dir's history."""
    factory = compiled.factory
    entries = _entries(compiled)
    rows = [entry.row for entry in entries]
    summary_file = compiled.work_root / SUMMARY
    live_sha1 = None
    if summary_file.is_file():
        from glideinforge.creation.lib.history import sha1_hex  # noqa: PLC0415

        live_sha1 = sha1_hex(summary_file.read_bytes())
    states = _states(compiled.work_root, live_sha1)
    stage_bytes = (main_stage_bytes(compiled) or 0) + sum(row.staged_bytes for row in rows)
    summary = {
        **totals(rows),
        "stage_bytes": stage_bytes,
        "stage_files": sum(len(directory.files) for directory in compiled.stage),
        "states": len(states),
        "this_configuration_is_live": live_sha1 == compiled.summary.sha1,
    }
    plots = (
        ("entries per gridtype", _bars(Counter(row.gridtype for row in rows))),
        ("entries per site (the 20 largest)", _bars(Counter(entry.site for entry in entries))),
        (
            "levels changed per state (oldest first)",
            tuple(Bar(state.state_id[:15], len(state.changed)) for state in reversed(states)),
        ),
        (
            "work files per state (oldest first)",
            tuple(Bar(state.state_id[:15], state.work_files or 0) for state in reversed(states)),
        ),
    )
    return FactoryReport(
        name=f"{factory.factory_name}/{factory.glidein_name}",
        generated=_utc(time.time() if now is None else now),
        summary=summary,
        entries=entries,
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


def render_report(report: FactoryReport) -> bytes:
    """Return the page: one HTML file with its style, script and plots inline."""
    template = _environment().get_template("report.html.j2")
    return template.render(report=report).encode("utf-8")


def report_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Write the factory's report page to ``--html`` or into its monitor directory."""
    from .factory_commands import compile_for_command, load_for_command  # noqa: PLC0415

    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID
    with tempfile.TemporaryDirectory(prefix="glideinforge-report-") as scratch:
        compiled = compile_for_command(factory, Path(scratch), stderr)
    if compiled is None:
        return EXIT_INVALID
    page = render_report(build_report(compiled))
    target = args.html or factory.monitor.base_dir / REPORT_NAME
    try:
        make_directory(target.parent)
        write_atomically(target, page)
    except OSError as error:
        stderr.write(f"gfactory report: cannot write {target}: {error.strerror}\n")
        return EXIT_INVALID
    entries = len(compiled.factory.entries)
    if args.json:
        print_json({"html": str(target), "bytes": len(page), "entries": entries}, stdout)
    else:
        print_line(f"report: {target} ({entries} entries, {len(page):,} bytes)", stdout)
    return EXIT_OK

"""The report page of a factory or frontend: one self-contained HTML file (no network, no CDN).

A summary; the levels (entries or groups) in a table that sorts and filters in the
browser; per level its effective attrs with the level that set each (as ``explain``
decides it) and its staged files with their sizes and signature status; the
recorded states with what changed between them; and inline SVG plots.

The levels travel as JSON, one line per level, that the page's script draws: a
reconfig that compiles a few entries keeps the other lines of the page it replaces.
This module makes the page; ``factory_report`` and ``frontend_report`` fill it.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import jinja2

from glideinforge.creation.lib.atomic_files import make_directory, write_atomically
from glideinforge.creation.lib.explain import AttrLevel, effective_values
from glideinforge.creation.lib.history import live_summary_sha1, object_path, record_snapshots
from glideinforge.creation.lib.stage_plan import StageDirectory
from glideinforge.creation.lib.states import SUMMARY, read_recorded, verify_published
from glideinforge.creation.lib.templating import TEMPLATES
from glideinforge.frozen import frozen

from .exit_codes import EXIT_INVALID, EXIT_OK
from .page_start import REPORT_NAME
from .report import print_json, print_line

__all__ = [
    "NOT_PUBLISHED",
    "PUBLISHED",
    "REPORT_NAME",
    "Bar",
    "Column",
    "Details",
    "Report",
    "ReportState",
    "ToldStates",
    "bars",
    "data_line",
    "html_environment",
    "level_details",
    "previous_lines",
    "previous_states",
    "read_previous",
    "render_report",
    "report_states",
    "report_template",
    "state_plots",
    "told_lines",
    "told_states",
    "utc",
    "verified_statuses",
    "warn_unwritten",
    "write_page",
    "write_requested_page",
]

PUBLISHED = "signed in this state"
"""The signature status of a file the reconfig that wrote the page just published."""

NOT_PUBLISHED = "not published"
"""The signature status of a file of a configuration not published yet."""

PLOTTED_STATES = 30
"""The newest states the per-state plots show."""

_DATA_START = b'<script type="application/json" id="report-data">'
_STATES_START = b'<script type="application/json" id="report-states">'

_LINE_NAME = re.compile(rb'^\{"name":("(?:[^"\\]|\\.)*")')
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})
"""JSON escapes that keep a script element's text from ending it or opening markup."""

ToldStates = dict[str, tuple[int | None, tuple[str, ...]]]
"""Per state id, its work files and changed levels, as a page tells them."""

Details = dict[str, Any]
"""One level's details, as the page's JSON carries them: ``effective`` and ``staged`` rows."""


@frozen
class Column:
    """One column of the levels table: a key of each level's JSON, its heading, its kind."""

    key: str
    label: str
    numeric: bool = False


@frozen
class ReportState:
    """One recorded state and how it differs from the one before."""

    state_id: str
    published: str
    version: str
    live: bool
    work_files: int | None
    changed: tuple[str, ...]
    """Levels added, removed or changed since the state before (``+x``, ``-x``, ``~x``)."""


@frozen
class Bar:
    """One bar of a plot."""

    label: str
    value: int


@frozen
class Report:
    """Everything the page shows."""

    name: str
    generated: str
    level: str
    """What a level is called: ``entry`` or ``group``."""
    levels: str
    """And in the plural."""
    columns: tuple[Column, ...]
    summary: tuple[tuple[str, str], ...]
    lines: Sequence[bytes]
    """Per level one line of JSON (``data_line``)."""
    states: tuple[ReportState, ...]
    plots: tuple[tuple[str, tuple[Bar, ...]], ...]


def utc(seconds: float | None = None) -> str:
    """Return ``seconds`` since the epoch (default: now) as a UTC time."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def data_line(row: Mapping[str, Any], details: Details | None) -> bytes:
    """Return one level of the page's data: compact JSON that cannot end its script element."""
    text = json.dumps({**row, "details": details}, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE).encode("ascii")


def level_details(
    directories: Mapping[str, StageDirectory],
    names: Sequence[str],
    levels_of: Callable[[str], list[AttrLevel]],
    prefix: str,
    *,
    statuses: Mapping[str, str] | None = None,
    unlisted: str = "verified",
) -> dict[str, Details]:
    """Return the details of each level of ``names``: its effective attrs and staged files.

    ``prefix`` names a level's stage directory (``entry_`` or ``group_``).
    ``statuses`` maps staged paths to what ``verify`` found wrong with them, the
    others being ``unlisted`` (None: the files were just published, so each is
    signed in this state).
    """
    return {
        name: {
            "effective": effective_values(levels_of(name)),
            "staged": [
                [
                    file.relpath,
                    file.size,
                    file.sha1,
                    PUBLISHED if statuses is None else statuses.get(file.relpath, unlisted),
                ]
                for file in directories[f"{prefix}{name}"].files
            ],
        }
        for name in names
    }


def verified_statuses(stage: Path, work: Path) -> dict[str, str] | None:
    """Return, per staged path, what ``verify`` of the published stage finds wrong.

    None when nothing is published (every file is then ``not published``).
    """
    summary = work / SUMMARY
    if not summary.is_file():
        return None
    report = verify_published(stage, summary)
    prefix = str(stage) + "/"
    return {problem.file.removeprefix(prefix): problem.message for problem in report.problems}


def _changed(levels: Mapping[str, str] | None, before: Mapping[str, str] | None) -> list[str]:
    """Return the levels added, removed or changed from ``before`` to ``levels``."""
    if levels is None or before is None:
        return []
    both = levels.keys() & before.keys()
    return sorted(
        [f"+{name}" for name in levels.keys() - before.keys()]
        + [f"-{name}" for name in before.keys() - levels.keys()]
        + [f"~{name}" for name in both if levels[name] != before[name]],
        key=lambda text: text[1:],
    )


def report_states(
    work: Path, known: Mapping[str, tuple[int | None, tuple[str, ...]]] | None = None
) -> tuple[ReportState, ...]:
    """Return the states recorded in ``work``, newest first.

    ``known`` holds, per state id, its work files and changed levels as a page
    already told them (``previous_states``): only the other states are read, so a
    reconfig reads two states' levels however long the history. What changed is
    told for the newest ``PLOTTED_STATES``.
    """
    live_sha1 = live_summary_sha1(work)
    records = read_recorded(work).states
    compared = len(records) - PLOTTED_STATES
    known = known or {}
    states = []
    for number, record in enumerate(records):
        found = known.get(record.state_id)
        if found is None:
            listing = object_path(work, record.files_object)
            work_files = listing.read_bytes().count(b"\n") if listing.is_file() else None
            changed: list[str] = []
            if number >= max(compared, 1):
                before = record_snapshots(work, records[number - 1])
                changed = _changed(record_snapshots(work, record), before)
            found = (work_files, tuple(changed))
        states.append(
            ReportState(
                record.state_id,
                utc(record.published),
                record.version,
                record.summary_sha1 == live_sha1,
                found[0],
                found[1],
            )
        )
    return tuple(reversed(states))


def bars(counts: Counter[str], shown: int = 20) -> tuple[Bar, ...]:
    """Return the ``shown`` largest counts as bars."""
    return tuple(Bar(label or "(none)", value) for label, value in counts.most_common(shown))


def state_plots(states: Sequence[ReportState]) -> tuple[tuple[str, tuple[Bar, ...]], ...]:
    """Return the plots of the newest states: work files and levels changed."""
    history = tuple(reversed(states[:PLOTTED_STATES]))
    return (
        (
            "work files per state (oldest first)",
            tuple(Bar(state.state_id[:15], state.work_files or 0) for state in history),
        ),
        (
            "levels changed per state (oldest first)",
            tuple(Bar(state.state_id[:15], len(state.changed)) for state in history),
        ),
    )


def html_environment() -> jinja2.Environment:
    """Return the HTML templates' environment: everything escaped unless marked safe."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@frozen
class _DrawnBar:
    """A bar where the SVG draws it: the template only writes numbers out."""

    label: str
    short: str
    value: int
    y: int
    text_y: int
    width: float
    value_x: float


@frozen
class _DrawnPlot:
    title: str
    height: int
    bars: tuple[_DrawnBar, ...]


_BAR_WIDTH = 200
_LABEL_LENGTH = 24


def _drawn(title: str, plotted: Sequence[Bar]) -> _DrawnPlot:
    most = max((bar.value for bar in plotted), default=0)
    drawn = []
    for index, bar in enumerate(plotted):
        width = round(_BAR_WIDTH * bar.value / most, 1) if most else 0
        short = (
            bar.label if len(bar.label) <= _LABEL_LENGTH else bar.label[: _LABEL_LENGTH - 1] + "…"
        )
        drawn.append(
            _DrawnBar(
                bar.label, short, bar.value, 20 * index + 5, 20 * index + 17, width, 175 + width
            )
        )
    return _DrawnPlot(title, 20 * len(drawn) + 10, tuple(drawn))


_SLOTS = ("style", "states", "data", "script")
"""What is spliced into the rendered page as bytes, never through jinja2: the page's own
style and script (static files beside the template, so that it stays small to compile)
and its data. A slot holds a NUL, which no XML text can (so no value can forge one)."""


def _static(name: str) -> bytes:
    return (TEMPLATES / name).read_bytes()


def report_template() -> jinja2.Template:
    """Return the page's template, compiled."""
    return html_environment().get_template("report.html.j2")


def render_report(report: Report, template: jinja2.Template | None = None) -> bytes:
    """Return the page: one HTML file with its style, script, data and plots inline.

    ``template``: ``report_template()``, when it was compiled already.
    """
    if template is None:
        template = report_template()
    columns = [{"key": c.key, "label": c.label, "numeric": c.numeric} for c in report.columns]
    slots = {name: f"\x00report-{name}\x00" for name in _SLOTS}
    plots = [_drawn(title, plotted) for title, plotted in report.plots]
    page = template.render(report=report, columns=columns, plots=plots, **slots).encode("utf-8")
    told = {state.state_id: [state.work_files, list(state.changed)] for state in report.states}
    fillings = {
        "style": (_static("report.css"),),
        "states": (
            json.dumps(told, separators=(",", ":")).translate(_SCRIPT_SAFE).encode("ascii"),
        ),
        "data": (b"[\n", b",\n".join(report.lines), b"\n]"),
        "script": (_static("report.js"),),
    }
    # One copy of the whole page: the data alone is megabytes.
    pieces: list[bytes] = []
    for name in _SLOTS:
        before, page = page.split(slots[name].encode(), 1)
        pieces += (before, *fillings[name])
    return b"".join((*pieces, page))


def _read_page(page: Path) -> bytes:
    try:
        return page.read_bytes()
    except OSError:
        return b""


def _script_text(content: bytes, opening: bytes) -> bytes | None:
    """Return the text of the script element that ``opening`` starts (None: not there)."""
    start = content.find(opening)
    end = content.find(b"</script>", start)
    return None if start < 0 or end < 0 else content[start + len(opening) : end]


def told_states(content: bytes) -> ToldStates:
    """Return the states a page's ``content`` tells of: their work files and changed levels."""
    text = _script_text(content, _STATES_START)
    try:
        told = json.loads(text) if text is not None else {}
        return {
            str(state): (files if isinstance(files, int) else None, tuple(map(str, changed)))
            for state, (files, changed) in told.items()
        }
    except (ValueError, TypeError, AttributeError):
        return {}


def told_lines(content: bytes) -> dict[str, bytes]:
    """Return the data line of each level a page's ``content`` carries."""
    lines = {}
    for line in (_script_text(content, _DATA_START) or b"").split(b"\n"):
        text = line.rstrip(b",")
        named = _LINE_NAME.match(text)
        if named and text.endswith(b"}"):
            try:
                lines[json.loads(named[1])] = text
            except ValueError:
                continue
    return lines


def previous_states(page: Path) -> ToldStates:
    """Return the states the page at ``page`` tells of (none when unreadable)."""
    return told_states(_read_page(page))


def previous_lines(page: Path) -> dict[str, bytes]:
    """Return the data line of each level the page at ``page`` carries (none when unreadable)."""
    return told_lines(_read_page(page))


def read_previous(
    page: Path,
) -> tuple[dict[str, bytes], ToldStates]:
    """Return the lines and the states the page at ``page`` carries, read once."""
    content = _read_page(page)
    return told_lines(content), told_states(content)


def warn_unwritten(tool: str, target: Path, reason: str, stderr: TextIO) -> None:
    """Say that the page of a publish could not be written (a warning: the publish stands)."""
    print_line(
        f"{tool}: warning: cannot write the report page {target}: {reason}",
        stderr,
        "yellow",
    )


def write_requested_page(
    report: Report, target: Path, args: argparse.Namespace, streams: tuple[TextIO, TextIO]
) -> int:
    """Write the page ``report`` asks for to ``target``; say where (``--json``: a document)."""
    stdout, stderr = streams
    tool = "gfactory" if report.level == "entry" else "gfrontend"
    try:
        size = write_page(target, report)
    except OSError as error:
        stderr.write(f"{tool} report: cannot write {target}: {error.strerror}\n")
        return EXIT_INVALID
    count = len(report.lines)
    if args.json:
        print_json({"html": str(target), "bytes": size, report.levels: count}, stdout)
    else:
        print_line(f"report: {target} ({count} {report.levels}, {size:,} bytes)", stdout)
    return EXIT_OK


def write_page(target: Path, report: Report, template: jinja2.Template | None = None) -> int:
    """Write the page of ``report`` to ``target`` atomically; return its size.

    ``template``: see ``render_report``.

    Raises:
        OSError: it cannot be written.
    """
    page = render_report(report, template)
    make_directory(target.parent)
    write_atomically(target, page)
    return len(page)

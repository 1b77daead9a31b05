"""``gfactory inspect CONFIG``: a summary of the factory, then its entries, filtered and sorted.

When the configuration and its inputs are exactly what the last publish recorded,
everything comes from that record: nothing is loaded or compiled, so a factory of
thousands of entries answers in a fraction of a second. Otherwise the
configuration is compiled, as ``reconfig --dry-run`` would.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any, TextIO

from glideinforge.creation.lib.states import read_recorded
from glideinforge.factory.entry_rows import EntryRow, EntrySelection, totals
from glideinforge.factory.no_op import published_as_is
from glideinforge.frozen import frozen

from .cli_common import output_root
from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .report import print_json, print_line
from .tables import TextTable, print_table

__all__ = ["inspect"]


@frozen
class FactoryView:
    """What ``inspect`` shows of a whole factory."""

    name: str
    rows: tuple[EntryRow, ...]
    stage_bytes: int
    files: int
    """Files a publish of this configuration holds (stage and work dir)."""
    work: Path
    published: bool
    """True when the live state is this configuration."""


def inspect(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Show the factory's summary and entries, or one entry's attrs and staged files."""
    if args.entry is not None:
        from .factory_commands import inspect_entry  # noqa: PLC0415 - compiles: loaded when needed

        return inspect_entry(args, stdout, stderr)
    try:
        selection = EntrySelection(
            grep=re.compile(args.grep, re.IGNORECASE) if args.grep else None,
            gridtype=args.gridtype,
            enabled=args.enabled,
            sort=args.sort,
        )
    except re.error as error:
        stderr.write(f"gfactory inspect: --grep {args.grep!r}: {error}\n")
        return EXIT_USAGE
    view = _recorded_view(args)
    if view is None:
        from .factory_commands import compiled_view  # noqa: PLC0415 - compiles: loaded when needed

        view = compiled_view(args, stderr)
        if view is None:
            return EXIT_INVALID
    _show(view, selection, args.json, stdout)
    return EXIT_OK


def _recorded_view(args: argparse.Namespace) -> FactoryView | None:
    """Return the view the last publish recorded, when CONFIG is still exactly that."""
    recorded = published_as_is(args.config, output_root(args))
    if recorded is None:
        return None
    snapshot, fingerprint = recorded
    report = fingerprint.report
    entries, main_bytes = report.get("entries"), report.get("main_bytes")
    if not isinstance(entries, list) or not isinstance(main_bytes, int):
        return None
    rows = tuple(EntryRow.from_json(row) for row in entries)
    current = read_recorded(snapshot.work_dir).current
    identity = {} if current is None else current.identity
    return FactoryView(
        name=f"{identity.get('factory_name', '?')}/{identity.get('glidein_name', '?')}",
        rows=rows,
        stage_bytes=main_bytes + sum(row.staged_bytes for row in rows),
        files=int(str(report["files"])),
        work=snapshot.work_dir,
        published=True,
    )


def _state(view: FactoryView) -> dict[str, Any]:
    """Return the states kept and the live one."""
    recorded = read_recorded(view.work)
    current = recorded.current
    live = None
    if current is not None:
        live = {
            "id": current.state_id,
            "version": current.version,
            "published": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(current.published)),
            "live": view.published,
        }
    return {"states_kept": len(recorded.states), "live": live}


def _summary_lines(view: FactoryView, summary: dict[str, Any], state: dict[str, Any]) -> list[str]:
    gridtypes = ", ".join(f"{name} {count}" for name, count in summary["gridtypes"].items())
    counts = f"{summary['enabled']} enabled, {summary['disabled']} disabled"
    kept = f"states kept: {state['states_kept']}"
    lines = [
        f"{view.name}: {summary['entries']} entries ({counts})",
        f"  by gridtype: {gridtypes or 'none'}",
        f"  files: {view.files:,}; stage: {view.stage_bytes:,} bytes; {kept}",
    ]
    live = state["live"]
    if live is None:
        lines.append("  last publish: none recorded")
    else:
        pending = "" if live["live"] else "; this configuration is not published yet"
        lines.append(
            f"  last publish: {live['published']} ({live['id']}, glideinforge "
            f"{live['version']}){pending}"
        )
    return lines


def _show(view: FactoryView, selection: EntrySelection, as_json: bool, stdout: TextIO) -> None:
    shown = selection.apply(view.rows)
    summary = {
        **totals(view.rows),
        "files": view.files,
        "stage_bytes": view.stage_bytes,
    }
    state = _state(view)
    if as_json:
        print_json(
            {
                "factory": view.name,
                "summary": summary,
                "state": state["live"],
                "states_kept": state["states_kept"],
                "shown": len(shown),
                "entries": [row.to_json() for row in shown],
            },
            stdout,
        )
        return
    for line in _summary_lines(view, summary, state):
        print_line(line, stdout)
    columns = ("entry", "enabled", "gridtype", "gatekeeper", "auth", "schedd", "attrs", "files")
    cells = [
        [
            row.name,
            str(row.enabled),
            row.gridtype,
            row.gatekeeper,
            row.auth_method,
            row.schedd,
            str(row.attrs),
            str(row.files),
            str(row.staged_bytes),
        ]
        for row in shown
    ]
    title = f"entries: {len(shown)} of {len(view.rows)}, by {selection.sort}"
    print_table(TextTable(title, (*columns, "staged bytes"), cells), stdout)

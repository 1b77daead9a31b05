"""Handler of ``gfactory explain``: the value a glidein gets for each attr, and why."""

from __future__ import annotations

import argparse
import difflib
import tempfile
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.explain import (
    AttrLevel,
    Explanation,
    explain_attrs,
    explained_names,
)
from glideinforge.creation.lib.script_writers import script_writers
from glideinforge.factory.compile import CompiledFactory
from glideinforge.factory.entry_rows import entry_levels
from glideinforge.frontend.compile import CompiledFrontend, compile_frontend, group_levels

from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .factory_commands import compile_for_command
from .glidein_commands import RefusedError, load_entry_and_group
from .report import print_json, print_line
from .tables import TextTable, print_table

__all__ = ["attr_levels", "explain_command"]


def attr_levels(
    factory: CompiledFactory,
    entry: str,
    frontend: CompiledFrontend | None = None,
    group: str | None = None,
) -> list[AttrLevel]:
    """Return the levels a glidein of ``entry`` (requested by ``group``) combines."""
    levels = entry_levels(factory, entry)
    if frontend is not None and group is not None:
        levels += group_levels(frontend, group)
    return levels


def _becomes(item: Explanation) -> str:
    parts = [f"{name} ({kind})" for name, kind in item.knobs]
    if item.published:
        parts.append("startd ad: " + ", ".join(item.published))
    if item.job_environment:
        parts.append("job env: " + ", ".join(item.job_environment))
    if item.value is not None and not item.knobs:
        parts.append("glidein_config only")
    if item.rewritten_by:
        parts.append("rewritten on the node by " + ", ".join(item.rewritten_by))
    return "; ".join(parts) or "-"


def _print_table(explanations: list[Explanation], title: str, stdout: TextIO) -> None:
    rows = [
        [
            item.name,
            "(unset)" if item.value is None else item.value,
            item.source or "-",
            ", ".join(s.title for s in item.chain if s.status == "blocked"),
            _becomes(item),
        ]
        for item in explanations
    ]
    columns = ("attr", "value", "from", "blocked", "becomes")
    print_table(TextTable(title, columns, rows), stdout)


def _print_detail(item: Explanation, stdout: TextIO) -> None:
    if item.value is None:
        required = "; a condor_vars row requires it: the glidein stops" if item.required else ""
        print_line(f"{item.name}: nothing sets it{required}", stdout, "bold")
    else:
        print_line(f"{item.name} = {item.value}   (from {item.source})", stdout, "bold")
    for setting in item.chain:
        by = f" by {setting.by}" if setting.by else ""
        stdout.write(f"  {setting.title:<40} {setting.value!r:<28} {setting.status}{by}\n")
    stdout.write(f"  becomes: {_becomes(item)}\n")


def _levels(args: argparse.Namespace, stderr: TextIO) -> list[AttrLevel]:
    """Load and compile the configs; return the levels of ARGS.entry (and ARGS.group)."""
    factory, frontend = load_entry_and_group(args, stderr)
    with tempfile.TemporaryDirectory(prefix="glideinforge-explain-") as scratch:
        compiled = compile_for_command(factory, Path(scratch), stderr, schedds={})
    if compiled is None:
        raise RefusedError(EXIT_INVALID)
    client = None if frontend is None else compile_frontend(frontend)
    return attr_levels(compiled, args.entry, client, args.group)


def explain_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Show the effective value of each attr of ENTRY, with its provenance and destinations."""
    try:
        levels = _levels(args, stderr)
    except RefusedError as refused:
        return refused.exit_code
    known_names = explained_names(levels)
    if args.attr is not None and args.attr not in known_names:
        close = difflib.get_close_matches(args.attr, known_names, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        stderr.write(f"{args.attr}: no level sets it and condor_vars has no default{hint}\n")
        return EXIT_USAGE
    explanations = explain_attrs(
        levels, None if args.attr is None else [args.attr], script_writers()
    )
    if args.json:
        print_json(
            {
                "entry": args.entry,
                "group": args.group,
                "levels": [level.label for level in levels],
                "attrs": [item.to_json() for item in explanations],
            },
            stdout,
        )
    elif args.attr is not None:
        _print_detail(explanations[0], stdout)
    else:
        client = f" requested by group {args.group}" if args.group else ""
        _print_table(explanations, f"entry {args.entry}{client}: effective attrs", stdout)
    return EXIT_OK

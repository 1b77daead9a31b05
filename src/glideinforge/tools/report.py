"""Render diagnostics and summaries: rich on a terminal, plain text otherwise."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from glideinforge.creation.lib.diagnostics import Diagnostic, Severity
from glideinforge.frozen import frozen

from .streams import ErrorLog

if TYPE_CHECKING:  # rich and the rest load only when a terminal or a command needs them
    from rich.console import Console

    from glideinforge.creation.lib.changes import Changes
    from glideinforge.creation.lib.plan import CompiledState
    from glideinforge.creation.lib.publish_stats import PublishStats

    from .repair import RepairOutcome

__all__ = [
    "PublishSummary",
    "print_changes",
    "print_config_warnings",
    "print_diagnostics",
    "print_json",
    "print_line",
    "print_publish_summary",
]

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def _console(stream: TextIO) -> Console | None:
    """Return a rich console when ``stream`` is a terminal, else None (plain output)."""
    if stream.isatty():
        from rich.console import Console  # noqa: PLC0415 - only for a terminal

        return Console(file=stream, soft_wrap=True, highlight=False)
    return None


_SHOWN_PLACES = 3
"""Places listed after the first one of a repeated warning kind."""


def print_diagnostics(
    diagnostics: Iterable[Diagnostic], stream: TextIO, *, verbose: bool = False
) -> None:
    """Write one ``file:line[:col]: path: message`` line per diagnostic.

    Every error is written. A kind of warning or note (its code) that repeats is written
    once, followed by a line with how many more there are and the first few of
    their places; ``verbose`` writes them all.
    """
    items = list(diagnostics)
    if isinstance(stream, ErrorLog) and stream.keep:  # --json: every one goes into the document
        for item in items:
            stream.write_diagnostic(item)
        return
    repeats: dict[str, list[Diagnostic]] = {}
    if not verbose:
        for item in items:
            if item.severity is not Severity.ERROR:
                repeats.setdefault(item.code, []).append(item)
    console = _console(stream)
    for item in items:
        group = repeats.get(item.code) if item.severity is not Severity.ERROR else None
        if group is not None and group[0] is not item:
            continue
        _print_diagnostic(item, stream, console)
        if group is not None and len(group) > 1:
            print_line(_more_like_this(group), stream, _STYLES[item.severity])


def print_config_warnings(
    warnings: Sequence[Diagnostic], args: argparse.Namespace, stderr: TextIO
) -> None:
    """Show a configuration's warnings as ``validate`` does (not with ``--json``)."""
    if not args.json:
        print_diagnostics(warnings, stderr, verbose=args.verbose)


def _more_like_this(group: list[Diagnostic]) -> str:
    more = group[1:]
    places = ", ".join(str(item.source) for item in more[:_SHOWN_PLACES])
    if len(more) > _SHOWN_PLACES:
        places += ", ..."
    noun = group[0].severity.value + ("" if len(more) == 1 else "s")
    return (
        f"  ... and {len(more)} more {noun} like it ({group[0].code}) at {places}; "
        "--verbose lists all"
    )


def _print_diagnostic(diagnostic: Diagnostic, stream: TextIO, console: Console | None) -> None:
    if console is None:
        stream.write(f"{diagnostic}\n")
        return
    from rich.text import Text  # noqa: PLC0415 - only for a terminal

    text = Text()
    text.append(f"{diagnostic.source}: ", style="bold")
    text.append(f"{diagnostic.path}: ", style="cyan")
    if diagnostic.severity is not Severity.ERROR:
        text.append(f"{diagnostic.severity.value}: ", style=_STYLES[diagnostic.severity])
    text.append(diagnostic.message, style=_STYLES[diagnostic.severity])
    console.print(text)


def print_line(message: str, stream: TextIO, style: str = "") -> None:
    """Write one summary line."""
    console = _console(stream)
    if console is None:
        stream.write(message + "\n")
    else:
        from rich.text import Text  # noqa: PLC0415 - only for a terminal

        console.print(Text(message, style=style))


def print_json(document: Any, stream: TextIO) -> None:
    """Write one JSON document."""
    stream.write(json.dumps(document, indent=2, sort_keys=False) + "\n")


def print_changes(changes: Changes, stream: TextIO, level: str = "entry") -> None:
    """Write what changes: main attrs, then per entry (or group) its status, settings, attrs."""
    if changes.empty:
        what = "entry, attr or submit file" if level == "entry" else f"{level} or attr"
        print_line(f"no {what} changes", stream)
        return
    for change in changes.main_attrs:
        print_line(f"main attr {change.describe()}", stream)
    for entry in changes.entries:
        print_line(f"{level} {entry.name}: {entry.status}", stream, "bold")
        for name, (old, new) in entry.settings.items():
            print_line(f"  {name}: {old!r} -> {new!r}", stream)
        for change in entry.attrs:
            print_line(f"  attr {change.describe()}", stream)
        for line in entry.submit_diff:
            print_line(f"  {line}", stream)


@frozen
class PublishSummary:
    """What one reconfig or upgrade did, for its closing line or JSON document."""

    levels: str
    """``entries`` or ``groups``."""
    enabled: int
    disabled: int
    stats: PublishStats
    seconds: float
    stage: Path
    work: Path
    changes: dict[str, Any]
    fingerprint: bool = False
    """True when a no-op was recognised from the fingerprint, without compiling."""
    compiled_alone: int | None = None
    """Entries compiled without the others (incremental reconfig); None: a full run."""
    warnings: tuple[Diagnostic, ...] = ()
    """The configuration's warnings (shown on stderr already; in the JSON document)."""
    repair: RepairOutcome | None = None
    """What ``--repair`` restored and what is still wrong (None without ``--repair``)."""

    @classmethod
    def of(
        cls,
        compiled: CompiledState,
        *,
        levels: str,
        enabled: int,
        total: int,
        stats: PublishStats,
        seconds: float,
        changes: dict[str, Any],
    ) -> PublishSummary:
        """Summarise publishing ``compiled`` (``enabled`` of ``total`` levels)."""
        return cls(
            levels=levels,
            enabled=enabled,
            disabled=total - enabled,
            stats=stats,
            seconds=seconds,
            stage=compiled.stage_root,
            work=compiled.work_root,
            changes=changes,
        )


def _count(number: int, one: str, many: str) -> str:
    """Return ``number`` and the noun that goes with it ("1 edited entry", "2 edited entries")."""
    return f"{number} {one if number == 1 else many}"


def _print_repair(outcome: RepairOutcome, prog: str, stdout: TextIO, stderr: TextIO) -> None:
    """Name each restored file (stdout) and each one still wrong (stderr)."""
    for problem in outcome.restored:
        print_line(f"{prog}: restored {problem.file} (was: {problem.message})", stdout, "green")
    for problem in outcome.remaining:
        print_line(f"{prog}: still wrong after the repair: {problem}", stderr, "bold red")
    if not outcome.restored and not outcome.remaining:
        print_line(f"{prog}: nothing needed repair", stdout)


def print_publish_summary(
    summary: PublishSummary,
    args: argparse.Namespace,
    stream: TextIO,
    stderr: TextIO | None = None,
) -> None:
    """Print what reconfig/upgrade did (``--json``: one document).

    A closing line of counts, then what changed (levels added, removed, enabled,
    disabled and changed, with their attrs), where it was published and the next
    step. After ``--repair`` the restored files come first (those still wrong on
    ``stderr``).
    """
    from .change_summary import change_lines, next_step  # noqa: PLC0415 - after a publish

    stats = summary.stats
    changed = stats.written + stats.linked
    prog = "gfrontend" if summary.levels == "groups" else "gfactory"
    root = getattr(args, "root", None)
    next_text = next_step(
        prog, str(args.config), bool(changed), None if root is None else str(root)
    )
    if args.json:
        print_json(
            {
                summary.levels: {"enabled": summary.enabled, "disabled": summary.disabled},
                "files_written": stats.written,
                "files_linked": stats.linked,
                "files_unchanged": stats.unchanged,
                "bytes_written": stats.bytes_written,
                "seconds": round(summary.seconds, 3),
                "stage": str(summary.stage),
                "work": str(summary.work),
                "changes": summary.changes,
                "next_step": next_text,
                "fingerprint": summary.fingerprint,
                "compiled_alone": summary.compiled_alone,
                "config_warnings": [item.to_json() for item in summary.warnings],
                **({"repair": summary.repair.to_json()} if summary.repair is not None else {}),
            },
            stream,
        )
        return
    if summary.repair is not None:
        _print_repair(summary.repair, prog, stream, stderr or stream)
    print_line(
        f"{args.command}: {summary.enabled} enabled and {summary.disabled} disabled "
        f"{summary.levels}; "
        f"{stats.written} file(s) written, {stats.linked} linked, {stats.unchanged} unchanged"
        f" ({stats.bytes_written} bytes) in {summary.seconds:.2f} s"
        + (" (inputs and published files as last recorded)" if summary.fingerprint else "")
        + (
            f" ({_count(summary.compiled_alone, 'edited entry', 'edited entries')} compiled alone)"
            if summary.compiled_alone is not None
            else ""
        )
        + ("" if changed else "; no changes"),
        stream,
        "green",
    )
    lines = change_lines(summary.changes, summary.levels, verbose=args.verbose) if changed else []
    lines += [f"  stage: {summary.stage}", f"  work:  {summary.work}", f"  next:  {next_text}"]
    for line in lines:
        print_line(line, stream)

"""The frontend's report page: written by every publishing reconfig, and by ``gfrontend report``."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Mapping
from typing import Any, TextIO

from glideinforge.frontend.compile import CompiledFrontend, compile_frontend, group_levels

from .exit_codes import EXIT_INVALID
from .report_page import (
    NOT_PUBLISHED,
    REPORT_NAME,
    Column,
    Report,
    bars,
    data_line,
    level_details,
    previous_states,
    report_states,
    state_plots,
    utc,
    verified_statuses,
    warn_unwritten,
    write_page,
    write_requested_page,
)

__all__ = [
    "GROUP_COLUMNS",
    "frontend_report",
    "group_rows",
    "publish_frontend_page",
    "report_command",
]

GROUP_COLUMNS = (
    Column("name", "group"),
    Column("enabled", "enabled"),
    Column("attrs", "attrs", numeric=True),
    Column("files", "files", numeric=True),
    Column("credentials", "credentials", numeric=True),
    Column("staged_bytes", "staged bytes", numeric=True),
)


def group_rows(compiled: CompiledFrontend) -> list[dict[str, Any]]:
    """Return one row per group, as ``inspect`` and the page list them (``GROUP_COLUMNS``)."""
    directories = compiled.stage_directories()
    return [
        {
            "name": group.name,
            "enabled": group.enabled,
            "attrs": len(group.attrs),
            "files": len(group.files),
            "credentials": len(group.security.credentials),
            "staged_bytes": sum(file.size for file in directories[f"group_{group.name}"].files),
        }
        for group in compiled.frontend.groups
    ]


def frontend_report(
    compiled: CompiledFrontend,
    statuses: Mapping[str, str] | None = None,
    unlisted: str = "",
    known_states: Mapping[str, tuple[int | None, tuple[str, ...]]] | None = None,
) -> Report:
    """Return what the page of ``compiled`` shows (``statuses``: see ``level_details``)."""
    frontend = compiled.frontend
    directories = compiled.stage_directories()
    rows = group_rows(compiled)
    details = level_details(
        directories,
        [row["name"] for row in rows],
        lambda name: group_levels(compiled, name),
        "group_",
        statuses=statuses,
        unlisted=unlisted or "verified",
    )
    states = report_states(compiled.work_root, known_states)
    enabled = sum(row["enabled"] for row in rows)
    stage_bytes = sum(file.size for directory in compiled.stage for file in directory.files)
    live = next((state.state_id for state in states if state.live), None)
    staged = Counter({str(row["name"]): int(row["staged_bytes"]) for row in rows})
    return Report(
        name=frontend.name,
        generated=utc(),
        level="group",
        levels="groups",
        columns=GROUP_COLUMNS,
        summary=(
            ("groups", str(len(rows))),
            ("enabled", str(enabled)),
            ("disabled", str(len(rows) - enabled)),
            ("stage bytes", f"{stage_bytes:,}"),
            ("states recorded", str(len(states))),
            ("live state", live or "none recorded"),
        ),
        lines=[data_line(row, details[row["name"]]) for row in rows],
        states=states,
        plots=(("staged bytes per group (the 20 largest)", bars(staged)), *state_plots(states)),
    )


def publish_frontend_page(compiled: CompiledFrontend, stderr: TextIO) -> None:
    """Write the page after a publish; a failure is only a warning."""
    target = compiled.frontend.monitor_dir / REPORT_NAME
    try:
        write_page(target, frontend_report(compiled, known_states=previous_states(target)))
    except OSError as error:
        warn_unwritten("gfrontend", target, error.strerror or str(error), stderr)


def report_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Write the page to ``--html`` or into the monitor directory, verifying the stage."""
    from .frontend_commands import load_frontend_for_command  # noqa: PLC0415

    frontend = load_frontend_for_command(args, stderr)
    if frontend is None:
        return EXIT_INVALID
    compiled = compile_frontend(frontend)
    statuses = verified_statuses(compiled.stage_root, compiled.work_root)
    if statuses is None:  # nothing published yet
        report = frontend_report(compiled, {}, NOT_PUBLISHED)
    else:
        report = frontend_report(compiled, statuses)
    target = args.html or frontend.monitor_dir / REPORT_NAME
    return write_requested_page(report, target, args, (stdout, stderr))

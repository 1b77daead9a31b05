"""Handlers of the gfrontend commands (the parser lives in ``gfrontend``)."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from glideinforge.creation.lib.changes import Changes, compare
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic
from glideinforge.creation.lib.inputs import read_input
from glideinforge.creation.lib.lock import LockHeldError, work_dir_lock
from glideinforge.creation.lib.paths import absolute, rerooted
from glideinforge.creation.lib.plan import file_differences, pending_changes
from glideinforge.creation.lib.publish import PublishError
from glideinforge.creation.lib.routing import destinations
from glideinforge.creation.lib.xml_tree import parse_xml_bytes
from glideinforge.frontend.compile import CompiledFrontend, compile_frontend, reroot_frontend
from glideinforge.frontend.lifecycle import (
    frontend_snapshots,
    guard_errors,
    live_changes,
    no_submit_file,
    publish_frontend,
    read_frontend_live,
)
from glideinforge.frontend.load import check_frontend, load_frontend
from glideinforge.frontend.model import Frontend

from .cli_common import output_root
from .command_loading import loaded_for_command
from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE, diff_exit_code
from .frontend_report import group_rows, publish_frontend_page
from .lifecycle_commands import run_gc, run_rollback
from .names import unknown_name
from .repair import damaged_files, repair_outcome
from .report import (
    PublishSummary,
    print_changes,
    print_diagnostics,
    print_json,
    print_line,
    print_publish_summary,
)
from .report_page import REPORT_NAME
from .tables import TextTable, print_table, staged_files_table
from .verify_command import run_verify

__all__ = [
    "diff",
    "gc",
    "inspect",
    "load_frontend_for_command",
    "reconfig",
    "rollback",
    "validate",
    "verify",
]

_PROG = "gfrontend"


def _groups_json(changes: Changes) -> dict[str, Any]:
    """Return the changes as JSON, with the frontend's word for levels."""
    document = changes.to_json()
    groups = []
    for change in document.pop("entries"):
        change["group"] = change.pop("entry").removeprefix("group_")
        change.pop("submit_diff", None)
        groups.append(change)
    return {
        "groups": groups,
        "main_attrs": document["main_attrs"],
        "first_publish": document["first_publish"],
    }


def validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Check the configuration and report every problem."""
    result = check_frontend(args.config, strict=args.strict, host_checks=args.host_checks)
    if args.json:
        print_json(
            {
                "valid": result.valid,
                "errors": [item.to_json() for item in result.errors],
                "warnings": [item.to_json() for item in result.warnings],
                "groups": result.group_count,
            },
            stdout,
        )
        return EXIT_OK if result.valid else EXIT_INVALID
    print_diagnostics(result.diagnostics, stderr, verbose=args.verbose)
    counts = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
    if result.valid:
        print_line(f"{args.config}: valid: {result.group_count} groups, {counts}", stdout, "green")
        return EXIT_OK
    print_line(f"{args.config}: invalid: {counts}", stderr, "bold red")
    return EXIT_INVALID


def load_frontend_for_command(args: argparse.Namespace, stderr: TextIO) -> Frontend | None:
    """Load CONFIG (re-rooted under ``--root``), printing every error; None when invalid."""
    return _load_reporting(args, stderr, report_warnings=False)[0]


def _load_reporting(
    args: argparse.Namespace, stderr: TextIO, *, report_warnings: bool = True
) -> tuple[Frontend | None, tuple[Diagnostic, ...]]:
    """Load CONFIG as ``validate`` reports it (``--strict``, ``--verbose``); also its warnings."""
    result = load_frontend(args.config, strict=getattr(args, "strict", False))
    frontend = loaded_for_command(
        args,
        stderr,
        (result.frontend, result.check.diagnostics),
        reroot_frontend,
        report_warnings=report_warnings,
    )
    return frontend, tuple(result.check.warnings)


def _compiled(
    args: argparse.Namespace, stderr: TextIO, *, report_warnings: bool = True
) -> tuple[CompiledFrontend | None, tuple[Diagnostic, ...]]:
    frontend, warnings = _load_reporting(args, stderr, report_warnings=report_warnings)
    return (None if frontend is None else compile_frontend(frontend)), warnings


def _report_messages(messages: list[str], stderr: TextIO, style: str, suffix: str = "") -> None:
    for message in messages:
        print_line(f"{_PROG}: {message}{suffix}", stderr, style)


def _dry_run(
    compiled: CompiledFrontend,
    levels: dict[str, bytes],
    args: argparse.Namespace,
    streams: tuple[TextIO, TextIO],
    *,
    upgrade: bool,
    warnings: tuple[Diagnostic, ...],
) -> int:
    """Show what reconfig would change (groups, attrs, files); write nothing."""
    stdout, stderr = streams
    frontend = compiled.frontend
    options = {"force_delete": args.force_delete, "force_rename": args.force_rename}
    live = read_frontend_live(frontend.work_dir)
    errors = guard_errors(compiled, live, upgrade=upgrade, **options)
    changes = live_changes(compiled, live, levels)
    files = pending_changes(compiled)
    if args.json:
        print_json(
            {
                "dry_run": True,
                "errors": errors,
                "config_warnings": [item.to_json() for item in warnings],
                "changes": _groups_json(changes),
                "files": [{"action": action, "path": path} for action, path in files],
            },
            stdout,
        )
    else:
        print_changes(changes, stdout, "frontend")
        stdout.writelines(f"{action} {path}\n" for action, path in files)
        _report_messages(errors, stderr, "bold red")
        print_line(f"dry run: {len(files)} file(s) would change; nothing written", stdout)
    return EXIT_INVALID if errors else EXIT_OK


def reconfig(
    args: argparse.Namespace, stdout: TextIO, stderr: TextIO, *, upgrade: bool = False
) -> int:
    """Compile and publish the frontend under the work dir's lock (or show a dry run)."""
    started = time.perf_counter()
    frontend, warnings = _load_reporting(args, stderr)
    if frontend is None:
        return EXIT_INVALID
    options = {"force_delete": args.force_delete, "force_rename": args.force_rename}
    if args.dry_run:
        compiled = compile_frontend(frontend)
        levels = frontend_snapshots(compiled)
        return _dry_run(
            compiled, levels, args, (stdout, stderr), upgrade=upgrade, warnings=warnings
        )
    try:
        with work_dir_lock(frontend.work_dir, wait=args.wait) as lock:
            compiled = compile_frontend(frontend)
            levels = frontend_snapshots(compiled)
            live = read_frontend_live(frontend.work_dir)
            _report_messages(live.recorded.problems, stderr, "yellow")
            errors = guard_errors(compiled, live, upgrade=upgrade, **options)
            _report_messages(errors, stderr, "bold red", "; nothing written")
            if errors:
                return EXIT_INVALID
            changes = (
                live_changes(compiled, live, levels) if live.exists else Changes(first_publish=True)
            )
            roots = (frontend.stage_dir, frontend.work_dir)
            damaged = damaged_files(*roots) if args.repair else ()
            lock.make_work_dir()
            stats = publish_frontend(compiled, live, levels, repair=args.repair)
            repaired = repair_outcome(damaged, *roots) if args.repair else None
            page = frontend.monitor_dir / REPORT_NAME
            if stats.written or stats.linked or not page.exists():
                publish_frontend_page(compiled, stderr)  # what changed, or a missing page
    except LockHeldError as error:
        stderr.write(f"{_PROG}: {error}\n")
        return error.exit_code
    except (PublishError, OSError) as error:
        stderr.write(f"{_PROG}: {error}\n")
        return EXIT_INVALID
    frontend = compiled.frontend
    summary = PublishSummary.of(
        compiled,
        levels="groups",
        enabled=len(frontend.enabled_groups),
        total=len(frontend.groups),
        stats=stats,
        seconds=time.perf_counter() - started,
        changes=_groups_json(changes),
    )
    summary = replace(summary, warnings=warnings, repair=repaired)
    print_publish_summary(summary, args, stdout, stderr)
    return EXIT_INVALID if repaired is not None and repaired.remaining else EXIT_OK


def verify(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Verify the frontend's staging area against its signature summary."""

    def locate(args: argparse.Namespace, stderr: TextIO) -> tuple[Path, Path] | None:
        frontend = load_frontend_for_command(args, stderr)
        if frontend is None:
            return None
        return frontend.stage_dir, frontend.work_dir / "signatures.sha1"

    return run_verify(args, stdout, stderr, locate, _declared_work)


def _declared_work(args: argparse.Namespace) -> Path | None:
    """Return the work dir CONFIG names (re-rooted), read without validating anything else."""
    try:
        root = parse_xml_bytes(read_input(args.config), str(args.config))
    except (OSError, ConfigError):
        return None
    work = root.find("work")
    written = work.get("base_dir") if work is not None else None
    if not written:
        return None
    top = output_root(args)
    return absolute(written) if top is None else rerooted(written, top)


def gc(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Remove staged files and records no retained state needs."""
    frontend = load_frontend_for_command(args, stderr)
    if frontend is None:
        return EXIT_INVALID
    return run_gc(frontend.work_dir, frontend.stage_dir, args, stdout, stderr)


def rollback(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Re-publish an earlier recorded state, or list the recorded states."""
    frontend = load_frontend_for_command(args, stderr)
    if frontend is None:
        return EXIT_INVALID
    return run_rollback(frontend.work_dir, frontend.stage_dir, args, stdout, stderr)


def diff(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Compare what two frontend configurations compile to."""
    compiled = []
    warnings: tuple[Diagnostic, ...] = ()
    for config in (args.old, args.new):
        # The new configuration is reported as validate reports it; the old one's errors only.
        options = argparse.Namespace(**{**vars(args), "config": config})
        result, found = _compiled(options, stderr, report_warnings=config is args.new)
        if result is None:
            return EXIT_INVALID
        if config is args.new:
            warnings = found
        compiled.append(result)
    old, new = compiled
    decoded = [
        {name: json.loads(content) for name, content in frontend_snapshots(side).items()}
        for side in (old, new)
    ]
    changes = compare(decoded[0], decoded[1], no_submit_file, set(), {})
    files = file_differences(old, new)
    differ = bool(files) or not changes.empty
    if args.json:
        print_json(
            {
                "changes": _groups_json(changes),
                "config_warnings": [item.to_json() for item in warnings],
                "files": files,
                "differ": differ,
            },
            stdout,
        )
        return diff_exit_code(differ)
    print_changes(changes, stdout, "frontend")
    stdout.writelines(f"{item['change']} {item['path']}\n" for item in files)
    print_line(f"diff: {len(files)} file(s) differ", stdout)
    return diff_exit_code(differ)


def _attr_rows(frontend: Frontend, group_name: str | None) -> list[dict[str, Any]]:
    attrs = list(frontend.attrs)
    if group_name is not None:
        attrs += list(frontend.group(group_name).attrs)
    rows = []
    for attr in attrs:
        where = destinations(attr)
        rows.append(
            {
                "name": attr.name,
                "value": attr.value,
                "type": attr.type.value,
                "level": "main" if attr in frontend.attrs else f"group_{group_name}",
                "lands_in": "params.cfg (GlideinParam, -param_)" if attr.parameter else "constants",
                "published_to_startd": where.published_to_startd,
                "job_environment": where.job_environment,
            }
        )
    return rows


def _show_groups(compiled: CompiledFrontend, as_json: bool, stdout: TextIO) -> None:
    frontend = compiled.frontend
    rows = group_rows(compiled)
    if as_json:
        print_json({"frontend": frontend.name, "groups": rows}, stdout)
        return
    columns = ("group", "enabled", "attrs", "files", "credentials", "staged bytes")
    cells = [[str(value) for value in row.values()] for row in rows]
    print_table(TextTable(f"frontend {frontend.name}: {len(rows)} groups", columns, cells), stdout)


def inspect(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Show the groups, or one group's attrs and staged files."""
    compiled, _ = _compiled(args, stderr, report_warnings=False)
    if compiled is None:
        return EXIT_INVALID
    frontend = compiled.frontend
    if args.group is None:
        _show_groups(compiled, args.json, stdout)
        return EXIT_OK
    names = [group.name for group in frontend.groups]
    if args.group not in names:
        stderr.write(
            unknown_name(args.group, "group", names, f"{_PROG} inspect {args.config}") + "\n"
        )
        return EXIT_USAGE
    attrs = _attr_rows(frontend, args.group)
    directory = compiled.stage_directory(f"group_{args.group}")
    staged = [{"path": f.relpath, "sha1": f.sha1, "bytes": f.size} for f in directory.files]
    if args.json:
        print_json({"group": args.group, "attrs": attrs, "staged_files": staged}, stdout)
        return EXIT_OK
    attr_rows = [
        [
            row["name"],
            row["value"],
            row["type"],
            row["level"],
            row["lands_in"],
            "yes" if row["published_to_startd"] else "no",
            row["job_environment"] or "-",
        ]
        for row in attrs
    ]
    columns = ("attr", "value", "type", "level", "lands in", "startd", "job env")
    print_table(TextTable(f"group {args.group}: attrs", columns, attr_rows), stdout)
    print_table(staged_files_table(f"group {args.group}: staged files", staged), stdout)
    return EXIT_OK

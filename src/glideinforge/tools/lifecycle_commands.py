"""Handlers of ``gc``, ``rollback`` and ``diff``.

``run_gc`` and ``run_rollback`` work on a work dir and a
stage whatever produced them; ``gfactory`` and ``gfrontend`` call them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.containment import OutsideTreeError
from glideinforge.creation.lib.diagnostics import Diagnostic
from glideinforge.creation.lib.gc import GcError, collect_garbage
from glideinforge.creation.lib.history import StateRecord, find_state
from glideinforge.creation.lib.lock import LockHeldError, work_dir_lock
from glideinforge.creation.lib.plan import file_differences
from glideinforge.creation.lib.states import RecordedStates, read_recorded, rollback_state
from glideinforge.factory.changes import compare, snapshots, submit_files

from .exit_codes import EXIT_USAGE, diff_exit_code
from .factory_commands import (
    EXIT_INVALID,
    EXIT_OK,
    compile_for_command,
    load_for_command,
    load_reporting,
)
from .names import unknown_name
from .report import print_changes, print_json, print_line

__all__ = ["diff", "gc", "rollback", "run_gc", "run_rollback"]


def gc(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Remove staged files and records no retained state needs."""
    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID
    return run_gc(factory.submit.base_dir, factory.stage.base_dir, args, stdout, stderr)


def _prog(args: argparse.Namespace) -> str:
    return getattr(args, "prog", "gfactory")


def run_gc(
    work: Path, stage: Path, args: argparse.Namespace, stdout: TextIO, stderr: TextIO
) -> int:
    """Remove what no retained state of ``work`` needs from ``stage`` and the history."""
    prog = _prog(args)
    try:
        with work_dir_lock(work, wait=args.wait):
            report = collect_garbage(
                work,
                stage,
                keep_days=args.keep_days,
                keep_states=args.keep_states,
                dry_run=args.dry_run,
            )
    except LockHeldError as error:
        stderr.write(f"{prog}: {error}\n")
        return error.exit_code
    except (GcError, OSError) as error:
        stderr.write(f"{prog}: gc: {error}\n")
        return EXIT_INVALID
    if args.json:
        print_json(report.to_json(), stdout)
        return EXIT_OK
    for warning in report.warnings:
        print_line(f"{prog}: warning: {warning}", stderr, "yellow")
    verb = "would free" if args.dry_run else "freed"
    print_line(
        f"gc: kept {len(report.retained)} state(s); removed {len(report.states_removed)} "
        f"state(s), {len(report.files_removed)} staged file(s), "
        f"{len(report.directories_removed)} stage dir(s), {report.objects_removed} history "
        f"object(s); {verb} {report.bytes_freed} bytes",
        stdout,
        "green",
    )
    return EXIT_OK


def _state_line(state: StateRecord, live: RecordedStates) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(state.published))
    mark = (
        "  (live)" if live.current is not None and live.current.state_id == state.state_id else ""
    )
    return f"{state.state_id}  {when}  glideinforge {state.version}{mark}"


def _default_target(live: RecordedStates) -> StateRecord | str:
    if live.current is None:
        return "the live state is not recorded; name one with --to"
    older = [
        state
        for state in live.states
        if state.state_id < live.current.state_id and state.digest != live.current.digest
    ]
    return older[-1] if older else "no earlier state is recorded"


def rollback(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Re-publish an earlier recorded state, or list the recorded states."""
    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID
    return run_rollback(factory.submit.base_dir, factory.stage.base_dir, args, stdout, stderr)


def _list_states(work: Path, args: argparse.Namespace, prog: str, stdout: TextIO) -> None:
    """Print the recorded states of ``work`` (``rollback --list``)."""
    live = read_recorded(work)
    if args.json:
        print_json(
            {
                "states": [state.to_json() for state in live.states],
                "live": live.current.state_id if live.current is not None else None,
            },
            stdout,
        )
    elif not live.states:
        tool = prog.split(maxsplit=1)[0]
        stdout.write(f"{work}: no recorded states; '{tool} reconfig {args.config}' records one\n")
    else:
        stdout.writelines(_state_line(state, live) + "\n" for state in live.states)


def _target(
    live: RecordedStates, args: argparse.Namespace, prog: str
) -> StateRecord | tuple[int, str]:
    """Return the state to roll back to, or an exit code and why there is none.

    A ``--to`` that names no state is a usage error, with a did-you-mean.
    """
    if not args.to:
        found = _default_target(live)
        return (EXIT_INVALID, found) if isinstance(found, str) else found
    found = find_state(live.states, args.to)
    if not isinstance(found, str):
        return found
    names = [state.state_id for state in live.states]
    listing = f"{prog.split(maxsplit=1)[0]} rollback {args.config} --list"
    return EXIT_USAGE, unknown_name(args.to, "state", names, listing)


def run_rollback(
    work: Path, stage: Path, args: argparse.Namespace, stdout: TextIO, stderr: TextIO
) -> int:
    """Re-publish an earlier recorded state of ``work``, or list the recorded states."""
    prog = _prog(args)
    if args.list:
        _list_states(work, args, prog, stdout)
        return EXIT_OK
    try:
        with work_dir_lock(work, wait=args.wait):
            live = read_recorded(work)
            target = _target(live, args, prog)
            if isinstance(target, tuple):
                code, message = target
                stderr.write(f"{prog}: rollback: {message}\n")
                return code
            stats, problems = rollback_state(work, stage, target)
    except LockHeldError as error:
        stderr.write(f"{prog}: {error}\n")
        return error.exit_code
    except OutsideTreeError as error:
        stderr.write(f"{prog}: rollback: {error}; nothing changed\n")
        return EXIT_INVALID
    if problems:
        stderr.writelines(f"{problem}\n" for problem in problems)
        print_line(
            f"{prog}: rollback: state {target.state_id} cannot be restored: "
            f"{len(problems)} file(s) gone or damaged; nothing changed (reconfig --repair "
            "restores those the live state also has)",
            stderr,
            "bold red",
        )
        return EXIT_INVALID
    if args.json:
        print_json({"state": target.state_id, "files_written": stats.written}, stdout)
    else:
        print_line(
            f"rollback: {target.state_id} is live again; {stats.written} file(s) written",
            stdout,
            "green",
        )
    return EXIT_OK


def diff(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Compare what two configurations compile to."""
    compiled = []
    warnings: tuple[Diagnostic, ...] = ()
    with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
        for index, config in enumerate((args.old, args.new)):
            # The new configuration is reported as validate reports it; the old one's errors only.
            options = argparse.Namespace(**{**vars(args), "config": config})
            if config is args.old:
                factory = load_for_command(options, stderr)
            else:
                factory, warnings = load_reporting(options, stderr)
            result = None
            if factory is not None:
                (Path(scratch) / str(index)).mkdir()
                result = compile_for_command(factory, Path(scratch) / str(index), stderr)
            if result is None:
                return EXIT_INVALID
            compiled.append(result)
    old, new = compiled
    old_submit = submit_files(old)
    changes = compare(
        {name: json.loads(content) for name, content in snapshots(old).items()},
        {name: json.loads(content) for name, content in snapshots(new).items()},
        old_submit.get,
        set(old_submit),
        submit_files(new),
    )
    files = file_differences(old, new)
    differ = bool(files) or not changes.empty
    if args.json:
        print_json(
            {
                "changes": changes.to_json(),
                "warnings": changes.warnings(),
                "config_warnings": [item.to_json() for item in warnings],
                "files": files,
                "differ": differ,
            },
            stdout,
        )
        return diff_exit_code(differ)
    print_changes(changes, stdout)
    stdout.writelines(f"{item['change']} {item['path']}\n" for item in files)
    for message in changes.warnings():
        print_line(f"gfactory: warning: {message}", stderr, "yellow")
    print_line(f"diff: {len(files)} file(s) differ", stdout)
    return diff_exit_code(differ)

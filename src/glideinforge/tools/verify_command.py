"""The ``verify`` command of both tools: walk a staging area's signature chain."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.states import SUMMARY, read_recorded, verify_published

from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .report import print_json, print_line

__all__ = ["published_locations", "run_verify"]

Locate = Callable[[argparse.Namespace, TextIO], "tuple[Path, Path] | None"]
"""Load CONFIG and return (stage dir, signatures.sha1), or None after printing why not."""

DeclaredWork = Callable[[argparse.Namespace], "Path | None"]
"""Read the work dir CONFIG names without validating it (None: it cannot be read)."""


def published_locations(work: Path) -> tuple[Path, Path] | None:
    """Return the stage and summary the live state of ``work`` was published to, if recorded."""
    current = read_recorded(work).current
    stage = current.identity.get("stage_dir") if current is not None else None
    return None if stage is None else (Path(stage), work / SUMMARY)


def _unreadable(stage: Path, summary: Path) -> str | None:
    """Say why ``--stage`` or ``--signatures`` cannot be read (None: both can)."""
    if not stage.is_dir():
        return f"{stage}: " + ("not a directory" if stage.exists() else "no such directory")
    if not summary.is_file():
        return f"{summary}: " + ("not a regular file" if summary.exists() else "no such file")
    return None


def run_verify(
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
    locate: Locate,
    declared_work: DeclaredWork,
) -> int:
    """Verify ``--stage``/``--signatures``, or the stage and summary CONFIG names.

    When CONFIG has errors, what is published is still verified: the work dir it
    names records where its live state's stage is.
    """
    prog = getattr(args, "prog", "gfactory")
    usage = f"{prog} verify: give CONFIG, or both --stage DIR and --signatures FILE\n"
    if args.stage is not None or args.signatures is not None:
        if args.config is not None or args.stage is None or args.signatures is None:
            stderr.write(usage)
            return EXIT_USAGE
        stage, summary = args.stage, args.signatures
        unreadable = _unreadable(stage, summary)
        if unreadable:
            stderr.write(f"{prog} verify: cannot read {unreadable}\n")
            return EXIT_USAGE
    elif args.config is None:
        stderr.write(usage)
        return EXIT_USAGE
    else:
        located = locate(args, stderr)
        work = declared_work(args) if located is None else None
        if work is not None:
            located = published_locations(work)
            if located is not None:
                stderr.write(
                    f"{prog}: {args.config} has errors; verifying the state published in "
                    f"{work} instead (its record names the stage {located[0]})\n"
                )
        if located is None:
            return EXIT_INVALID
        stage, summary = located
        if not summary.exists():
            stderr.write(
                f"{prog} verify: {summary}: nothing is published there yet; "
                f"run '{prog} reconfig {args.config}' first\n"
            )
            return EXIT_INVALID
    started = time.perf_counter()
    report = verify_published(stage, summary)
    seconds = time.perf_counter() - started
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "problems": [problem.to_json() for problem in report.problems],
                "directories": report.directories,
                "files_checked": report.files_checked,
                "bytes_checked": report.bytes_checked,
            },
            stdout,
        )
    else:
        stderr.writelines(f"{problem}\n" for problem in report.problems)
        verdict = "verified" if report.ok else f"FAILED: {len(report.problems)} problem(s)"
        print_line(
            f"{summary}: {verdict}; {len(report.directories)} directories, "
            f"{report.files_checked} files, {report.bytes_checked} bytes in {seconds:.2f} s",
            stdout if report.ok else stderr,
            "green" if report.ok else "bold red",
        )
    return EXIT_OK if report.ok else EXIT_INVALID

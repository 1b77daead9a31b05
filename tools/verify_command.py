"""The ``verify`` command of both tools: walk a staging area's signature chain."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from glideinforge.creation.lib.states import SUMMARY, verify_work_files
from glideinforge.creation.lib.verify import verify_stage

from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .report import print_json, print_line

__all__ = ["run_verify"]

Locate = Callable[[argparse.Namespace, TextIO], "tuple[Path, Path] | None"]
"""Load CONFIG and return (stage dir, signatures.sha1), or None after printing why not."""


def run_verify(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, locate: Locate) -> int:
    """Verify ``--stage``/``--signatures``, or the stage and summary CONFIG names."""
    prog = getattr(args, "prog", "gfactory")
    usage = f"{prog} verify: give CONFIG, or both --stage DIR and --signatures FILE\n"
    if args.stage is not None or args.signatures is not None:
        if args.config is not None or args.stage is None or args.signatures is None:
            stderr.write(usage)
            return EXIT_USAGE
        stage, summary = args.stage, args.signatures
    elif args.config is None:
        stderr.write(usage)
        return EXIT_USAGE
    else:
        located = locate(args, stderr)
        if located is None:
            return EXIT_INVALID
        stage, summary = located
    started = time.perf_counter()
    report = verify_stage(stage, summary)
    if summary.name == SUMMARY:
        verify_work_files(summary.parent, report)
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

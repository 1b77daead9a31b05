"""``gfactory``: the factory command line.

Exit codes: 0 success, 1 invalid configuration, 2 usage error or unreadable file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from glideinforge import __version__
from glideinforge.factory.load import check_factory

from .report import print_diagnostics, print_json, print_line

__all__ = ["main", "run"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    """Bad command line; argparse's message is carried along."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gfactory", description="GlideinWMS factory configuration toolchain.")
    parser.add_argument("--version", action="version", version=f"gfactory {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate", help="check a factory configuration and report every problem"
    )
    validate.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--json", action="store_true", help="print one JSON document")
    return parser


def _readable(path: Path, stderr: TextIO) -> bool:
    if path.is_file():
        try:
            with path.open("rb"):
                return True
        except OSError as error:
            reason = error.strerror
    else:
        reason = "no such file" if not path.exists() else "not a regular file"
    stderr.write(f"gfactory: cannot read {path}: {reason}\n")
    return False


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if not _readable(args.config, stderr):
        return EXIT_USAGE
    result = check_factory(args.config, strict=args.strict)
    entries = result.entry_count
    if args.json:
        print_json(
            {
                "valid": result.valid,
                "errors": [item.to_json() for item in result.errors],
                "warnings": [item.to_json() for item in result.warnings],
                "entries": entries,
            },
            stdout,
        )
    else:
        print_diagnostics(result.diagnostics, stderr)
        counts = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        if result.valid:
            print_line(
                f"{args.config}: valid: {entries} entries, "
                f"{len(result.files.all())} file(s), {counts}",
                stdout,
                "green",
            )
        else:
            print_line(f"{args.config}: invalid: {counts}", stderr, "bold red")
    return EXIT_OK if result.valid else EXIT_INVALID


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run ``gfactory`` with ``argv`` (without the program name); return the exit code."""
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as error:
        stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as exit_:  # --help and --version exit through argparse
        return int(exit_.code or 0)
    handlers = {"validate": _validate}
    return handlers[args.command](args, stdout, stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: never lets a traceback reach the operator."""
    try:
        return run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write("gfactory: interrupted\n")
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence at the CLI boundary
        sys.stderr.write(f"gfactory: internal error: {type(error).__name__}: {error}\n")
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())

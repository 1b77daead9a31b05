"""``gfactory``: the factory command line.

Exit codes: 0 success, 1 invalid configuration or failed check, 2 usage error or
unreadable file, 3 another reconfig/upgrade/gc holds the work dir's lock.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from glideinforge import __version__
from glideinforge.factory.load import check_factory

from . import factory_commands, glidein_commands, lifecycle_commands
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


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = _Parser(prog="gfactory", description="GlideinWMS factory configuration toolchain.")
    parser.add_argument("--version", action="version", version=f"gfactory {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate", help="check a factory configuration and report every problem"
    )
    validate.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--json", action="store_true", help="print one JSON document")

    reconfig = commands.add_parser(
        "reconfig", help="compile the configuration into the staging area and work dir"
    )
    _add_publish_options(reconfig)
    reconfig.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )
    upgrade = commands.add_parser(
        "upgrade",
        help="reconfig, moving the factory to the installed glideinforge's scripts and version",
    )
    _add_publish_options(upgrade)
    upgrade.set_defaults(dry_run=False)

    gc = commands.add_parser("gc", help="remove staged files and records no kept state needs")
    gc.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    _add_root(gc)
    gc.add_argument(
        "--keep-days",
        type=_non_negative,
        default=7.0,
        metavar="N",
        help="keep every state published in the last N days (default 7)",
    )
    gc.add_argument(
        "--keep-states",
        type=int,
        default=5,
        metavar="K",
        help="keep the newest K states whatever their age (default 5); the live one is always kept",
    )
    gc.add_argument("--dry-run", action="store_true", help="report what would go; remove nothing")
    _add_wait(gc)
    gc.add_argument("--json", action="store_true", help="print one JSON document")

    rollback = commands.add_parser("rollback", help="re-publish an earlier recorded state")
    rollback.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    _add_root(rollback)
    rollback.add_argument(
        "--to", metavar="STATE", help="the state (id or unique prefix); default: the previous one"
    )
    rollback.add_argument("--list", action="store_true", help="list the recorded states")
    _add_wait(rollback)
    rollback.add_argument("--json", action="store_true", help="print one JSON document")

    diff = commands.add_parser("diff", help="show what changes between two configurations")
    diff.add_argument("old", type=Path, metavar="OLD_CONFIG", help="the current configuration")
    diff.add_argument("new", type=Path, metavar="NEW_CONFIG", help="the changed configuration")
    _add_root(diff)
    diff.add_argument("--json", action="store_true", help="print one JSON document")

    verify = commands.add_parser(
        "verify", help="check a staging area against its signatures, failing closed"
    )
    verify.add_argument(
        "config", type=Path, nargs="?", metavar="CONFIG", help="main factory XML file"
    )
    _add_root(verify)
    verify.add_argument("--stage", type=Path, metavar="DIR", help="a staging area to check")
    verify.add_argument(
        "--signatures", type=Path, metavar="FILE", help="its signatures.sha1 summary"
    )
    verify.add_argument("--json", action="store_true", help="print one JSON document")

    inspect = commands.add_parser("inspect", help="show entries, or one entry's attrs and files")
    inspect.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    _add_root(inspect)
    inspect.add_argument("entry", nargs="?", metavar="ENTRY", help="an entry to show in detail")
    inspect.add_argument("--json", action="store_true", help="print one JSON document")
    glidein = commands.add_parser(
        "glidein-args", help="print the glidein_startup.sh arguments submitted for an entry"
    )
    _add_entry_options(glidein)
    glidein.add_argument("--web", metavar="URL", help="use URL instead of the web_base_url")
    try_glidein = commands.add_parser(
        "try-glidein", help="run an entry's glidein here against the published stage"
    )
    _add_entry_options(try_glidein)
    return parser, dict(commands.choices)


def _add_entry_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    parser.add_argument("entry", metavar="ENTRY", help="the entry")
    _add_root(parser)
    parser.add_argument(
        "--param",
        type=glidein_commands.parse_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="add or override a glidein parameter, as a frontend would (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _add_publish_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    _add_root(parser)
    parser.add_argument(
        "--force-delete",
        action="store_true",
        help="allow entries the live factory serves to disappear from the configuration",
    )
    parser.add_argument(
        "--force-rename",
        action="store_true",
        help="allow the glidein name, factory name or base directories to change",
    )
    _add_wait(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _add_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for another reconfig/upgrade/gc of this work dir instead of exiting 3",
    )


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: must not be negative")
    return value


def _add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="re-root every output directory (stage, work, logs, monitor, client dirs) under DIR",
    )


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
    argv = list(argv)
    parser, commands = _parser()
    try:
        if argv and argv[0] in commands:
            # Each command parses its own words, so options and positionals may mix.
            args = commands[argv[0]].parse_intermixed_args(argv[1:])
            args.command = argv[0]
        else:
            args = parser.parse_args(argv)
    except _UsageError as error:
        stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as exit_:  # --help and --version exit through argparse
        return int(exit_.code or 0)
    for name in ("config", "old", "new"):
        path = getattr(args, name, None)
        if path is not None and not _readable(path, stderr):
            return EXIT_USAGE
    handlers = {
        "validate": _validate,
        "reconfig": factory_commands.reconfig,
        "verify": factory_commands.verify,
        "inspect": factory_commands.inspect,
        "upgrade": functools.partial(factory_commands.reconfig, upgrade=True),
        "gc": lifecycle_commands.gc,
        "rollback": lifecycle_commands.rollback,
        "diff": lifecycle_commands.diff,
        "glidein-args": glidein_commands.glidein_args_command,
        "try-glidein": glidein_commands.try_glidein_command,
    }
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

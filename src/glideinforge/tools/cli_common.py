"""Command-line pieces gfactory and gfrontend share: options, argument parsing, the entry point."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeAlias, cast

from glideinforge.creation.lib.gc_pause import paused_gc
from glideinforge.errors import GlideinforgeError

from .exit_codes import EXIT_INVALID, EXIT_USAGE

__all__ = [
    "Builder",
    "Commands",
    "Handler",
    "Parser",
    "add_commands",
    "add_common_options",
    "add_completion_command",
    "add_diagnostic_options",
    "add_diff_command",
    "add_gc_command",
    "add_output_options",
    "add_publish_options",
    "add_report_command",
    "add_rollback_command",
    "add_root",
    "add_validate_command",
    "add_verify_command",
    "add_wait",
    "all_commands",
    "config_builders",
    "console_main",
    "end_process",
    "lazy",
    "main_guard",
    "parse_param",
    "run_tool",
    "tool_parser",
    "wanted_commands",
]

EXIT_BROKEN_PIPE = 141
"""A shell's code for a command its reader stopped reading (128 + SIGPIPE)."""

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]
"""A command: its parsed arguments and the two streams in, its exit code out."""


def lazy(module: str, function: str, **keywords: object) -> Handler:
    """Return the handler ``module.function`` (with ``keywords``), imported when it runs.

    A command line loads what its command needs and nothing else: ``--version``, ``--help``
    and a usage error never import the compiler, the publisher or rich.
    """

    def handler(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
        run: Handler = getattr(importlib.import_module(module), function)
        return run(args, stdout, stderr, **keywords)

    return handler


def parse_param(text: str) -> tuple[str, str]:
    """Parse ``NAME=VALUE`` (an argparse type)."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


class UsageError(GlideinforgeError):
    """Bad command line; argparse's message is carried along."""

    exit_code = EXIT_USAGE


def _terminal_columns() -> int:
    """Return the terminal's width as ``shutil.get_terminal_size`` does, without its imports."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter keeping descriptions as written; sized without ``shutil``.

    argparse makes a formatter for every option it adds, and sizes it with
    ``shutil.get_terminal_size``, whose imports (bz2, lzma) cost every command 2 ms.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        """Size the help as argparse does: the terminal's width less two columns."""
        super().__init__(
            prog, indent_increment, max_help_position, width or _terminal_columns() - 2
        )


class Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting on a usage error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Take ``HelpFormatter`` unless told otherwise (sub-commands too)."""
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        """Raise the usage error (the caller prints it and exits 2)."""
        raise UsageError(f"{self.prog}: error: {message}")


Commands: TypeAlias = "argparse._SubParsersAction[Parser]"  # noqa: SLF001 - no public name
"""A tool's set of sub-commands."""


Wanted: TypeAlias = Callable[[str], bool]
"""Whether a command's parser is built (``wanted_commands``)."""


def all_commands(_: str) -> bool:
    """Build every command's parser (help, completion, the tests)."""
    return True


def wanted_commands(argv: Sequence[str], known: Collection[str]) -> Wanted:
    """Return which commands' parsers ``argv`` needs: its own command's alone, else all.

    argparse takes about 10 ms to build them all, and a command line runs one
    (``_parse`` gives it the words). A first word that is no command (``--help``,
    ``--version``, an option, a mistyped name) builds them all, as before.
    """
    if argv and argv[0] in known:
        command = argv[0]
        return lambda name: name == command
    return all_commands


def tool_parser(prog: str, description: str, version: str) -> tuple[Parser, Commands]:
    """Return a tool's parser (with ``--version``) and its sub-command set."""
    parser = Parser(
        prog=prog,
        description=description,
        epilog=(
            f"Run '{prog} COMMAND --help' for what a command does, an example and its exit "
            "codes.\n\nexit codes: 0 success; 1 invalid configuration, refused change or "
            "failed check; 2 usage error or unreadable input; 3 the work dir's lock is held"
        ),
    )
    parser.add_argument("--version", action="version", version=f"{prog} {version}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser, commands


Builder: TypeAlias = Callable[[Commands], object]
"""Adds one command's parser to a tool's commands."""


def add_commands(commands: Commands, builders: Mapping[str, Builder], wanted: Wanted) -> None:
    """Add the parser of each ``wanted`` command, in the order of ``builders``."""
    for name, build in builders.items():
        if wanted(name):
            build(commands)


def config_builders(
    *, kind: str, config_help: str, levels: str, upgrade_help: str
) -> dict[str, Builder]:
    """Return the builders of the commands both tools share, in their order.

    ``validate``, ``reconfig`` and ``upgrade`` of a ``kind`` configuration, then
    ``gc``, ``rollback``, ``diff`` and ``verify``.
    """
    return {
        "validate": lambda commands: add_validate_command(commands, kind, config_help),
        "reconfig": lambda commands: add_reconfig_command(commands, config_help, levels),
        "upgrade": lambda commands: add_upgrade_command(
            commands, config_help, levels, upgrade_help
        ),
        "gc": lambda commands: add_gc_command(commands, config_help),
        "rollback": lambda commands: add_rollback_command(commands, config_help),
        "diff": add_diff_command,
        "verify": lambda commands: add_verify_command(commands, config_help),
    }


def add_validate_command(
    commands: Commands, kind: str, config_help: str
) -> argparse.ArgumentParser:
    """Add ``validate`` of a ``kind`` configuration; return its parser (for tool options)."""
    validate = commands.add_parser(
        "validate", help=f"check a {kind} configuration and report every problem"
    )
    validate.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_diagnostic_options(validate)
    validate.add_argument("--json", action="store_true", help="print one JSON document")
    return validate


def add_reconfig_command(commands: Commands, config_help: str, levels: str) -> None:
    """Add ``reconfig``."""
    reconfig = commands.add_parser(
        "reconfig", help="compile the configuration into the staging area and work dir"
    )
    add_publish_options(reconfig, config_help, levels)
    reconfig.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )


def add_upgrade_command(
    commands: Commands, config_help: str, levels: str, upgrade_help: str
) -> None:
    """Add ``upgrade`` (a reconfig that moves the version; no dry run)."""
    upgrade = commands.add_parser("upgrade", help=upgrade_help)
    add_publish_options(upgrade, config_help, levels)
    upgrade.set_defaults(dry_run=False)


def add_diagnostic_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--strict`` (how configuration warnings are taken)."""
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def add_completion_command(commands: Commands) -> None:
    """Add ``completion``."""
    completion = commands.add_parser("completion", help="print a bash or zsh completion script")
    completion.add_argument("shell", choices=("bash", "zsh"), help="the shell")


def add_common_options(tool: str, config: str, commands: Commands) -> None:
    """Give every command added ``--quiet``, ``--verbose`` and its help page."""
    from .help_pages import document_commands  # noqa: PLC0415 - prose, for the parser only

    add_output_options(commands.choices.values())
    document_commands(tool, config, commands.choices)


def add_output_options(parsers: Iterable[argparse.ArgumentParser]) -> None:
    """Give every command ``-q/--quiet`` and ``-v/--verbose``."""
    for parser in parsers:
        amount = parser.add_mutually_exclusive_group()
        amount.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="print errors only (and the document with --json); the exit code says the rest",
        )
        amount.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="list every warning and every changed name (otherwise a repeated kind is "
            "shown once, with a count)",
        )


def output_root(args: argparse.Namespace) -> Path | None:
    """Return ``--root`` made absolute (None when not given)."""
    return args.root.resolve() if getattr(args, "root", None) is not None else None


def _root_directory(text: str) -> Path:
    """Parse ``--root DIR``: a directory, or a path where one can be made."""
    path = Path(text)
    existing = next((item for item in (path, *path.absolute().parents) if item.exists()), None)
    if existing is not None and not existing.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: {existing} is not a directory")
    return path


def add_root(parser: argparse.ArgumentParser) -> None:
    """Add ``--root DIR``."""
    parser.add_argument(
        "--root",
        type=_root_directory,
        metavar="DIR",
        help="re-root every output directory (stage, work, logs, monitor, client dirs) under DIR",
    )


def add_wait(parser: argparse.ArgumentParser) -> None:
    """Add ``--wait``."""
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for another reconfig/upgrade/gc of this work dir instead of exiting 3",
    )


def add_publish_options(parser: argparse.ArgumentParser, config_help: str, levels: str) -> None:
    """Add CONFIG and the options of reconfig and upgrade."""
    parser.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_root(parser)
    add_diagnostic_options(parser)
    parser.add_argument(
        "--force-delete",
        action="store_true",
        help=f"allow {levels} the live state serves to disappear from the configuration",
    )
    parser.add_argument(
        "--force-rename",
        action="store_true",
        help="allow the names or base directories to change",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="read every published file and restore each damaged or missing one",
    )
    add_wait(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: must not be negative")
    return value


def add_gc_command(commands: Commands, config_help: str) -> None:
    """Add ``gc``."""
    gc = commands.add_parser("gc", help="remove staged files and records no kept state needs")
    gc.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_root(gc)
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
    add_wait(gc)
    gc.add_argument("--json", action="store_true", help="print one JSON document")


def add_rollback_command(commands: Commands, config_help: str) -> None:
    """Add ``rollback``."""
    rollback = commands.add_parser("rollback", help="re-publish an earlier recorded state")
    rollback.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_root(rollback)
    rollback.add_argument(
        "--to", metavar="STATE", help="the state (id or unique prefix); default: the previous one"
    )
    rollback.add_argument("--list", action="store_true", help="list the recorded states")
    add_wait(rollback)
    rollback.add_argument("--json", action="store_true", help="print one JSON document")


def add_diff_command(commands: Commands) -> None:
    """Add ``diff OLD_CONFIG NEW_CONFIG``."""
    diff = commands.add_parser("diff", help="show what changes between two configurations")
    diff.add_argument("old", type=Path, metavar="OLD_CONFIG", help="the current configuration")
    diff.add_argument("new", type=Path, metavar="NEW_CONFIG", help="the changed configuration")
    add_root(diff)
    add_diagnostic_options(diff)
    diff.add_argument("--json", action="store_true", help="print one JSON document")


def add_report_command(commands: Commands, kind: str, config_help: str) -> None:
    """Add ``report CONFIG [--root DIR] [--html FILE] [--json]``."""
    levels = "entries" if kind == "factory" else "groups"
    report = commands.add_parser(
        "report", help=f"write the {kind} as one web page (summary, {levels}, states, plots)"
    )
    report.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_root(report)
    report.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write the page to FILE (default: glideinforge-report.html in the monitor dir)",
    )
    report.add_argument("--json", action="store_true", help="print one JSON document")


def add_verify_command(commands: Commands, config_help: str) -> None:
    """Add ``verify [CONFIG] [--stage DIR --signatures FILE]``."""
    verify = commands.add_parser(
        "verify", help="check a staging area against its signatures, failing closed"
    )
    verify.add_argument("config", type=Path, nargs="?", metavar="CONFIG", help=config_help)
    add_root(verify)
    verify.add_argument("--stage", type=Path, metavar="DIR", help="a staging area to check")
    verify.add_argument(
        "--signatures", type=Path, metavar="FILE", help="its signatures.sha1 summary"
    )
    verify.add_argument("--json", action="store_true", help="print one JSON document")


def _readable(path: Path, stderr: TextIO, prog: str) -> bool:
    if path.is_file():
        try:
            with path.open("rb"):
                return True
        except OSError as error:
            reason = error.strerror
    else:
        reason = "no such file" if not path.exists() else "not a regular file"
    stderr.write(f"{prog}: cannot read {path}: {reason}\n")
    return False


def run_tool(
    argv: Sequence[str],
    streams: tuple[TextIO, TextIO],
    parser: argparse.ArgumentParser,
    commands: Mapping[str, argparse.ArgumentParser],
    handlers: Mapping[str, Handler],
) -> int:
    """Parse ``argv`` (each command parses its own words) and run the command's handler.

    With ``--json`` anywhere in ``argv`` exactly one document is printed, whatever
    happens (see ``json_answer``).
    """
    stdout, stderr = streams
    if "--json" not in argv:
        return _run_command(argv, (stdout, stderr), parser, commands, handlers)
    from .json_answer import answer  # noqa: PLC0415 - only for --json
    from .streams import ErrorLog  # noqa: PLC0415

    printed = io.StringIO()
    errors = ErrorLog(stderr)
    streams = (printed, cast("TextIO", errors))  # a TextIOBase: TextIO in all but name
    exit_code = _run_command(argv, streams, parser, commands, handlers)
    answer(printed.getvalue(), errors, exit_code, stdout)
    return exit_code


def _parse(
    argv: Sequence[str],
    parser: argparse.ArgumentParser,
    commands: Mapping[str, argparse.ArgumentParser],
    stderr: TextIO,
) -> argparse.Namespace | int:
    """Return the parsed command line, or the exit code after a usage error, help or version."""
    argv = list(argv)
    if not argv:  # a bare tool name: say what it can do
        stderr.write(parser.format_help())
        return EXIT_USAGE
    try:
        if argv and argv[0] in commands:
            # Each command parses its own words, so options and positionals may mix.
            args = commands[argv[0]].parse_intermixed_args(argv[1:])
            args.command = argv[0]
        else:
            args = parser.parse_args(argv)
    except UsageError as error:
        stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as exit_:  # --help and --version exit through argparse
        return int(exit_.code or 0)
    args.prog = parser.prog
    return args


def _quieted(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> tuple[TextIO, TextIO]:
    """Return the streams a command writes to: under ``--quiet``, errors only."""
    if not getattr(args, "quiet", False):
        return stdout, stderr
    from .streams import ErrorLog, NullOutput  # noqa: PLC0415 - only for --quiet

    if isinstance(stderr, ErrorLog):  # --json: the document is still the answer
        stderr.quiet = True
        return stdout, stderr
    return NullOutput(), cast("TextIO", ErrorLog(stderr, keep=False, quiet=True))


def _run_command(
    argv: Sequence[str],
    streams: tuple[TextIO, TextIO],
    parser: argparse.ArgumentParser,
    commands: Mapping[str, argparse.ArgumentParser],
    handlers: Mapping[str, Handler],
) -> int:
    args = _parse(argv, parser, commands, streams[1])
    if isinstance(args, int):
        return args
    stdout, stderr = _quieted(args, *streams)
    for name in ("config", "old", "new", "factory_config", "frontend"):
        path = getattr(args, name, None)
        if isinstance(path, Path) and not _readable(path, stderr, parser.prog):
            return EXIT_USAGE
    # One command is one bounded burst of mostly acyclic objects (a model, a
    # plan): collector passes over them in between the phases cost a large
    # reconfig a fifth of its time and would free next to nothing.
    try:
        with paused_gc():
            return handlers[args.command](args, stdout, stderr)
    except GlideinforgeError as error:  # one that no command turned into a message itself
        stderr.write(f"{parser.prog}: {error}\n")
        return error.exit_code
    except BrokenPipeError:  # the reader went away (``| head``): main_guard ends quietly
        raise
    except Exception as error:  # noqa: BLE001 - the last line of defence at the CLI boundary
        stderr.write(f"{parser.prog}: internal error: {type(error).__name__}: {error}\n")
        return EXIT_INVALID


def main_guard(
    prog: str, run: Callable[[Sequence[str], TextIO, TextIO], int], argv: Sequence[str] | None
) -> int:
    """Run a tool as a console script: never let a traceback reach the operator."""
    try:
        return run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: interrupted\n")
        return 130
    except GlideinforgeError as error:  # raised outside a command (its streams, its answer)
        sys.stderr.write(f"{prog}: {error}\n")
        return error.exit_code
    except BrokenPipeError:
        # Whoever read the output stopped (``| head``): no message, and no second
        # error when Python flushes the closed stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:  # noqa: BLE001 - the last line of defence at the CLI boundary
        sys.stderr.write(f"{prog}: internal error: {type(error).__name__}: {error}\n")
        return EXIT_INVALID


def console_main(
    prog: str, run: Callable[[Sequence[str], TextIO, TextIO], int], argv: Sequence[str] | None
) -> int:
    """Run a tool as a console script (``main_guard``); the process ends next.

    The cyclic collector stays off for the whole run (a command pauses it anyway,
    see ``_run_command``): turned back on after the command, its first pass would
    walk every object the command made (an edit's model and records: 5 ms of its
    0.25 s). For the same reason the objects are then left to the operating system:
    the interpreter's last collection would walk them all again (a no-op's 16,000
    stamps: about 10 ms of its 0.14 s at 1,000 entries). Reference counting still
    frees what it frees, and every file is closed by then.
    """
    gc.disable()
    code = main_guard(prog, run, argv)
    gc.freeze()
    return code


_EXIT_OUTPUT_LOST = 120
"""Python's own exit code when the output cannot be written at exit."""


def end_process(code: int) -> NoReturn:
    """End the process with ``code`` once its output is flushed, leaving the objects to the system.

    The interpreter's usual exit frees the command's objects one by one as it
    tears the modules down: about 10 ms after an edit and 20 ms after a create at
    1,000 entries. Every file is closed and every child reaped by then. While another
    thread still runs (a server's), the usual exit waits for it, as it would.
    """
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away: as ``main_guard`` answers it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    except OSError as error:  # a full disk: as the usual exit, say so and end with 120
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"error: cannot write the output: {error}\n")
        code = code or _EXIT_OUTPUT_LOST
    except ValueError:  # closed by the command: nothing is waiting
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    if threading.active_count() > 1:
        sys.exit(code)
    os._exit(code)

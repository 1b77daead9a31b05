"""``gfrontend``: the frontend command line (same shapes and exit codes as ``gfactory``).

Exit codes: 0 success, 1 invalid configuration or failed check, 2 usage error or
unreadable file, 3 another reconfig/upgrade/gc holds the work dir's lock.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, NoReturn, TextIO

from glideinforge import __version__

from .cli_common import (
    Builder,
    Commands,
    Handler,
    Wanted,
    add_commands,
    add_common_options,
    add_completion_command,
    add_report_command,
    add_root,
    add_validate_command,
    all_commands,
    config_builders,
    console_main,
    end_process,
    lazy,
    run_tool,
    tool_parser,
    wanted_commands,
)

__all__ = ["HANDLERS", "build_parser", "main", "run"]

_CONFIG_HELP = "frontend XML file"


def build_parser(
    wanted: Wanted = all_commands,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """Return ``gfrontend``'s parser and the parsers of the ``wanted`` commands."""
    parser, commands = tool_parser(
        "gfrontend", "GlideinWMS frontend configuration toolchain.", __version__
    )
    add_commands(commands, _BUILDERS, wanted)
    add_common_options("gfrontend", "/etc/gwms-frontend/frontend.xml", commands)
    return parser, dict(commands.choices)


def _add_validate(commands: Commands) -> None:
    validate = add_validate_command(commands, "frontend", _CONFIG_HELP)
    validate.add_argument(
        "--host-checks",
        action="store_true",
        help="also check what needs this host or the network (credential files, DNS)",
    )


def _add_inspect(commands: Commands) -> None:
    inspect = commands.add_parser("inspect", help="show groups, or one group's attrs and files")
    inspect.add_argument("config", type=Path, metavar="CONFIG", help=_CONFIG_HELP)
    add_root(inspect)
    inspect.add_argument("group", nargs="?", metavar="GROUP", help="a group to show in detail")
    inspect.add_argument("--json", action="store_true", help="print one JSON document")


def _add_check_factory(commands: Commands) -> None:
    check = commands.add_parser(
        "check-factory", help="check this frontend against a factory's configuration"
    )
    check.add_argument("config", type=Path, metavar="FRONTEND_CONFIG", help=_CONFIG_HELP)
    check.add_argument(
        "factory_config", type=Path, metavar="FACTORY_CONFIG", help="main factory XML file"
    )
    check.add_argument(
        "--factory-identity",
        metavar="IDENTITY",
        help="the factory's identity at its collector, checked against factory_identity",
    )
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--json", action="store_true", help="print one JSON document")


_BUILDERS: Final[Mapping[str, Builder]] = {
    **config_builders(
        kind="frontend",
        config_help=_CONFIG_HELP,
        levels="groups",
        upgrade_help="reconfig, moving the frontend to the installed glideinforge version",
    ),
    "validate": _add_validate,  # in its place, with --host-checks
    "check-factory": _add_check_factory,
    "report": lambda commands: add_report_command(commands, "frontend", _CONFIG_HELP),
    "inspect": _add_inspect,
    "completion": add_completion_command,
}
"""Each command's parser builder, in the order help lists them (``HANDLERS``' order)."""

_COMMANDS_MODULE = "glideinforge.tools.frontend_commands"
HANDLERS: Final[Mapping[str, Handler]] = {
    "validate": lazy(_COMMANDS_MODULE, "validate"),
    "reconfig": lazy(_COMMANDS_MODULE, "reconfig"),
    "upgrade": lazy(_COMMANDS_MODULE, "reconfig", upgrade=True),
    "gc": lazy(_COMMANDS_MODULE, "gc"),
    "rollback": lazy(_COMMANDS_MODULE, "rollback"),
    "diff": lazy(_COMMANDS_MODULE, "diff"),
    "verify": lazy(_COMMANDS_MODULE, "verify"),
    "check-factory": lazy("glideinforge.tools.check_factory_command", "check_factory_command"),
    "report": lazy("glideinforge.tools.frontend_report", "report_command"),
    "inspect": lazy(_COMMANDS_MODULE, "inspect"),
    "completion": lazy("glideinforge.tools.completion", "completion_command", tool="gfrontend"),
}
"""Each command's handler, imported when it runs."""


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run ``gfrontend`` with ``argv`` (without the program name); return the exit code."""
    parser, commands = build_parser(wanted_commands(argv, HANDLERS))
    return run_tool(argv, (stdout, stderr), parser, commands, HANDLERS)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point: never lets a traceback reach the operator; ends the process."""
    end_process(console_main("gfrontend", run, argv))


if __name__ == "__main__":
    sys.exit(main())

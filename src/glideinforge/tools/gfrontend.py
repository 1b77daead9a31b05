"""``gfrontend``: the frontend command line (same shapes and exit codes as ``gfactory``).

Exit codes: 0 success, 1 invalid configuration or failed check, 2 usage error or
unreadable file, 3 another reconfig/upgrade/gc holds the work dir's lock.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from glideinforge import __version__

from .cli_common import (
    Handler,
    add_common_commands,
    add_config_commands,
    add_diff_command,
    add_gc_command,
    add_report_command,
    add_rollback_command,
    add_root,
    add_verify_command,
    console_main,
    lazy,
    run_tool,
    tool_parser,
)

__all__ = ["build_parser", "main", "run"]

_CONFIG_HELP = "frontend XML file"


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """Return ``gfrontend``'s parser and each command's own."""
    parser, commands = tool_parser(
        "gfrontend", "GlideinWMS frontend configuration toolchain.", __version__
    )
    validate = add_config_commands(
        commands,
        kind="frontend",
        config_help=_CONFIG_HELP,
        levels="groups",
        upgrade_help="reconfig, moving the frontend to the installed glideinforge version",
    )
    validate.add_argument(
        "--host-checks",
        action="store_true",
        help="also check what needs this host or the network (credential files, DNS)",
    )
    add_gc_command(commands, _CONFIG_HELP)
    add_rollback_command(commands, _CONFIG_HELP)
    add_diff_command(commands)
    add_verify_command(commands, _CONFIG_HELP)
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
    add_report_command(commands, "frontend", _CONFIG_HELP)
    inspect = commands.add_parser("inspect", help="show groups, or one group's attrs and files")
    inspect.add_argument("config", type=Path, metavar="CONFIG", help=_CONFIG_HELP)
    add_root(inspect)
    inspect.add_argument("group", nargs="?", metavar="GROUP", help="a group to show in detail")
    inspect.add_argument("--json", action="store_true", help="print one JSON document")
    add_common_commands("gfrontend", "/etc/gwms-frontend/frontend.xml", commands)
    return parser, dict(commands.choices)


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run ``gfrontend`` with ``argv`` (without the program name); return the exit code."""
    parser, commands = build_parser()
    commands_module = "glideinforge.tools.frontend_commands"
    handlers: dict[str, Handler] = {
        "validate": lazy(commands_module, "validate"),
        "reconfig": lazy(commands_module, "reconfig"),
        "upgrade": lazy(commands_module, "reconfig", upgrade=True),
        "verify": lazy(commands_module, "verify"),
        "inspect": lazy(commands_module, "inspect"),
        "gc": lazy(commands_module, "gc"),
        "rollback": lazy(commands_module, "rollback"),
        "diff": lazy(commands_module, "diff"),
        "report": lazy("glideinforge.tools.frontend_report", "report_command"),
        "check-factory": lazy("glideinforge.tools.check_factory_command", "check_factory_command"),
    }
    handlers["completion"] = lazy(
        "glideinforge.tools.completion", "completion_command", tool="gfrontend"
    )
    return run_tool(argv, (stdout, stderr), parser, commands, handlers)


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: never lets a traceback reach the operator."""
    return console_main("gfrontend", run, argv)


if __name__ == "__main__":
    sys.exit(main())

"""``gfactory``: the factory command line.

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
from glideinforge.factory.entry_sort import SORT_KEYS

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
    all_commands,
    config_builders,
    console_main,
    end_process,
    lazy,
    parse_param,
    run_tool,
    tool_parser,
    wanted_commands,
)
from .demand_parsers import demand_builders

__all__ = ["HANDLERS", "build_parser", "main", "run"]

_CONFIG_HELP = "main factory XML file"


def build_parser(
    wanted: Wanted = all_commands,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """Return ``gfactory``'s parser and the parsers of the ``wanted`` commands."""
    parser, commands = tool_parser(
        "gfactory", "GlideinWMS factory configuration toolchain.", __version__
    )
    add_commands(commands, _BUILDERS, wanted)
    add_common_options("gfactory", "/etc/gwms-factory/glideinWMS.xml", commands)
    return parser, dict(commands.choices)


def _add_inspect(commands: Commands) -> None:
    inspect = commands.add_parser("inspect", help="show entries, or one entry's attrs and files")
    inspect.add_argument("config", type=Path, metavar="CONFIG", help=_CONFIG_HELP)
    add_root(inspect)
    inspect.add_argument("entry", nargs="?", metavar="ENTRY", help="an entry to show in detail")
    _add_selection_options(inspect)
    inspect.add_argument("--json", action="store_true", help="print one JSON document")


def _add_try_glidein(commands: Commands) -> None:
    try_glidein = commands.add_parser(
        "try-glidein", help="run an entry's glidein here against the published stage"
    )
    _add_entry_options(try_glidein)
    try_glidein.add_argument(
        "--keep",
        action="store_true",
        help="keep the glidein's scratch directory (printed) instead of removing it",
    )


def _add_glidein_args(commands: Commands) -> None:
    glidein = commands.add_parser(
        "glidein-args", help="print the glidein_startup.sh arguments submitted for an entry"
    )
    _add_entry_options(glidein)
    glidein.add_argument("--web", metavar="URL", help="use URL instead of the web_base_url")
    glidein.add_argument(
        "--vm-user-data",
        action="store_true",
        help="print the user data an ec2/gce entry's VM starts from (with VM_MAX_LIFETIME, "
        "VM_DISABLE_SHUTDOWN) instead of the arguments",
    )


def _add_explain(commands: Commands) -> None:
    explain = commands.add_parser(
        "explain", help="show the value a glidein of an entry gets for each attr, and why"
    )
    explain.add_argument("config", type=Path, metavar="CONFIG", help=_CONFIG_HELP)
    explain.add_argument("entry", metavar="ENTRY", help="the entry")
    explain.add_argument("attr", nargs="?", metavar="ATTR", help="one attr to explain in detail")
    add_root(explain)
    _add_frontend_options(explain, "combine with this frontend's attrs")
    explain.add_argument("--json", action="store_true", help="print one JSON document")


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that choose and order the entries ``inspect`` lists."""
    parser.add_argument(
        "--grep",
        metavar="REGEX",
        help="entries whose name, gridtype, gatekeeper, auth method or schedd match (any case)",
    )
    parser.add_argument("--gridtype", metavar="GRIDTYPE", help="entries of this gridtype")
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--enabled", action="store_const", const=True, default=None, help="enabled entries only"
    )
    state.add_argument(
        "--disabled",
        dest="enabled",
        action="store_const",
        const=False,
        help="disabled entries only",
    )
    parser.add_argument(
        "--sort",
        choices=SORT_KEYS,
        default="name",
        help="order of the entries (numbers: largest first; default: name)",
    )


def _add_frontend_options(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--frontend", type=Path, metavar="FRONTEND_CONFIG", help=help_text)
    parser.add_argument("--group", metavar="NAME", help="the frontend group (with --frontend)")


def _add_entry_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, metavar="CONFIG", help=_CONFIG_HELP)
    parser.add_argument("entry", metavar="ENTRY", help="the entry")
    add_root(parser)
    parser.add_argument(
        "--param",
        type=parse_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="add or override a glidein parameter, as a frontend would (repeatable)",
    )
    _add_frontend_options(
        parser, "include this frontend's stages and params (published by 'gfrontend reconfig')"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


_BUILDERS: Final[Mapping[str, Builder]] = {
    **config_builders(
        kind="factory",
        config_help=_CONFIG_HELP,
        levels="entries",
        upgrade_help=(
            "reconfig, moving the factory to the installed glideinforge's scripts and version"
        ),
    ),
    "inspect": _add_inspect,
    "report": lambda commands: add_report_command(commands, "factory", _CONFIG_HELP),
    **demand_builders(_CONFIG_HELP),
    "glidein-args": _add_glidein_args,
    "try-glidein": _add_try_glidein,
    "explain": _add_explain,
    "completion": add_completion_command,
}
"""Each command's parser builder, in the order help lists them (``HANDLERS``' order)."""

_COMMANDS_MODULE = "glideinforge.tools.factory_commands"
_RECONFIG_MODULE = "glideinforge.tools.reconfig_command"
_LIFECYCLE_MODULE = "glideinforge.tools.lifecycle_commands"
_GLIDEIN_MODULE = "glideinforge.tools.glidein_commands"
HANDLERS: Final[Mapping[str, Handler]] = {
    "validate": lazy(_COMMANDS_MODULE, "validate"),
    "reconfig": lazy(_RECONFIG_MODULE, "reconfig"),
    "upgrade": lazy(_RECONFIG_MODULE, "reconfig", upgrade=True),
    "gc": lazy(_LIFECYCLE_MODULE, "gc"),
    "rollback": lazy(_LIFECYCLE_MODULE, "rollback"),
    "diff": lazy(_LIFECYCLE_MODULE, "diff"),
    "verify": lazy("glideinforge.tools.factory_verify", "verify"),
    "inspect": lazy("glideinforge.tools.inspect_command", "inspect"),
    "report": lazy("glideinforge.tools.factory_report", "report_command"),
    "demand": lazy("glideinforge.tools.demand_command", "demand_command"),
    "serve": lazy("glideinforge.tools.serve_command", "serve_command"),
    "submit": lazy("glideinforge.tools.submit_command", "submit_command"),
    "site-client": lazy("glideinforge.tools.submit_command", "site_client_command"),
    "glidein-args": lazy(_GLIDEIN_MODULE, "glidein_args_command"),
    "try-glidein": lazy(_GLIDEIN_MODULE, "try_glidein_command"),
    "explain": lazy("glideinforge.tools.explain_command", "explain_command"),
    "completion": lazy("glideinforge.tools.completion", "completion_command", tool="gfactory"),
}
"""Each command's handler, imported when it runs."""


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run ``gfactory`` with ``argv`` (without the program name); return the exit code."""
    parser, commands = build_parser(wanted_commands(argv, HANDLERS))
    return run_tool(argv, (stdout, stderr), parser, commands, HANDLERS)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point: never lets a traceback reach the operator; ends the process."""
    end_process(console_main("gfactory", run, argv))


if __name__ == "__main__":
    sys.exit(main())

"""``completion bash|zsh``: a shell completion script made from the command line's own parser."""

from __future__ import annotations

import argparse
import importlib
import re
from typing import TextIO

from glideinforge.creation.lib.templating import Templates
from glideinforge.frozen import frozen

from .exit_codes import EXIT_OK

__all__ = ["completion_command", "completion_script"]


@frozen
class _Option:
    name: str
    help: str


@frozen
class _Command:
    name: str
    help: str
    options: tuple[str, ...]
    described: tuple[_Option, ...]
    """The long options, with their help (zsh shows it)."""


def _plain(text: str | None) -> str:
    """Return ``text``'s first clause, escaped for a zsh ``'name[help]'`` or ``'name:help'``."""
    first = (text or "").split(";")[0].strip()
    return re.sub(r"([\[\]:\\])", r"\\\1", first).replace("'", "'\\''")


def _commands(parser: argparse.ArgumentParser) -> list[_Command]:
    # argparse has no public way to list a parser's commands and options.
    subparsers = None
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            subparsers = action
    assert subparsers is not None
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}  # noqa: SLF001
    commands = []
    for name, command in subparsers.choices.items():
        options = [
            (option, action.help)
            for action in command._actions  # noqa: SLF001
            for option in action.option_strings
        ]
        commands.append(
            _Command(
                name,
                _plain(helps.get(name)),
                tuple(option for option, _ in options),
                tuple(
                    _Option(option, _plain(text))
                    for option, text in options
                    if option.startswith("--") and option != "--help"
                ),
            )
        )
    return commands


def completion_script(tool: str, shell: str) -> str:
    """Return the completion script of ``tool`` (gfactory or gfrontend) for ``shell``."""
    parser, _ = importlib.import_module(f"glideinforge.tools.{tool}").build_parser()
    script = Templates().render(
        f"completion.{shell}.j2",
        tool=tool,
        function=tool.replace("-", "_") + "_complete",
        commands=_commands(parser),
    )
    return script.decode("latin-1")


def completion_command(
    args: argparse.Namespace, stdout: TextIO, _stderr: TextIO, *, tool: str
) -> int:
    """Print the completion script for ``args.shell``."""
    stdout.write(completion_script(tool, args.shell))
    return EXIT_OK

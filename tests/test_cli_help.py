"""Help pages, a bare tool name, shell completion and --root on every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from glideinforge.tools import cli_common, gfactory, gfrontend
from glideinforge.tools.completion import completion_script
from glideinforge.tools.help_pages import HELP_PAGES

from compile_helpers import gfrontend_run
from conftest import copy_example, run_gfactory


@pytest.mark.parametrize("tool", [gfactory, gfrontend])
def test_every_command_has_a_page_with_an_example_and_its_exit_codes(tool, capsys):
    _, commands = tool.build_parser()

    for name in commands:
        code = tool.run([name, "--help"], None, None)  # argparse prints to sys.stdout
        page = capsys.readouterr().out
        assert code == 0
        assert HELP_PAGES[name].description.split(",")[0] in " ".join(page.split()), name
        examples = page.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert examples and all(f"{tool.__name__.rsplit('.', 1)[1]} " in line for line in examples)
        assert "exit codes:\n  0  success\n" in page
        assert "  2  usage error or unreadable input" in page


def _arguments(parser):
    return [
        (
            action.dest,
            action.option_strings,
            action.default,
            getattr(action.type, "__qualname__", None),
            action.choices,
        )
        for action in parser._actions  # what the help does not show
    ] + [parser.get_default("dry_run")]


@pytest.mark.parametrize("tool", [gfactory, gfrontend])
def test_a_command_line_builds_its_own_commands_parser_alone_and_the_same(tool):
    _, every = tool.build_parser()
    assert list(every) == list(tool.HANDLERS)
    for name, whole in every.items():
        _, alone = tool.build_parser(cli_common.wanted_commands([name, "--json"], tool.HANDLERS))
        assert list(alone) == [name]
        assert alone[name].format_help() == whole.format_help()
        assert _arguments(alone[name]) == _arguments(whole)
    for argv in ([], ["--help"], ["--version"], ["no-such-command"], ["-q", "reconfig"]):
        _, commands = tool.build_parser(cli_common.wanted_commands(argv, tool.HANDLERS))
        assert list(commands) == list(every)


def test_the_lock_and_diff_exit_codes_are_on_their_pages(capsys):
    gfactory.run(["reconfig", "--help"], None, None)
    assert "  3  another reconfig, upgrade, gc or rollback holds the work dir's lock" in (
        capsys.readouterr().out
    )
    gfactory.run(["diff", "--help"], None, None)
    assert "  1  the configurations differ, or one is invalid" in capsys.readouterr().out


def test_a_bare_tool_name_prints_the_usage_and_exits_2():
    result = run_gfactory()

    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: gfactory [-h] [--version] COMMAND ...\n")
    assert "    reconfig    compile the configuration" in result.stderr
    assert "Run 'gfactory COMMAND --help'" in result.stderr


def test_explain_takes_root_like_every_command(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    result = run_gfactory("explain", config, "SITE_A_ce1", "GLIDEIN_Site", "--root", tmp_path)

    assert result.code == 0, result.stderr
    assert result.stdout.startswith("GLIDEIN_Site = SiteA")


def _complete(script: str, *words: str) -> list[str]:
    """Run the bash completion function on WORDS (the last one being completed)."""
    program = (
        f"{script}\nCOMP_WORDS=({' '.join(words)})\nCOMP_CWORD={len(words) - 1}\n"
        "_gfactory_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_bash_completion_completes_commands_and_their_options():
    script = completion_script("gfactory", "bash")

    assert _complete(script, "gfactory", "re") == ["reconfig", "report"]
    assert _complete(script, "gfactory", "rec") == ["reconfig"]
    assert _complete(script, "gfactory", "reconfig", "--dr") == ["--dry-run"]
    assert "--keep" in _complete(script, "gfactory", "try-glidein", "--k")
    assert _complete(script, "gfactory", "validate", "--re") == []


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_scripts_are_printed_for_both_tools(shell):
    result = run_gfactory("completion", shell)
    code, stdout, _ = gfrontend_run("completion", shell)

    assert result.code == 0 and code == 0
    assert result.stdout == completion_script("gfactory", shell)
    assert "check-factory" in stdout and "check-factory" not in result.stdout
    if shell == "zsh":
        assert result.stdout.startswith("#compdef gfactory\n")
        assert (
            "'--keep[keep the glidein'\\''s scratch directory (printed) instead of removing it]'"
            in (result.stdout)
        )


def test_the_bash_script_is_shellcheck_clean(tmp_path):
    script = tmp_path / "gfactory.bash"
    script.write_text(completion_script("gfactory", "bash"))

    checked = subprocess.run(
        [str(Path(sys.executable).with_name("shellcheck")), str(script)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout

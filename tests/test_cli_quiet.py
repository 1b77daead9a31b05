"""-q/--quiet (errors only) and -v/--verbose on every command."""

from __future__ import annotations

import json

import pytest

from glideinforge.tools import gfactory, gfrontend

from compile_helpers import gfrontend_run
from conftest import copy_example, run_gfactory


@pytest.mark.parametrize("tool", [gfactory, gfrontend])
def test_every_command_takes_quiet_and_verbose(tool):
    _, commands = tool.build_parser()

    for name, parser in commands.items():
        options = {option for action in parser._actions for option in action.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= options, name


def test_quiet_prints_nothing_on_success(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    result = run_gfactory("reconfig", config, "--root", tmp_path / "out", "--quiet")

    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "out/var/lib/gwms-factory/work-dir/signatures.sha1").is_file()


def test_quiet_hides_warnings_and_notes_but_not_errors(tmp_path):
    # The example run from the repository: six relative-path warnings and a note.
    noisy = run_gfactory("validate", "examples/factory/glideinWMS.xml")
    assert ": warning: " in noisy.stderr and ": note: " in noisy.stderr

    assert run_gfactory("validate", "examples/factory/glideinWMS.xml", "-q").stderr == ""
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("<attrs>", '<attrs><attr name="X" type="int" value="y"/>', 1))
    failed = run_gfactory("validate", config, "-q")
    assert failed.code == 1
    assert failed.stderr.splitlines() == [
        f"{config}:{failed.stderr.split(':')[1]}:{failed.stderr.split(':')[2]}: "
        '/glidein/attrs/attr[@name=\'X\']/@value: "value" is "y": an int attr needs an integer '
        "value",
        f"{config}: invalid: 1 error(s), 0 warning(s)",
    ]


def test_quiet_with_json_still_answers():
    result = run_gfactory("validate", "examples/factory/glideinWMS.xml", "-q", "--json")

    assert result.code == 0
    assert json.loads(result.stdout)["valid"] is True
    assert result.stderr == ""


def test_quiet_and_verbose_together_are_a_usage_error():
    result = run_gfactory("validate", "examples/factory/glideinWMS.xml", "-q", "-v")

    assert result.code == 2
    assert result.stderr == (
        "gfactory validate: error: argument -v/--verbose: not allowed with argument -q/--quiet\n"
    )


def test_verbose_lists_every_warning_of_check_factory(tmp_path):
    frontend = copy_example("frontend", tmp_path / "frontend") / "frontend.xml"
    factory = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    _, _, short = gfrontend_run("check-factory", frontend, factory)
    _, _, verbose = gfrontend_run("check-factory", frontend, factory, "--verbose")

    assert "more warning like it (cross.credential_fit)" in short
    assert "more warning" not in verbose
    assert verbose.count(": warning: ") == 2

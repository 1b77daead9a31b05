"""The gfactory validate command line: exit codes, message format, --json, --strict."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from glideinforge.tools import gfactory, publish_flow

from conftest import ENTRY, EXAMPLE_FACTORY, copy_example, factory_xml, run_gfactory

MESSAGE_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+)(:(?P<col>\d+))?: (?P<path>/\S*): (?P<text>.+)$"
)


def test_valid_config_exits_zero_and_prints_a_summary(tmp_path):
    example = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    result = run_gfactory("validate", example)
    assert result.code == 0
    assert result.stderr == (
        f"{example.parent}/config.d/20-cloud.xml:18:7: /glidein/entries/entry[@name='SITE_B_slurm']: "
        'note: <entry> name="SITE_B_slurm" of 10-sites.xml is replaced whole by this one in '
        "20-cloud.xml\n"
    )
    assert "valid: 4 entries, 3 file(s), 0 error(s), 0 warning(s)" in result.stdout


def test_invalid_config_exits_one_with_every_error_on_stderr(make_config):
    config = make_config(
        factory_xml(
            root_attrs='loop_delay="soon"',
            attrs='<attr name="A" value="x" type="int"/><attr name="B" value="1" const="yes"/>',
        )
    )
    result = run_gfactory("validate", config.main)
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{config.main}: invalid: 3 error(s), 0 warning(s)"
    messages = lines[:-1]
    assert len(messages) == 3
    for line in messages:
        match = MESSAGE_LINE.match(line)
        assert match, line
        assert match.group("file") == str(config.main)
    assert messages[0] == (
        f'{config.main}:1:37: /glidein/@loop_delay: "loop_delay" is "soon": '
        "must be an integer (the factory daemon reads it with int())"
    )
    assert any("/glidein/attrs/attr[@name='A']/@value" in line for line in messages)
    assert any("/glidein/attrs/attr[@name='B']/@const" in line for line in messages)


def test_messages_are_sorted_by_file_in_merge_order_then_line(make_config):
    main = factory_xml(
        attrs='\n<attr name="A" value="x" type="int"/>\n\n<attr name="B" value="y" type="int"/>'
    )
    dropin = '<glidein loop_delay="x"/>'
    config = make_config(main, **{"config.d__50-x.xml": dropin})
    result = run_gfactory("validate", config.main)
    lines = result.stderr.splitlines()[:-1]
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    dropin = str(config.directory / "config.d" / "50-x.xml")
    assert keys == [(str(config.main), 3), (str(config.main), 5), (dropin, 1)]


def test_json_output_is_one_document_with_errors_and_warnings(make_config):
    legacy = ENTRY.replace('gridtype="condor"', 'gridtype="condor" schedd_name="s@h"')
    config = make_config(
        factory_xml(root_attrs='loop_delay="x" comment="documentation"', entries=legacy)
    )
    result = run_gfactory("validate", config.main, "--json")
    assert result.code == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["entries"] == 1
    assert [error["path"] for error in document["errors"]] == ["/glidein/@loop_delay"]
    assert document["errors"][0] == {
        "file": str(config.main),
        "line": 1,
        "column": 37,
        "path": "/glidein/@loop_delay",
        "message": '"loop_delay" is "x": must be an integer (the factory daemon reads it with '
        "int())",
        "code": "value.integer",
        "severity": "error",
    }
    assert [warning["code"] for warning in document["warnings"]] == ["legacy.attribute"]


def test_json_output_of_the_example_is_valid(tmp_path):
    example = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    result = run_gfactory("validate", example, "--json")
    assert result.code == 0
    document = json.loads(result.stdout)
    assert [note["code"] for note in document.pop("notes")] == ["merge.replaced"]
    assert document == {"valid": True, "errors": [], "warnings": [], "entries": 4}


def test_warnings_keep_exit_zero_but_strict_makes_them_errors(make_config):
    # lop_delay beside loop_delay: a stray attribute (without loop_delay it is an error).
    config = make_config(factory_xml(root_attrs='comment="generated" loop_delay="5" lop_delay="5"'))
    relaxed = run_gfactory("validate", config.main)
    assert relaxed.code == 0
    assert (
        f'{config.main}:1:72: /glidein/@lop_delay: warning: unknown attribute "lop_delay" (did you mean "loop_delay"?)'
        in relaxed.stderr
    )
    strict = run_gfactory("validate", config.main, "--strict")
    assert strict.code == 1
    assert (
        f'{config.main}:1:72: /glidein/@lop_delay: unknown attribute "lop_delay" (did you mean "loop_delay"?)'
        in strict.stderr
    )
    assert "invalid: 1 error(s), 0 warning(s)" in strict.stderr


def test_missing_config_file_is_a_usage_error(tmp_path):
    result = run_gfactory("validate", tmp_path / "nope.xml")
    assert result.code == 2
    assert result.stderr == f"gfactory: cannot read {tmp_path / 'nope.xml'}: no such file\n"


def test_directory_as_config_is_a_usage_error(tmp_path):
    result = run_gfactory("validate", tmp_path)
    assert result.code == 2
    assert "not a regular file" in result.stderr


def test_unreadable_config_file_is_a_usage_error(tmp_path):
    path = tmp_path / "secret.xml"
    path.write_text("<glidein/>")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads anything; nothing to test then
            return
        result = run_gfactory("validate", path)
        assert result.code == 2
        assert "cannot read" in result.stderr
    finally:
        path.chmod(0o644)


def test_unknown_command_and_missing_argument_are_usage_errors():
    assert run_gfactory("frobnicate").code == 2
    result = run_gfactory("validate")
    assert result.code == 2
    assert "the following arguments are required: CONFIG" in result.stderr
    assert run_gfactory("validate", EXAMPLE_FACTORY, "--bogus").code == 2


def test_validate_writes_nothing(make_config):
    config = make_config(factory_xml())
    before = sorted((path, path.stat().st_mtime_ns) for path in config.directory.rglob("*"))
    assert run_gfactory("validate", config.main).code == 0
    after = sorted((path, path.stat().st_mtime_ns) for path in config.directory.rglob("*"))
    assert before == after


def test_syntax_error_reports_line_and_column(make_config):
    config = make_config('<glidein factory_name="f">\n  <entries>\n</glidein>\n')
    result = run_gfactory("validate", config.main)
    assert result.code == 1
    assert result.stderr.splitlines()[0] == (
        f"{config.main}:3:11: /: XML syntax error: Opening and ending tag mismatch: "
        "entries line 2 and glidein"
    )


@pytest.mark.parametrize("tool", ["gfactory", "gfrontend"])
@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["reconfig"], ["no-such-command"]])
def test_starting_loads_only_what_the_command_needs(tool, argv):
    # --version, --help and usage errors never import the compiler, lxml or rich, nor
    # shutil (argparse sizes its help with it: bz2 and lzma come along).
    program = (
        "import io, sys\n"
        f"from glideinforge.tools import {tool}\n"
        f"code = {tool}.run({argv!r}, io.StringIO(), io.StringIO())\n"
        "heavy = [name for name in ('rich', 'lxml', 'jsonschema', 'jinja2', 'shutil', "
        "'glideinforge.factory.compile', 'glideinforge.frontend.compile') if name in sys.modules]\n"
        "print(code, heavy)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    code = "0" if argv[0] in ("--version", "--help") else "2"
    assert completed.stdout.splitlines()[-1] == f"{code} []"  # after argparse's own output


@pytest.mark.parametrize(
    ("replace", "loads_jsonschema"),
    [(None, False), (('<entry name="E1"', '<entry name="E1" enabled="Maybe"'), True)],
    ids=["valid", "invalid value"],
)
def test_jsonschema_loads_only_for_a_value_the_quick_checks_reject(
    make_config, replace, loads_jsonschema
):
    main = factory_xml()
    if replace is not None:
        assert replace[0] in main
        main = main.replace(*replace, 1)
    config = make_config(main)
    program = (
        "import io, sys\n"
        "from glideinforge.tools import gfactory\n"
        f"code = gfactory.run(['validate', {str(config.main)!r}], io.StringIO(), sys.stdout)\n"
        "print(code, 'jsonschema' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    *messages, last = completed.stdout.splitlines()
    assert last == f"{int(loads_jsonschema)} {loads_jsonschema}"
    if loads_jsonschema:  # the message jsonschema's finding gives
        assert any('/@enabled: "enabled" is "Maybe": ' in line for line in messages), messages


def _help_widths(columns: str) -> int:
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("gfactory")), "--help"],
        env={**os.environ, "COLUMNS": columns},
        capture_output=True,
        text=True,
        check=True,
    )
    options = completed.stdout.split("positional arguments:")[1].split("Run 'gfactory")[0]
    return max(len(line) for line in options.splitlines())


def test_help_is_sized_to_the_terminal():
    # argparse wraps at COLUMNS less two, as with shutil.get_terminal_size.
    assert _help_widths("50") <= 48
    assert _help_widths("120") > 80


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_a_progress_bar_while_many_entries_publish(tmp_path, monkeypatch):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    monkeypatch.setattr(publish_flow, "_PROGRESS_THRESHOLD", 2)  # the example has 4 entries
    stdout, stderr = _Terminal(), io.StringIO()

    code = gfactory.run(["reconfig", str(config), "--root", str(tmp_path / "out")], stdout, stderr)

    assert code == 0, stderr.getvalue()
    assert "publishing" in stdout.getvalue()  # the bar, erased once done (transient)
    assert run_gfactory("verify", config, "--root", tmp_path / "out").code == 0

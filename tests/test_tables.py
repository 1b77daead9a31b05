"""Tables take the terminal's width, and are plain unboxed text when piped."""

from __future__ import annotations

import io
import re

from glideinforge.tools.cli_common import main_guard
from glideinforge.tools.tables import TextTable, print_table

from conftest import copy_example, run_gfactory

_TABLE = TextTable(
    "2 entries",
    ("entry", "gridtype", "gatekeeper"),
    [["SITE_A", "condor", "ce1.example.org ce1.example.org:9619"], ["B", "batch slurm", "x"]],
)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_tables_are_aligned_text_without_boxes():
    stream = io.StringIO()

    print_table(_TABLE, stream)

    assert stream.getvalue() == (
        "2 entries\n"
        "entry   gridtype     gatekeeper\n"
        "SITE_A  condor       ce1.example.org ce1.example.org:9619\n"
        "B       batch slurm  x\n"
    )


def test_a_terminal_table_fits_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    long_row = ["an_entry_with_a_long_name", "condor", "a-gatekeeper-" + "x" * 60]
    stream = _Terminal()

    print_table(TextTable("t", ("entry", "gridtype", "gatekeeper"), [long_row]), stream)

    lines = re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue()).splitlines()
    assert max(len(line) for line in lines) <= 40
    assert any("┃" in line or "│" in line for line in lines)  # drawn, not plain
    assert sum(line.count("x") for line in lines) == 60  # folded over lines, not cut


def test_inspect_piped_is_plain_text(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    result = run_gfactory("inspect", config, "--root", tmp_path / "out")

    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[3:6] == [
        "  last publish: none recorded",
        "entries: 4 of 4, by name",
        "entry           enabled  gridtype     gatekeeper"
        "                                          auth                    schedd"
        "                                attrs  files  staged bytes",
    ]
    assert lines[6].split()[:3] == ["CLOUD_ec2_east", "True", "ec2"]
    assert not any(character in result.stdout for character in "┏┃│━─")


def test_explain_piped_is_plain_text(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    result = run_gfactory("explain", config, "SITE_A_ce1")

    assert result.code == 0
    assert result.stdout.splitlines()[0] == "entry SITE_A_ce1: effective attrs"
    assert result.stdout.splitlines()[1].split() == ["attr", "value", "from", "blocked", "becomes"]
    assert not any(character in result.stdout for character in "┏┃│━─")


def test_a_reader_that_stops_ends_the_command_quietly(capfd):
    def run(*_streams):
        raise BrokenPipeError(32, "Broken pipe")

    assert main_guard("gfactory", run, []) == 141
    assert capfd.readouterr().err == ""

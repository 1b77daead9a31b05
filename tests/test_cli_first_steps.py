"""What a new operator meets before and around the first reconfig: hints, not bare failures."""

from __future__ import annotations

import json

import pytest

from compile_helpers import gfrontend_run
from conftest import copy_example, run_gfactory


@pytest.fixture
def config(tmp_path):
    return copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"


def test_verify_before_the_first_reconfig_says_what_to_do(tmp_path, config):
    result = run_gfactory("verify", config, "--root", tmp_path / "out")

    assert result.code == 1
    summary = tmp_path / "out/var/lib/gwms-factory/work-dir/signatures.sha1"
    assert result.stderr.endswith(
        f"gfactory verify: {summary}: nothing is published there yet; "
        f"run 'gfactory reconfig {config}' first\n"
    )
    assert not (tmp_path / "out").exists()


def test_verify_of_a_stage_that_is_not_there_is_unreadable_input(tmp_path):
    summary = tmp_path / "signatures.sha1"
    summary.write_text("")

    result = run_gfactory("verify", "--stage", tmp_path / "nonexistent", "--signatures", summary)

    assert (result.code, result.stdout) == (2, "")
    assert (
        result.stderr == f"gfactory verify: cannot read {tmp_path}/nonexistent: no such directory\n"
    )
    missing = run_gfactory("verify", "--stage", tmp_path, "--signatures", tmp_path / "none.sha1")
    assert missing.code == 2
    assert missing.stderr == f"gfactory verify: cannot read {tmp_path}/none.sha1: no such file\n"


def test_rollback_list_without_states_says_so(tmp_path, config):
    result = run_gfactory("rollback", config, "--root", tmp_path / "out", "--list")

    assert result.code == 0
    work = tmp_path / "out/var/lib/gwms-factory/work-dir"
    assert (
        result.stdout == f"{work}: no recorded states; 'gfactory reconfig {config}' records one\n"
    )
    listed = run_gfactory("rollback", config, "--root", tmp_path / "out", "--list", "--json")
    assert json.loads(listed.stdout) == {"states": [], "live": None}


def test_gc_before_the_first_reconfig_creates_nothing(tmp_path, config):
    result = run_gfactory("gc", config, "--root", tmp_path / "out")

    assert result.code == 1
    assert "no published state is recorded; nothing is removed" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("below", ["", "/sub"])
def test_root_on_a_file_is_a_usage_error(tmp_path, config, below):
    a_file = tmp_path / "a_file"
    a_file.write_text("")

    result = run_gfactory("reconfig", config, "--root", f"{a_file}{below}")

    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"gfactory reconfig: error: argument --root: {a_file}{below}: {a_file} is not a directory\n"
    )


def test_the_frontend_takes_root_alike(tmp_path):
    frontend = copy_example("frontend", tmp_path / "frontend") / "frontend.xml"
    a_file = tmp_path / "a_file"
    a_file.write_text("")

    code, stdout, stderr = gfrontend_run("reconfig", frontend, "--root", a_file)

    assert (code, stdout) == (2, "")
    assert stderr.endswith(f"argument --root: {a_file}: {a_file} is not a directory\n")

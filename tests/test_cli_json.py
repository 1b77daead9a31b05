"""``--json``: every command prints exactly one document, its failures included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compile_helpers import gfrontend_run
from conftest import copy_example, run_gfactory

_BROKEN_ATTR = '<attr name="BROKEN_INT" type="int" value="ten"/>'


def _broken_factory(tmp_path: Path) -> Path:
    """The example factory with one invalid int attr (line known)."""
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("<attrs>", "<attrs>\n" + _BROKEN_ATTR, 1), encoding="utf-8")
    return config


def _line_of(config: Path, needle: str) -> int:
    lines = config.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


@pytest.mark.parametrize(
    "command",
    [
        ["reconfig", "{config}", "--root", "{root}"],
        ["reconfig", "{config}", "--root", "{root}", "--dry-run"],
        ["upgrade", "{config}", "--root", "{root}"],
        ["explain", "{config}", "SITE_A_ce1"],
        ["diff", "{config}", "{config}", "--root", "{root}"],
        ["inspect", "{config}", "--root", "{root}"],
        ["glidein-args", "{config}", "SITE_A_ce1", "--root", "{root}"],
    ],
)
def test_an_invalid_config_is_one_document_of_its_errors(tmp_path, command):
    config = _broken_factory(tmp_path)
    argv = [word.format(config=config, root=tmp_path / "out") for word in command]

    result = run_gfactory(*argv, "--json")

    assert result.code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["exit_code"] == 1
    found = [error for error in document["errors"] if error.get("code") == "attr.int"]
    assert found, document
    assert found[0]["file"] == str(config)
    assert found[0]["line"] == _line_of(config, _BROKEN_ATTR)
    assert found[0]["path"] == "/glidein/attrs/attr[@name='BROKEN_INT']/@value"
    assert found[0]["message"] == '"value" is "ten": an int attr needs an integer value'
    assert found[0]["severity"] == "error"
    # The same error is still on stderr, as text.
    assert f"{config}:{found[0]['line']}:" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "exit_code", "message"),
    [
        (
            ["reconfig", "/nonexistent.xml"],
            2,
            "gfactory: cannot read /nonexistent.xml: no such file",
        ),
        (
            ["reconfig", "{config}", "--bogus"],
            2,
            "gfactory reconfig: error: unrecognized arguments",
        ),
        (["gc", "{config}", "--root", "{root}"], 1, "gc:"),
        (["explain", "{config}", "NOPE"], 2, "NOPE: no such entry"),
        (["glidein-args", "{config}", "NOPE", "--root", "{root}"], 2, "NOPE: no such entry"),
        (["try-glidein", "{config}", "NOPE", "--root", "{root}"], 2, "NOPE: no such entry"),
        (["inspect", "{config}", "NOPE", "--root", "{root}"], 2, "NOPE: no such entry"),
    ],
)
def test_a_failure_without_a_document_of_its_own_is_answered_in_one(
    tmp_path, argv, exit_code, message
):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    words = [word.format(config=config, root=tmp_path / "out") for word in argv]

    result = run_gfactory(*words, "--json")

    assert result.code == exit_code, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["exit_code"] == exit_code
    assert any(message in error.get("message", "") for error in document["errors"]), document
    assert message in result.stderr


def test_a_usage_error_before_the_command_is_answered_too():
    result = run_gfactory("--json")

    assert result.code == 2
    document = json.loads(result.stdout)
    assert document == {
        "ok": False,
        "exit_code": 2,
        "errors": [{"message": document["errors"][0]["message"]}],
        "warnings": [],
    }
    assert "required: COMMAND" in document["errors"][0]["message"]


def test_a_command_that_has_its_own_document_keeps_it(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    result = run_gfactory("validate", config, "--json")

    assert result.code == 0
    assert json.loads(result.stdout)["valid"] is True


def test_frontend_failures_are_one_document(tmp_path):
    code, stdout, stderr = gfrontend_run("reconfig", tmp_path / "missing.xml", "--json")

    assert code == 2
    document = json.loads(stdout)
    assert document["ok"] is False
    assert document["errors"] == [
        {"message": f"gfrontend: cannot read {tmp_path}/missing.xml: no such file"}
    ]
    assert stderr == f"gfrontend: cannot read {tmp_path}/missing.xml: no such file\n"

"""Warnings an operator can read: one line per kind with a count, the same in every command."""

from __future__ import annotations

import json

from conftest import ENTRY, factory_xml, run_gfactory

# Four entries carrying the legacy schedd_name, and a relative input file.
_LEGACY = "".join(
    ENTRY.replace('name="E1"', f'name="E{index}"').replace(
        'gridtype="condor"', 'gridtype="condor" schedd_name="s@h"'
    )
    for index in range(1, 5)
)
_PARTS = {
    "entries": _LEGACY,
    "files": '<file absfname="check.sh" executable="True" comment="documentation"/>',
    "root_attrs": 'comment="documentation"',
}


def _config(make_config):
    return make_config(factory_xml(**_PARTS), **{"check.sh": "#!/bin/sh\nexit 0\n"})


def _summary_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "warning" in line]


def test_a_repeated_warning_kind_prints_once_with_a_count_and_the_first_places(make_config):
    config = _config(make_config)
    result = run_gfactory("validate", config.main)
    assert result.code == 0
    lines = result.stderr.splitlines()
    main = config.main
    assert lines == [
        f"{main}:5:90: /glidein/entries/entry[@name='E1']/@schedd_name: warning: legacy attribute "
        '"schedd_name" is ignored',
        f"  ... and 3 more warnings like it (legacy.attribute) at {main}:11:90, {main}:17:90, "
        f"{main}:23:90; "
        "--verbose lists all",
        f"{main}:33:17: /glidein/files/file[@absfname='check.sh']/@absfname: warning: \"absfname\" is "
        '"check.sh": is relative: GlideinWMS resolves it against the working directory, so the '
        "result depends on where the command runs; make it absolute",
    ]
    assert "valid: 4 entries, 1 file(s), 0 error(s), 5 warning(s)" in result.stdout


def test_verbose_lists_every_warning_and_json_has_them_all(make_config):
    config = _config(make_config)
    verbose = run_gfactory("validate", config.main, "--verbose")
    assert len(_summary_lines(verbose.stderr)) == 5
    assert "--verbose lists all" not in verbose.stderr
    document = json.loads(run_gfactory("validate", config.main, "--json").stdout)
    assert [item["code"] for item in document["warnings"]] == ["legacy.attribute"] * 4 + [
        "path.relative"
    ]


def test_comment_is_documentation_not_a_warning(make_config):
    config = make_config(factory_xml(root_attrs='comment="who and why"'))
    assert config.check().diagnostics == ()


def test_reconfig_prints_the_summary_validate_prints_every_time(make_config, tmp_path):
    config = _config(make_config)
    expected = run_gfactory("validate", config.main).stderr
    first = run_gfactory("reconfig", config.main, "--root", tmp_path / "out")
    assert first.code == 0
    assert first.stderr == expected
    again = run_gfactory("reconfig", config.main, "--root", tmp_path / "out", "--json")
    document = json.loads(again.stdout)
    assert document["fingerprint"] is True  # the no-op path shows the recorded warnings
    assert [item["code"] for item in document["config_warnings"]] == ["legacy.attribute"] * 4 + [
        "path.relative"
    ]
    assert run_gfactory("reconfig", config.main, "--root", tmp_path / "out").stderr == expected


def test_strict_refuses_a_configuration_with_warnings_and_writes_nothing(make_config, tmp_path):
    config = _config(make_config)
    for command in ("reconfig", "upgrade"):
        result = run_gfactory(command, config.main, "--root", tmp_path / "out", "--strict")
        assert result.code == 1
        assert result.stderr.splitlines()[-1] == f"{config.main}: invalid: 5 error(s)"
        assert not (tmp_path / "out").exists()


def test_strict_refuses_even_when_nothing_changed_since_the_last_publish(make_config, tmp_path):
    config = _config(make_config)
    assert run_gfactory("reconfig", config.main, "--root", tmp_path / "out").code == 0
    strict = run_gfactory("reconfig", config.main, "--root", tmp_path / "out", "--strict")
    assert strict.code == 1
    assert "invalid: 5 error(s)" in strict.stderr


def test_diff_reports_the_new_configurations_warnings_and_takes_strict(make_config, tmp_path):
    config = _config(make_config)
    old = tmp_path / "old.xml"
    old.write_text(
        factory_xml().replace('tar_file="condor.tgz"', f'tar_file="{tmp_path}/condor.tgz"')
    )
    result = run_gfactory("diff", old, config.main)
    assert result.code == 1  # the configurations differ (entry E2 is added)
    assert result.stdout.startswith("entry E2: added\n")
    assert _summary_lines(result.stderr) == _summary_lines(
        run_gfactory("validate", config.main).stderr
    )
    strict = run_gfactory("diff", old, config.main, "--strict")
    assert (strict.code, strict.stdout) == (1, "")  # refused before comparing

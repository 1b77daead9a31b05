"""reconfig says what changed (entries and their attrs), where it published, and what next."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from glideinforge.tools.change_summary import change_lines

from compile_helpers import gfrontend_run
from conftest import copy_example, run_gfactory

SITES = "config.d/10-sites.xml"
STAGE = "var/lib/gwms-factory/web-area/stage"
WORK = "var/lib/gwms-factory/work-dir"


@pytest.fixture
def site(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    return config, tmp_path / "out"


def _edit(config: Path, old: str, new: str, relpath: str = SITES) -> None:
    path = config.parent / relpath
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _tail(stdout: str) -> list[str]:
    """The lines after the closing line of counts."""
    return stdout.splitlines()[1:]


def test_a_first_publish_says_so_and_where(site):
    config, out = site

    result = run_gfactory("reconfig", config, "--root", out)

    assert result.code == 0
    assert re.fullmatch(
        r"reconfig: 3 enabled and 1 disabled entries; \d+ file\(s\) written, \d+ linked, "
        r"0 unchanged \(\d+ bytes\) in \d+\.\d\d s",
        result.stdout.splitlines()[0],
    )
    assert _tail(result.stdout) == [
        "  first publish of this work dir: every file is new",
        f"  stage: {out}/{STAGE}",
        f"  work:  {out}/{WORK}",
        f"  next:  gfactory verify {config} --root {out}  (checks every published file against "
        "its signature)",
    ]


def test_an_edit_names_the_entries_and_attrs_that_changed(site):
    config, out = site
    assert run_gfactory("reconfig", config, "--root", out).code == 0
    _edit(config, 'value="SiteA"', 'value="SiteA2"')
    _edit(config, 'enabled="False" gatekeeper="arc', 'enabled="True" gatekeeper="arc')

    result = run_gfactory("reconfig", config, "--root", out)

    assert result.code == 0
    assert _tail(result.stdout) == [
        "  enabled: SITE_C_arc",
        "  changed: SITE_A_ce1 (GLIDEIN_Site)",
        f"  stage: {out}/{STAGE}",
        f"  work:  {out}/{WORK}",
        f"  next:  gfactory verify {config} --root {out}  (checks every published file against "
        "its signature)",
    ]


def test_removed_and_disabled_entries_are_named(site):
    config, out = site
    assert run_gfactory("reconfig", config, "--root", out).code == 0
    text = (config.parent / SITES).read_text(encoding="utf-8")
    start = text.index('<entry name="SITE_C_arc"')
    end = text.index("</entry>", start) + len("</entry>")
    (config.parent / SITES).write_text(text[:start] + text[end:], encoding="utf-8")
    # 20-cloud.xml replaces SITE_B_slurm of 10-sites.xml whole.
    _edit(
        config,
        'bosco_dir="bosco" enabled="True"',
        'bosco_dir="bosco" enabled="False"',
        "config.d/20-cloud.xml",
    )

    result = run_gfactory("reconfig", config, "--root", out, "--force-delete", "--json")

    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    statuses = {item["entry"]: item["status"] for item in document["changes"]["entries"]}
    assert statuses == {"SITE_B_slurm": "disabled", "SITE_C_arc": "removed"}
    assert document["next_step"] == (
        f"gfactory verify {config} --root {out}  (checks every published file against its signature)"
    )
    assert document["stage"] == f"{out}/{STAGE}"
    assert document["changes"]["first_publish"] is False
    text_run = run_gfactory("reconfig", config, "--root", out)
    assert _tail(text_run.stdout)[-1] == (
        "  next:  nothing to do: the published state is this configuration"
    )


def test_a_no_op_says_there_is_nothing_to_do(site):
    config, out = site
    assert run_gfactory("reconfig", config, "--root", out).code == 0

    result = run_gfactory("reconfig", config, "--root", out)

    assert result.stdout.splitlines()[0].endswith("; no changes")
    assert _tail(result.stdout) == [
        f"  stage: {out}/{STAGE}",
        f"  work:  {out}/{WORK}",
        "  next:  nothing to do: the published state is this configuration",
    ]


def test_identical_builds_write_and_link_the_same_counts(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    counts = []
    for name in ("one", "two"):
        document = json.loads(
            run_gfactory("reconfig", config, "--root", tmp_path / name, "--json").stdout
        )
        counts.append((document["files_written"], document["files_linked"]))
    assert counts[0] == counts[1]


def _changed(count: int) -> dict[str, object]:
    return {
        "entries": [
            {
                "entry": f"E{number:02d}",
                "status": "changed",
                "attrs": [{"name": "A"}],
                "settings": {},
            }
            for number in range(count)
        ],
        "main_attrs": [{"name": "GLIDEIN_Max_Walltime"}],
    }


def test_many_changes_are_cut_short_unless_verbose():
    lines = change_lines(_changed(12), "entries")

    assert lines == [
        "  changed: E00 (A), E01 (A), E02 (A), E03 (A), E04 (A), E05 (A), E06 (A), E07 (A), "
        "E08 (A), E09 (A), ... and 2 more (--verbose lists them)",
        "  main attrs changed: GLIDEIN_Max_Walltime",
    ]
    assert change_lines(_changed(12), "entries", verbose=True)[0].endswith("E10 (A), E11 (A)")


def test_the_frontend_names_its_groups(tmp_path):
    config = copy_example("frontend", tmp_path / "frontend") / "frontend.xml"
    out = tmp_path / "out"
    assert gfrontend_run("reconfig", config, "--root", out)[0] == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('value="86400"', 'value="43200"', 1), encoding="utf-8")

    code, stdout, _ = gfrontend_run("reconfig", config, "--root", out)

    assert code == 0
    lines = _tail(stdout)
    assert lines[0].startswith("  changed: main (GLIDEIN_Max_Walltime)")
    assert lines[-1] == (
        f"  next:  gfrontend verify {config} --root {out}  (checks every published file against "
        "its signature)"
    )


def test_the_next_step_is_a_command_that_runs_as_printed(site):
    config, out = site
    spaced = out.parent / "out 2"

    result = run_gfactory("reconfig", config, "--root", spaced)

    assert result.code == 0
    line = _tail(result.stdout)[-1]
    assert line.startswith("  next:  ")
    command = line.removeprefix("  next:  ").split("  (")[0]
    assert shlex.split(command) == ["gfactory", "verify", str(config), "--root", str(spaced)]
    assert run_gfactory(*shlex.split(command)[1:]).code == 0

"""inspect: a summary first, then the entries, filtered and sorted; answered from the record."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import run_gfactory

WORK = "var/lib/gwms-factory/work-dir"


def _inspect(config, out, *extra: str) -> dict:
    result = run_gfactory("inspect", config, "--root", out, "--json", *extra)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_summary_comes_first(published):
    config, out = published

    result = run_gfactory("inspect", config, "--root", out)

    lines = result.stdout.splitlines()
    assert lines[0] == "exampleFactory/gfactory_instance: 4 entries (3 enabled, 1 disabled)"
    assert lines[1] == "  by gridtype: ec2 1, condor 1, batch slurm 1, arc 1"
    assert lines[2].startswith("  files: 129; stage: ")
    assert lines[2].endswith(" bytes; states kept: 1")
    assert lines[3].startswith("  last publish: ")
    assert lines[4] == "entries: 4 of 4, by name"
    assert [line.split()[0] for line in lines[6:]] == [
        "CLOUD_ec2_east", "SITE_A_ce1", "SITE_B_slurm", "SITE_C_arc",
    ]  # fmt: skip


def test_the_record_answers_as_compiling_would(published):
    config, out = published
    recorded = _inspect(config, out)
    # An unpublished edit: the configuration is compiled.
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("<entries>", "<entries>\n<!-- edited -->", 1), encoding="utf-8")

    compiled = _inspect(config, out)

    assert compiled["state"]["live"] is True  # a comment changes nothing published
    assert compiled == recorded


def test_the_record_follows_an_incremental_edit(published):
    config, out = published
    sites = config.parent / "config.d/10-sites.xml"
    text = sites.read_text(encoding="utf-8")
    sites.write_text(text.replace("ce1.site-a.example.org:9619", "ce9.site-a.example.org:9619"))
    published_edit = json.loads(run_gfactory("reconfig", config, "--root", out, "--json").stdout)
    assert published_edit["compiled_alone"] == 1  # the incremental path

    rows = {row["name"]: row for row in _inspect(config, out)["entries"]}

    assert rows["SITE_A_ce1"]["gatekeeper"] == "ce1.site-a.example.org ce9.site-a.example.org:9619"
    assert _inspect(config, out)["states_kept"] == 2


@pytest.mark.parametrize(
    ("options", "names"),
    [
        (["--grep", "SITE_[ab]"], ["SITE_A_ce1", "SITE_B_slurm"]),
        (["--grep", "grid_proxy"], ["SITE_B_slurm", "SITE_C_arc"]),
        (["--gridtype", "batch slurm"], ["SITE_B_slurm"]),
        (["--disabled"], ["SITE_C_arc"]),
        (["--enabled", "--sort", "attrs"], ["SITE_A_ce1", "CLOUD_ec2_east", "SITE_B_slurm"]),
        (["--sort", "bytes"], ["SITE_A_ce1", "SITE_B_slurm", "CLOUD_ec2_east", "SITE_C_arc"]),
        (["--sort", "gridtype"], ["SITE_C_arc", "SITE_B_slurm", "SITE_A_ce1", "CLOUD_ec2_east"]),
    ],
)
def test_entries_are_filtered_and_sorted(published, options, names):
    config, out = published

    document = _inspect(config, out, *options)

    assert [row["name"] for row in document["entries"]] == names
    assert document["shown"] == len(names)
    assert document["summary"]["entries"] == 4  # the summary is of the whole factory


def test_a_bad_pattern_is_a_usage_error(published):
    config, out = published

    result = run_gfactory("inspect", config, "--root", out, "--grep", "SITE_[")

    assert result.code == 2
    assert result.stderr.startswith("gfactory inspect: --grep 'SITE_[': unterminated character set")


def test_the_recorded_answer_loads_no_compiler(published):
    config, out = published
    code = (
        "import sys\n"
        "from glideinforge.tools import gfactory\n"
        "import io\n"
        f"rc = gfactory.run(['inspect', {str(config)!r}, '--root', {str(out)!r}], io.StringIO(), sys.stderr)\n"
        "print(rc, 'glideinforge.factory.compile' in sys.modules, 'lxml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "False", "False"]

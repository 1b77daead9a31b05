"""gfactory reconfig, verify and inspect end to end on the example factory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from glideinforge.creation.lib.condor_submit import submit_file_errors

from compile_helpers import gfactory_run
from conftest import EXAMPLE_FACTORY, factory_xml

STAGE = "var/lib/gwms-factory/web-area/stage"
WORK = "var/lib/gwms-factory/work-dir"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built")
    code, stdout, stderr = gfactory_run("reconfig", EXAMPLE_FACTORY, "--root", root)
    assert code == 0, stderr
    assert "reconfig: 3 enabled and 1 disabled entries;" in stdout
    return root


@pytest.fixture
def copy(built, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(built, target)
    return target


def _verify(root: Path):
    return gfactory_run("verify", EXAMPLE_FACTORY, "--root", root)


def test_example_compiles_and_verifies(built):
    code, stdout, stderr = _verify(built)
    assert code == 0, stderr
    assert "verified; 5 directories" in stdout


def test_nothing_is_written_outside_the_root(built):
    top = sorted(path.name for path in built.iterdir())
    assert top == ["var"]
    assert {path.relative_to(built).parts[:3] for path in built.rglob("*") if path.is_file()} <= {
        ("var", "lib", "gwms-factory"),
        ("var", "log", "gwms-factory"),
    }


def test_every_submit_file_passes_htcondor(built):
    submit_files = sorted((built / WORK).glob("entry_*/job*.condor"))
    assert len(submit_files) == 4
    for path in submit_files:
        assert submit_file_errors(path.read_text()) == [], path


def _signed_files(root: Path) -> list[Path]:
    return [
        signature.parent / line.split("  ")[1]
        for signature in (root / STAGE).rglob("signature.*.sha1")
        for line in signature.read_text().splitlines()[2:]
    ]


def test_flipping_any_byte_of_any_signed_file_fails_and_names_it(built, tmp_path):
    signed = _signed_files(built)
    stage_files = [path for path in (built / STAGE).rglob("*") if path.is_file()]
    unsigned = (
        {path.name for path in stage_files}
        - {path.name for path in signed}
        - {path.name for path in (built / STAGE).rglob("signature.*.sha1")}
    )
    # nodes.blacklist is nocache by design (operators edit it); the stage-root
    # glidein_startup.sh is the job's executable, delivered with the submission.
    assert unsigned == {"nodes.blacklist", "glidein_startup.sh"}
    for index, target in enumerate([*signed, *(built / STAGE).rglob("signature.*.sha1")]):
        root = tmp_path / f"flip{index}"
        shutil.copytree(built, root, copy_function=shutil.copy2)
        victim = root / target.relative_to(built)
        data = bytearray(victim.read_bytes())
        if not data:
            data = bytearray(b"x")
        else:
            data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
        code, _, stderr = _verify(root)
        assert code == 1, target
        assert str(victim) in stderr, (target, stderr)


def test_deleting_a_listed_file_fails(copy):
    victim = next((copy / STAGE).glob("site_check.*.sh"))
    victim.unlink()
    code, _, stderr = _verify(copy)
    assert code == 1
    assert f"{victim}: listed file is missing (expected " in stderr


def test_a_fifo_in_place_of_a_listed_file_fails_without_waiting(copy):
    victim = next((copy / STAGE).glob("site_check.*.sh"))
    victim.unlink()
    os.mkfifo(victim)
    completed = subprocess.run(
        [sys.executable, "-m", "glideinforge", "verify", EXAMPLE_FACTORY, "--root", copy],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert f"{victim}: listed file is unreadable: not a regular file (expected " in completed.stderr


def test_removing_a_signature_line_fails(copy):
    signature = next((copy / STAGE / "entry_SITE_A_ce1").glob("signature.*.sha1"))
    lines = signature.read_text().splitlines(keepends=True)
    kept = [line for line in lines if "motd." not in line]
    assert len(kept) == len(lines) - 1
    signature.write_text("".join(kept))
    code, _, stderr = _verify(copy)
    assert code == 1
    assert (
        "SHA-1 does not match signatures.sha1" in stderr
    )  # the summary protects the signature file


def test_unsigned_file_is_refused_even_when_the_summary_is_rewritten(copy):
    """Fail closed: a listed, non-nocache file without a signature line is an error."""
    entry = copy / STAGE / "entry_SITE_A_ce1"
    signature = next(entry.glob("signature.*.sha1"))
    lines = signature.read_text().splitlines(keepends=True)
    signature.write_text("".join(line for line in lines if "motd." not in line))
    summary = copy / WORK / "signatures.sha1"
    entry_line = next(
        line for line in summary.read_text().splitlines() if line.endswith("entry_SITE_A_ce1")
    )
    new = hashlib.sha1(signature.read_bytes()).hexdigest()  # noqa: S324 - the format's hash
    summary.write_text(summary.read_text().replace(entry_line.split("  ")[0], new))
    code, _, stderr = _verify(copy)
    assert code == 1
    assert "motd." in stderr
    assert "file has no signature line" in stderr


def test_verify_with_stage_and_signatures_options(built):
    code, stdout, _ = gfactory_run(
        "verify",
        "--stage",
        built / STAGE,
        "--signatures",
        built / WORK / "signatures.sha1",
        "--json",
    )
    assert code == 0
    report = json.loads(stdout)
    assert report["ok"] is True
    assert report["directories"] == [
        "entry_CLOUD_ec2_east",
        "entry_SITE_A_ce1",
        "entry_SITE_B_slurm",
        "entry_SITE_C_arc",
        "main",
    ]
    assert report["files_checked"] > 30


def test_verify_usage_errors(built):
    assert gfactory_run("verify")[0] == 2
    assert gfactory_run("verify", "--stage", built / STAGE)[0] == 2
    assert (
        gfactory_run("verify", EXAMPLE_FACTORY, "--stage", built / STAGE, "--signatures", "x")[0]
        == 2
    )


def test_second_reconfig_writes_nothing(tmp_path):
    assert gfactory_run("reconfig", EXAMPLE_FACTORY, "--root", tmp_path)[0] == 0
    before = {
        path: (path.stat().st_mtime_ns, path.stat().st_ino)
        for path in tmp_path.rglob("*")
        if path.is_file()
    }
    code, stdout, _ = gfactory_run("reconfig", EXAMPLE_FACTORY, "--root", tmp_path)
    assert code == 0
    assert stdout.splitlines()[0].endswith("; no changes")
    after = {
        path: (path.stat().st_mtime_ns, path.stat().st_ino)
        for path in tmp_path.rglob("*")
        if path.is_file()
    }
    assert before == after


def test_identical_staged_content_is_hard_linked(built):
    motd_entry = next((built / STAGE / "entry_SITE_A_ce1").glob("motd.*.txt"))
    motd_main = next((built / STAGE).glob("late_motd.*.txt"))
    assert motd_entry.read_bytes() == motd_main.read_bytes()
    assert motd_entry.stat().st_ino == motd_main.stat().st_ino
    blacklists = sorted((built / STAGE).glob("entry_*/nodes.blacklist"))
    assert len({path.stat().st_ino for path in blacklists}) == len(
        blacklists
    )  # editable: never linked


def test_dry_run_writes_nothing_and_lists_the_files(tmp_path):
    code, stdout, _ = gfactory_run(
        "reconfig", EXAMPLE_FACTORY, "--root", tmp_path, "--dry-run", "--json"
    )
    assert code == 0
    document = json.loads(stdout)
    files = document["files"]
    assert {change["action"] for change in files} == {"create"}
    assert any(change["path"].endswith("signatures.sha1") for change in files)
    entries = {change["entry"]: change["status"] for change in document["changes"]["entries"]}
    assert entries == dict.fromkeys(
        ("CLOUD_ec2_east", "SITE_A_ce1", "SITE_B_slurm", "SITE_C_arc"), "added"
    )
    assert list(tmp_path.iterdir()) == []


def test_reconfig_json_summary(tmp_path):
    code, stdout, _ = gfactory_run("reconfig", EXAMPLE_FACTORY, "--root", tmp_path, "--json")
    assert code == 0
    summary = json.loads(stdout)
    assert summary["entries"] == {"enabled": 3, "disabled": 1}
    assert summary["files_written"] + summary["files_linked"] > 70


def test_invalid_config_writes_nothing_and_exits_one(make_config, tmp_path):
    config = make_config(factory_xml(root_attrs='loop_delay="x"'))
    out = tmp_path / "out"
    code, _, stderr = gfactory_run("reconfig", config.main, "--root", out)
    assert code == 1
    assert '"loop_delay" is "x"' in stderr
    assert not out.exists()


def test_submit_attr_htcondor_rejects_is_a_compile_error_naming_the_entry(make_config, tmp_path):
    entry = """<entry name="E1" gatekeeper="ce.example.org ce.example.org:9619">
      <config><submit><submit_attrs><submit_attr name="+Broken" value="(1 +"/></submit_attrs></submit></config>
    </entry>"""
    config = make_config(factory_xml(entries=entry))
    code, _, stderr = gfactory_run("reconfig", config.main, "--root", tmp_path / "out")
    assert code == 1
    assert (
        "/glidein/entries/entry[@name='E1']: generated submit file is rejected: +Broken = (1 +"
        in stderr
    )
    assert not (tmp_path / "out").exists()


def test_inspect_table_and_json(built):
    code, stdout, _ = gfactory_run("inspect", EXAMPLE_FACTORY, "--root", built)
    assert code == 0
    assert "SITE_B_slurm" in stdout
    assert "schedd_glideins1@factory.example.org" in stdout
    code, stdout, _ = gfactory_run("inspect", EXAMPLE_FACTORY, "--root", built, "--json")
    rows = {row["name"]: row for row in json.loads(stdout)["entries"]}
    assert rows["SITE_C_arc"]["enabled"] is False
    assert rows["SITE_A_ce1"]["schedd"] == "schedd_glideins2@factory.example.org"
    assert rows["SITE_A_ce1"]["files"] == 2
    staged = sum(path.stat().st_size for path in (built / STAGE / "entry_SITE_A_ce1").iterdir())
    assert rows["SITE_A_ce1"]["staged_bytes"] == staged


def test_inspect_one_entry_shows_where_attrs_land(built):
    code, stdout, _ = gfactory_run(
        "inspect", EXAMPLE_FACTORY, "--root", built, "SITE_A_ce1", "--json"
    )
    assert code == 0
    attrs = {row["name"]: row for row in json.loads(stdout)["attrs"]}
    assert attrs["GLIDEIN_Site"]["lands_in"] == ["constant", "attribute", "condor_vars"]
    assert attrs["GLIDEIN_Site"]["job_environment"] == "GLIDEIN_Site"
    assert attrs["GLIDEIN_Max_Walltime"]["lands_in"] == ["parameter"]
    assert attrs["EXAMPLE_FLAGS_FTT_FF"]["lands_in"] == ["constant"]
    assert attrs["GLIDEIN_MaxMemMBs"]["published_to_startd"] is True
    code, stdout, _ = gfactory_run("inspect", EXAMPLE_FACTORY, "--root", built, "SITE_A_ce1")
    assert "staged files" in stdout
    assert gfactory_run("inspect", EXAMPLE_FACTORY, "NOPE")[0] == 2  # as every command says

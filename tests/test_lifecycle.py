"""Reconfig as a lifecycle: no-op, guards, lock, dry run, diff, gc, rollback, upgrade."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from glideinforge import __version__
from glideinforge.creation.lib.history import (
    STATES_DIR,
    load_states,
    object_path,
    read_fast_path,
    sha1_hex,
    store_bytes,
    store_files,
)
from glideinforge.creation.lib.lock import work_dir_lock
from glideinforge.factory import load as factory_load

from compile_helpers import gfactory_run, published_example
from conftest import EXAMPLE_FACTORY, REPO, copy_example

sys.path.insert(0, str(REPO / "benchmarks"))
from make_factory import write_factory

STAGE = "var/lib/gwms-factory/web-area/stage"
WORK = "var/lib/gwms-factory/work-dir"
SITES = "config.d/10-sites.xml"


@pytest.fixture
def site(tmp_path):
    """A copy of the example factory, published once under ``out``."""
    return published_example(tmp_path)


def edit(config: Path, relpath: str, old: str, new: str) -> None:
    path = config.parent / relpath
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def remove_entry(config: Path, name: str) -> None:
    path = config.parent / SITES
    text, count = re.subn(
        rf'<entry name="{name}".*?</entry>', "", path.read_text(), flags=re.DOTALL
    )
    assert count == 1
    path.write_text(text)


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``root``: (inode, mtime, size)."""
    return {
        str(path.relative_to(root)): (
            path.stat().st_ino,
            path.stat().st_mtime_ns,
            path.stat().st_size,
        )
        for path in root.rglob("*")
        if path.is_file()
    }


def verify(config: Path, out: Path) -> tuple[int, str, str]:
    return gfactory_run("verify", config, "--root", out)


# --- incremental ---------------------------------------------------------------------------


def test_no_op_reconfig_writes_nothing_in_either_tree(site):
    config, out = site
    before = snapshot(out)
    code, stdout, _ = gfactory_run("reconfig", config, "--root", out)
    assert code == 0
    assert "0 file(s) written, 0 linked" in stdout
    assert stdout.splitlines()[0].endswith("; no changes")
    assert snapshot(out) == before


def test_one_attr_edit_rewrites_only_that_entry_and_the_summary(site):
    config, out = site
    before = snapshot(out)
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    after = snapshot(out)
    changed = {path for path in after if before.get(path) != after[path]}
    stage = f"{STAGE}/entry_SITE_A_ce1/"
    # GLIDEIN_Site is const, published and glidein_published: constants, condor_vars
    # stay (same rows), constants change -> file list -> signature and description.
    expected_stage = {"constants", "file_list", "description", "signature"}
    assert {
        path.removeprefix(stage).split(".")[0] for path in changed if path.startswith(STAGE)
    } == expected_stage
    assert all(path.startswith(stage) for path in changed if path.startswith(STAGE))
    work_changes = {path.removeprefix(f"{WORK}/") for path in changed if path.startswith(WORK)}
    history = {path for path in work_changes if path.startswith("history/")}
    assert work_changes - history == {"entry_SITE_A_ce1/attributes.cfg", "signatures.sha1"}
    assert len([path for path in history if path.startswith("history/states/")]) == 1
    assert verify(config, out)[0] == 0


def test_one_attr_edit_in_the_1000_entry_factory_changes_only_expected_files(tmp_path):
    config = write_factory(1000, tmp_path / "factory")
    out = tmp_path / "out"
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    before = snapshot(out)
    edit(config, "config.d/10-sites.xml", 'value="Site00000"/>', 'value="Site00000-b"/>')
    code, stdout, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    assert "5 file(s) written, 0 linked" in stdout  # 4 staged files + signatures.sha1
    after = snapshot(out)
    changed = sorted(path for path in after if before.get(path) != after[path])
    stage_changes = [path.removeprefix(f"{STAGE}/") for path in changed if path.startswith(STAGE)]
    # GLIDEIN_Site of this entry is const and unpublished: only its constants change,
    # then the list naming them, then the signature and description.
    assert {path.split("/")[0] for path in stage_changes} == {"entry_Site00000_condor"}
    assert sorted(path.split("/")[1].split(".")[0] for path in stage_changes) == [
        "constants",
        "description",
        "file_list",
        "signature",
    ]
    work_changes = [path.removeprefix(f"{WORK}/") for path in changed if path.startswith(WORK)]
    assert [path for path in work_changes if not path.startswith("history/")] == ["signatures.sha1"]
    assert verify(config, out)[0] == 0


# --- guards --------------------------------------------------------------------------------


def test_removing_an_enabled_entry_needs_force_delete(site):
    config, out = site
    remove_entry(config, "SITE_A_ce1")
    before = snapshot(out)
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 1
    assert "enabled entries would be removed: SITE_A_ce1; disable them first" in stderr
    assert snapshot(out) == before
    code, _, stderr = gfactory_run("reconfig", config, "--root", out, "--force-delete")
    assert code == 0, stderr
    assert verify(config, out)[0] == 0


def test_removing_a_disabled_entry_is_allowed(site):
    config, out = site
    remove_entry(config, "SITE_C_arc")
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    assert "warning" not in stderr


def test_renaming_the_glidein_needs_force_rename(site):
    config, out = site
    edit(config, "glideinWMS.xml", 'glidein_name="gfactory_instance"', 'glidein_name="renamed"')
    before = snapshot(out)
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 1
    assert "glidein_name changes from 'gfactory_instance' to 'renamed'" in stderr
    assert "pass --force-rename" in stderr
    assert snapshot(out) == before
    code, _, stderr = gfactory_run("reconfig", config, "--root", out, "--force-rename")
    assert code == 0, stderr


def test_changing_gridtype_or_auth_warns(site):
    config, out = site
    edit(config, SITES, 'auth_method="scitoken"', 'auth_method="grid_proxy"')
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    assert (
        "warning: entry SITE_A_ce1: auth_method changes from 'scitoken' to 'grid_proxy'; "
        "glideins of this entry already submitted or running are affected" in stderr
    )


def test_schedds_stay_sticky_across_reconfigs(site):
    config, out = site
    descript = out / WORK / "entry_SITE_A_ce1" / "job.descript"
    schedd = next(line for line in descript.read_text().splitlines() if line.startswith("Schedd"))
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    assert schedd in descript.read_text().splitlines()


# --- lock ----------------------------------------------------------------------------------


def test_a_held_lock_exits_three_naming_the_pid(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    before = snapshot(out)
    with work_dir_lock(out / WORK):
        code, _, stderr = gfactory_run("reconfig", config, "--root", out)
        gc_code, _, _ = gfactory_run("gc", config, "--root", out)
    assert (code, gc_code) == (3, 3)
    assert f"locked by pid {os.getpid()}" in stderr
    assert snapshot(out) == before


def test_wait_takes_the_lock_when_it_is_released(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with work_dir_lock(out / WORK):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    started = time.monotonic()
    code, _, stderr = gfactory_run("reconfig", config, "--root", out, "--wait")
    thread.join()
    assert code == 0, stderr
    assert time.monotonic() - started >= 0.4
    assert verify(config, out)[0] == 0


def test_two_reconfigs_started_together(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    command = [sys.executable, "-m", "glideinforge", "reconfig", str(config), "--root", str(out)]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(process.wait(120), process.stderr.read()) for process in processes]  # type: ignore[union-attr]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 3]), results
    if codes == [0, 3]:
        assert "locked by pid" in next(text for code, text in results if code == 3)
    assert verify(config, out)[0] == 0
    waiting = [subprocess.Popen([*command, "--wait"]) for _ in range(2)]
    assert [process.wait(120) for process in waiting] == [0, 0]
    assert verify(config, out)[0] == 0


# --- dry run and diff ----------------------------------------------------------------------


def test_dry_run_shows_attrs_submit_lines_and_files(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    edit(config, SITES, '"+xcount" value="8"', '"+xcount" value="4"')
    edit(
        config,
        "config.d/20-cloud.xml",
        'name="CLOUD_ec2_east" auth_method="key_pair+vm_id+vm_type" enabled="True"',
        'name="CLOUD_ec2_east" auth_method="key_pair+vm_id+vm_type" enabled="False"',
    )
    before = snapshot(out)
    code, stdout, _ = gfactory_run("reconfig", config, "--root", out, "--dry-run")
    assert code == 0
    assert snapshot(out) == before
    lines = stdout.splitlines()
    assert "entry CLOUD_ec2_east: disabled" in lines
    assert "entry SITE_A_ce1: changed" in lines
    assert (
        "  attr GLIDEIN_Site: 'SiteA' (string; const,publish,parameter,glidein_publish,job_publish)"
        " -> 'SiteA2' (string; const,publish,parameter,glidein_publish,job_publish)" in lines
    )
    assert "  -+xcount = 8" in lines
    assert "  ++xcount = 4" in lines
    files = sorted(
        re.sub(r"\.[0-9a-f]{10}\.", ".T.", line.split(" ", 1)[1].removeprefix(f"{out}/"))
        for line in lines
        if line.startswith(("create ", "overwrite "))
    )
    assert files == [
        f"{STAGE}/entry_SITE_A_ce1/constants.T.cfg",
        f"{STAGE}/entry_SITE_A_ce1/description.T.cfg",
        f"{STAGE}/entry_SITE_A_ce1/file_list.T.lst",
        f"{STAGE}/entry_SITE_A_ce1/signature.T.sha1",
        f"{WORK}/entry_SITE_A_ce1/attributes.cfg",
        f"{WORK}/entry_SITE_A_ce1/job.condor",
        f"{WORK}/entry_SITE_A_ce1/submit_attrs.cfg",
        f"{WORK}/glidein.descript",  # Entries loses CLOUD_ec2_east
        f"{WORK}/signatures.sha1",
    ]
    assert lines[-1] == "dry run: 9 file(s) would change; nothing written"
    code, stdout, _ = gfactory_run("reconfig", config, "--root", out, "--dry-run", "--json")
    document = json.loads(stdout)
    entries = {change["entry"]: change for change in document["changes"]["entries"]}
    assert entries["CLOUD_ec2_east"]["status"] == "disabled"
    assert entries["SITE_A_ce1"]["attrs"] == [
        {
            "name": "GLIDEIN_Site",
            "old": {
                "value": "SiteA",
                "type": "string",
                "flags": ["const", "publish", "parameter", "glidein_publish", "job_publish"],
            },
            "new": {
                "value": "SiteA2",
                "type": "string",
                "flags": ["const", "publish", "parameter", "glidein_publish", "job_publish"],
            },
        }
    ]
    assert len(document["files"]) == 9


def test_dry_run_reports_guard_errors(site):
    config, out = site
    remove_entry(config, "SITE_A_ce1")
    code, stdout, stderr = gfactory_run("reconfig", config, "--root", out, "--dry-run")
    assert code == 1
    assert "entry SITE_A_ce1: removed" in stdout
    assert "enabled entries would be removed: SITE_A_ce1" in stderr


def test_diff_between_two_configs(tmp_path):
    new_dir = tmp_path / "new"
    copy_example("factory", new_dir)
    new = new_dir / "glideinWMS.xml"
    edit(new, SITES, 'value="SiteA"', 'value="SiteA2"')
    remove_entry(new, "SITE_C_arc")
    code, stdout, _ = gfactory_run("diff", EXAMPLE_FACTORY, new, "--json")
    assert code == 1  # they differ, as diff(1) says
    document = json.loads(stdout)
    assert document["differ"] is True
    entries = {change["entry"]: change["status"] for change in document["changes"]["entries"]}
    assert entries == {"SITE_A_ce1": "changed", "SITE_C_arc": "removed"}
    paths = {item["path"]: item["change"] for item in document["files"]}
    assert paths["work:entry_SITE_A_ce1/attributes.cfg"] == "changed"
    assert paths["work:entry_SITE_C_arc/job.condor"] == "removed"
    code, stdout, _ = gfactory_run("diff", EXAMPLE_FACTORY, EXAMPLE_FACTORY)
    assert code == 0
    assert stdout.splitlines() == [
        "no entry, attr or submit file changes",
        "diff: 0 file(s) differ",
    ]
    code, stdout, _ = gfactory_run("diff", EXAMPLE_FACTORY, EXAMPLE_FACTORY, "--json")
    assert (code, json.loads(stdout)["differ"]) == (0, False)


# --- gc and rollback -----------------------------------------------------------------------


def _age_states(out: Path, days: float) -> None:
    for path in (out / WORK / STATES_DIR).glob("*.json"):
        record = json.loads(path.read_text())
        record["published"] -= days * 86400
        path.write_text(json.dumps(record))


def test_states_read_before_are_taken_as_read_unless_two_differ(site):
    _, out = site
    work = out / WORK
    (state,), _ = load_states(work)
    other = replace(state, version="0.0")  # as if read from a copied record
    assert load_states(work, [other]) == ([other], [])  # taken as read: not read again
    assert load_states(work, [state, other]) == ([state], [])  # which one? read again
    assert load_states(work, [other, state]) == ([state], [])


def test_gc_keeps_retained_states_and_frees_the_rest(site):
    config, out = site
    first_summary = (out / WORK / "signatures.sha1").read_bytes()
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    old_constants = [
        path for path in (out / STAGE / "entry_SITE_A_ce1").glob("constants.*") if path.is_file()
    ]
    assert len(old_constants) == 2
    # Both states are recent: nothing goes.
    code, stdout, _ = gfactory_run("gc", config, "--root", out, "--keep-states", "1")
    assert code == 0
    assert "kept 2 state(s); removed 0 state(s), 0 staged file(s)" in stdout
    _age_states(out, 30)
    before = snapshot(out)
    code, stdout, _ = gfactory_run(
        "gc", config, "--root", out, "--keep-states", "1", "--dry-run", "--json"
    )
    assert code == 0
    assert snapshot(out) == before
    report = json.loads(stdout)
    assert report["files_removed"] == 4
    assert report["bytes_freed"] > 0
    code, stdout, _ = gfactory_run("gc", config, "--root", out, "--keep-states", "1", "--json")
    assert json.loads(stdout)["bytes_freed"] == report["bytes_freed"]
    assert len(list((out / STAGE / "entry_SITE_A_ce1").glob("constants.*"))) == 1
    assert verify(config, out)[0] == 0
    # The first state is gone: rolling back to it fails cleanly, changing nothing.
    before = snapshot(out)
    code, _, stderr = gfactory_run("rollback", config, "--root", out)
    assert code == 1
    assert "no earlier state is recorded" in stderr
    assert snapshot(out) == before
    assert (out / WORK / "signatures.sha1").read_bytes() != first_summary


def test_gc_removes_stage_dirs_of_removed_entries_once_unreferenced(site):
    config, out = site
    remove_entry(config, "SITE_C_arc")
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    assert (out / STAGE / "entry_SITE_C_arc").is_dir()
    assert gfactory_run("gc", config, "--root", out)[0] == 0
    assert (out / STAGE / "entry_SITE_C_arc").is_dir()  # the previous state still needs it
    _age_states(out, 30)
    code, stdout, _ = gfactory_run("gc", config, "--root", out, "--keep-states", "1")
    assert code == 0
    assert "1 stage dir(s)" in stdout
    assert not (out / STAGE / "entry_SITE_C_arc").exists()
    assert verify(config, out)[0] == 0


def test_rollback_restores_the_previous_state(site):
    config, out = site
    work = out / WORK
    first = {
        name: (work / name).read_bytes()
        for name in ("signatures.sha1", "entry_SITE_A_ce1/job.condor")
    }
    edit(config, SITES, '"+xcount" value="8"', '"+xcount" value="4"')
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    assert (work / "entry_SITE_A_ce1/job.condor").read_bytes() != first[
        "entry_SITE_A_ce1/job.condor"
    ]
    code, stdout, stderr = gfactory_run("rollback", config, "--root", out)
    assert code == 0, stderr
    assert "is live again" in stdout
    assert {name: (work / name).read_bytes() for name in first} == first
    assert verify(config, out)[0] == 0
    states, _ = load_states(work)
    code, stdout, _ = gfactory_run("rollback", config, "--root", out, "--list")
    assert stdout.splitlines()[0].endswith("(live)")
    assert stdout.splitlines()[0].startswith(states[0].state_id)
    # Forward again by naming the state.
    code, _, stderr = gfactory_run(
        "rollback", config, "--root", out, "--to", states[1].state_id[:20]
    )
    assert code == 0, stderr
    assert b"+xcount = 4" in (work / "entry_SITE_A_ce1/job.condor").read_bytes()


def test_rollback_names_the_files_that_are_gone(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    states, _ = load_states(out / WORK)
    # Remove every signature file of SITE_A_ce1 the live state does not use.
    live = (out / WORK / "signatures.sha1").read_text()
    gone = [
        path
        for path in (out / STAGE / "entry_SITE_A_ce1").glob("signature.*.sha1")
        if path.name.split(".")[1] not in live
    ]
    assert len(gone) == 1
    gone[0].unlink()
    before = snapshot(out)
    code, _, stderr = gfactory_run("rollback", config, "--root", out, "--to", states[0].state_id)
    assert code == 1
    assert str(gone[0]) in stderr
    assert "cannot be restored" in stderr
    assert snapshot(out) == before


def test_unknown_state_is_a_usage_error_with_a_hint(site):
    config, out = site
    code, _, stderr = gfactory_run("rollback", config, "--root", out, "--to", "1999")
    assert code == 2  # like every name the command line gets wrong
    states, _ = load_states(out / WORK)
    assert stderr == (
        f"gfactory: rollback: 1999: no such state (state names: {states[0].state_id})\n"
    )


# --- upgrade -------------------------------------------------------------------------------


def test_a_state_of_another_version_needs_upgrade(site):
    config, out = site
    for path in (out / WORK / STATES_DIR).glob("*.json"):
        record = json.loads(path.read_text())
        record["version"] = "0.0.1"
        path.write_text(json.dumps(record))
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 1
    assert (
        f"the live state was made by glideinforge 0.0.1 and this is {__version__}: "
        "run `gfactory upgrade`" in stderr
    )
    code, _, stderr = gfactory_run("upgrade", config, "--root", out)
    assert code == 0, stderr
    states, _ = load_states(out / WORK)
    assert states[-1].version == __version__
    before = snapshot(out)
    code, stdout, _ = gfactory_run("upgrade", config, "--root", out)
    assert code == 0
    assert stdout.splitlines()[0].endswith("no changes")
    assert snapshot(out) == before
    code, stdout, _ = gfactory_run("inspect", config, "--root", out, "--json")
    state = json.loads(stdout)["state"]
    assert state.pop("published").endswith(" UTC")
    assert state == {"id": states[-1].state_id, "version": __version__, "live": True}


def test_upgrade_places_the_startup_script_in_the_work_dir_and_at_the_stage_root(
    site, tmp_path, monkeypatch
):
    config, out = site
    script = tmp_path / "glidein_startup.sh"
    script.write_bytes(b"#!/bin/bash\necho startup v2\n")
    monkeypatch.setattr("glideinforge.factory.compile.startup_script", lambda: script)
    code, _, stderr = gfactory_run("upgrade", config, "--root", out)
    assert code == 0, stderr
    for placed in (out / WORK / "glidein_startup.sh", out / STAGE / "glidein_startup.sh"):
        assert placed.read_bytes() == script.read_bytes()
        assert placed.stat().st_mode & 0o777 == 0o755
    assert verify(config, out)[0] == 0
    before = snapshot(out)
    code, stdout, _ = gfactory_run("upgrade", config, "--root", out)
    assert code == 0
    assert stdout.splitlines()[0].endswith("no changes")
    assert snapshot(out) == before
    script.write_bytes(b"#!/bin/bash\necho startup v3\n")
    assert gfactory_run("upgrade", config, "--root", out)[0] == 0
    assert (out / WORK / "glidein_startup.sh").read_bytes() == script.read_bytes()
    # The previous script is part of the previous state: rollback restores it.
    assert gfactory_run("rollback", config, "--root", out)[0] == 0
    for placed in (out / WORK / "glidein_startup.sh", out / STAGE / "glidein_startup.sh"):
        assert placed.read_bytes() == b"#!/bin/bash\necho startup v2\n"


def test_the_lock_is_taken_before_the_configuration_is_even_loaded(site, monkeypatch):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    loaded = []
    monkeypatch.setattr(factory_load, "read_merged_tree", lambda *args, **_: loaded.append(args))
    with work_dir_lock(out / WORK):
        code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 3, stderr
    assert loaded == []


def test_deleting_the_lock_folder_while_held_admits_no_second_writer(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    before = snapshot(out)
    with work_dir_lock(out / WORK):
        shutil.rmtree(out / WORK / "lock")
        code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 3, stderr
    assert snapshot(out) == before


def test_a_first_publish_waits_for_the_lock_of_a_work_dir_not_made_yet(tmp_path):
    config = copy_example("factory", tmp_path / "cfg") / "glideinWMS.xml"
    out = tmp_path / "out"
    (out / WORK).parent.mkdir(parents=True)
    with work_dir_lock(out / WORK):  # holds the nearest existing parent
        code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 3, stderr
    assert not (out / WORK).exists()
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0


def test_state_records_are_read_oldest_first(site):
    config, out = site
    edit(config, SITES, 'value="SiteA"', 'value="SiteA2"')
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    directory = out / WORK / STATES_DIR
    (directory / "notes.txt").write_text("not a record")
    states, problems = load_states(out / WORK)
    assert [f"{state.state_id}.json" for state in states] == sorted(
        path.name for path in directory.glob("*.json")
    )
    assert len(states) == 2
    assert problems == []
    (directory / "zz-broken.json").write_text("{")
    assert load_states(out / WORK)[1] == [
        f"{directory / 'zz-broken.json'}: unreadable state record: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    ]


def test_the_fast_paths_read_the_newest_record_of_the_live_summary(site):
    # After a rollback two records name the live summary: the newest one holds the fast paths.
    _, out = site
    work = out / WORK
    (live,) = (out / WORK / STATES_DIR).glob("*.json")
    record = json.loads(live.read_text())
    for stamp, content in (
        ("20990101T000000.000000Z", b"newer"),
        ("20000101T000000.000000Z", b"x"),
    ):
        store_bytes(work, content)
        copy = dict(record, state=f"{stamp}-{record['digest'][:10]}")
        copy["fast_paths"] = dict(record["fast_paths"], fingerprint=sha1_hex(content))
        (work / STATES_DIR / f"{copy['state']}.json").write_text(json.dumps(copy))
    assert read_fast_path(work, "fingerprint") == b"newer"


def test_work_files_are_kept_once_by_link_or_copied_where_links_fail(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    one, two, other = work / "one.cfg", work / "two.cfg", work / "other.cfg"
    one.write_bytes(b"same\n")
    two.write_bytes(b"same\n")
    other.write_bytes(b"other\n")
    same, different = sha1_hex(b"same\n"), sha1_hex(b"other\n")
    # Two files of one content: one object, a link to the first.
    assert store_files(work, [(str(one), same), (str(two), same)]) == [object_path(work, same)]
    assert object_path(work, same).samefile(one)
    assert store_files(work, [(str(two), same)]) == []  # kept already

    def no_links(*_: object) -> None:
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    # Without hard links a new object is a copy; one kept already is left as it is.
    assert store_files(work, [(str(other), different), (str(two), same)]) == [
        object_path(work, different)
    ]
    assert object_path(work, different).read_bytes() == b"other\n"
    assert not object_path(work, different).samefile(other)
    assert object_path(work, same).samefile(one)

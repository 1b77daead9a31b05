"""Compile cases beyond the example: grid types, entry sets, base_dir tarballs, schedds."""

from __future__ import annotations

import io
import os
import tarfile
import time
from importlib.resources import files
from pathlib import Path

import pytest
from lxml import etree
from zlib_ng import gzip_ng

from glideinforge.creation.lib import condor_submit
from glideinforge.creation.lib.condor_submit import submit_file_errors
from glideinforge.creation.lib.condor_tarball import pack_condor_base_dir
from glideinforge.creation.lib.manifest import MANIFEST
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.factory import load as load_module
from glideinforge.factory import release_packer
from glideinforge.factory.load import load_factory
from glideinforge.factory.release_packer import ReleasePacker
from glideinforge.factory.schedds import assign_schedds

from compile_helpers import compiled, gfactory_run
from conftest import factory_xml

GRIDTYPES = {
    "condor": (
        'gridtype="condor" auth_method="scitoken+project_id"',
        ['+ProjectName = "$ENV(GLIDEIN_PROJECT_ID)"', '+TransferOutput = ""'],
    ),
    "batch pbs": (
        'gridtype="batch pbs" gatekeeper="u@pbs.example.org"',
        [
            "Grid_Resource = batch pbs $ENV(GRID_RESOURCE_OPTIONS)  $ENV(GLIDEIN_REMOTE_USERNAME)@pbs.example.org"
        ],
    ),
    "batch condor": (
        'gridtype="batch condor" gatekeeper="u@h" bosco_dir="b"',
        [
            "Grid_Resource = batch condor $ENV(GRID_RESOURCE_OPTIONS) --rgahp-glite ~/b/glite $ENV(GLIDEIN_REMOTE_USERNAME)@h"
        ],
    ),
    "arc": (
        'gridtype="arc" auth_method="scitoken"',
        ['+SciTokensFile = "$ENV(SCITOKENS_FILE:)"', "x509UserProxy = $ENV(X509_USER_PROXY:)"],
    ),
    "nordugrid": ('gridtype="nordugrid" rsl="(queue=q)"', ["nordugrid_rsl = $ENV(GLIDEIN_RSL)"]),
    "cream": (
        'gridtype="cream" rsl="WholeNodes = False"',
        ["cream_attributes = $ENV(GLIDEIN_RSL)"],
    ),
    "ec2": (
        'gridtype="ec2" auth_method="key_pair+vm_id+vm_type" vm_id="ami-1" vm_type="m5"',
        ["ec2_ami_id = $ENV(IMAGE_ID)", "Arguments = $ENV(GLIDEIN_ARGUMENTS)"],
    ),
    "gce": (
        'gridtype="gce" auth_method="auth_file+vm_id+vm_type"',
        [
            "Grid_Resource = gce g.example.org $ENV(GRID_RESOURCE_OPTIONS)",
            "gce_metadata_file = $ENV(GLIDEIN_PROXY_FNAME)",
        ],
    ),
}


@pytest.mark.parametrize("gridtype", GRIDTYPES)
def test_every_grid_type_gets_a_submit_file_htcondor_accepts(make_config, tmp_path, gridtype):
    attributes, expected_lines = GRIDTYPES[gridtype]
    if "gatekeeper=" not in attributes:
        attributes += ' gatekeeper="g.example.org"'
    entry = (
        f'<entry name="E1" {attributes}><config><submit><submit_attrs>'
        '<submit_attr name="+Extra" value="&quot;x&quot;"/></submit_attrs></submit></config></entry>'
    )
    config = make_config(factory_xml(entries=entry))
    plan = compiled(config.main, tmp_path)
    submit = next(
        file for file in plan.work_files if file.relpath == "entry_E1/job.condor"
    ).content.decode()
    assert submit_file_errors(submit) == []
    lines = submit.splitlines()
    for line in expected_lines:
        assert line in lines, (gridtype, line)
    assert lines[-1] == "Queue $ENV(GLIDEIN_COUNT)"
    assert ("Arguments = $ENV(GLIDEIN_ARGUMENTS)" in lines) is (gridtype != "gce")
    submitted = gridtype.startswith("batch ") or gridtype in ("condor", "gce", "ec2", "arc")
    assert ('+Extra = "x"' in lines) is submitted


def test_entry_set_writes_one_submit_file_per_member(make_config, tmp_path):
    entry_sets = """<entry_sets><entry_set alias="SET" auth_method="grid_proxy">
        <config><entry_selection algorithm_name="Default"/></config>
        <attrs><attr name="GLIDEIN_Site" value="SetSite"/></attrs>
        <entries>
          <entry name="M1" gatekeeper="ce1.example.org ce1.example.org:9619"/>
          <entry name="M2" gatekeeper="ce2.example.org ce2.example.org:9619"/>
        </entries></entry_set></entry_sets>"""
    config = make_config(factory_xml(extra=entry_sets))
    plan = compiled(config.main, tmp_path)
    names = sorted(
        file.relpath for file in plan.work_files if file.relpath.startswith("entry_SET/job.")
    )
    assert names == ["entry_SET/job.M1.condor", "entry_SET/job.M2.condor", "entry_SET/job.descript"]
    m2 = next(
        file for file in plan.work_files if file.relpath == "entry_SET/job.M2.condor"
    ).content.decode()
    assert m2.startswith("# File: job.M2.condor\n")
    assert "Grid_Resource = condor ce2.example.org ce2.example.org:9619" in m2
    descript = next(
        file for file in plan.work_files if file.relpath == "entry_SET/job.descript"
    ).content.decode()
    assert "Gatekeeper \tce1.example.org ce1.example.org:9619\n" in descript
    assert "EntrySelectionAlgorithm \tDefault\n" in descript
    assert "EntryVMId" not in descript  # no literal None values, unlike GlideinWMS
    assert plan.factory.entry("SET").is_set


def _fake_condor(base: Path) -> Path:
    for name in (
        "sbin/condor_master",
        "sbin/condor_startd",
        "sbin/condor_starter",
        "lib/condor/libx.so",
        "libexec/condor/condor_ssh_to_job_sshd_setup",
    ):
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/sh\n# {name}\n")
    return base


def test_base_dir_tarballs_pack_reproducibly(tmp_path):
    base = _fake_condor(tmp_path / "condor")
    pack_condor_base_dir(base, tmp_path / "a.tgz")
    (base / "sbin" / "condor_master").touch()  # a new mtime changes nothing
    pack_condor_base_dir(base, tmp_path / "b.tgz")
    assert (tmp_path / "a.tgz").read_bytes() == (tmp_path / "b.tgz").read_bytes()
    with tarfile.open(tmp_path / "a.tgz") as tar:
        assert tar.getnames() == [
            "sbin/condor_master",
            "sbin/condor_startd",
            "sbin/condor_starter",
            "lib/condor/libx.so",
            "libexec/condor_ssh_to_job_sshd_setup",
        ]
        assert {member.mtime for member in tar.getmembers()} == {0}


def test_base_dir_tarballs_are_gzip_level_6(tmp_path):
    # Level 9 (tarfile's default) costs twice the time on HTCondor's binaries for 0.4 %.
    base = _fake_condor(tmp_path / "condor")
    (base / "lib" / "condor" / "libx.so").write_bytes(
        b"".join(b"%d symbol\n" % n for n in range(9999))
    )
    pack_condor_base_dir(base, tmp_path / "a.tgz")
    packed = (tmp_path / "a.tgz").read_bytes()
    assert packed[:4] == b"\x1f\x8b\x08\x00" and packed[8] == 0  # XFL: neither best nor fastest
    with tarfile.open(tmp_path / "a.tgz") as tar:
        raw = b"".join(
            tar.extractfile(member).read() for member in tar.getmembers() if member.isfile()
        )
    tarred = io.BytesIO()
    with tarfile.open(tmp_path / "a.tgz") as tar, tarfile.open(fileobj=tarred, mode="w") as copy:
        for member in tar.getmembers():
            copy.addfile(member, tar.extractfile(member))
    assert b"9998 symbol" in raw
    assert len(packed) == len(gzip_ng.compress(tarred.getvalue(), 6, mtime=0))


def test_base_dir_tarball_is_staged_and_mapped(make_config, tmp_path):
    base = _fake_condor(tmp_path / "condor")
    config = make_config(
        factory_xml(tarballs=f'<condor_tarball base_dir="{base}" version="23.0,default"/>')
    )
    plan = compiled(config.main, tmp_path / "out")
    descript = next(
        file for file in plan.work_files if file.relpath == "glidein.descript"
    ).content.decode()
    assert (
        f"CondorTarballDirMap \t{{'{base}': '{plan.factory.stage.base_dir}/condor_bin_0."
        in descript
    )
    main = plan.stage_directory("main")
    rows = [row for row in main.lists["file_list"] if row.key.startswith("condor_bin_")]
    assert [row.key for row in rows] == [
        "condor_bin_23.0-default-default.tgz",
        "condor_bin_default-default-default.tgz",
    ]
    assert len({row.staged_name for row in rows}) == 1


@pytest.mark.usefixtures("single_threaded")
def test_a_release_starts_packing_as_its_file_parses_and_once_for_two_tarballs(
    make_config, tmp_path, monkeypatch
):
    base = _fake_condor(tmp_path / "condor")
    built, started = [], []
    original_build, original_start = load_module.build_checked, ReleasePacker.start
    monkeypatch.setattr(
        load_module, "build_checked", lambda check: built.append(1) or original_build(check)
    )
    monkeypatch.setattr(
        ReleasePacker,
        "start",
        lambda self, path: started.append((path, bool(built))) or original_start(self, path),
    )
    packs = _record_packs(monkeypatch, tmp_path / "packs")
    config = make_config(
        factory_xml(
            tarballs=f'<condor_tarball base_dir="{base}" version="23.0,default" os="rhel8,default"/>'
            f'<condor_tarball base_dir="{base}" version="23.0" os="rhel9"/>'
        )
    )
    code, _, stderr = gfactory_run("reconfig", config.main, "--root", tmp_path / "out")
    assert code == 0, stderr
    assert started[0] == (base, False)  # named by the parsed file, before the model is built
    ((packed, packer),) = packs()  # one pack for both tarballs
    assert packed == base
    assert packer != os.getpid()  # beside this process, not in its threads
    stage = next((tmp_path / "out").rglob("stage/**/signature*.sha1")).parent
    staged = sorted(stage.glob("condor_bin_*.tgz"))  # one per tarball, as GlideinWMS stages
    assert len(staged) == 2
    assert staged[0].read_bytes() == staged[1].read_bytes()


def _record_packs(monkeypatch, record: Path, *, hang: Path | None = None):
    """Record each pack (its tree and its process) in ``record``; return how to read them.

    A pack of ``hang`` waits (a minute at most) instead of packing.
    """
    original = release_packer.pack_condor_base_dir

    def recording(base_dir: Path, target: Path) -> None:
        with record.open("a") as lines:
            lines.write(f"{base_dir}\t{os.getpid()}\n")
        if base_dir == hang:
            time.sleep(60)
        original(base_dir, target)

    monkeypatch.setattr(release_packer, "pack_condor_base_dir", recording)

    def packs() -> list[tuple[Path, int]]:
        lines = record.read_text().splitlines() if record.exists() else []
        return [(Path(path), int(pid)) for path, pid in (line.split("\t") for line in lines)]

    return packs


def _wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def _ended(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.usefixtures("single_threaded")
def test_a_pack_the_model_does_not_name_is_stopped(tmp_path, monkeypatch):
    kept, dropped = _fake_condor(tmp_path / "kept"), _fake_condor(tmp_path / "dropped")
    packs = _record_packs(monkeypatch, tmp_path / "packs", hang=dropped)
    started = time.monotonic()
    with ReleasePacker(tmp_path, {}, DigestCache()) as packer:
        packer.start(kept)
        packer.start(dropped)
        assert _wait_for(lambda: len(packs()) == 2)
        packer.keep_only({kept})
        with tarfile.open(packer.packed(kept).path) as tar:
            assert tar.getnames()[0] == "sbin/condor_master"
    assert time.monotonic() - started < 30  # the dropped pack did not run its minute
    assert all(_ended(pid) for _, pid in packs())
    with pytest.raises(ChildProcessError):  # every child was reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.usefixtures("single_threaded")
def test_a_pack_that_fails_in_its_child_says_why_once(make_config, tmp_path, monkeypatch):
    base = _fake_condor(tmp_path / "condor")
    packs = _record_packs(monkeypatch, tmp_path / "packs")
    recording = release_packer.pack_condor_base_dir

    def failing(base_dir: Path, target: Path) -> None:
        recording(base_dir, target)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(release_packer, "pack_condor_base_dir", failing)
    config = make_config(factory_xml(tarballs=f'<condor_tarball base_dir="{base}"/>'))
    code, _, stderr = gfactory_run("reconfig", config.main, "--root", tmp_path / "out")
    assert code == 1
    assert (
        "/glidein/condor_tarballs/condor_tarball[1]: cannot pack HTCondor from base_dir: "
        "[Errno 28] No space left on device" in stderr
    )
    ((packed, packer),) = packs()  # packed once, in a child: not again here to find out why
    assert (packed, packer != os.getpid()) == (base, True)


def test_only_a_directory_holding_htcondor_starts_packing_as_it_parses(tmp_path, monkeypatch):
    release = _fake_condor(tmp_path / "condor")
    stamped = []
    monkeypatch.setattr(
        release_packer, "run_tree_stamp", lambda path, _digests: stamped.append(path) or "tree"
    )
    monkeypatch.setattr(release_packer, "pack_condor_base_dir", lambda *_a, **_k: None)
    file = etree.fromstring(
        "<glidein><condor_tarballs>"
        '<condor_tarball base_dir="/"/>'
        f'<condor_tarball base_dir="{tmp_path}"/>'
        f'<condor_tarball base_dir="{release}" tar_file="x.tgz"/>'
        f'<condor_tarball base_dir="{release}"/>'
        "</condor_tarballs></glidein>"
    )
    with ReleasePacker(tmp_path, {}, DigestCache()) as packer:
        packer.start_parsed("glideinWMS.xml", b"", file)
    assert stamped == [str(release)]


@pytest.mark.usefixtures("single_threaded")
def test_an_invalid_configuration_stops_the_packing_it_started(make_config, tmp_path, monkeypatch):
    base = _fake_condor(tmp_path / "condor")
    packs = _record_packs(monkeypatch, tmp_path / "packs", hang=base)
    config = make_config(
        factory_xml(
            tarballs=f'<condor_tarball base_dir="{base}"/>',
            attrs='<attr name="X" type="nonsense" value="1"/>',
        )
    )
    forks = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(fork()) or forks[-1])
    started = time.monotonic()
    code, _, stderr = gfactory_run("reconfig", config.main, "--root", tmp_path / "out")
    assert code == 1
    assert "nonsense" in stderr
    assert time.monotonic() - started < 30  # the pack did not run its minute
    assert len(forks) == 1 and forks[0] > 0  # the pack started, in a child
    assert _ended(forks[0])
    with pytest.raises(ChildProcessError):  # and was reaped
        os.waitpid(-1, os.WNOHANG)
    assert all(pid == forks[0] for _, pid in packs())
    assert not (tmp_path / "out").exists()


def test_a_compile_parses_each_submit_attribute_value_once(make_config, tmp_path, monkeypatch):
    entries = "".join(
        f'<entry name="E{number}" gatekeeper="ce{number}.example.org ce:9619" gridtype="condor">'
        "<config><submit><submit_attrs>"
        f'<submit_attr name="+Shared" value="2 * 3"/><submit_attr name="+Own" value="{number}"/>'
        "</submit_attrs></submit></config></entry>"
        for number in range(5)
    )
    parsed = []
    original = condor_submit.classad_error
    monkeypatch.setattr(
        condor_submit, "classad_error", lambda value: parsed.append(value) or original(value)
    )
    plan = compiled(make_config(factory_xml(entries=entries)).main, tmp_path / "out")
    submit_files = [
        file.content.decode() for file in plan.work_files if file.relpath.endswith("job.condor")
    ]
    assert len(submit_files) == 5
    assert all("+Shared = 2 * 3\n" in text for text in submit_files)
    assert sorted(parsed) == sorted(set(parsed))  # each distinct value once
    assert {"2 * 3", "0", "1", "2", "3", "4"} <= set(parsed)


def test_missing_condor_binary_in_base_dir_is_reported(make_config, tmp_path):
    config = make_config(
        factory_xml(tarballs=f'<condor_tarball base_dir="{tmp_path / "nothing"}"/>')
    )
    result = config.check()
    assert [item.code for item in result.errors] == ["host.condor_base_dir"]


def test_schedds_are_sticky_and_new_entries_go_to_the_least_loaded(make_config):
    entries = "".join(f'<entry name="E{i}" gatekeeper="g"/>' for i in range(4))
    config = make_config(factory_xml(root_attrs='schedd_name="s1,s2,s3"', entries=entries))
    factory = load_factory(config.main).factory
    assert assign_schedds(factory, {}) == {"E0": "s1", "E1": "s2", "E2": "s3", "E3": "s1"}
    assert assign_schedds(factory, {"E0": "s3", "E1": "s3", "E2": "gone"}) == {
        "E0": "s3",
        "E1": "s3",
        "E2": "s1",
        "E3": "s2",
    }


def test_schedds_are_read_back_from_the_work_dir(make_config, tmp_path):
    entries = '<entry name="A" gatekeeper="g"/>'
    config = make_config(factory_xml(root_attrs='schedd_name="s1,s2"', entries=entries))
    root = tmp_path / "out"
    assert gfactory_run("reconfig", config.main, "--root", root)[0] == 0
    descript = next(root.rglob("entry_A/job.descript"))
    descript.write_text(descript.read_text().replace("Schedd \ts1", "Schedd \ts2"))
    plan = compiled(config.main, root)
    assert plan.schedds == {"A": "s1"}  # compiled() alone knows no previous state
    assert gfactory_run("reconfig", config.main, "--root", root)[0] == 0
    assert "Schedd \ts2\n" in descript.read_text()


def test_manifest_lists_only_files_that_exist_in_web_base():
    manifest = MANIFEST
    web_base = files("glideinforge.creation.web_base")
    for layout in (manifest.main, manifest.entry):
        for rows in layout.values():
            for row in rows:
                if row.kind == "file":
                    assert web_base.joinpath(row.name).is_file(), row.name
                assert row.kind in ("file", "generated", "slot")


def test_server_credentials_go_into_the_submit_file_when_present_and_not_empty(
    make_config, tmp_path
):
    entries = "".join(
        f'<entry name="{name}" gatekeeper="ce.example.org ce.example.org:9619"/>'
        for name in ("E1", "E2", "E3")
    )
    config = make_config(factory_xml(entries=entries))
    factory = load_factory(config.main).factory
    assert factory is not None
    root = tmp_path / "out"
    credentials = root / str(factory.submit.base_dir.parent).lstrip("/") / "server-credentials"
    (credentials / "entry_E1").mkdir(parents=True)
    (credentials / "entry_E1" / "tokens.tgz").write_bytes(b"tokens")
    (credentials / "entry_E1" / "url_dirs.desc").write_bytes(b"urls")
    (credentials / "entry_E2").mkdir()
    (credentials / "entry_E2" / "tokens.tgz").write_bytes(b"")  # empty: left out
    (credentials / "entry_E2" / "url_dirs.desc").mkdir()  # not a file: left out
    (credentials / "not_an_entry").mkdir()
    submit = {
        file.relpath.split("/")[0]: file.content.decode()
        for file in compiled(config.main, root).work_files
        if file.relpath.endswith("job.condor")
    }
    inputs = {
        entry: next(line for line in text.splitlines() if line.startswith("transfer_Input_files"))
        for entry, text in submit.items()
    }
    assert inputs["entry_E1"] == (
        "transfer_Input_files = $ENV(IDTOKENS_FILE:),"
        f"{credentials}/entry_E1/url_dirs.desc,{credentials}/entry_E1/tokens.tgz"
    )
    assert f"JOB_TOKENS='{credentials}/entry_E1/tokens.tgz'" in submit["entry_E1"]
    assert inputs["entry_E2"] == inputs["entry_E3"] == "transfer_Input_files = $ENV(IDTOKENS_FILE:)"
    assert "JOB_TOKENS" not in submit["entry_E2"] + submit["entry_E3"]

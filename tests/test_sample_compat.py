"""Compile the config GlideinWMS compiled and compare with what it wrote, line by line.

Compared modulo version suffixes, the absolute paths, and GlideinWMS's own
shipped scripts (ours are our own): rows and lines that name a file GlideinWMS
ships in its web_base are dropped from its side before comparing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from compile_helpers import compiled, gfactory_run, normalized
from conftest import REPO, STAND_IN_TARBALL

SAMPLE = REPO.parent / "shared" / "reference" / "samples" / "glideinwms-3.10-output"
pytestmark = pytest.mark.skipif(
    not SAMPLE.is_dir(), reason="shared/ reference samples are not next to the repository"
)
GENERATED_KEYS = {
    "constants.cfg",
    "condor_vars.lst",
    "untar.cfg",
    "grid-mapfile",
    "nodes.blacklist",
}
ENTRIES = ("SITE_A_ce1", "SITE_B_slurm", "SITE_C_arc")


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    files = root / "input"
    files.mkdir()
    (files / "motd.txt").write_text("hello\n")
    (files / "site_check.sh").write_text("#!/bin/sh\nexit 0\n")
    (files / "mytool.tgz").write_bytes(b"stand-in tarball")
    (files / "condor.tgz").write_bytes(STAND_IN_TARBALL)
    text = (SAMPLE / "config" / "glideinWMS.xml").read_text()
    text = text.replace("/srv/gfactory/files/", f"{files}/").replace(
        "/srv/gfactory/condor/", f"{files}/"
    )
    config = root / "glideinWMS.xml"
    config.write_text(text)
    return compiled(config, root / "out"), root / "out"


def _ours(plan, relpath_prefix: str, key: str) -> list[str]:
    compiled_factory, _ = plan
    directory = compiled_factory.stage_directory(key)
    matches = [
        file
        for file in directory.files
        if normalized(file.relpath.split("/")[-1]) == relpath_prefix
    ]
    assert len(matches) == 1, relpath_prefix
    return _normal_lines(matches[0].content.decode("latin-1"))


def _normal_lines(text: str, root: Path | None = None) -> list[str]:
    if root is not None:
        text = text.replace(str(root), "/srv/gfactory").replace(
            "/srv/gfactory/var/lib/gwms-factory", "/srv/gfactory"
        )
    return [normalized(line) for line in text.splitlines()]


def _theirs(relpath: str) -> list[str]:
    return _normal_lines((SAMPLE / relpath).read_text(encoding="latin-1"))


@pytest.mark.parametrize("key", ["main", *(f"entry_{name}" for name in ENTRIES)])
@pytest.mark.parametrize("name", ["constants.T.cfg", "untar.T.cfg"])
def test_dictionaries_match(plan, key, name):
    directory = "" if key == "main" else f"{key}/"
    theirs = _theirs(f"stage/{directory}{name.replace('.T.', '.qblb9p.')}")
    assert _ours(plan, name, key) == theirs


@pytest.mark.parametrize("key", [f"entry_{name}" for name in ENTRIES])
def test_entry_condor_vars_match(plan, key):
    assert _ours(plan, "condor_vars.T.lst", key) == _theirs(f"stage/{key}/condor_vars.qblb9p.lst")


def test_grid_mapfile_matches(plan):
    assert _ours(plan, "grid-mapfile.T", "main") == _theirs("stage/grid-mapfile.qblb9p")


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("main", name)
        for name in ("file_list", "precvmfs_file_list", "at_file_list", "after_file_list")
    ]
    + [(f"entry_{entry}", "file_list") for entry in ENTRIES],
)
def test_file_lists_match_row_for_row(plan, key, name):
    """Every row GlideinWMS writes, shipped scripts and htchirp.tar.gz included, in order.

    One comment line is ours alone: the third, the glidein's download cap
    (GlideinWMS's glidein skips comment lines).
    """
    ours = _ours(plan, f"{name}.T.lst", key)
    directory = "" if key == "main" else f"{key}/"
    theirs = _theirs(f"stage/{directory}{name}.qblb9p.lst")
    assert re.fullmatch(r"# Largest file: [0-9]+ bytes", ours.pop(2))
    assert ours == theirs


def test_main_description_matches(plan):
    ours = _ours(plan, "description.T.cfg", "main")
    assert ours == _theirs("stage/description.qblb9p.cfg")


def test_signature_files_sign_the_same_files_in_the_same_order(plan):
    shipped = {line.split("  ")[1] for line in _theirs("stage/signature.qblb9p.sha1")[2:]}
    ours = [line.split("  ")[1] for line in _ours(plan, "signature.T.sha1", "main")[2:]]
    theirs_order = [line.split("  ")[1] for line in _theirs("stage/signature.qblb9p.sha1")[2:]]
    ours_set = set(ours)
    assert ours == [name for name in theirs_order if name in ours_set]
    assert ours_set <= shipped | {"condor_bin_0.T.tgz"}
    for entry in ENTRIES:
        ours_entry = [
            line.split("  ")[1] for line in _ours(plan, "signature.T.sha1", f"entry_{entry}")[2:]
        ]
        theirs_entry = [
            line.split("  ")[1]
            for line in _theirs(f"stage/entry_{entry}/signature.qblb9p.sha1")[2:]
        ]
        assert ours_entry == [name for name in theirs_entry if name in set(ours_entry)]


WORK_FILES = [
    "glidein.descript",
    "frontend.descript",
    "attributes.cfg",
    "params.cfg",
    "submit_attrs.cfg",
    "cvmfsexec.cfg",
    *(
        f"entry_{entry}/{name}"
        for entry in ENTRIES
        for name in (
            "job.descript",
            "attributes.cfg",
            "params.cfg",
            "submit_attrs.cfg",
            "infosys.descript",
            "job.condor",
        )
    ),
]


@pytest.mark.parametrize("relpath", WORK_FILES)
def test_work_dir_files_match(plan, relpath):
    compiled_factory, root = plan
    ours = next(file for file in compiled_factory.work_files if file.relpath == relpath)
    text = ours.content.decode("latin-1")
    text = text.replace(str(root / "var/log/gwms-factory/client"), "/srv/gfactory/log/client")
    text = text.replace(str(root / "var/log/gwms-factory/server"), "/srv/gfactory/log/server")
    text = text.replace(
        str(root / "var/lib/gwms-factory/client-proxies"), "/srv/gfactory/client-proxies"
    )
    text = text.replace(str(root / "srv/gfactory"), "/srv/gfactory")
    assert [normalized(line) for line in text.splitlines()] == _theirs(f"work-dir/{relpath}")


def test_signatures_summary_has_the_same_keys_and_order(plan):
    compiled_factory, _ = plan
    ours = [
        line.split("  ")[1:]
        for line in _normal_lines(compiled_factory.summary.content.decode())[2:]
    ]
    theirs = [line.split("  ")[1:] for line in _theirs("work-dir/signatures.sha1")[2:]]
    assert ours == theirs


def test_verify_accepts_glideinwms_staging_and_names_only_the_omitted_files(tmp_path):
    stage = tmp_path / "stage"
    shutil.copytree(SAMPLE / "stage", stage)
    code, _, stderr = gfactory_run(
        "verify", "--stage", stage, "--signatures", SAMPLE / "work-dir" / "signatures.sha1"
    )
    assert code == 1
    problems = stderr.splitlines()[:-1]
    assert all("listed file is missing (expected " in line for line in problems)
    missing = {Path(line.split(":")[0]) for line in problems}
    # The sample leaves out GlideinWMS's scripts, the main condor_vars and the tarball (its README).
    assert {
        stage / "error_gen.qblb9p.sh",
        stage / "condor_vars.qblb9p.lst",
        stage / "condor_bin_0.69b083.tgz",
        stage / "entry_SITE_A_ce1" / "cat_consts.qblb9p.sh",
    } <= missing
    assert not any(path.exists() for path in missing)
    assert len(missing) == len(problems) == 48

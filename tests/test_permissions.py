"""Modes of everything published: the umask is respected, nothing is writable by others.

A red-team run found files forced to 0644 whatever the umask, and under
umask 000 directories at 0777 and the entries record (which
incremental reconfig trusts) at 0666.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from glideinforge.tools import gfrontend

from compile_helpers import gfactory_run, live_state_file
from conftest import copy_example

WORK = "var/lib/gwms-factory/work-dir"
STAGE = "var/lib/gwms-factory/web-area/stage"


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(root: Path) -> dict[str, int]:
    """The permission bits of every file and directory under ``root`` (links skipped)."""
    return {
        str(path.relative_to(root)): stat.S_IMODE(path.lstat().st_mode)
        for path in root.rglob("*")
        if not path.is_symlink()
    }


def _publish_factory(tmp_path: Path, mask: int) -> Path:
    config = copy_example("factory", tmp_path / "cfg") / "glideinWMS.xml"
    out = tmp_path / "out"
    with umask(mask):
        code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    return out


def test_a_permissive_umask_makes_nothing_writable_by_group_or_others(tmp_path):
    out = _publish_factory(tmp_path, 0o000)
    modes = _modes(out)
    writable = {path: f"{mode:o}" for path, mode in modes.items() if mode & 0o022}
    assert writable == {}
    # The state record and its objects, the fast paths' records among them.
    state = live_state_file(out / Path(WORK))
    assert modes[str(state.relative_to(out))] == 0o644
    fast_paths = json.loads(state.read_bytes())["fast_paths"]
    assert sorted(fast_paths) == ["entries", "fingerprint"]
    for sha1 in fast_paths.values():
        assert modes[f"{WORK}/history/objects/{sha1[:2]}/{sha1}"] == 0o444
    assert modes[f"{WORK}/signatures.sha1"] == 0o644
    assert modes[f"{WORK}/rsa.key"] == 0o600
    assert modes[STAGE] == 0o755
    assert modes[f"{STAGE}/glidein_startup.sh"] == 0o755
    assert modes["var"] == 0o755  # parents made on the way too


def test_a_strict_umask_is_respected(tmp_path):
    out = _publish_factory(tmp_path, 0o027)
    modes = _modes(out)
    assert modes[STAGE] == 0o750
    assert modes[f"{STAGE}/glidein_startup.sh"] == 0o750
    staged = {mode for path, mode in modes.items() if path.startswith(f"{STAGE}/entry_")}
    assert staged <= {0o750, 0o640}
    assert 0o640 in staged
    assert all(mode & 0o007 == 0 for mode in modes.values())


def test_frontend_output_under_a_permissive_umask(tmp_path):
    config = copy_example("frontend", tmp_path / "cfg") / "frontend.xml"
    out = tmp_path / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with umask(0o000):
        code = gfrontend.run(["reconfig", str(config), "--root", str(out)], stdout, stderr)
    assert code == 0, stderr.getvalue()
    writable = {path: f"{mode:o}" for path, mode in _modes(out).items() if mode & 0o022}
    assert writable == {}


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_rollback_restores_files_within_the_umask(tmp_path, mask):
    out = _publish_factory(tmp_path, 0o022)
    config = tmp_path / "cfg" / "glideinWMS.xml"
    sites = config.parent / "config.d" / "10-sites.xml"
    sites.write_text(sites.read_text().replace('value="SiteA"', 'value="SiteA2"', 1))
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    with umask(mask):
        code, _, stderr = gfactory_run("rollback", config, "--root", out)
    assert code == 0, stderr
    writable = {path: f"{mode:o}" for path, mode in _modes(out).items() if mode & 0o022}
    assert writable == {}

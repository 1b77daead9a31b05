"""GlideinWMS's daemons run on glideinforge's work dirs and read what its own reconfig writes.

For GlideinWMS's own fixtures and the shipped examples: both tools accept the
configuration, GlideinWMS's factory daemon classes load glideinforge's work dir
with no error (``rsa.key`` included), and every value they read equals what
they read from GlideinWMS's own work dir for the same configuration, output
paths, versioned names and stage signatures aside. The frontend daemon classes
load glideinforge's frontend work dirs with no error.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from glideinforge.frontend.load import load_frontend
from glideinforge.tools import gfrontend

from conftest import EXAMPLE_FACTORY, REPO, run_gfactory
from oracle import (
    FIXTURE_FACTORY,
    FIXTURE_FRONTENDS,
    UNITTESTS,
    accepts_factory,
    accepts_frontend,
    load_factory_workdir,
    load_frontend_workdir,
    our_work_dir,
    publish_factory,
    requires_oracle,
)

pytestmark = requires_oracle
sys.path.insert(0, str(REPO / "benchmarks"))
from make_production_factory import write_factory  # noqa: E402 - found through the path above

FACTORIES = {"GlideinWMS fixture": (FIXTURE_FACTORY, UNITTESTS), "example": (EXAMPLE_FACTORY, REPO)}
FRONTENDS = {
    **{f"GlideinWMS fixture {path.parent.name}": (path, UNITTESTS) for path in FIXTURE_FRONTENDS},
    "example": (REPO / "examples" / "frontend" / "frontend.xml", REPO),
}
_VERSIONED = re.compile(r"\.(?:[0-9a-f]{10}|[0-9A-Za-z]{6})\.(cfg|tgz|lst|sh|sha1)\b")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


def _normalized(value: Any, places: dict[str, str]) -> Any:
    """``value`` with output paths named by their role and versioned names made plain."""
    if isinstance(value, dict):
        return {key: _normalized(item, places) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalized(item, places) for item in value]
    if not isinstance(value, str):
        return value
    for path, role in sorted(places.items(), key=lambda item: -len(item[0])):
        value = value.replace(path, role)
    return _VERSIONED.sub(r".T.\1", value)


def _places(work: Path, descript: dict[str, Any]) -> dict[str, str]:
    """Map a work dir's output paths to their roles (read from its glidein.descript)."""
    tarballs = str(descript.get("CondorTarballDirMap", ""))
    stage = re.search(r"'(/[^']*)/condor_bin_", tarballs)
    places = {
        str(work): "<work>",
        str(descript["LogDir"]): "<log>",
        str(descript["ClientLogBaseDir"]): "<client_log>",
        str(descript["ClientProxiesBaseDir"]): "<client_proxies>",
    }
    if stage:
        places[stage.group(1)] = "<stage>"
    return places


def _loaded(work: Path) -> dict[str, Any]:
    ok, document = load_factory_workdir(work)
    assert ok, document.get("errors")
    assert document["errors"] == []
    descript = document["main"]["GlideinDescript"]
    normal = _normalized(document, _places(work, descript))
    signatures = normal["main"]["SignatureFile"]
    for key in [key for key in signatures if key.endswith("_sign")]:
        assert _SHA1.match(signatures[key]), (key, signatures[key])
        signatures[key] = "<sha1 of this tool's stage>"
    return normal


@pytest.mark.parametrize("name", FACTORIES)
def test_glideinwms_daemon_reads_our_work_dir_as_its_own(name, tmp_path, monkeypatch):
    config, cwd = FACTORIES[name]
    _assert_read_as_its_own(config, cwd, tmp_path, monkeypatch)


def test_glideinwms_daemon_reads_our_work_dir_of_a_production_shaped_factory_as_its_own(
    tmp_path, monkeypatch
):
    # base_dir releases, 14 drop-ins, entries of every production gridtype, half disabled.
    config = write_factory(150, tmp_path / "cfg", release_scale=0.002)
    _assert_read_as_its_own(config, config.parent, tmp_path, monkeypatch)


def _assert_read_as_its_own(config: Path, cwd: Path, tmp_path: Path, monkeypatch) -> None:
    assert accepts_factory(config, cwd).accepted
    theirs = publish_factory(config, cwd, tmp_path / "gwms")
    assert theirs.answer.accepted, theirs.answer.output[-2000:]
    monkeypatch.chdir(cwd)
    published = run_gfactory("reconfig", config, "--root", tmp_path / "ours")
    assert published.code == 0, published.stderr
    work = our_work_dir(config, tmp_path / "ours")
    key = work / "rsa.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert _loaded(work) == _loaded(theirs.work)


def test_the_rsa_key_is_kept_across_reconfigs_and_made_again_when_lost(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / "ours"
    assert run_gfactory("reconfig", EXAMPLE_FACTORY, "--root", out).code == 0
    key = our_work_dir(EXAMPLE_FACTORY, out) / "rsa.key"
    first = key.read_bytes()
    assert run_gfactory("reconfig", EXAMPLE_FACTORY, "--root", out).code == 0
    assert run_gfactory("upgrade", EXAMPLE_FACTORY, "--root", out).code == 0
    assert key.read_bytes() == first
    key.unlink()
    assert run_gfactory("reconfig", EXAMPLE_FACTORY, "--root", out).code == 0
    assert key.read_bytes() != first
    assert load_factory_workdir(key.parent)[0]


@pytest.mark.parametrize("name", FRONTENDS)
def test_glideinwms_frontend_daemon_readsour_work_dir(name, tmp_path, monkeypatch):
    config, cwd = FRONTENDS[name]
    assert accepts_frontend(config, cwd).accepted
    monkeypatch.chdir(cwd)
    frontend = load_frontend(config).frontend
    assert frontend is not None
    stdout, stderr = io.StringIO(), io.StringIO()
    code = gfrontend.run(
        ["reconfig", str(config), "--root", str(tmp_path / "ours")], stdout, stderr
    )
    assert code == 0, stderr.getvalue()
    work = tmp_path / "ours" / frontend.work_dir.relative_to("/")
    ok, document = load_frontend_workdir(work)
    assert ok, document.get("errors")
    assert document["groups"], "no group loaded"
    shutil.rmtree(tmp_path / "ours")

"""GlideinWMS's own glidein_startup.sh runs glideinforge's stage, to where HTCondor would start.

The example factory (with the stand-in HTCondor of the end-to-end tests) is
published and served over loopback HTTP; ``gwms glidein-startup`` packages
GlideinWMS's ``glidein_startup.sh`` as its factory ships it, and it runs with
the arguments the factory submits. It must verify and run every script of the
stage, in the order glideinforge's own glidein does, every script must report
OK, and none of glideinforge's scripts may complain (wrong arguments, shell
errors), whatever GlideinWMS's own code prints about this machine.
"""

from __future__ import annotations

import re

import pytest
from test_glidein_e2e import STAGE, WORK

from glideinforge.factory.try_glidein import GlideinRun, run_glidein

from compile_helpers import gfactory_run
from conftest import copy_example
from oracle import glidein_startup, requires_oracle
from stand_in_condor import stand_in_tarball

pytestmark = requires_oracle

_EXECUTED = re.compile(r"^Executing \(flags:[^)]*\) (\S+)$", re.MULTILINE)
_RESULT = re.compile(r'<OSGTestResult id="([^"]*)"[\s\S]*?<status>(\w+)</status>')


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The example factory with the stand-in HTCondor, published; GlideinWMS's startup script."""
    root = tmp_path_factory.mktemp("gwms_glidein")
    config_dir = copy_example("factory", root / "factory")
    stand_in_tarball(config_dir / "files" / "condor_stub.tgz")
    code, _, err = gfactory_run("reconfig", config_dir / "glideinWMS.xml", "--root", root / "out")
    assert code == 0, err
    return root / "out", glidein_startup(root / "gwms_glidein_startup.sh")


def _scripts(run: GlideinRun) -> list[str]:
    """The scripts a glidein executed, as paths inside its glidein dir."""
    assert run.glidein_dir is not None
    prefix = f"{run.glidein_dir}/"
    return [path.removeprefix(prefix) for path in _EXECUTED.findall(run.stdout)]


def _complaints(run: GlideinRun) -> list[str]:
    """Lines where one of glideinforge's staged scripts complains (a shell error, a usage line)."""
    assert run.glidein_dir is not None
    ours = re.compile(rf"{re.escape(str(run.glidein_dir))}/(main|entry_[^/]+)/\S+: ")
    return [
        line
        for line in run.stderr.splitlines()
        if ours.search(line) or "Usage: error_augment" in line or "Validation error" in line
    ]


@pytest.mark.parametrize("entry", ["SITE_A_ce1", "SITE_B_slurm"])
def test_glideinwms_glidein_runs_every_script_of_our_stage(published, entry, tmp_path):
    out, startup = published
    theirs = run_glidein(out / WORK, out / STAGE, entry, tmp_path / "gwms", startup=startup)
    assert theirs.exit_code == 0, theirs.stderr[-3000:]
    assert _complaints(theirs) == []
    assert theirs.glidein_dir is not None
    assert (theirs.glidein_dir / "condor_config").is_file()  # where HTCondor would start
    results = _RESULT.findall((theirs.glidein_dir / "otr_outlist.list").read_text())
    assert results, "no script results"
    assert [(test, status) for test, status in results if status != "OK"] == []
    assert results[-1] == ("condor_startup.sh", "OK")
    ours = run_glidein(out / WORK, out / STAGE, entry, tmp_path / "ours")
    assert ours.exit_code == 0, ours.stderr[-3000:]
    assert _scripts(theirs) == _scripts(ours)
    assert len(_scripts(theirs)) > 20

"""End to end on a real one-node SLURM cluster: serve → site-client → sbatch → glideins.

``tests/slurm/one_node.sh`` starts munged, slurmctld and slurmd (Debian's packages,
which ``.ci/run`` installs) under a scratch directory. ``gfactory serve`` reads a job-ad
file; ``gfactory site-client --once`` asks it for the demand, keeps what the entry can
run and submits glideins to SLURM with ``sbatch``. Each glidein runs the entry's
``glidein_startup.sh`` against the stage served on 127.0.0.1, verifies every file and
writes ``condor_config``, which the stand-in ``condor_master`` reads with HTCondor's own
reader. SLURM's job-completion accounting (``jobcomp/filetxt``) must show them done.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from demand_helpers import GFACTORY, demand_server, server_status

from glideinforge.factory.try_glidein import run_glidein, serve

from compile_helpers import gfactory_run
from conftest import copy_example
from stand_in_condor import stand_in_tarball

ONE_NODE = Path(__file__).parent / "slurm" / "one_node.sh"
STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")
LOGS = Path("var/log/gwms-factory/server")
ENTRY = "SITE_B_slurm"

pytestmark = pytest.mark.skipif(
    not (Path("/usr/sbin/slurmctld").exists() and shutil.which("sbatch")),
    reason="SLURM is not installed (Debian: munge slurmctld slurmd slurm-client)",
)


def _job(cluster: int, procs: int, **attrs: str) -> str:
    lines = [f'MyType = "Job"\nClusterId = {cluster}\nJobStatus = 1']
    lines += [f"{name} = {value}" for name, value in attrs.items()]
    return "".join("\n".join([*lines, f"ProcId = {proc}"]) + "\n\n" for proc in range(procs))


JOBS = (
    # pyglidein's get_state carries requests, not Requirements: these seven are one group
    # of (1 CPU, 2048 MB), which SITE_B_slurm's one-CPU glideins run, one job each.
    _job(1, 3, RequestCpus="1", RequestMemory="2048", Owner='"alice"',
         Requirements='TARGET.GLIDEIN_Site =?= "SiteB" && TARGET.Cpus >= RequestCpus')
    + _job(2, 4, RequestCpus="1", RequestMemory="2048", Requirements="true")
    # The glideins' START (GLIDEIN_Custom_Start: Memory >= 2048) refuses these...
    + _job(3, 2, RequestCpus="1", RequestMemory="1024", Requirements="true")
    # ... and four CPUs do not fit in a one-CPU glidein.
    + _job(4, 1, RequestCpus="4", RequestMemory="4096", Requirements="true")
)  # fmt: skip


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running one-node SLURM cluster; yields the environment its commands need."""
    directory = tmp_path_factory.mktemp("slurm")
    started = subprocess.run(
        ["bash", str(ONE_NODE), "start", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    env = {**os.environ, "SLURM_CONF": str(directory / "slurm.conf")}
    yield env, directory
    subprocess.run(["bash", str(ONE_NODE), "stop", str(directory)], check=False)


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    """The example factory with the stand-in HTCondor, published under a root."""
    root = tmp_path_factory.mktemp("slurm-factory")
    copy_example("factory", root / "factory")
    stand_in_tarball(root / "factory" / "files" / "condor_stub.tgz")
    config = root / "factory" / "glideinWMS.xml"
    out = root / "out"
    code, _, err = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, err
    return config, out


def _wait_for_queue_to_empty(env: dict[str, str], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        queue = subprocess.run(
            ["squeue", "--noheader", "--format", "%i %t"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not queue:
            return
        assert time.monotonic() < deadline, f"glideins still queued: {queue}"
        time.sleep(0.5)


def test_site_client_submits_glideins_that_run_to_condor_config_on_slurm(slurm, factory, tmp_path):
    env, cluster = slurm
    config, out = factory
    jobs = tmp_path / "jobs.long"
    jobs.write_text(JOBS)
    credential = tmp_path / "credential_site.idtoken"
    credential.write_text("stand-in IDTOKEN for the SLURM test\n")
    # Glideins keep their directory (nocleanup) so the test can read what they wrote.
    env = {**env, "GLIDEIN_DEBUG_OPTIONS": "nocleanup,nowait"}
    with demand_server(config, jobs, "--root", out) as url:
        with serve({"factory": out / STAGE}) as stage_url:
            client = subprocess.run(
                [str(GFACTORY), "site-client", str(config), ENTRY, "--root", str(out),
                 "--server", f"{url}/jsonrpc", "--to", "slurm", "--web", f"{stage_url}/factory",
                 "--credential", str(credential), "--once", "--json", "--uuid", "site-b",
                 "--limit-per-submit", "2"],
                env=env, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            assert client.returncode == 0, client.stderr
            cycle = json.loads(client.stdout)["cycles"][0]
            assert cycle["wanted"] == 7
            assert (cycle["idle"], cycle["running"], cycle["submitted"]) == (0, 0, 2)
            _wait_for_queue_to_empty(env)
        assert server_status(url)["clients"]["site-b"]["metrics"] == {
            "entry": ENTRY, "wanted": 7, "idle": 0, "running": 0, "submitted": 2,
        }  # fmt: skip

    # SLURM's own accounting: two array tasks of one job, completed with exit code 0.
    accounting = (cluster / "jobcomp.log").read_text().splitlines()
    ours = [line for line in accounting if f"Name=gfactory_instance_{ENTRY} " in line]
    assert len(ours) == 2, accounting
    assert all("JobState=COMPLETED" in line and " ExitCode=0:0" in line for line in ours)
    array_ids = {re.search(r"ArrayJobId=(\d+)", line)[1] for line in ours}
    assert array_ids == {cycle["job_id"]}
    assert sorted(re.search(r"ArrayTaskId=(\d+)", line)[1] for line in ours) == ["0", "1"]

    # The submission's record, and each glidein's run in its own start directory.
    (record_path,) = (out / LOGS).glob(f"glidein_*/entry_{ENTRY}/submissions/*/record.json")
    record = json.loads(record_path.read_text())
    assert (record["system"], record["count"], record["job_id"]) == ("slurm", 2, cycle["job_id"])
    submission = record_path.parent
    local = run_glidein(out / WORK, out / STAGE, ENTRY, tmp_path / "local")
    assert local.exit_code == 0 and len(local.verified) > 40, local.stderr[-3000:]
    for task in range(2):
        start_dir = submission / f"glidein_{cycle['job_id']}_{task}"
        assert (start_dir / "credential_site.idtoken").read_text() == credential.read_text()
        output = (submission / f"glidein_{cycle['job_id']}_{task}.out").read_text()
        errors = (submission / f"glidein_{cycle['job_id']}_{task}.err").read_text()
        assert "=== Glidein ending" in output and "with code 0" in output, errors[-3000:]
        # -cluster and -subcluster are SLURM's array job and task ids.
        assert f"condorg_cluster   = '{cycle['job_id']}'\ncondorg_subcluster= '{task}'\n" in output
        # Every file verified, as when the same entry's glidein runs here (try-glidein).
        assert "Signature file OK for main:" in errors and "Signature file OK for entry:" in errors
        assert re.findall(r"^Signature OK for (\S+?)\.$", errors, re.MULTILINE) == local.verified
        (glidein_dir,) = start_dir.glob("glide_*")
        knobs = json.loads((glidein_dir / "knobs.json").read_text())
        assert knobs["GLIDEIN_Entry_Name"].strip('"') == ENTRY
        assert "GLIDEIN_ToDie" in knobs and "START" in knobs

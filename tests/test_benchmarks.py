"""Opt-in performance run: GLIDEINFORGE_BENCH=1 python -m pytest tests/test_benchmarks.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from oracle import requires_oracle

pytestmark = pytest.mark.skipif(
    os.environ.get("GLIDEINFORGE_BENCH") != "1",
    reason="performance run is opt-in: set GLIDEINFORGE_BENCH=1",
)


def _bench(script: str, *arguments: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run one benchmark script in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def test_validate_benchmark_meets_its_targets():
    completed = _bench("bench_validate.py")
    lines = completed.stdout.splitlines()
    assert len(lines) == 2
    assert all("0 errors" in line for line in lines)
    assert completed.returncode == 0, completed.stdout


def test_compile_benchmark_runs_and_verifies():
    completed = _bench("bench_compile.py", "1000")
    assert completed.returncode == 0, completed.stderr
    (line,) = completed.stdout.splitlines()
    assert line.startswith("compile   1000 entries: ")
    assert "verify" in line


def test_reconfig_benchmark_runs_every_step():
    completed = _bench("bench_reconfig.py", "1000")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert [
        line.split(" s ")[0].split("entries ")[1].rsplit(" ", 1)[0].strip() for line in lines
    ] == [
        "full build",
        "no-op",
        "one-entry edit",
        "gc",
    ]
    assert "0 written + 0 linked" in lines[1]


def test_glidein_benchmark_reaches_condor_config():
    completed = _bench("bench_glidein.py", "--runs", "2")
    assert completed.returncode == 0, completed.stderr
    (line,) = completed.stdout.splitlines()
    assert line.startswith("glidein SITE_A_ce1: best ")


def test_glidein_benchmark_with_a_frontend_group_reaches_condor_config():
    completed = _bench("bench_glidein.py", "--runs", "2", "--group", "main")
    assert completed.returncode == 0, completed.stderr
    (line,) = completed.stdout.splitlines()
    assert line.startswith("glidein SITE_A_ce1 + group main: best ")
    assert "83 files verified" in line


@requires_oracle
def test_production_factory_beside_glideinwms_meets_the_targets():
    # 1,000 entries on tmpfs and on disk, GlideinWMS timed in the same run (issue 20).
    completed = _bench("bench_vs_glideinwms.py", "--check", timeout=3600)
    assert "targets" in completed.stdout, completed.stderr
    assert completed.returncode == 0, completed.stdout

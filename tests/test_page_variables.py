"""Every variable of the Custom HTCondor Variables page, one row each, on real glideins.

A row names the variable, the page's default, what it does, and its checks: a setting
and what the final condor_config (read by htcondor2, expressions evaluated by classad2),
the startd ad, the job environment, the job wrapper, the periodic scripts' ads, the
factory's output or the glidein's exit must then show. The glideins run the example
factory's SITE_B_slurm entry (GLIDEIN_Site, GLIDEIN_CPUS and USE_CCB left to their
defaults) with a stand-in HTCondor (``stand_in_condor``). The README's table of these
variables is rendered from the rows (``python tests/test_page_variables.py`` rewrites it).
"""

from __future__ import annotations

import configparser
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

import classad2
import pytest
from cryptography import x509

from glideinforge.factory.try_glidein import (
    GlideinRun,
    condor_knobs,
    read_glidein_config,
    run_glidein,
)

from compile_helpers import gfactory_run
from conftest import copy_example
from stand_in_condor import stand_in_tarball
from x509_helpers import stand_in_proxy

STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")
ENTRY = "SITE_B_slurm"
REPOSITORY = Path(__file__).resolve().parents[1]
PAGE = REPOSITORY.parent / "shared" / "seeds" / "002_4e46977deb8c1cd9.txt"
README = REPOSITORY / "README.md"
TABLE_START = "<!-- page-variables:start (rendered by tests/test_page_variables.py) -->"
TABLE_END = "<!-- page-variables:end -->"
NOW = int(time.time())


# --- the lab: the published factory and cached glidein runs ------------------------------------


class Lab:
    """The published example factory and the glideins run on it (one run per setting)."""

    def __init__(self, config: Path, out: Path, scratch: Path) -> None:
        self.config, self.out, self.scratch = config, out, scratch
        self._runs: dict[tuple[object, ...], GlideinRun] = {}

    def glidein(
        self,
        params: Mapping[str, str] = {},
        environment: Mapping[str, str] = {},
        *,
        full: bool = False,
        entry: str = ENTRY,
        verbosity: str | None = None,
    ) -> GlideinRun:
        """ENTRY's glidein with PARAMS and ENVIRONMENT; FULL runs the stand-in HTCondor too;
        VERBOSITY replaces the entry's (the -v argument)."""
        key = (entry, tuple(sorted(params.items())), tuple(sorted(environment.items())), full,
               verbosity)  # fmt: skip
        if key not in self._runs:
            self._runs[key] = run_glidein(
                self.out / WORK,
                self.out / STAGE,
                entry,
                self.scratch / f"run{len(self._runs)}",
                params=params,
                environment=environment,
                stop_before_condor=not full,
                adjust_words=None if verbosity is None else partial(_verbosity, verbosity),
            )
        return self._runs[key]

    def ran(
        self,
        params: Mapping[str, str] = {},
        environment: Mapping[str, str] = {},
        *,
        full: bool = False,
        entry: str = ENTRY,
        verbosity: str | None = None,
    ) -> GlideinRun:
        """The glidein as ``glidein`` runs it, which must have succeeded."""
        run = self.glidein(params, environment, full=full, entry=entry, verbosity=verbosity)
        assert run.exit_code == 0, run.stderr[-3000:]
        return run

    def knob(self, run: GlideinRun, name: str) -> object:
        """Knob NAME of RUN's condor_config as HTCondor's config reader gives it (read once
        for all the knobs the file sets; HTCondor's default for one it does not)."""
        if name in run.condor_config:
            return run.condor_config[name]
        return condor_knobs(run.glidein_dir / "condor_config", [name]).get(name)

    def path(self, name: str) -> Path:
        """The scratch directory NAME, made when missing."""
        directory = self.scratch / name
        directory.mkdir(parents=True, exist_ok=True)
        return directory


def _verbosity(verbosity: str, words: list[str], _url: str) -> list[str]:
    return [*words[: words.index("-v") + 1], verbosity, *words[words.index("-v") + 2 :]]


def _typed(text: object, machine: Mapping[str, object] | None = None) -> object:
    """A knob's text as a ClassAd expression, evaluated (in MACHINE when given)."""
    if text is None:
        return None
    tree = classad2.ExprTree(str(text))
    return tree.eval(classad2.ClassAd(dict(machine))) if machine is not None else tree.eval()


# --- the kinds of check ---------------------------------------------------------------------


class Check(Protocol):
    """One observation: where it is made, and the assertion."""

    @property
    def where(self) -> str: ...

    def verify(self, lab: Lab) -> None: ...


@dataclass(frozen=True)
class Knob:
    """Knob KNOB of condor_config evaluates to EXPECTED (in the machine ad MACHINE builds)."""

    knob: str
    expected: object
    params: Mapping[str, str] = field(default_factory=dict)
    machine: Callable[[Lab, GlideinRun], Mapping[str, object]] | None = None
    text: bool = False
    """Compare the knob's text (HTCondor settings that are not ClassAd expressions)."""
    where = "condor_config"

    def verify(self, lab: Lab) -> None:
        run = lab.ran(self.params)
        raw = lab.knob(run, self.knob)
        if self.text:
            assert raw == self.expected
        else:
            machine = None if self.machine is None else self.machine(lab, run)
            assert _typed(raw, machine) == self.expected


@dataclass(frozen=True)
class Published:
    """Knob NAME evaluates to EXPECTED and the startd publishes it (GLIDEIN_VARIABLES)."""

    name: str
    expected: object
    params: Mapping[str, str] = field(default_factory=dict)
    where = "startd ad"

    def verify(self, lab: Lab) -> None:
        run = lab.ran(self.params)
        assert _typed(lab.knob(run, self.name)) == self.expected
        assert self.name in str(lab.knob(run, "GLIDEIN_VARIABLES")).split()


@dataclass(frozen=True)
class JobEnv:
    """The job environment (STARTER_JOB_ENVIRONMENT) has NAME=EXPECTED."""

    name: str
    expected: str
    params: Mapping[str, str] = field(default_factory=dict)
    where = "job environment"

    def verify(self, lab: Lab) -> None:
        environment = str(lab.knob(lab.ran(self.params), "STARTER_JOB_ENVIRONMENT"))
        assert f"'{self.name}={self.expected}'" in environment


@dataclass(frozen=True)
class GConfig:
    """The glidein's glidein_config has NAME = EXPECTED (None: not set)."""

    name: str
    expected: str | None
    params: Mapping[str, str] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    where = "glidein_config"

    def verify(self, lab: Lab) -> None:
        run = lab.ran(self.params, environment=self.environment)
        assert run.glidein_config.get(self.name) == self.expected


@dataclass(frozen=True)
class Exits:
    """The glidein fails, saying MESSAGE."""

    message: str
    params: Mapping[str, str] = field(default_factory=dict)
    where = "glidein exit"

    def verify(self, lab: Lab) -> None:
        run = lab.glidein(self.params)
        assert run.exit_code == 1
        assert self.message in run.stderr


@dataclass(frozen=True)
class Probe:
    """A check of its own (FUNCTION), made WHERE."""

    function: Callable[[Lab], None]
    where: str

    def verify(self, lab: Lab) -> None:
        self.function(lab)


@dataclass(frozen=True)
class Row:
    """One variable of the page."""

    name: str
    default: str
    effect: str
    checks: tuple[Check, ...]
    note: str = ""
    """Where we differ from GlideinWMS or the page, or why an observation is indirect."""
    status: str = "as the page"


# --- probes -----------------------------------------------------------------------------------


def _times(lab: Lab, run: GlideinRun) -> dict[str, int]:
    names = ("GLIDEIN_START_TIME", "GLIDEIN_ToDie", "GLIDEIN_ToRetire", "GLIDEIN_Retire_Time_Used")
    return {name: int(str(lab.knob(run, name))) for name in names}


def _lifetime(params: Mapping[str, str], lowest: int, highest: int) -> Probe:
    """The retire time the glidein took is within [LOWEST, HIGHEST] seconds."""

    def probe(lab: Lab) -> None:
        used = _times(lab, lab.ran(params))["GLIDEIN_Retire_Time_Used"]
        assert lowest <= used <= highest

    return Probe(probe, "condor_config")


def _job_time_fits(lab: Lab) -> None:
    # A job max time longer than the walltime is reduced to fit in it.
    run = lab.ran({"GLIDEIN_Max_Walltime": "100000"})
    used = int(str(lab.knob(run, "GLIDEIN_Job_Max_Time_Used")))
    assert 0 < used < 100000 - 120


def _die_after(params: Mapping[str, str], seconds: int) -> Probe:
    def probe(lab: Lab) -> None:
        times = _times(lab, lab.ran(params))
        assert times["GLIDEIN_ToDie"] - times["GLIDEIN_START_TIME"] == seconds

    return Probe(probe, "condor_config")


def _shutdown(
    params: Mapping[str, str], ad: Callable[[dict[str, int]], dict[str, object]], expected: bool
) -> Knob:
    """STARTD.DAEMON_SHUTDOWN in the startd ad AD builds from the run's times."""
    return Knob("STARTD.DAEMON_SHUTDOWN", expected, params, lambda lab, run: ad(_times(lab, run)))


def _tail(times: dict[str, int]) -> dict[str, object]:
    """A startd unclaimed for 500 s after running a job."""
    start = times["GLIDEIN_START_TIME"]
    return {"State": "Unclaimed", "TotalTimeClaimedBusy": 60, "EnteredCurrentState": start,
            "DaemonStartTime": start, "MyCurrentTime": start + 500}  # fmt: skip


def _fast_shutdown(params: Mapping[str, str], expected: bool) -> Knob:
    """MASTER.DAEMON_SHUTDOWN_FAST 200 s after the glidein's die time."""
    return Knob(
        "MASTER.DAEMON_SHUTDOWN_FAST",
        expected,
        params,
        lambda lab, run: {"MyCurrentTime": _times(lab, run)["GLIDEIN_ToDie"] + 200},
    )


def _starting(lab: Lab, run: GlideinRun) -> dict[str, object]:
    """A fresh, undrained machine with 4 GB, at the glidein's start."""
    start = _times(lab, run)["GLIDEIN_START_TIME"]
    return {"MyCurrentTime": start, "SiteWMS_WN_Draining": False, "Memory": 4096}


def _small(lab: Lab, run: GlideinRun) -> dict[str, object]:
    """As _starting, with 1 GB."""
    return {**_starting(lab, run), "Memory": 1024}


def _preempting(_lab: Lab, _run: GlideinRun) -> dict[str, object]:
    return {"SiteWMS_WN_Preempt": True}


def _quiet(_lab: Lab, _run: GlideinRun) -> dict[str, object]:
    return {"SiteWMS_WN_Preempt": False}


def _node_memory_mb() -> int:
    with Path("/proc/meminfo").open(encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no MemTotal")


def _slot_cpus(lab: Lab) -> None:
    run = lab.ran({"GLIDEIN_CPUS": "auto"}, environment={"SLURM_CPUS_ON_NODE": "3"})
    assert _typed(lab.knob(run, "NUM_SLOTS_TYPE_1")) == 3  # what the batch slot gives


def _memory_within_node(lab: Lab) -> None:
    node_cpus = os.cpu_count() or 1
    share = lab.ran({"GLIDEIN_MaxMemMBs_Estimate": "True", "GLIDEIN_CPUS": "1"})
    assert _typed(lab.knob(share, "MEMORY")) == _node_memory_mb() // node_cpus
    capped = lab.ran({"GLIDEIN_MaxMemMBs_Estimate": "True", "GLIDEIN_CPUS": str(node_cpus + 2)})
    assert _typed(lab.knob(capped, "MEMORY")) == _node_memory_mb()  # more CPUs than the node
    given = lab.ran({"GLIDEIN_MaxMemMBs_Estimate": "True", "GLIDEIN_MaxMemMBs": "1500"})
    assert _typed(lab.knob(given, "MEMORY")) == 1500  # ignored when MaxMemMBs is set


def _estimated_cpus_warning(lab: Lab) -> None:
    config = lab.config.parent / "config.d" / "30-estimate.xml"
    config.write_text(
        '<glidein><entries><entry name="SITE_B_slurm"><attrs>'
        '<attr name="GLIDEIN_CPUS" const="True" parameter="True" type="string" value="2"/>'
        '<attr name="GLIDEIN_ESTIMATED_CPUS" const="True" parameter="True" type="int" value="4"/>'
        "</attrs></entry></entries></glidein>\n"
    )
    try:
        code, _, stderr = gfactory_run("validate", lab.config, "--strict")
    finally:
        config.unlink()
    assert code == 1
    assert "GLIDEIN_ESTIMATED_CPUS is set but GLIDEIN_CPUS is 2" in stderr


def _rsl(lab: Lab) -> None:
    # SITE_C_arc's work_dir is TMPDIR: its glidein dir is made there.
    scratch = lab.path("arc-tmp")
    run = lab.ran({}, entry="SITE_C_arc", environment={"TMPDIR": str(scratch)})
    (glidein_dir,) = scratch.glob("glide_*")
    knobs = condor_knobs(glidein_dir / "condor_config", ["GLIDEIN_GlobusRSL", "GLIDEIN_VARIABLES",
                                                        "STARTER_JOB_ENVIRONMENT"])  # fmt: skip
    assert run.exit_code == 0
    assert _typed(knobs["GLIDEIN_GlobusRSL"]) == "(queue=grid)(count=1)"
    assert "GLIDEIN_GlobusRSL" in str(knobs["GLIDEIN_VARIABLES"]).split()
    assert "'GLIDEIN_GlobusRSL=(queue=grid)(count=1)'" in str(knobs["STARTER_JOB_ENVIRONMENT"])


def _osg_proxy(lab: Lab) -> None:
    # SITE_A_ce1 says proxy_url="OSG": the site's squid, tried, dropped when it is dead.
    run = lab.ran({}, entry="SITE_A_ce1", environment={"OSG_SQUID_LOCATION": "127.0.0.1:9"})
    assert "The configured one (127.0.0.1:9) seems unavailable!" in run.stderr
    assert "'GLIDEIN_Proxy_URL=None'" in str(lab.knob(run, "STARTER_JOB_ENVIRONMENT"))


def _failing(lab: Lab, params: Mapping[str, str]) -> list[tuple[list[str], classad2.ClassAd]]:
    """A glidein that fails (REQUIRED Singularity, none here): the ads it advertised."""
    run = lab.glidein({"GLIDEIN_Singularity_Use": "REQUIRED", **params}, full=True)
    assert run.exit_code == 1
    log = run.glidein_dir / "advertised.jsonl"
    if not log.exists():
        return []
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return [(call["arguments"], classad2.parseOne(call["ad"])) for call in calls]


def _report_failed(lab: Lab) -> None:
    assert _failing(lab, {}) == []  # NEVER by default
    alive = _failing(lab, {"GLIDEIN_Report_Failed": "ALIVEONLY"})
    assert [(args, ad["MyType"], ad["Activity"]) for args, ad in alive] == [
        (["UPDATE_STARTD_AD"], "Machine", "Retiring")
    ]
    assert alive[0][1]["GLIDEIN_Failed"] is True
    always = _failing(lab, {"GLIDEIN_Report_Failed": "ALWAYS"})
    assert [ad["Activity"] for _, ad in always] == ["Retiring", "Killing"]


def _factory_report_failed(lab: Lab) -> None:
    pool = {"GLIDEIN_Factory_Collector": "factory.example.org:9618"}
    factory = ["-pool", "factory.example.org:9618", "UPDATE_MASTER_AD"]
    sent = _failing(lab, pool)  # ALIVEONLY by default
    assert [(args, ad["MyType"], ad["Activity"]) for args, ad in sent] == [
        (factory, "DaemonMaster", "Retiring")
    ]
    always = _failing(lab, {**pool, "GLIDEIN_Factory_Report_Failed": "ALWAYS"})
    assert [(args, ad["Activity"]) for args, ad in always] == [
        (factory, "Retiring"),
        (factory, "Killing"),
    ]
    assert _failing(lab, {**pool, "GLIDEIN_Factory_Report_Failed": "NEVER"}) == []


def _debug_mode(lab: Lab) -> None:
    # The failure wait (1199 s, 150 s for fast) is not waited for here: nowait is set.
    modes = {verbosity: lab.ran(verbosity=verbosity).glidein_config["DEBUG_MODE"]
             for verbosity in ("std", "nodebug", "fast")}  # fmt: skip
    assert modes == {"std": "1", "nodebug": "0", "fast": "1"}


def _retire_spread(lab: Lab) -> None:
    run = lab.ran(WALLTIME_UNSET)
    assert " (spread 7200 s)" in run.stdout, run.stdout[-2000:]
    used = _times(lab, run)["GLIDEIN_Retire_Time_Used"]
    assert 21600 - 7200 <= used <= 21600


def _signature(key: str, word: str) -> Probe:
    """Knob KEY is the signature the glidein was started with (argument WORD)."""

    def probe(lab: Lab) -> None:
        run = lab.ran()
        words = list(run.arguments)
        signature = words[words.index(word) + 1]
        assert _typed(lab.knob(run, key)) == signature
        assert key in str(lab.knob(run, "GLIDEIN_VARIABLES")).split()
        assert f"'{key}={signature}'" in str(lab.knob(run, "STARTER_JOB_ENVIRONMENT"))

    return Probe(probe, "startd ad, job environment")


def _glidein_path(name: str, knob: str | None, kind: str) -> Probe:
    """glidein_config NAME is a KIND ("file" or "dir") inside the glidein; KNOB has it too."""

    def probe(lab: Lab) -> None:
        run = lab.ran()
        path = Path(run.glidein_config[name])
        assert path.is_file() if kind == "file" else path.is_dir()
        if knob is not None:  # a path, quoted when the row's type is S
            assert str(lab.knob(run, knob)).strip('"') == str(path)

    return Probe(probe, "glidein_config")


def _tmp_dir_exported(lab: Lab) -> None:
    run = lab.ran()
    directory = run.glidein_config["TMP_DIR"]
    assert f"'GLIDEIN_Tmp_Dir={directory}'" in str(lab.knob(run, "STARTER_JOB_ENVIRONMENT"))


def _local_tmp_dir(lab: Lab) -> None:
    # Made on /tmp, the local file system (removed when a test glidein ends).
    run = lab.ran()
    directory = Path(run.glidein_config["GLIDEIN_LOCAL_TMP_DIR"])
    assert directory.parent == Path("/tmp") and directory.name.startswith("glide_")  # noqa: S108
    assert f"'GLIDEIN_LOCAL_TMP_DIR={directory}'" in str(lab.knob(run, "STARTER_JOB_ENVIRONMENT"))


def _add_config_line_source(lab: Lab) -> None:
    run = lab.ran()
    source = run.glidein_config["ADD_CONFIG_LINE_SOURCE"]
    completed = subprocess.run(
        ["bash", "-c", 'source "$0" && declare -F gconfig_add add_config_line', source],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.stdout.split() == ["gconfig_add", "add_config_line"]


def _in_glidein(
    run: GlideinRun, program: str, *args: str | Path, environment: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(run.glidein_dir / program), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **environment},
    )


def _job(
    lab: Lab, run: GlideinRun, name: str, job_ad: str = "", **environment: str
) -> subprocess.CompletedProcess[str]:
    """Start ``/bin/echo job`` through RUN's job wrapper, as the starter would."""
    sandbox = lab.path(name)
    (sandbox / ".job.ad").write_text(job_ad)
    return _in_glidein(
        run,
        "condor_job_wrapper.sh",
        "/bin/echo",
        "job",
        environment={"_CONDOR_JOB_AD": str(sandbox / ".job.ad"), "MODULE_USE": "0", **environment},
        cwd=sandbox,
    )


def _runtime(lab: Lab) -> Path:
    """A stand-in apptainer: --version answers; exec logs its words and environment."""
    directory = lab.path("runtime")
    binary = directory / "apptainer"
    if not binary.exists():
        binary.write_text(
            '#!/bin/bash\n[ "$1" = --version ] && { echo "apptainer version 1.2.5"; exit 0; }\n'
            f'printf "%s\\n" "$@" >"{directory}/words.$PPID"\n'
            f'/usr/bin/env >"{directory}/environment.$PPID"\n'
        )
        binary.chmod(0o755)
    return binary


CONTAINER = {"GLIDEIN_Singularity_Use": "REQUIRED", "SINGULARITY_IMAGES_DICT":
             "rhel7:/cvmfs/img/el7,rhel9:/cvmfs/img/el9"}  # fmt: skip


def _contained(
    lab: Lab, params: Mapping[str, str], job_ad: str = "", **environment: str
) -> tuple[subprocess.CompletedProcess[str], list[str], dict[str, str]]:
    """A job started in a glidein that uses the stand-in runtime: the wrapper's outcome, the
    runtime's words and the environment it got (empty when it did not run)."""
    binary = _runtime(lab)
    settings = {**CONTAINER, "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary), **params}
    run = lab.ran(settings)
    sandbox_name = f"job{len(list(lab.scratch.glob('job*')))}"
    for stale in binary.parent.glob("words.*"):
        stale.unlink()
    completed = _job(lab, run, sandbox_name, job_ad, **environment)
    logs = list(binary.parent.glob("words.*"))
    if not logs:
        return completed, [], {}
    words = logs[0].read_text().splitlines()
    got = logs[0].with_name(logs[0].name.replace("words", "environment")).read_text()
    return completed, words, dict(line.split("=", 1) for line in got.splitlines() if "=" in line)


def _image(params: Mapping[str, str], job_ad: str, image: str) -> Probe:
    def probe(lab: Lab) -> None:
        completed, words, _ = _contained(lab, params, job_ad)
        assert completed.returncode == 0, completed.stderr
        assert words[-3:] == [image, "/bin/echo", "job"]

    return Probe(probe, "job wrapper")


def _effective_status(lab: Lab) -> None:
    # A job's own image makes it REQUIRED: no falling back to running directly.
    completed, words, got = _contained(lab, {}, 'SingularityImage = "/cvmfs/own.sif"\n')
    assert completed.returncode == 0 and words[-3] == "/cvmfs/own.sif"
    assert got["GWMS_SINGULARITY_STATUS_EFFECTIVE"] == "REQUIRED_Singularity_image_in_job"
    preferred = {"GLIDEIN_Singularity_Use": "PREFERRED"}
    completed, words, _ = _contained(lab, preferred, 'REQUIRED_OS = "rhel5"\n')
    assert (completed.returncode, completed.stdout, words) == (0, "job\n", [])  # falls back
    completed, words, _ = _contained(
        lab, preferred, 'REQUIRED_OS = "rhel5"\n', GWMS_SINGULARITY_STATUS_EFFECTIVE="REQUIRED_site"
    )
    assert completed.returncode == 1 and words == []  # overridden: no image, no job
    completed, words, _ = _contained(
        lab, {}, 'REQUIRED_OS = "rhel5"\n', GWMS_SINGULARITY_STATUS_EFFECTIVE="NEVER_debugging"
    )
    assert (completed.returncode, completed.stdout, words) == (0, "job\n", [])


def _words_include(params: Mapping[str, str], *expected: str) -> Probe:
    def probe(lab: Lab) -> None:
        completed, words, _ = _contained(lab, params)
        assert completed.returncode == 0, completed.stderr
        text = " ".join(words)
        assert all(item in text for item in expected), words

    return Probe(probe, "job wrapper")


def _container_environment(lab: Lab) -> None:
    def names(setting: str | None) -> set[str]:  # the names the container environment has
        params = {} if setting is None else {"GLIDEIN_CONTAINER_ENV": setting}
        completed, _, got = _contained(
            lab, params, LD_LIBRARY_PATH="/opt/lib", MARK="1", GLIDEIN_Site="SiteX"
        )
        assert completed.returncode == 0, completed.stderr
        return set(got)

    assert {"PATH", "LD_LIBRARY_PATH"} & names(None) == set()  # clearpaths
    assert {"PATH", "LD_LIBRARY_PATH", "MARK"} <= names("keepall")
    # clearall: --cleanenv, and only the GWMS set (always) and the sets listed are carried.
    assert "APPTAINERENV_GLIDEIN_Site" not in names("clearall")
    assert "APPTAINERENV_GLIDEIN_Site" in names("clearall,osgset")


def _bind_paths(params_key: str) -> Probe:
    def probe(lab: Lab) -> None:
        data = lab.path("data")
        binary = _runtime(lab)
        params = {**CONTAINER, "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary),
                  params_key: f"{data}:/data:ro,/no/such/dir"}  # fmt: skip
        assert lab.ran(params).glidein_config["GWMS_SINGULARITY_BIND_PATHS"] == f"{data}:/data:ro"

    return Probe(probe, "glidein_config")


def _bind_cvmfs(lab: Lab) -> None:
    cvmfs = lab.path("cvmfs")
    binary = _runtime(lab)
    params = {**CONTAINER, "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary)}
    environment = {"CVMFS_MOUNT_DIR": str(cvmfs)}
    kept = lab.ran(params, environment=environment).glidein_config
    assert kept["GWMS_SINGULARITY_BIND_PATHS"] == f"{cvmfs}:/cvmfs"
    dropped = lab.ran({**params, "GWMS_SINGULARITY_BIND_CVMFS": "0"}, environment=environment)
    assert "GWMS_SINGULARITY_BIND_PATHS" not in dropped.glidein_config


def _binary_found(key: str, value: Callable[[Path], str]) -> Probe:
    """The binary KEY names wins over one in PATH, which is looked at later."""

    def probe(lab: Lab) -> None:
        binary = _runtime(lab)
        later = lab.path("path-bin") / "apptainer"
        later.write_text(binary.read_text())
        later.chmod(0o755)
        run = lab.ran(
            {"GLIDEIN_Singularity_Use": "REQUIRED", key: value(binary)},
            environment={"PATH": f"{later.parent}:{os.environ['PATH']}"},
        )
        assert run.glidein_config["SINGULARITY_BIN"] == str(binary)
        in_path = lab.ran(
            {"GLIDEIN_Singularity_Use": "REQUIRED", "SINGULARITY_BIN": "PATH",
             "OSG_SINGULARITY_BINARY": str(binary)},
            environment={"PATH": f"{later.parent}:{os.environ['PATH']}"},
        )  # fmt: skip
        assert in_path.glidein_config["SINGULARITY_BIN"] == str(later)  # PATH before OSG's

    return Probe(probe, "glidein_config")


def _mode(lab: Lab) -> None:
    binary = _runtime(lab)
    run = lab.ran({**CONTAINER, "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary)})
    mode = "privileged" if os.getuid() == 0 else "unprivileged"
    assert _typed(lab.knob(run, "GWMS_SINGULARITY_MODE")) == mode
    assert _typed(lab.knob(run, "GLIDEIN_PROVIDES")) == f"singularity/{mode}"


def _has_singularity(lab: Lab) -> None:
    assert lab.knob(lab.ran(), "HAS_SINGULARITY") is None  # DISABLE: not set
    preferred = lab.ran({"GLIDEIN_Singularity_Use": "PREFERRED"})  # no binary here
    assert _typed(lab.knob(preferred, "HAS_SINGULARITY")) is False
    binary = _runtime(lab)
    found = lab.ran({**CONTAINER, "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary)})
    assert _typed(lab.knob(found, "HAS_SINGULARITY")) is True


def _image_choice(params: Mapping[str, str], image: str | None) -> Probe:
    def probe(lab: Lab) -> None:
        binary = _runtime(lab)
        settings = {**CONTAINER, "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary), **params}
        assert lab.ran(settings).glidein_config.get("GWMS_SINGULARITY_IMAGE") == image

    return Probe(probe, "glidein_config")


def _module_use(lab: Lab) -> None:
    run = lab.ran()
    cvmfs = lab.path("modules-cvmfs")
    init = cvmfs / "oasis.opensciencegrid.org" / "osg" / "sw" / "module-init.sh"
    init.parent.mkdir(parents=True, exist_ok=True)
    init.write_text("echo modules-loaded >&2\n")
    loaded = _job(lab, run, "modules1", MODULE_USE="1", CVMFS_MOUNT_DIR=str(cvmfs))
    assert "modules-loaded" in loaded.stderr
    skipped = _job(lab, run, "modules0", MODULE_USE="0", CVMFS_MOUNT_DIR=str(cvmfs))
    assert "modules-loaded" not in skipped.stderr


def _debug_output(lab: Lab) -> None:
    _, words, _ = _contained(lab, {"GLIDEIN_DEBUG_OUTPUT": "True"})
    assert words[:3] == ["-d", "-vvv", "exec"]
    _, words, _ = _contained(lab, {})
    assert words[0] == "exec"


def _userjob(lab: Lab) -> None:
    run = lab.ran({"GLIDEIN_DEBUG_OPTIONS": "userjob"})
    completed = _job(lab, run, "userjob")
    assert completed.stderr.count("condor_job_wrapper.sh: ") == 1
    assert completed.stderr.rstrip().endswith(": /bin/echo job")


def _nocleanup(lab: Lab) -> None:
    # Test glideins run with nocleanup: kept, and tagged with their stages' hosts (127.0.0.1
    # has no 4-character tag: "debug", as GlideinWMS names it).
    run = lab.ran()
    assert run.glidein_dir.is_dir() and run.glidein_dir.name.startswith("glide_debug_")
    assert Path(run.glidein_config["GLIDEIN_LOCAL_TMP_DIR"]).name.startswith("glide_debug_")


def _launcher(lab: Lab) -> Path:
    directory = lab.path("launcher")
    script = directory / "launch.sh"
    script.write_text(f'#!/bin/sh\necho "$*" >>{directory}/launched.log\nexec "$@"\n')
    script.chmod(0o755)
    return script


def _multiglidein(how: str) -> Probe:
    def probe(lab: Lab) -> None:
        launcher = _launcher(lab)
        log = launcher.with_name("launched.log")
        log.unlink(missing_ok=True)
        params = {"GLIDEIN_MULTIGLIDEIN": "2"}
        if how:
            params[how] = str(launcher)
        run = lab.ran(params)
        launched = log.read_text().splitlines() if log.exists() else []
        if how == "GLIDEIN_MULTIGLIDEIN_LAUNCHALL":
            assert len(launched) == 1  # one command starts them all
            return
        assert "All 2 glideins ended" in run.stdout
        assert len(launched) == (2 if how else 0)

    return Probe(probe, "glidein exit")


def _cleanup_script(lab: Lab) -> None:
    # The example's site_check.sh, listed as a setup script, runs at cleanup instead.
    setup = lab.ran()
    assert "site_check.sh" in setup.stderr + setup.stdout
    cleanup_dir = setup.glidein_dir / ".gwms.d" / "exec" / "cleanup"
    assert not (cleanup_dir / "site_check.sh").exists()
    moved = lab.ran({"GLIDEIN_CLEANUP_SCRIPT": "site_check.sh"})
    assert (moved.glidein_dir / ".gwms.d" / "exec" / "cleanup" / "site_check.sh").is_file()


def _collector(lab: Lab) -> None:
    collectors = "c1.example.org:9620,c2.example.org:9621"
    run = lab.ran({"GLIDEIN_Collector": collectors})
    assert lab.knob(run, "HEAD_NODE") in collectors.split(",")


def _x509_lifetime(lab: Lab) -> None:
    # A glidein with a one-hour proxy ends with it when the duration is not ignored.
    ignored = _proxied(lab, 1)
    shortened = _proxied(lab, 1, {"GLIDEIN_Ignore_X509_Duration": "False"})
    for run in (ignored, shortened):
        assert run.exit_code == 0, run.stderr[-2000:]
    assert _times(lab, ignored)["GLIDEIN_ToDie"] - _times(lab, ignored)["GLIDEIN_START_TIME"] > 3600
    times = _times(lab, shortened)
    assert 3500 <= times["GLIDEIN_ToDie"] - times["GLIDEIN_START_TIME"] <= 3600
    library = REPOSITORY / "creation" / "web_base" / "glidein_lib.sh"

    def lifetime(*args: str) -> str:
        return subprocess.run(
            ["bash", "-c", 'source "$0"; gl_x509_lifetime "$@"', str(library), *args],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip

    assert lifetime("20000", "86000", "5000", "True") == "20000 86000"
    assert lifetime("20000", "86000", "5000", "False") == "5000 5000"
    assert lifetime("20000", "86000", "600", "True") == "600 600"


def _proxied(lab: Lab, hours: int, params: Mapping[str, str] = {}) -> GlideinRun:
    """A full glidein run with a proxy that ends in HOURS (made once per HOURS)."""
    end = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=hours)
    proxy = lab.path(f"proxy{hours}") / "proxy.pem"
    if not proxy.exists():
        stand_in_proxy(proxy, end)
    return lab.glidein(params, environment={"X509_USER_PROXY": str(proxy)}, full=True)


def _proxy_knob(lab: Lab) -> None:
    run = _proxied(lab, 5)
    assert run.exit_code == 0, run.stderr[-2000:]
    proxy = run.glidein_config["X509_USER_PROXY"]
    assert Path(proxy).name == "proxy.pem"
    knobs = json.loads((run.glidein_dir / "knobs.json").read_text())
    assert knobs["GSI_DAEMON_PROXY"] == proxy


def _x509_expire(lab: Lab) -> None:
    run = _proxied(lab, 5)
    expire = int(run.glidein_config["X509_EXPIRE"])
    # Against the proxy's own end: it is made when first needed, maybe long after NOW.
    pem = lab.path("proxy5").joinpath("proxy.pem").read_bytes()
    end = x509.load_pem_x509_certificate(pem).not_valid_after_utc
    assert end > dt.datetime.now(dt.UTC) + dt.timedelta(hours=4)
    assert abs(expire - end.timestamp()) < 600
    assert _proxied(lab, -1).exit_code == 1  # an expired proxy stops the glidein


def _expose_x509(lab: Lab) -> None:
    run = _proxied(lab, 5)
    environment = json.loads((run.glidein_dir / "environment.json").read_text())
    assert "X509_USER_PROXY" not in environment  # HTCondor (and so the jobs) do not get it
    end = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=5)
    proxy = stand_in_proxy(lab.path("exposed") / "proxy.pem", end)
    exposed = lab.glidein(
        {"GLIDEIN_Expose_X509": "True"}, environment={"X509_USER_PROXY": str(proxy)}, full=True
    )
    assert exposed.exit_code == 0, exposed.stderr[-2000:]
    environment = json.loads((exposed.glidein_dir / "environment.json").read_text())
    assert environment["X509_USER_PROXY"] == exposed.glidein_config["X509_USER_PROXY"]


def _cert_dir(lab: Lab) -> None:
    certificates = lab.path("certificates")
    end = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=5)
    proxy = stand_in_proxy(lab.path("ca-proxy") / "proxy.pem", end)
    run = lab.glidein(
        {},
        environment={"X509_USER_PROXY": str(proxy), "X509_CERT_DIR": str(certificates)},
    )
    assert run.exit_code == 0, run.stderr[-2000:]
    assert run.glidein_config["X509_CERT_DIR"] == str(certificates)
    assert lab.knob(run, "GSI_DAEMON_TRUSTED_CA_DIR") == str(certificates)


def _gridmap_dns(lab: Lab) -> None:
    run = lab.ran()
    gridmap = lab.path("gridmap") / "grid-mapfile"
    gridmap.write_text('"/DC=org/CN=frontend" frontend\n"/DC=org/CN=collector" collector\n')
    config = lab.path("gridmap-glidein") / "glidein_config"
    config.write_text(
        (run.glidein_dir / "glidein_config").read_text() + f"ENTRY_GRIDMAP {gridmap}\n"
    )
    completed = _in_glidein(
        run, "main/create_mapfile.sh", config, "entry", environment={}, cwd=config.parent
    )
    assert completed.returncode == 0, completed.stderr
    dns = read_glidein_config(config)["X509_GRIDMAP_DNS"]
    assert dns == "/DC=org/CN=frontend,/DC=org/CN=collector"


def _periodic(lab: Lab, script: str, environment: Mapping[str, str]) -> dict[str, object]:
    """Run a periodic script as the startd's cron does: the typed ad it prints."""
    run = lab.ran()
    completed = _in_glidein(
        run, "main/script_wrapper.sh", run.glidein_dir / "glidein_config", "main",
        run.glidein_dir / "main" / script, environment=environment, cwd=run.glidein_dir,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    ad = classad2.parseOne(completed.stdout)
    return {key: ad.eval(key) for key in ad}


def _features(lab: Lab, name: str, values: Mapping[str, object]) -> str:
    directory = lab.path(name)
    for key, value in values.items():
        (directory / key).write_text(f"{value}\n")
    return str(directory)


def _drain(variable: str, key: str, seconds: int, draining: bool, preempt: bool) -> Probe:
    def probe(lab: Lab) -> None:
        assert _periodic(lab, "check_wn_drainstate.sh", {}) == {
            "SiteWMS_WN_Draining": False,
            "SiteWMS_WN_Preempt": False,
        }
        features = _features(lab, f"drain-{key}-{seconds}", {key: int(time.time()) + seconds})
        ad = _periodic(lab, "check_wn_drainstate.sh", {variable: features})
        assert ad == {"SiteWMS_WN_Draining": draining, "SiteWMS_WN_Preempt": preempt}
        # START (the startd evaluates it with the published value) stops matching.
        start = lab.knob(lab.ran(), "START")
        machine = {**_starting(lab, lab.ran()), "SiteWMS_WN_Draining": draining}
        assert _typed(start, machine) is (not draining)

    return Probe(probe, "periodic ad")


MACHINE_FEATURES = {"total_cpu": 32, "hs06": 412, "shutdowntime": NOW + 86400, "grace_secs": 3600}
JOB_FEATURES = {"allocated_cpu": 8, "hs06_job": 96, "shutdowntime_job": NOW + 80000,
                "grace_secs_job": 600, "jobstart_secs": NOW - 60, "job_id": "batch.4242",
                "wall_limit_secs": 86400, "cpu_limit_secs": 691200,
                "max_rss_bytes": 2147483648, "max_swap_bytes": 0,
                "scratch_limit_bytes": 10737418240}  # fmt: skip


def _mjf(key: str) -> Probe:
    """MJF_<KEY> at startup (condor_config, integers and the job id) and periodically."""
    feature = "job_id" if key == "JOB_ID" else key.split("_", 1)[1].lower()
    expected = {**MACHINE_FEATURES, **JOB_FEATURES}[feature]

    def probe(lab: Lab) -> None:
        environment = {
            "MACHINEFEATURES": _features(lab, "machinefeatures", MACHINE_FEATURES),
            "JOBFEATURES": _features(lab, "jobfeatures", JOB_FEATURES),
        }
        run = lab.ran({}, environment=environment)
        assert _typed(lab.knob(run, f"MJF_{key}")) == expected
        assert _periodic(lab, "mjf_setparams.sh", environment)[key] == expected

    return Probe(probe, "startd ad, periodic ad")


def _vm(params: Mapping[str, str], lifetime: str, disable: str) -> Probe:
    def probe(lab: Lab) -> None:
        words = [word for name, value in params.items() for word in ("--param", f"{name}={value}")]
        code, text, stderr = gfactory_run(
            "glidein-args", lab.config, "CLOUD_ec2_east", "--root", lab.out, *words,
            "--vm-user-data",
        )  # fmt: skip
        assert code == 0, stderr
        parser = configparser.ConfigParser()
        parser.read_string(text)
        vm = parser["vm_properties"]
        assert (vm["max_lifetime"], vm["disable_shutdown"]) == (lifetime, disable)

    return Probe(probe, "factory (VM user data)")


def _wrapper_exec(lab: Lab) -> None:
    run = lab.ran({"GLIDEIN_WRAPPER_EXEC": '"$LAUNCH" -t "$@"'})
    launch = lab.path("wrapper-exec") / "launch.sh"
    launch.write_text('#!/bin/sh\necho "launched with $*"\n')
    launch.chmod(0o755)
    completed = _job(lab, run, "wrapper-exec-job", LAUNCH=str(launch))
    assert completed.stdout == "launched with -t /bin/echo job\n", completed.stderr


# --- the rows: the page's order ------------------------------------------------------------------

HOLD = {"GLIDEIN_Hold": "True"}
PAGE_TRUE = (
    "the page's default (True) would hold or preempt every job; GlideinWMS's table says "
    "False, and so do we"
)
WALLTIME_UNSET = {"GLIDEIN_Max_Walltime": " "}


def _or_into(knob: str, name: str) -> tuple[Check, ...]:
    machine = _quiet if knob == "PREEMPT" else None
    return (Knob(knob, False, machine=machine), Knob(knob, True, {name: "True"}, machine))


def _summed(name: str) -> tuple[Check, ...]:
    return (Knob("RANK", 4), Knob("RANK", 8, {name: "5"}))


def _setting(
    knob: str, default: object, name: str, value: str, changed: object, *, text: bool = False
) -> tuple[Check, ...]:
    """KNOB is DEFAULT, and CHANGED once NAME is VALUE."""
    return (Knob(knob, default, text=text), Knob(knob, changed, {name: value}, text=text))


def _same(name: str, value: str, changed: object) -> tuple[Check, ...]:
    """Knob NAME (same name) is its default VALUE's reading, CHANGED once set to VALUE."""
    default = {True: False, False: True}.get(changed)  # type: ignore[call-overload]
    return _setting(name, default, name, value, changed)


def _export(name: str, value: str) -> tuple[Check, ...]:
    return (Published(name, value), JobEnv(name, value))


def _claim_worklife(params: Mapping[str, str], dynamic: bool, seconds: int) -> Probe:
    """CLAIM_WORKLIFE in a (DYNAMIC or static) slot. HTCondor's reader types the knob (an
    integer, evaluated without a slot), so its line is read and its macros expanded."""

    def probe(lab: Lab) -> None:
        run = lab.ran(params)
        text = (run.glidein_dir / "condor_config").read_text()
        (line,) = [line for line in text.splitlines() if line.startswith("CLAIM_WORKLIFE ")]
        expression = line.split("=", 1)[1]
        for name in ("GLIDEIN_CLAIM_WORKLIFE_DYNAMIC", "GLIDEIN_CLAIM_WORKLIFE"):
            expression = expression.replace(f"$({name})", str(lab.knob(run, name)))
        assert _typed(expression, {"DynamicSlot": dynamic}) == seconds

    return Probe(probe, "condor_config")


MJF_KEYS = (
    "MACHINE_TOTAL_CPU",
    "MACHINE_HS06",
    "MACHINE_SHUTDOWNTIME",
    "MACHINE_GRACE_SECS",
    "JOB_ALLOCATED_CPU",
    "JOB_HS06_JOB",
    "JOB_SHUTDOWNTIME_JOB",
    "JOB_GRACE_SECS_JOB",
    "JOB_JOBSTART_SECS",
    "JOB_ID",
    "JOB_WALL_LIMIT_SECS",
    "JOB_CPU_LIMIT_SECS",
    "JOB_MAX_RSS_BYTES",
    "JOB_MAX_SWAP_BYTES",
    "JOB_SCRATCH_LIMIT_BYTES",
)
SLOTS = {"GLIDEIN_Resource_Slots": "ioslot,2,200,static"}
PARTITIONABLE = {"SLOTS_LAYOUT": "partitionable"}
RSL = "seen on SITE_C_arc, the example's entry with an rsl"
IMAGES_HOME = {"SINGULARITY_IMAGES_DICT": "default:/home/x.sif"}
NEVER_REQUIRED = {"GLIDEIN_Singularity_Use": "NEVER", "GLIDEIN_SINGULARITY_REQUIRE": "REQUIRED"}
OPTIONAL_PREFERRED = {
    "GLIDEIN_Singularity_Use": "OPTIONAL", "GLIDEIN_SINGULARITY_REQUIRE": "PREFERRED"
}  # fmt: skip

# fmt: off
ROWS: tuple[Row, ...] = (
    # Factory variables (attr tags).
    Row("GLIDEIN_Site", "entry name", "Site name, in the startd ad and the job environment",
        (*_export("GLIDEIN_Site", ENTRY),
         Published("GLIDEIN_Site", "SiteX", {"GLIDEIN_Site": "SiteX"}))),
    Row("GLIDEIN_Hold", "False (page: True)", "ORed into WANT_HOLD: matching jobs are held",
        _or_into("WANT_HOLD", "GLIDEIN_Hold"), PAGE_TRUE,
        status="GlideinWMS's default"),
    Row("GLIDEIN_Entry_PREEMPT", "False (page: True)", "ORed into PREEMPT",
        _or_into("PREEMPT", "GLIDEIN_Entry_PREEMPT"), PAGE_TRUE,
        status="GlideinWMS's default"),
    Row("GLIDEIN_PREEMPT", "False (page: True)", "ORed into PREEMPT",
        _or_into("PREEMPT", "GLIDEIN_PREEMPT"), PAGE_TRUE,
        status="GlideinWMS's default"),
    Row("GLIDEIN_Rank", "1", "Summed into RANK", _summed("GLIDEIN_Rank")),
    Row("GLIDEIN_Entry_Rank", "1", "Summed into RANK", _summed("GLIDEIN_Entry_Rank")),
    Row("GLIDEIN_Max_Idle", "1200", "A startd never matched shuts down after this many seconds",
        (*_setting("STARTD_NOCLAIM_SHUTDOWN", 1200, "GLIDEIN_Max_Idle", "600", 600),
         Exits("GLIDEIN_Max_Idle: '20 minutes' is not an integer",
               {"GLIDEIN_Max_Idle": "20 minutes"}))),
    Row("GLIDEIN_Max_Tail", "400", "A startd idle after a job shuts down after this many seconds",
        (_shutdown({}, _tail, True), _shutdown({"GLIDEIN_Max_Tail": "900"}, _tail, False))),
    Row("GLIDEIN_Retire_Time", "21600",
        "Jobs start until then (less a random spread); GLIDEIN_Max_Walltime overrides it",
        (_lifetime({**WALLTIME_UNSET, "GLIDEIN_Retire_Time": "5000",
                    "GLIDEIN_Retire_Time_Spread": "0"}, 5000, 5000),
         _lifetime({"GLIDEIN_Retire_Time": "5000", "GLIDEIN_Retire_Time_Spread": "0"},
                   41280, 41280))),  # 171000 - 129600 - 120: the walltime decides
    Row("GLIDEIN_Retire_Time_Spread", "7200", "The retire time is drawn up to this much lower",
        (Probe(_retire_spread, "condor_config, glidein output"),
         _lifetime({**WALLTIME_UNSET, "GLIDEIN_Retire_Time": "5000",
                    "GLIDEIN_Retire_Time_Spread": "1000"}, 4000, 5000))),
    Row("GLIDEIN_Max_Walltime", "none",
        "The glidein dies by then; retire time = walltime - job max time - shutdown",
        (_die_after({}, 171000 - 120), _die_after({"GLIDEIN_Max_Walltime": "100000"}, 99880),
         Probe(_job_time_fits, "condor_config"))),
    Row("GLIDEIN_Graceful_Shutdown", "120",
        "HTCondor's time to stop jobs after DAEMON_SHUTDOWN before the kill",
        (_fast_shutdown({}, True), _fast_shutdown({"GLIDEIN_Graceful_Shutdown": "300"}, False),
         _die_after({"GLIDEIN_Graceful_Shutdown": "300"}, 171000 - 300))),
    Row("PREEMPT", "False", "Allows preemption on this glidein", _or_into("PREEMPT", "PREEMPT")),
    Row("PREEMPT_GRACE_TIME", "10000000", "MAXJOBRETIREMENTTIME of a preempted job",
        (Knob("MAXJOBRETIREMENTTIME", 10000000, {"GLIDEIN_PREEMPT": "True"}, _quiet),
         Knob("MAXJOBRETIREMENTTIME", 600,
              {"GLIDEIN_PREEMPT": "True", "PREEMPT_GRACE_TIME": "600"}, _quiet))),
    Row("HOLD_GRACE_TIME", "0", "MAXJOBRETIREMENTTIME of a job to be held",
        (Knob("MAXJOBRETIREMENTTIME", 0, HOLD, _quiet),
         Knob("MAXJOBRETIREMENTTIME", 300, {**HOLD, "HOLD_GRACE_TIME": "300"}, _quiet))),
    Row("GLIDEIN_Monitoring_Enabled", "True", "Starts the monitoring slot",
        _setting("GLIDEIN_Monitoring_Slot_Type", 2, "GLIDEIN_Monitoring_Enabled", "False", None)),
    Row("GLIDEIN_Resource_Slots", "none", "Extra resources, in their own slots or the main ones",
        (Knob("MACHINE_RESOURCE_ioslot", 2, SLOTS), Knob("NUM_SLOTS_TYPE_2", 2, SLOTS),
         Knob("SLOT_TYPE_2", "cpus=1, ioslot=1, memory=100, disk=auto", SLOTS, text=True))),
    Row("GLIDEIN_Use_PGroups", "False", "USE_PROCESS_GROUPS",
        _setting("USE_PROCESS_GROUPS", False, "GLIDEIN_Use_PGroups", "True", True)),
    Row("UPDATE_COLLECTOR_WITH_TCP", "True", "TCP updates to the collector",
        _same("UPDATE_COLLECTOR_WITH_TCP", "False", False)),
    Row("WANT_UDP_COMMAND_SOCKET", "False", "The startd's UDP command socket",
        _same("WANT_UDP_COMMAND_SOCKET", "True", True)),
    Row("STARTD_SENDS_ALIVES", "True", "The startd sends the keepalives",
        _same("STARTD_SENDS_ALIVES", "False", False)),
    Row("SEC_DEFAULT_INTEGRITY", "REQUIRED", "HTCondor's integrity setting",
        _setting("SEC_DEFAULT_INTEGRITY", "REQUIRED", "SEC_DEFAULT_INTEGRITY", "PREFERRED",
                 "PREFERRED", text=True)),
    Row("SEC_DEFAULT_ENCRYPTION", "OPTIONAL", "HTCondor's encryption setting",
        _setting("SEC_DEFAULT_ENCRYPTION", "OPTIONAL", "SEC_DEFAULT_ENCRYPTION", "REQUIRED",
                 "REQUIRED", text=True)),
    Row("USE_MATCH_AUTH", "True", "SEC_ENABLE_MATCH_PASSWORD_AUTHENTICATION",
        _setting("SEC_ENABLE_MATCH_PASSWORD_AUTHENTICATION", True, "USE_MATCH_AUTH", "False",
                 False)),
    Row("MAX_MASTER_LOG", "1M", "Largest MasterLog",
        _setting("MAX_MASTER_LOG", 1000000, "MAX_MASTER_LOG", "2000000", 2000000)),
    Row("MAX_STARTD_LOG", "10M", "Largest StartdLog",
        _setting("MAX_STARTD_LOG", 10000000, "MAX_STARTD_LOG", "2000000", 2000000)),
    Row("MAX_STARTER_LOG", "10M", "Largest StarterLog",
        _setting("MAX_STARTER_LOG", 10000000, "MAX_STARTER_LOG", "2000000", 2000000)),
    Row("USE_CCB", "False", "CCB_ADDRESS: GLIDEIN_CCB, else the collector",
        _setting("CCB_ADDRESS", None, "USE_CCB", "True", "Fake", text=True)),
    Row("USE_SHARED_PORT", "False", "The shared port daemon",
        _same("USE_SHARED_PORT", "True", True)),
    Row("GLIDEIN_CPUS", "1", "NUM_CPUS: a number, slot/auto (the batch slot) or node (the machine)",
        (Knob("NUM_SLOTS_TYPE_1", 1), Knob("NUM_SLOTS_TYPE_1", 3, {"GLIDEIN_CPUS": "3"}),
         Knob("NUM_CPUS", 4, {"GLIDEIN_CPUS": "3"}),  # and the monitoring slot's
         Knob("NUM_SLOTS_TYPE_1", os.cpu_count(), {"GLIDEIN_CPUS": "node"}),
         Probe(_slot_cpus, "condor_config"))),
    Row("GLIDEIN_ESTIMATED_CPUS", "1",
        "The frontend's CPU estimate for auto CPUs (not used by the glidein)",
        (JobEnv("GLIDEIN_ESTIMATED_CPUS", "1"),
         Probe(_estimated_cpus_warning, "factory (validate)")),
        "next to a numeric GLIDEIN_CPUS: a warning, an error with --strict (GlideinWMS accepts it)",
        status="a warning, not an error"),
    Row("GLIDEIN_NODES", "1", "Nodes each glidein starts on, for the frontend (not used by the glidein)",
        (JobEnv("GLIDEIN_NODES", "1"), JobEnv("GLIDEIN_NODES", "4", {"GLIDEIN_NODES": "4"}))),
    Row("GLIDEIN_MaxMemMBs", "none", "MEMORY",
        _setting("MEMORY", None, "GLIDEIN_MaxMemMBs", "1000", 1000)),
    Row("GLIDEIN_MaxMemMBs_Estimate", "False",
        "MEMORY from the node's memory per CPU, capped at the node",
        (Knob("MEMORY", None), Probe(_memory_within_node, "condor_config"))),
    Row("GLIDEIN_DISK", "auto", "Each fixed slot's disk share",
        _setting("SLOT_TYPE_1", "cpus=1, memory=auto, disk=auto", "GLIDEIN_DISK", "50%",
                 "cpus=1, memory=auto, disk=50%", text=True)),
    Row("GLIDEIN_Factory_Report_Failed", "ALIVEONLY",
        "Failure ads (Master ads) to the factory collector",
        (Probe(_factory_report_failed, "glidein exit (ads advertised)"),),
        "needs GLIDEIN_Factory_Collector (the collector to report to)"),
    # Factory config XML.
    Row("GLIDEIN_Factory", "factory_name", "Published and exported",
        _export("GLIDEIN_Factory", "exampleFactory")),
    Row("GLIDEIN_Name", "glidein_name", "Published and exported",
        _export("GLIDEIN_Name", "gfactory_instance")),
    Row("GLIDEIN_Entry_Name", "entry name", "Published and exported",
        _export("GLIDEIN_Entry_Name", ENTRY)),
    Row("GLIDEIN_GridType", "gridtype", "Published and exported",
        _export("GLIDEIN_GridType", "batch slurm")),
    Row("GLIDEIN_Gatekeeper", "gatekeeper", "Published and exported",
        _export("GLIDEIN_Gatekeeper", "pilot@login2.site-b.example.org")),
    Row("GLIDEIN_GlobusRSL", "rsl", "Published and exported",
        (Probe(_rsl, "startd ad, job environment"),), RSL),
    Row("PROXY_URL", "proxy_url",
        "The web proxy for downloads (OSG: $OSG_SQUID_LOCATION); GLIDEIN_Proxy_URL for jobs",
        (JobEnv("GLIDEIN_Proxy_URL", "None"), Probe(_osg_proxy, "glidein exit")),
        "a proxy that does not answer is dropped, saying so"),
    Row("DEBUG_MODE", "verbosity",
        "nodebug: fewer messages; std and fast: debug messages (fast: 150 s failure wait, not 1199 s)",
        (Probe(_debug_mode, "glidein_config"),),
        "the waits are GlideinWMS's (the page: about 2 and 20 minutes); a test does not wait them",
        status="GlideinWMS's waits"),
    # Factory or frontend.
    Row("GLIDEIN_DEBUG_OUTPUT", "none", "The container runtime's debug output (-d -vvv)",
        (Probe(_debug_output, "job wrapper"),),
        "our scripts have no extra debug messages to turn on", status="partly"),
    Row("GLIDEIN_DEBUG_OPTIONS", "none", "userjob, nowait, nocleanup (also from the environment)",
        (Probe(_userjob, "job wrapper"), Probe(_nocleanup, "glidein"))),
    Row("MODULE_USE", "1", "OSG's modules for jobs (the job's +MODULE_USE wins)",
        (JobEnv("MODULE_USE", "1"), Probe(_module_use, "job wrapper"))),
    Row("GLIDEIN_MULTIGLIDEIN", "none", "Starts that many glideins side by side",
        (_multiglidein(""),)),
    Row("GLIDEIN_MULTIGLIDEIN_LAUNCHER", "none", "Command each copy starts with",
        (_multiglidein("GLIDEIN_MULTIGLIDEIN_LAUNCHER"),)),
    Row("GLIDEIN_MULTIGLIDEIN_LAUNCHALL", "none", "One command starts all copies",
        (_multiglidein("GLIDEIN_MULTIGLIDEIN_LAUNCHALL"),)),
    Row("GLIDEIN_CLEANUP_SCRIPT", "none", "A listed script runs at cleanup instead of setup",
        (Probe(_cleanup_script, "glidein (cleanup scripts)"),)),
    # Frontend client variables.
    Row("GLIDEIN_Client", "client name", "Published and exported",
        _export("GLIDEIN_Client", "manual")),
    Row("GLIDEIN_Collector", "required", "The collectors; one becomes HEAD_NODE",
        (Knob("HEAD_NODE", "Fake", text=True), Probe(_collector, "condor_config"))),
    Row("GLIDECLIENT_Hold", "False", "ORed into WANT_HOLD",
        _or_into("WANT_HOLD", "GLIDECLIENT_Hold")),
    Row("GLIDECLIENT_Group_Hold", "False", "ORed into WANT_HOLD",
        _or_into("WANT_HOLD", "GLIDECLIENT_Group_Hold")),
    Row("GLIDECLIENT_PREEMPT", "False", "ORed into PREEMPT",
        _or_into("PREEMPT", "GLIDECLIENT_PREEMPT")),
    Row("GLIDECLIENT_Group_PREEMPT", "False", "ORed into PREEMPT",
        _or_into("PREEMPT", "GLIDECLIENT_Group_PREEMPT")),
    Row("GLIDECLIENT_Rank", "1", "Summed into RANK", _summed("GLIDECLIENT_Rank")),
    Row("GLIDECLIENT_Group_Rank", "1", "Summed into RANK", _summed("GLIDECLIENT_Group_Rank")),
    Row("GLIDEIN_Ignore_X509_Duration", "True",
        "False: the glidein ends with its proxy (always when under 900 s)",
        (Probe(_x509_lifetime, "condor_config, glidein scripts"),)),
    Row("GLIDEIN_Job_Max_Time", "129600", "A retiring job's time to finish (MAXJOBRETIREMENTTIME)",
        (Knob("MAXJOBRETIREMENTTIME", 129600, machine=_quiet),
         Knob("MAXJOBRETIREMENTTIME", 3600, {"GLIDEIN_Job_Max_Time": "3600"}, _quiet))),
    Row("GLIDEIN_Expose_Grid_Env", "False", "JOB_INHERITS_STARTER_ENVIRONMENT",
        _setting("JOB_INHERITS_STARTER_ENVIRONMENT", False, "GLIDEIN_Expose_Grid_Env", "True",
                 True)),
    Row("GLIDEIN_Expose_X509", "False",
        "X509_USER_PROXY stays in HTCondor's (and the jobs') environment",
        (Probe(_expose_x509, "HTCondor's environment"),)),
    Row("SLOTS_LAYOUT", "fixed", "fixed or partitionable slots",
        (Knob("GLIDEIN_SLOTS_LAYOUT_USED", "fixed", {"GLIDEIN_CPUS": "2"}, text=True),
         Knob("SLOT_TYPE_1_PARTITIONABLE", True, {**PARTITIONABLE, "GLIDEIN_CPUS": "2"})),
        "also works as a parameter (the page says a parameter breaks glideins)"),
    Row("FORCE_PARTITIONABLE", "False", "Partitionable slots for one-CPU glideins too",
        (Knob("GLIDEIN_SLOTS_LAYOUT_USED", "fixed", PARTITIONABLE, text=True),
         Knob("GLIDEIN_SLOTS_LAYOUT_USED", "partitionable",
              {**PARTITIONABLE, "FORCE_PARTITIONABLE": "True"}, text=True))),
    Row("GLIDEIN_Report_Failed", "NEVER", "Failure ads (Machine ads) to the user collector",
        (Probe(_report_failed, "glidein exit (ads advertised)"),)),
    Row("GLIDEIN_CLAIM_WORKLIFE", "-1", "CLAIM_WORKLIFE of static slots",
        (_claim_worklife({}, False, -1),
         _claim_worklife({"GLIDEIN_CLAIM_WORKLIFE": "7200"}, False, 7200))),
    Row("GLIDEIN_CLAIM_WORKLIFE_DYNAMIC", "3600", "CLAIM_WORKLIFE of dynamic slots",
        (_claim_worklife({}, True, 3600),
         _claim_worklife({"GLIDEIN_CLAIM_WORKLIFE_DYNAMIC": "1800"}, True, 1800))),
    Row("GLIDEIN_Custom_Start", "True", "ANDed into START",
        (Knob("START", True, machine=_starting), Knob("START", False, machine=_small)),
        "the example's: Memory >= 2048 (a constant, so a frontend cannot change it)"),
    # Cloud VM.
    Row("VM_MAX_LIFETIME", "172800", "The VM pilot service's limit (VM user data)",
        (_vm({}, "172800", "False"), _vm({"VM_MAX_LIFETIME": "3600"}, "3600", "False")),
        "GlideinWMS's submit code uses 43200 when it is not set; we use the page's (and the "
        "condor_vars table's) 172800",
        status="the page, not GlideinWMS"),
    Row("VM_DISABLE_SHUTDOWN", "False", "The VM stays up after the pilot (VM user data)",
        (_vm({"VM_DISABLE_SHUTDOWN": "True"}, "172800", "True"),)),
    # Dynamic: from the factory.
    Row("GLIDEIN_Signature", "dynamic", "Published and exported",
        (_signature("GLIDEIN_Signature", "-sign"),)),
    Row("GLIDEIN_Entry_Signature", "dynamic", "Published and exported",
        (_signature("GLIDEIN_Entry_Signature", "-signentry"),)),
    Row("CONDORG_SCHEDD", "dynamic", "GLIDEIN_Schedd",
        _export("GLIDEIN_Schedd", "schedd_glideins1@factory.example.org")),
    Row("CONDORG_CLUSTER", "dynamic", "GLIDEIN_ClusterId",
        (Published("GLIDEIN_ClusterId", 1), JobEnv("GLIDEIN_ClusterId", "1"))),
    Row("CONDORG_SUBCLUSTER", "dynamic", "GLIDEIN_ProcId",
        (Published("GLIDEIN_ProcId", 0), JobEnv("GLIDEIN_ProcId", "0"))),
    # Dynamic: directory paths.
    Row("TMP_DIR", "dynamic", "GLIDEIN_Tmp_Dir, for scripts and jobs",
        (_glidein_path("TMP_DIR", "GLIDEIN_Tmp_Dir", "dir"), Probe(_tmp_dir_exported, "job environment"))),
    Row("GLIDEIN_LOCAL_TMP_DIR", "dynamic", "A local temporary directory, exported",
        (Probe(_local_tmp_dir, "job environment"),)),
    Row("CONDOR_VARS_FILE", "dynamic", "The condor vars file scripts may add to",
        (_glidein_path("CONDOR_VARS_FILE", "GLIDEIN_Condor_Vars_File", "file"),)),
    Row("CONDOR_VARS_ENTRY_FILE", "dynamic", "The entry's condor vars file",
        (_glidein_path("CONDOR_VARS_ENTRY_FILE", "GLIDEIN_Condor_Vars_Entry_File", "file"),),
        "also ENTRY_CONDOR_VARS_FILE, the only name GlideinWMS's glidein sets",
        status="the page, and GlideinWMS's name"),
    Row("ADD_CONFIG_LINE_SOURCE", "dynamic", "The script with gconfig_add and add_config_line",
        (Probe(_add_config_line_source, "glidein scripts"),)),
    Row("X509_USER_PROXY", "dynamic", "GSI_DAEMON_PROXY",
        (Probe(_proxy_knob, "condor_config"),)),
    Row("X509_CONDORMAP", "dynamic", "CERTIFICATE_MAPFILE",
        (_glidein_path("X509_CONDORMAP", "CERTIFICATE_MAPFILE", "file"),)),
    Row("X509_CERT_DIR", "dynamic", "GSI_DAEMON_TRUSTED_CA_DIR",
        (Probe(_cert_dir, "condor_config"),)),
    Row("CONDOR_DIR", "dynamic", "The HTCondor installation",
        (_glidein_path("CONDOR_DIR", "CONDOR_DIR", "dir"),)),
    Row("WRAPPER_LIST", "dynamic", "The job wrapper's parts",
        (_glidein_path("WRAPPER_LIST", "GLIDEIN_Wrapper_List", "file"),)),
    Row("GLIDEIN_WRAPPER_EXEC", '"$@"', "What the job wrapper execs",
        (Probe(_wrapper_exec, "job wrapper"),
         Exits("GLIDEIN_WRAPPER_EXEC: '$(id)' is not a plain or quoted word",
               {"GLIDEIN_WRAPPER_EXEC": '$(id) "$@"'})),
        "only plain or quoted words and variable references (GlideinWMS's twice-escaped form "
        "is accepted); anything else stops the glidein",
        status="stricter than GlideinWMS"),
    # Machine Job Features (dynamic).
    *(Row(f"MJF_{key}", "dynamic", f"The site's {key.lower()} (Machine/Job Features)",
          (_mjf(key),)) for key in MJF_KEYS),
    # Singularity (dynamic).
    Row("GLIDEIN_SINGULARITY_REQUIRE", "OPTIONAL", "The entry's Singularity support",
        (GConfig("GWMS_SINGULARITY_STATUS", "PREFERRED", OPTIONAL_PREFERRED),
         Exits("the entry requires Singularity the frontend never uses", NEVER_REQUIRED))),
    Row("GLIDEIN_Singularity_Use", "DISABLE_GWMS", "The frontend's Singularity use",
        (GConfig("GWMS_SINGULARITY_STATUS", "DISABLE"),
         GConfig("GWMS_SINGULARITY_STATUS", "PREFERRED", {"GLIDEIN_Singularity_Use": "PREFERRED"}))),
    Row("GWMS_SINGULARITY_STATUS", "dynamic", "DISABLE, FAIL, NEVER, PREFERRED or REQUIRED",
        (Published("GWMS_SINGULARITY_STATUS", "DISABLE"),
         Exits("Singularity is REQUIRED but no apptainer/singularity binary was found",
               {"GLIDEIN_Singularity_Use": "REQUIRED"}))),
    Row("GWMS_SINGULARITY_STATUS_EFFECTIVE", "dynamic", "Overrides the status for one job",
        (Probe(_effective_status, "job wrapper"),)),
    Row("GWMS_SINGULARITY_MODE", "dynamic",
        "privileged or unprivileged (also SINGULARITY_MODE); singularity/MODE in GLIDEIN_PROVIDES",
        (Probe(_mode, "startd ad"),), "fakeroot is not told apart: that needs an image run",
        status="partly (no fakeroot)"),
    Row("HAS_SINGULARITY", "dynamic", "Unset for DISABLE, True with a binary, else False",
        (Probe(_has_singularity, "startd ad"),)),
    Row("SINGULARITY_IMAGES_DICT", "none", "platform:image pairs",
        (_image_choice({}, "/cvmfs/img/el7"),)),
    Row("REQUIRED_OS", "any", "The job's platforms: its image",
        (_image({}, 'REQUIRED_OS = "rhel9"\n', "/cvmfs/img/el9"),)),
    Row("GLIDEIN_REQUIRED_OS", "any", "The entry's platforms: the glidein's image",
        (_image_choice({"GLIDEIN_REQUIRED_OS": "rhel9"}, "/cvmfs/img/el9"),)),
    Row("SINGULARITY_IMAGE_RESTRICTIONS", "any", "cvmfs: only images under /cvmfs",
        (_image_choice(IMAGES_HOME, "/home/x.sif"),
         _image_choice({**IMAGES_HOME, "SINGULARITY_IMAGE_RESTRICTIONS": "cvmfs"}, None)),
        "default any, as the page and the condor_vars table say (GlideinWMS's script defaults "
        "to cvmfs)",
        status="the page, not GlideinWMS"),
    Row("GLIDEIN_SINGULARITY_BINDPATH_DEFAULT", "none", "Bind mounts (those that exist)",
        (_bind_paths("GLIDEIN_SINGULARITY_BINDPATH_DEFAULT"),)),
    Row("GLIDEIN_SINGULARITY_BINDPATH", "none", "Bind mounts (those that exist)",
        (_bind_paths("GLIDEIN_SINGULARITY_BINDPATH"),)),
    Row("GWMS_SINGULARITY_BIND_CVMFS", "1", "Binds /cvmfs",
        (Probe(_bind_cvmfs, "glidein_config"),),
        "CVMFS_MOUNT_DIR (a cvmfsexec mount) is bound as /cvmfs; this machine has no /cvmfs"),
    Row("GLIDEIN_SINGULARITY_OPTS", "none", "Extra runtime options",
        (_words_include({"GLIDEIN_SINGULARITY_OPTS": "--nv --writable-tmpfs"},
                        "--contain --nv --writable-tmpfs"),)),
    Row("GLIDEIN_SINGULARITY_BINARY_OVERRIDE", "none",
        "The binary (file or directories) tried first",
        (_binary_found("GLIDEIN_SINGULARITY_BINARY_OVERRIDE", lambda binary: str(binary.parent)),)),
    Row("OSG_SINGULARITY_BINARY", "OSG's CVMFS path", "The binary SINGULARITY_BIN=OSG means",
        (_binary_found("OSG_SINGULARITY_BINARY", str),)),
    Row("SINGULARITY_BIN", "OSG", "OSG, PATH or a directory tried early",
        (_binary_found("SINGULARITY_BIN", lambda binary: str(binary.parent)),)),
    Row("GLIDEIN_CONTAINER_ENV", "clearpaths", "What the container's environment keeps",
        (Probe(_container_environment, "job wrapper"),
         Exits("GLIDEIN_CONTAINER_ENV: 'clearpath' is not",
               {"GLIDEIN_Singularity_Use": "PREFERRED", "GLIDEIN_CONTAINER_ENV": "clearpath"})),
        "an unknown word stops the glidein (GlideinWMS ignores it)",
        status="stricter than GlideinWMS"),
    # Glidein scripts (dynamic).
    Row("X509_GRIDMAP_DNS", "dynamic", "The DNs of the grid-mapfiles",
        (Probe(_gridmap_dns, "glidein scripts"),)),
    Row("X509_EXPIRE", "dynamic", "The proxy's end; an expired proxy stops the glidein",
        (Probe(_x509_expire, "glidein_config"),)),
    Row("SiteWMS_WN_Draining", "dynamic", "True when the site announces a shutdown: START stops matching",
        (_drain("MACHINEFEATURES", "shutdowntime", 7200, True, False),),
        "checked every 60 s; GlideinWMS drains only when the shutdown falls within the glidein's grace time",
        status="the page, not GlideinWMS"),
    Row("SiteWMS_WN_Preempt", "dynamic", "True under 30 minutes from shutdown: jobs get 20",
        (_drain("JOBFEATURES", "shutdowntime_job", 1500, True, True),
         _drain("JOBFEATURES", "shutdowntime_job", 2100, True, False),
         Knob("MAXJOBRETIREMENTTIME", 1200, machine=_preempting))),
)
# fmt: on


# --- the tests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    """The example factory, published with a stand-in HTCondor; SITE_B_slurm's GLIDEIN_Site
    and GLIDEIN_CPUS and the main USE_CCB and GLIDEIN_Retire_Time_Spread removed, so their
    defaults show."""
    root = tmp_path_factory.mktemp("page")
    config = copy_example("factory", root / "factory") / "glideinWMS.xml"
    stand_in_tarball(config.parent / "files" / "condor_stub.tgz")
    lines = config.read_text().splitlines(True)
    dropped_main = ('name="USE_CCB"', 'name="GLIDEIN_Retire_Time_Spread"')
    config.write_text("".join(line for line in lines if not any(n in line for n in dropped_main)))
    for name in ("10-sites.xml", "20-cloud.xml"):  # SITE_B_slurm is in both
        sites = config.parent / "config.d" / name
        lines = sites.read_text().splitlines(True)
        dropped = (
            'value="SiteB"',
            'name="GLIDEIN_CPUS" const="True" job_publish="True" parameter="True" publish="True" type="string" value="auto"',
        )
        sites.write_text(
            "".join(line for line in lines if not any(item in line for item in dropped))
        )
    out = root / "out"
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    return Lab(config, out, root / "scratch")


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_the_variable_does_what_the_page_says(lab: Lab, row: Row) -> None:
    for check in row.checks:
        check.verify(lab)


def _page_variables() -> list[str]:
    """The variables the page documents, in its order (its tables' first words)."""
    text = PAGE.read_text(encoding="utf-8")
    body = text[text.index("Glidein Variables\n") : text.index("Set and discover available CPUs")]
    names = [
        prefix + name  # "[GWMS_]SINGULARITY_MODE": GWMS_SINGULARITY_MODE
        for prefix, name in re.findall(
            r"^(?:\[(GWMS_)\])?([A-Z][A-Za-z0-9_]+) (?:String|Str|Int|Expr|Exp)\b",
            body,
            re.MULTILINE,
        )
    ]
    # The directory paths' table names them alone on a line.
    paths = body[body.index("Directory Path Variables") : body.index("Machine Job Features")]
    names += re.findall(r"^([A-Z][A-Z0-9_]+)$", paths, re.MULTILINE)
    return list(dict.fromkeys(names))


@pytest.mark.skipif(not PAGE.is_file(), reason="the seed page is not beside the repository")
def test_the_rows_are_the_pages_124_variables() -> None:
    page = _page_variables()
    assert len(page) == 124
    assert sorted(row.name for row in ROWS) == sorted(page)


def render_table() -> str:
    """The README's table of the page's variables, from the rows."""
    lines = [
        TABLE_START,
        "",
        "| Variable | Default | Effect | Status | Observed in | Notes |",
        "|---|---|---|---|---|---|",
    ]
    for row in ROWS:
        where = ", ".join(dict.fromkeys(check.where for check in row.checks))
        cells = (f"`{row.name}`", row.default, row.effect, row.status, where, row.note)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join([*lines, "", TABLE_END])


def test_the_readme_table_is_rendered_from_the_rows() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == render_table(), "run: python tests/test_page_variables.py"


if __name__ == "__main__":
    readme = README.read_text(encoding="utf-8")
    begin, finish = readme.index(TABLE_START), readme.index(TABLE_END) + len(TABLE_END)
    README.write_text(readme[:begin] + render_table() + readme[finish:], encoding="utf-8")
    sys.exit(0)

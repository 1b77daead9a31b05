"""Custom HTCondor variables on real glideins: the final condor_config as HTCondor reads it,
and what the periodic scripts publish as the startd reads it (typed ClassAd values)."""

from __future__ import annotations

import configparser
import datetime as dt
import os
import subprocess
import time
from importlib.resources import files
from pathlib import Path

import classad2
import pytest

from glideinforge.factory.try_glidein import condor_knobs, read_glidein_config, run_glidein

from compile_helpers import gfactory_run
from conftest import copy_example
from x509_helpers import stand_in_proxy

STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")
ENTRY = "SITE_B_slurm"
LIB = Path(str(files("glideinforge.creation.web_base").joinpath("glidein_lib.sh")))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The example factory, USE_CCB left to the frontend and SITE_B_slurm without a site."""
    root = tmp_path_factory.mktemp("variables")
    config = copy_example("factory", root / "factory") / "glideinWMS.xml"
    text = config.read_text()
    ccb = '<attr name="USE_CCB" const="True"'
    assert ccb in text
    config.write_text(text.replace(ccb, '<attr name="USE_CCB" const="False"'))
    for name in ("10-sites.xml", "20-cloud.xml"):  # SITE_B_slurm (in both): no GLIDEIN_Site
        sites = config.parent / "config.d" / name
        lines = sites.read_text().splitlines(True)
        sites.write_text("".join(line for line in lines if 'value="SiteB"' not in line))
    out = root / "out"
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    return out


def _glidein(out: Path, tmp_path: Path, **params: str):
    run = run_glidein(out / WORK, out / STAGE, ENTRY, tmp_path / "start", params=params)
    assert run.exit_code == 0, run.stderr[-3000:]
    return run


def _knobs(run, *names: str) -> dict[str, object]:
    return condor_knobs(run.glidein_dir / "condor_config", names)


def _in_glidein(
    run,
    program: str,
    *args: str | Path,
    environment: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run PROGRAM (a path in the glidein dir) with ARGS, from the glidein dir unless CWD.

    With ENVIRONMENT the program sees only it and PATH; without, the test's environment.
    """
    env = None if environment is None else {"PATH": os.environ["PATH"], **environment}
    return subprocess.run(
        [str(run.glidein_dir / program), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd or run.glidein_dir,
        env=env,
    )


def test_the_site_defaults_to_the_entry_name(published, tmp_path):
    run = _glidein(published, tmp_path)
    knobs = _knobs(run, "GLIDEIN_Site", "STARTER_JOB_ENVIRONMENT", "STARTD_ATTRS")
    assert classad2.ExprTree(knobs["GLIDEIN_Site"]).eval() == ENTRY
    assert f"'GLIDEIN_Site={ENTRY}'" in knobs["STARTER_JOB_ENVIRONMENT"]
    assert "GLIDEIN_Site" in knobs["STARTD_ATTRS"].split()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"USE_PROCESS_GROUPS": False, "STARTD_SENDS_ALIVES": True}),
        (
            {"GLIDEIN_Use_PGroups": "True", "STARTD_SENDS_ALIVES": "False"},
            {"USE_PROCESS_GROUPS": True, "STARTD_SENDS_ALIVES": False},
        ),
    ],
)
def test_process_groups_and_alives_are_what_the_variables_say(
    published, tmp_path, params, expected
):
    knobs = _knobs(_glidein(published, tmp_path, **params), *expected)
    assert {name: str(value) for name, value in knobs.items()} == {
        name: str(value) for name, value in expected.items()
    }


@pytest.mark.parametrize(
    ("params", "ccb"),
    [
        ({"USE_CCB": "False"}, None),
        ({"USE_CCB": "True"}, "Fake"),  # the collector (the example's GLIDEIN_Collector)
        ({"USE_CCB": "True", "GLIDEIN_CCB": "ccb.example.org:9618"}, "ccb.example.org:9618"),
        ({"USE_CCB": "False", "GLIDEIN_CCB": "ccb.example.org:9618"}, None),
    ],
)
def test_ccb_is_used_only_when_use_ccb_is_true(published, tmp_path, params, ccb):
    assert _knobs(_glidein(published, tmp_path, **params), "CCB_ADDRESS")["CCB_ADDRESS"] == ccb


def test_a_blank_integer_variable_takes_its_default(published, tmp_path):
    run = _glidein(published, tmp_path, GLIDEIN_Max_Idle=" ")
    assert str(_knobs(run, "GLIDEIN_Max_Idle")["GLIDEIN_Max_Idle"]) == "1200"


def test_an_integer_variable_that_is_not_an_integer_stops_the_glidein(published, tmp_path):
    run = run_glidein(
        published / WORK,
        published / STAGE,
        ENTRY,
        tmp_path / "start",
        params={"GLIDEIN_Max_Idle": "20 minutes"},
    )
    assert run.exit_code == 1
    assert "GLIDEIN_Max_Idle: '20 minutes' is not an integer" in run.stderr


def _periodic(run, script: str, environment: dict[str, str]) -> dict[str, object]:
    """Run a periodic script the way the startd's cron does; parse what it prints."""
    directory = run.glidein_dir
    completed = _in_glidein(
        run,
        "main/script_wrapper.sh",
        directory / "glidein_config",
        "main",
        directory / "main" / script,
        environment=environment,
    )
    assert completed.returncode == 0, completed.stderr
    ad = classad2.parseOne(completed.stdout)
    return {key: ad.eval(key) for key in ad}


@pytest.mark.parametrize(
    ("features", "draining", "preempt"),
    [
        ({}, False, False),
        ({"MACHINEFEATURES": {"shutdowntime": 7200}}, True, False),
        ({"JOBFEATURES": {"shutdowntime_job": 600}}, True, True),
        (
            {"MACHINEFEATURES": {"shutdowntime": 7200}, "JOBFEATURES": {"shutdowntime_job": 60}},
            True,
            True,
        ),
    ],
)
def test_the_drain_check_publishes_typed_booleans_the_start_expression_can_use(
    published, tmp_path, features, draining, preempt
):
    run = _glidein(published, tmp_path)
    environment = {}
    for variable, times in features.items():
        directory = tmp_path / variable.lower()
        directory.mkdir()
        for name, seconds in times.items():
            (directory / name).write_text(f"{int(time.time()) + seconds}\n")
        environment[variable] = str(directory)
    published_ad = _periodic(run, "check_wn_drainstate.sh", environment)
    assert published_ad["SiteWMS_WN_Draining"] is draining
    assert published_ad["SiteWMS_WN_Preempt"] is preempt
    # As the startd sees it: START's draining clause holds exactly when not draining.
    ad = classad2.ClassAd({"SiteWMS_WN_Draining": published_ad["SiteWMS_WN_Draining"]})
    assert classad2.ExprTree("SiteWMS_WN_Draining =?= False").eval(ad) is (not draining)


def test_the_drain_check_refuses_a_shutdown_time_that_is_not_a_number(published, tmp_path):
    run = _glidein(published, tmp_path)
    features = tmp_path / "features"
    features.mkdir()
    (features / "shutdowntime").write_text("soon\n")
    completed = _in_glidein(
        run,
        "main/check_wn_drainstate.sh",
        run.glidein_dir / "glidein_config",
        "main",
        environment={"MACHINEFEATURES": str(features)},
    )
    assert completed.returncode == 1


def _fake_binary(directory: Path, name: str = "apptainer") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    binary = directory / name
    binary.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "apptainer version 1.2.5"\n')
    binary.chmod(0o755)
    return binary


@pytest.mark.parametrize(
    ("params", "status", "has"),
    [
        ({}, "DISABLE", None),  # GLIDEIN_Singularity_Use defaults to DISABLE_GWMS
        ({"GLIDEIN_Singularity_Use": "NEVER"}, "NEVER", False),
        ({"GLIDEIN_Singularity_Use": "OPTIONAL"}, "NEVER", False),  # the entry: OPTIONAL
        ({"GLIDEIN_Singularity_Use": "PREFERRED"}, "PREFERRED", False),  # no binary here
        (
            {"GLIDEIN_Singularity_Use": "OPTIONAL", "GLIDEIN_SINGULARITY_REQUIRE": "PREFERRED"},
            "PREFERRED",
            False,
        ),
    ],
)
def test_singularity_status_combines_frontend_and_entry(published, tmp_path, params, status, has):
    run = _glidein(published, tmp_path, **params)
    knobs = _knobs(run, "GWMS_SINGULARITY_STATUS", "HAS_SINGULARITY")
    assert classad2.ExprTree(knobs["GWMS_SINGULARITY_STATUS"]).eval() == status
    assert run.glidein_config.get("HAS_SINGULARITY") == (None if has is None else str(has))
    if has is not None:
        assert classad2.ExprTree(str(knobs["HAS_SINGULARITY"])).eval() is has


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"GLIDEIN_Singularity_Use": "REQUIRED"}, "no apptainer/singularity binary was found"),
        (
            {"GLIDEIN_Singularity_Use": "NEVER", "GLIDEIN_SINGULARITY_REQUIRE": "REQUIRED"},
            "the entry requires Singularity the frontend never uses",
        ),
        (
            {
                "GLIDEIN_Singularity_Use": "DISABLE_GWMS",
                "GLIDEIN_SINGULARITY_REQUIRE": "REQUIRED_GWMS",
            },
            "the entry requires the GlideinWMS Singularity setup the frontend disables",
        ),
        ({"GLIDEIN_Singularity_Use": "SOMETIMES"}, "GLIDEIN_Singularity_Use is 'SOMETIMES'"),
    ],
)
def test_singularity_requirements_that_cannot_hold_fail_the_glidein(
    published, tmp_path, params, message
):
    run = run_glidein(published / WORK, published / STAGE, ENTRY, tmp_path / "start", params=params)
    assert run.exit_code == 1
    assert message in run.stderr


@pytest.mark.parametrize("where", ["override file", "override dir", "bin dir", "PATH", "OSG"])
def test_the_singularity_binary_is_found_where_the_page_says(published, tmp_path, where):
    binary = _fake_binary(tmp_path / "bin")
    params = {"GLIDEIN_Singularity_Use": "REQUIRED"}
    environment = {}
    if where == "override file":
        params["GLIDEIN_SINGULARITY_BINARY_OVERRIDE"] = str(binary)
    elif where == "override dir":
        params["GLIDEIN_SINGULARITY_BINARY_OVERRIDE"] = str(binary.parent)
    elif where == "bin dir":
        params["SINGULARITY_BIN"] = str(binary.parent)
    elif where == "PATH":
        params["SINGULARITY_BIN"] = "PATH"
        environment["PATH"] = f"{binary.parent}:{os.environ['PATH']}"
    else:
        params["OSG_SINGULARITY_BINARY"] = str(binary)
    run = run_glidein(
        published / WORK,
        published / STAGE,
        ENTRY,
        tmp_path / "start",
        params=params,
        environment=environment,
    )
    assert run.exit_code == 0, run.stderr[-2000:]
    assert run.glidein_config["HAS_SINGULARITY"] == "True"
    assert run.glidein_config["SINGULARITY_BIN"] == str(binary)
    assert run.glidein_config["GWMS_SINGULARITY_VERSION"] == "apptainer version 1.2.5"
    assert run.glidein_config["GWMS_SINGULARITY_STATUS"] == "REQUIRED"


def _expanded(run, name: str, machine: dict[str, object]) -> object:
    """Evaluate knob NAME (macros expanded by HTCondor) in a machine ad, as the startd does."""
    text = str(_knobs(run, name)[name])
    return classad2.ExprTree(text).eval(classad2.ClassAd(machine))


@pytest.mark.parametrize(
    ("params", "machine", "seconds"),
    [
        ({}, {}, 129600),  # GLIDEIN_Job_Max_Time
        ({}, {"SiteWMS_WN_Preempt": True}, 1200),  # the site preempts: 20 minutes
        ({"GLIDEIN_PREEMPT": "True", "PREEMPT_GRACE_TIME": "600"}, {}, 600),
        ({"GLIDEIN_Hold": "True", "HOLD_GRACE_TIME": "300"}, {}, 300),
        ({"GLIDEIN_Hold": "True"}, {}, 0),  # held jobs go at once by default
    ],
)
def test_grace_times_shape_max_job_retirement_time(published, tmp_path, params, machine, seconds):
    run = _glidein(published, tmp_path, **params)
    assert _expanded(run, "MAXJOBRETIREMENTTIME", machine) == seconds
    preempting = bool(machine) or "GLIDEIN_PREEMPT" in params
    assert _expanded(run, "PREEMPT", machine) is preempting


def test_claim_worklife_depends_on_the_slot_kind(published, tmp_path):
    run = _glidein(
        published,
        tmp_path,
        GLIDEIN_CLAIM_WORKLIFE="7200",
        GLIDEIN_CLAIM_WORKLIFE_DYNAMIC="1800",
    )
    line = next(
        line
        for line in (run.glidein_dir / "condor_config").read_text().splitlines()
        if line.startswith("CLAIM_WORKLIFE")
    )
    knobs = _knobs(run, "GLIDEIN_CLAIM_WORKLIFE", "GLIDEIN_CLAIM_WORKLIFE_DYNAMIC")
    expression = line.split("=", 1)[1]
    for name, value in knobs.items():
        expression = expression.replace(f"$({name})", str(value))
    tree = classad2.ExprTree(expression)
    assert tree.eval(classad2.ClassAd({"DynamicSlot": True})) == 1800
    assert tree.eval(classad2.ClassAd({"DynamicSlot": False})) == 7200
    assert tree.eval(classad2.ClassAd()) == 7200


def test_debug_options_set_as_an_attr_count_like_the_environment(published, tmp_path):
    environment = {"GLIDEIN_DEBUG_OPTIONS": "nowait,nocondor"}  # no nocleanup here
    gone = run_glidein(
        published / WORK, published / STAGE, ENTRY, tmp_path / "a", environment=environment
    )
    assert gone.exit_code == 0, gone.stderr[-2000:]
    assert gone.glidein_dir is None  # cleaned up
    kept = run_glidein(
        published / WORK,
        published / STAGE,
        ENTRY,
        tmp_path / "b",
        environment=environment,
        params={"GLIDEIN_DEBUG_OPTIONS": "nocleanup,userjob"},
    )
    assert kept.exit_code == 0, kept.stderr[-2000:]
    assert kept.glidein_dir is not None  # the attr's nocleanup kept it


@pytest.mark.parametrize("options", ["", "userjob"])
def test_userjob_prints_where_the_job_starts_on_its_stderr(published, tmp_path, options):
    params = {"GLIDEIN_DEBUG_OPTIONS": options} if options else {}
    run = _glidein(published, tmp_path, **params)
    completed = _in_glidein(run, "condor_job_wrapper.sh", "/bin/echo", "job ran", cwd=tmp_path)
    assert completed.returncode == 0
    assert completed.stdout == "job ran\n"
    said = [line for line in completed.stderr.splitlines() if "condor_job_wrapper.sh:" in line]
    if options:
        assert len(said) == 1
        assert f" in {tmp_path} as " in said[0]
        assert said[0].endswith(": /bin/echo job ran")
    else:
        assert said == []


def _features(tmp_path: Path, name: str, values: dict[str, str]) -> str:
    directory = tmp_path / name
    directory.mkdir()
    for key, value in values.items():
        (directory / key).write_text(f"{value}\n")
    return str(directory)


def test_machine_job_features_are_published_typed_at_startup_and_periodically(published, tmp_path):
    environment = {
        "MACHINEFEATURES": _features(
            tmp_path, "machine", {"total_cpu": "32", "hs06": "412.5", "grace_secs": "3600"}
        ),
        "JOBFEATURES": _features(
            tmp_path,
            "job",
            {
                "allocated_cpu": "8",
                "job_id": "batch.4242",
                "max_rss_bytes": 'a"b',
                "hs06_job": "96",
            },
        ),
    }
    run = run_glidein(
        published / WORK,
        published / STAGE,
        ENTRY,
        tmp_path / "start",
        environment={**environment, "GLIDEIN_DEBUG_OPTIONS": "nocleanup,nowait,nocondor"},
    )
    assert run.exit_code == 0, run.stderr[-2000:]
    # At startup: integers and the job id reach condor_config and the startd's attributes.
    knobs = _knobs(
        run,
        "MJF_MACHINE_TOTAL_CPU",
        "MJF_JOB_ALLOCATED_CPU",
        "MJF_JOB_ID",
        "MJF_MACHINE_HS06",
        "STARTD_ATTRS",
    )
    typed = {
        name: classad2.ExprTree(str(knobs[name])).eval()
        for name in ("MJF_MACHINE_TOTAL_CPU", "MJF_JOB_ALLOCATED_CPU", "MJF_JOB_ID")
    }
    assert typed == {
        "MJF_MACHINE_TOTAL_CPU": 32,
        "MJF_JOB_ALLOCATED_CPU": 8,
        "MJF_JOB_ID": "batch.4242",
    }
    assert knobs["MJF_MACHINE_HS06"] is None  # not an integer: only the periodic ad has it
    assert {"MJF_MACHINE_TOTAL_CPU", "MJF_JOB_ID"} <= set(knobs["STARTD_ATTRS"].split())
    # Periodically (the startd adds the MJF_ prefix): typed values, bad ones "WrongFormat".
    ad = _periodic(run, "mjf_setparams.sh", environment)
    assert ad == {
        "MACHINE_TOTAL_CPU": 32,
        "MACHINE_HS06": 412.5,
        "MACHINE_GRACE_SECS": 3600,
        "JOB_ALLOCATED_CPU": 8,
        "JOB_HS06_JOB": 96,
        "JOB_ID": "batch.4242",
        "JOB_MAX_RSS_BYTES": "WrongFormat",
    }


def _setup_x509_with_proxy(run, tmp_path: Path, proxy: Path) -> tuple[int, str, dict[str, str]]:
    """Run setup_x509.sh in RUN's glidein with PROXY and no IDTOKEN; its exit, stderr, config."""
    directory = run.glidein_dir
    config = directory / "glidein_config"
    empty = tmp_path / "no-tokens"
    empty.mkdir(parents=True)
    lines = [
        line
        for line in config.read_text().splitlines()
        if not line.startswith(("GLIDEIN_CONDOR_TOKEN ", "GLIDEIN_START_DIR_ORIG "))
    ]
    config.write_text("\n".join([*lines, f"GLIDEIN_START_DIR_ORIG {empty}"]) + "\n")
    completed = _in_glidein(
        run, "main/setup_x509.sh", config, "main", environment={"X509_USER_PROXY": str(proxy)}
    )
    return completed.returncode, completed.stderr, read_glidein_config(config)


def test_a_proxy_gives_x509_expire_and_an_expired_one_stops_the_glidein(published, tmp_path):
    run = _glidein(published, tmp_path)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    proxy = stand_in_proxy(tmp_path / "proxy.pem", end.replace(microsecond=0))
    code, stderr, config = _setup_x509_with_proxy(run, tmp_path, proxy)
    assert code == 0, stderr
    assert config["X509_EXPIRE"] == str(int(end.replace(microsecond=0).timestamp()))
    assert config["X509_USER_PROXY"] == str(proxy)
    expired = stand_in_proxy(tmp_path / "old.pem", end - dt.timedelta(days=1))
    code, stderr, _ = _setup_x509_with_proxy(
        _glidein(published, tmp_path / "again"), tmp_path / "x", expired
    )
    assert code == 1
    assert f"setup_x509.sh: the proxy {expired} expired at" in stderr


@pytest.mark.parametrize(
    ("left", "ignore", "expected"),
    [
        ("5000", "True", "20000 86000"),  # ignored: a proxy can be renewed
        ("5000", "False", "5000 5000"),  # shortened to the proxy
        ("600", "True", "600 600"),  # under 900 s: always shortened
        ("100000", "False", "20000 86000"),  # outlives the glidein
    ],
)
def test_the_proxy_lifetime_shortens_the_glidein_as_the_page_says(left, ignore, expected):
    completed = subprocess.run(
        [
            "bash",
            "-c",
            'source "$0"; gl_x509_lifetime "$@"',
            str(LIB),
            "20000",
            "86000",
            left,
            ignore,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == expected


def _launcher(directory: Path) -> Path:
    """A launcher that records its arguments, then runs them."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "launcher.sh"
    script.write_text(f'#!/bin/sh\necho "$$ $*" >>{directory}/launched.log\nexec "$@"\n')
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("how", ["plain", "launcher", "launchall"])
def test_the_multiglidein_parameter_starts_copies(published, tmp_path, how):
    launcher = _launcher(tmp_path / "tools")
    params = {"GLIDEIN_MULTIGLIDEIN": "2"}
    if how == "launcher":
        params["GLIDEIN_MULTIGLIDEIN_LAUNCHER"] = f"env LAUNCHED=1 {launcher}"  # split in words
    elif how == "launchall":
        params["GLIDEIN_MULTIGLIDEIN_LAUNCHALL"] = str(launcher)
    start = tmp_path / "start"
    run = run_glidein(published / WORK, published / STAGE, ENTRY, start, params=params)
    assert run.exit_code == 0, run.stderr[-2000:]
    log = tmp_path / "tools" / "launched.log"
    if how == "launchall":
        # One command starts them all (the batch system's launcher spawns the copies).
        lines = log.read_text().splitlines()
        assert len(lines) == 1 and "-multirestart 0" in lines[0]
        return
    assert "All 2 glideins ended" in run.stdout
    for index in (1, 2):
        (child,) = (start / f"glidein_dir{index}").glob("glide_*")
        assert (child / "condor_config").is_file()
    if how == "launcher":
        lines = log.read_text().splitlines()
        assert len(lines) == 2
        assert all(" bash " in line and "-multirestart" in line for line in lines)
    else:
        assert not log.exists()


@pytest.mark.parametrize("debug", ["", "True"])
def test_singularity_image_binds_and_options_reach_the_container_command(
    published, tmp_path, debug
):
    binary = tmp_path / "bin" / "apptainer"
    binary.parent.mkdir()
    log = tmp_path / "apptainer.log"
    binary.write_text(
        f'#!/bin/sh\n[ "$1" = --version ] && {{ echo "apptainer version 1.2.5"; exit 0; }}\n'
        f'printf "%s\\n" "$@" >{log}\n'
    )
    binary.chmod(0o755)
    data = tmp_path / "data"
    data.mkdir()
    params = {
        "GLIDEIN_Singularity_Use": "REQUIRED",
        "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary),
        "SINGULARITY_IMAGES_DICT": "rhel7:/cvmfs/img/el7,default:/cvmfs/img/el9,x:/home/x.sif",
        "GLIDEIN_REQUIRED_OS": "rhel8,rhel7",
        "GLIDEIN_SINGULARITY_BINDPATH": f"{data}:/data:ro,{tmp_path}/missing",
        "GWMS_SINGULARITY_BIND_CVMFS": "0",
        "GLIDEIN_SINGULARITY_OPTS": "--cleanenv --nv",
    }
    if debug:
        params["GLIDEIN_DEBUG_OUTPUT"] = debug  # any value: the runtime's debug output
    run = _glidein(published, tmp_path, **params)
    assert run.glidein_config["GWMS_SINGULARITY_IMAGE"] == "/cvmfs/img/el7"
    assert run.glidein_config["GWMS_SINGULARITY_BIND_PATHS"] == f"{data}:/data:ro"
    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    directory = run.glidein_dir
    completed = _in_glidein(
        run, "main/singularity_wrapper.sh", script, directory / "glidein_config", "main"
    )
    assert completed.returncode == 0, completed.stderr
    assert log.read_text().splitlines() == [
        *(["-d", "-vvv"] if debug else []),
        "exec",
        "--bind",
        f"{directory},{data}:/data:ro",
        "--pwd",
        str(directory),
        "--cleanenv",
        "--nv",
        "/cvmfs/img/el7",
        str(script),
        str(directory / "glidein_config"),
        "main",
    ]


@pytest.mark.parametrize(
    ("module_use", "job_ad", "loaded"),
    [
        ("1", None, "yes"),
        ("0", None, ""),
        ("1", "MODULE_USE = false\n", ""),  # the job's +MODULE_USE wins
        ("0", "MODULE_USE = true\n", "yes"),
    ],
)
def test_module_use_sets_up_osg_modules_for_the_job(
    published, tmp_path, module_use, job_ad, loaded
):
    run = _glidein(published, tmp_path)
    cvmfs = tmp_path / "cvmfs"
    init = cvmfs / "oasis.opensciencegrid.org" / "osg" / "sw" / "module-init.sh"
    init.parent.mkdir(parents=True)
    init.write_text("MODULES_LOADED=yes\nexport MODULES_LOADED\n")
    environment = {"MODULE_USE": module_use, "CVMFS_MOUNT_DIR": str(cvmfs)}
    if job_ad is not None:
        (tmp_path / "job.ad").write_text(job_ad)
        environment["_CONDOR_JOB_AD"] = str(tmp_path / "job.ad")
    completed = _in_glidein(
        run,
        "condor_job_wrapper.sh",
        "/bin/sh",
        "-c",
        'echo "${MODULES_LOADED:-}"',
        environment=environment,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"{loaded}\n"


def test_module_use_reaches_the_job_environment(published, tmp_path):
    run = _glidein(published, tmp_path, MODULE_USE="0")
    environment = _knobs(run, "STARTER_JOB_ENVIRONMENT")["STARTER_JOB_ENVIRONMENT"]
    assert "'MODULE_USE=0'" in environment


@pytest.mark.parametrize(("restrictions", "image"), [(None, "/home/x.sif"), ("cvmfs", None)])
def test_image_restrictions_default_to_any_as_the_page_says(
    published, tmp_path, restrictions, image
):
    binary = _fake_binary(tmp_path / "bin")
    params = {
        "GLIDEIN_Singularity_Use": "REQUIRED",
        "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary),
        "SINGULARITY_IMAGES_DICT": "default:/home/x.sif",
    }
    if restrictions:
        params["SINGULARITY_IMAGE_RESTRICTIONS"] = restrictions
    run = _glidein(published, tmp_path, **params)
    assert run.glidein_config.get("GWMS_SINGULARITY_IMAGE") == image


@pytest.mark.parametrize(
    "setting",
    [
        '"$LAUNCH" -t "$@"',
        # GlideinWMS's documented form, escaped twice for its submit path.
        '"\\\\\\"\\\\\\$LAUNCH\\\\\\" -t \\\\\\"\\\\\\$@\\\\\\""',
    ],
)
def test_the_job_wrapper_execs_what_glidein_wrapper_exec_says(published, tmp_path, setting):
    run = _glidein(published, tmp_path, GLIDEIN_WRAPPER_EXEC=setting)
    launch = tmp_path / "launch.sh"
    launch.write_text('#!/bin/sh\necho "launched with $*"\n')
    launch.chmod(0o755)
    completed = _in_glidein(
        run,
        "condor_job_wrapper.sh",
        "/bin/echo",
        "job",
        environment={"LAUNCH": str(launch), "MODULE_USE": "0"},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "launched with -t /bin/echo job\n"


@pytest.mark.parametrize("setting", ['"$@"; touch "$HOME/x"', '$(id) "$@"', '`id` "$@"'])
def test_a_wrapper_exec_that_is_more_than_words_stops_the_glidein(published, tmp_path, setting):
    run = run_glidein(
        published / WORK,
        published / STAGE,
        ENTRY,
        tmp_path / "start",
        params={"GLIDEIN_WRAPPER_EXEC": setting},
    )
    assert run.exit_code == 1
    assert "GLIDEIN_WRAPPER_EXEC: '" in run.stderr
    assert "is not a plain or quoted word" in run.stderr


def _logging_runtime(directory: Path) -> Path:
    """A stand-in apptainer: --version answers; exec logs its words and environment."""
    directory.mkdir(parents=True, exist_ok=True)
    binary = directory / "apptainer"
    binary.write_text(
        '#!/bin/bash\n[ "$1" = --version ] && { echo "apptainer version 1.2.5"; exit 0; }\n'
        f'printf "%s\\n" "$@" >{directory}/words\n'
        f"/usr/bin/env >{directory}/environment\n"
    )
    binary.chmod(0o755)
    return binary


def _container_glidein(published, tmp_path: Path, **params: str):
    binary = _logging_runtime(tmp_path / "runtime")
    settings = {
        "GLIDEIN_Singularity_Use": "REQUIRED",
        "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary),
        "SINGULARITY_IMAGES_DICT": "rhel7:/cvmfs/img/el7,rhel9:/cvmfs/img/el9",
        **params,
    }
    return _glidein(published, tmp_path, **settings), binary


def _job(run, tmp_path: Path, job_ad: str = "", **environment: str):
    """Start /bin/echo job through the glidein's job wrapper, as the starter does."""
    (tmp_path / "job.ad").write_text(job_ad)
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir(exist_ok=True)
    return _in_glidein(
        run,
        "condor_job_wrapper.sh",
        "/bin/echo",
        "job",
        environment={"_CONDOR_JOB_AD": str(tmp_path / "job.ad"), "MODULE_USE": "0", **environment},
        cwd=sandbox,
    )


@pytest.mark.parametrize(
    ("job_ad", "image", "effective"),
    [
        ("", "/cvmfs/img/el7", "REQUIRED"),  # the glidein's image: "any" takes the first
        ('REQUIRED_OS = "rhel9"\n', "/cvmfs/img/el9", "REQUIRED"),
        ('REQUIRED_OS = "rhel6,rhel9"\n', "/cvmfs/img/el9", "REQUIRED"),
        (
            'SingularityImage = "/cvmfs/own.sif"\n',
            "/cvmfs/own.sif",
            "REQUIRED_Singularity_image_in_job",
        ),
    ],
)
def test_each_job_runs_in_the_image_it_asks_for(published, tmp_path, job_ad, image, effective):
    run, binary = _container_glidein(published, tmp_path, GLIDEIN_SINGULARITY_OPTS="--nv")
    completed = _job(run, tmp_path, job_ad)
    assert completed.returncode == 0, completed.stderr
    sandbox = tmp_path / "sandbox"
    assert (binary.parent / "words").read_text().splitlines() == [
        "exec", "--home", f"{sandbox}:/srv", "--pwd", "/srv", "--ipc", "--pid", "--contain",
        "--nv", image, "/bin/echo", "job",
    ]  # fmt: skip
    environment = (binary.parent / "environment").read_text().splitlines()
    assert f"GWMS_SINGULARITY_STATUS_EFFECTIVE={effective}" in environment


@pytest.mark.parametrize(
    ("params", "environment", "outcome"),
    [
        ({"GLIDEIN_Singularity_Use": "PREFERRED"}, {}, "direct"),  # falls back
        ({}, {}, "refused"),  # REQUIRED: no image for rhel5, the job does not run
        ({}, {"GWMS_SINGULARITY_STATUS_EFFECTIVE": "NEVER_debugging"}, "direct"),
        (
            {"GLIDEIN_Singularity_Use": "PREFERRED"},
            {"GWMS_SINGULARITY_STATUS_EFFECTIVE": "REQUIRED_by_the_site"},
            "refused",
        ),
    ],
)
def test_a_job_without_an_image_runs_directly_only_when_the_status_allows(
    published, tmp_path, params, environment, outcome
):
    run, binary = _container_glidein(published, tmp_path, **params)
    completed = _job(run, tmp_path, 'REQUIRED_OS = "rhel5"\n', **environment)
    assert not (binary.parent / "words").exists()
    if outcome == "direct":
        assert (completed.returncode, completed.stdout) == (0, "job\n")
    else:
        assert completed.returncode == 1
        assert "but there is no image for REQUIRED_OS 'rhel5'" in completed.stderr


@pytest.mark.parametrize(
    ("setting", "cleanenv", "kept"),
    [
        (None, False, {"PATH": False, "LD_LIBRARY_PATH": False, "HOME_MARK": True}),  # clearpaths
        ("keepall", False, {"PATH": True, "LD_LIBRARY_PATH": True, "HOME_MARK": True}),
        ("clearall", True, {"PATH": False, "APPTAINERENV_GLIDEIN_Site": False}),
        ("clearall,osgset", True, {"APPTAINERENV_GLIDEIN_Site": True}),
        ("clear", True, {"APPTAINERENV_GLIDEIN_Site": True, "APPTAINERENV__CONDOR_SLOT": True}),
        ("clear,keepall", True, {"PATH": False}),  # keepall next to a clear option is dropped
    ],
)
def test_the_container_environment_is_what_glidein_container_env_says(
    published, tmp_path, setting, cleanenv, kept
):
    params = {} if setting is None else {"GLIDEIN_CONTAINER_ENV": setting}
    run, binary = _container_glidein(published, tmp_path, **params)
    completed = _job(
        run,
        tmp_path,
        LD_LIBRARY_PATH="/opt/lib",
        HOME_MARK="1",
        GLIDEIN_Site="SiteB",
        _CONDOR_SLOT="slot1",
    )
    assert completed.returncode == 0, completed.stderr
    assert ("--cleanenv" in (binary.parent / "words").read_text().splitlines()) is cleanenv
    names = {
        line.split("=", 1)[0] for line in (binary.parent / "environment").read_text().splitlines()
    }
    assert {name: name in names for name in kept} == kept


def test_an_unknown_container_env_word_stops_the_glidein(published, tmp_path):
    binary = _logging_runtime(tmp_path / "runtime")
    params = {
        "GLIDEIN_Singularity_Use": "PREFERRED",
        "GLIDEIN_SINGULARITY_BINARY_OVERRIDE": str(binary),
        "GLIDEIN_CONTAINER_ENV": "clearpath",
    }
    run = run_glidein(published / WORK, published / STAGE, ENTRY, tmp_path / "start", params=params)
    assert run.exit_code == 1
    assert "GLIDEIN_CONTAINER_ENV: 'clearpath' is not clearall, clear, clearpaths" in run.stderr


def test_the_singularity_mode_is_published_and_provided(published, tmp_path):
    run, _ = _container_glidein(published, tmp_path, GLIDEIN_PROVIDES="cvmfs")
    knobs = _knobs(run, "GWMS_SINGULARITY_MODE", "SINGULARITY_MODE", "GLIDEIN_PROVIDES")
    mode = "privileged" if os.getuid() == 0 else "unprivileged"
    assert {name: classad2.ExprTree(str(value)).eval() for name, value in knobs.items()} == {
        "GWMS_SINGULARITY_MODE": mode,
        "SINGULARITY_MODE": mode,
        "GLIDEIN_PROVIDES": f"cvmfs,singularity/{mode}",
    }


@pytest.mark.parametrize(
    ("params", "lifetime", "disable"),
    [
        ([], "172800", "False"),
        (["VM_MAX_LIFETIME=3600", "VM_DISABLE_SHUTDOWN=true"], "3600", "True"),
    ],
)
def test_vm_entries_start_from_user_data_with_the_vm_variables(
    published, params, lifetime, disable
):
    config = published.parent / "factory" / "glideinWMS.xml"
    words = [word for param in params for word in ("--param", param)]
    common = (config, "CLOUD_ec2_east", "--root", published, *words)
    code, text, stderr = gfactory_run("glidein-args", *common, "--vm-user-data")
    assert code == 0, stderr
    parser = configparser.ConfigParser()
    parser.read_string(text)
    _, arguments, _ = gfactory_run("glidein-args", *common)
    assert parser["glidein_startup"]["args"] == arguments.strip().rsplit(" -cluster ", 1)[0]
    assert dict(parser["vm_properties"]) == {
        "max_lifetime": lifetime,
        "contextualization_type": "EC2",
        "disable_shutdown": disable,
        "admin_email": "UNSUPPORTED",
        "email_logs": "False",
    }


@pytest.mark.parametrize(
    ("entry", "params", "message"),
    [
        (
            "SITE_B_slurm",
            [],
            "SITE_B_slurm: gridtype 'batch slurm' starts no VM (only ec2 and gce do)",
        ),
        (
            "CLOUD_ec2_east",
            ["--param", "VM_MAX_LIFETIME=2days"],
            "CLOUD_ec2_east: VM_MAX_LIFETIME: '2days' is not a number of seconds",
        ),
    ],
)
def test_vm_user_data_is_refused_where_it_cannot_be_right(published, entry, params, message):
    config = published.parent / "factory" / "glideinWMS.xml"
    code, text, stderr = gfactory_run(
        "glidein-args", config, entry, "--root", published, *params, "--vm-user-data"
    )
    assert (code, text) == (1, "")
    assert stderr.splitlines()[-1] == message

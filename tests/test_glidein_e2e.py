"""End to end: compile the example factory, serve it on 127.0.0.1, run real glideins.

The HTCondor tarball is a stand-in (``stand_in_condor``): its ``condor_master`` loads
the generated condor_config with HTCondor's own config reader and dumps the effective
knobs, then exits 99 (a normal DAEMON_SHUTDOWN), so every glidein runs to its very end.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import string
import subprocess
from pathlib import Path
from typing import ClassVar

import classad2
import pytest

from glideinforge.factory.glidein_args import escape_param
from glideinforge.factory.try_glidein import read_glidein_config, run_glidein, serving

from compile_helpers import gfactory_run
from conftest import copy_example
from stand_in_condor import stand_in_tarball

STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")

# A custom validation script written the GlideinWMS way.
CUSTOM_SCRIPT = """#!/bin/bash
glidein_config="$1"
add_config_line_source=$(grep -m1 '^ADD_CONFIG_LINE_SOURCE ' "$glidein_config" | cut -d' ' -f2-)
source "$add_config_line_source"
error_gen=$(gconfig_get ERROR_GEN_PATH)
site=$(gconfig_get GLIDEIN_Entry_Name)
gconfig_add EXAMPLE_PARAM_PUBLISHED 7
"$error_gen" -ok "custom_check.sh" "CheckedEntry" "$site"
exit 0
"""


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    """The example factory with a stand-in HTCondor and a custom script, published."""
    root = tmp_path_factory.mktemp("e2e")
    config_dir = root / "factory"
    copy_example("factory", config_dir)
    stand_in_tarball(config_dir / "files" / "condor_stub.tgz")
    (config_dir / "files" / "custom_check.sh").write_text(CUSTOM_SCRIPT)
    config = config_dir / "glideinWMS.xml"
    text = config.read_text()
    site_check = f'<file absfname="{config_dir}/files/site_check.sh"'
    assert site_check in text
    text = text.replace(
        site_check,
        f'<file absfname="{config_dir}/files/custom_check.sh" executable="True" const="True"/>\n'
        f"      {site_check}",
    )
    config.write_text(text)
    out = root / "out"
    code, _, err = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, err
    return config, out


def _run_in(out: Path, entry, tmp_path, **kwargs):
    """Run ENTRY's glidein against the published tree OUT."""
    return run_glidein(out / WORK, out / STAGE, entry, tmp_path / "start", **kwargs)


def _run(factory, entry, tmp_path, **kwargs):
    return _run_in(factory[1], entry, tmp_path, **kwargs)


def _knobs(run) -> dict[str, str]:
    """The knobs the stand-in condor_master read (HTCondor types some: compared as text)."""
    assert run.exit_code == 0, run.stderr[-3000:]
    knobs = json.loads((run.glidein_dir / "knobs.json").read_text())
    return {name: str(value) for name, value in knobs.items()}


def _string(knob: str) -> str:
    """A string-valued knob as a ClassAd reads it."""
    return classad2.ExprTree(knob).eval()


# --- full runs, several entries ------------------------------------------------------------------


def test_partitionable_entry_with_walltime_gpus_and_published_attrs(factory, tmp_path):
    run = _run(factory, "SITE_A_ce1", tmp_path, stop_before_condor=False)
    knobs = _knobs(run)
    unverified = [line for line in run.stderr.splitlines() if line.startswith("No signature for")]
    assert unverified == [
        "No signature for entry_SITE_A_ce1/nodes.blacklist (type nocache, accepted unverified)."
    ]
    assert "=== Glidein ending" in run.stdout and "with code 0" in run.stdout
    assert knobs["NUM_CPUS"] == "9"  # GLIDEIN_CPUS 8, plus the monitoring slot
    assert knobs["MEMORY"] == "16000"
    assert knobs["SLOT_TYPE_1"] == "cpus=8, memory=15990, disk=auto"
    assert knobs["SLOT_TYPE_1_PARTITIONABLE"] == "True"
    assert knobs["GLIDEIN_SLOTS_LAYOUT_USED"] == "partitionable"
    assert (
        knobs["MACHINE_RESOURCE_INVENTORY_GPUs"]
        .strip()
        .endswith("condor_gpu_discovery -properties")
    )
    start = int(knobs["GLIDEIN_START_TIME"])
    # GLIDEIN_Max_Walltime 171000, graceful 120: dies at 170880, retires 129600 earlier,
    # less a spread of up to GLIDEIN_Retire_Time_Spread 3600.
    assert int(knobs["GLIDEIN_ToDie"]) - start == 170880
    assert 41280 - 3600 <= int(knobs["GLIDEIN_ToRetire"]) - start <= 41280
    assert knobs["START"].startswith(f"(MyCurrentTime < {knobs['GLIDEIN_ToRetire']}) && ")
    assert '((Memory >= 2048) && (TARGET.Owner =!= "bad"))' in knobs["START"]
    assert knobs["STARTD.DAEMON_SHUTDOWN"].startswith(f"(MyCurrentTime > {knobs['GLIDEIN_ToDie']})")
    assert knobs["RANK"] == "(1) + (ifThenElse(RequestGPUs > 0, 10, 1)) + (1) + (1)"
    published = knobs["STARTD_ATTRS"].split()
    assert {"GLIDEIN_Site", "EXAMPLE_FLAGS_TTT_TT", "EXAMPLE_PARAM_PUBLISHED"} <= set(published)
    assert "EXAMPLE_FLAGS_TTT_FT" not in published  # glidein_publish False
    assert _string(knobs["GLIDEIN_Site"]) == "SiteA"
    assert knobs["HEAD_NODE"] == "Fake"  # the factory's default GLIDEIN_Collector
    environment = knobs["STARTER_JOB_ENVIRONMENT"]
    assert "'GLIDEIN_Site=SiteA'" in environment
    assert "'EXAMPLE_JOBENV=visible to jobs'" in environment
    assert "EXAMPLE_FLAGS_TTT_TF" not in environment  # job_publish False
    assert knobs["STARTD_CRON_JOBLIST"].split() == [f"GLIDEIN_PS_{n}" for n in (1, 2, 3, 4)]
    assert knobs["STARTD_CRON_GLIDEIN_PS_4_PREFIX"] == "EXAMPLE_"
    assert knobs["STARTD_CRON_GLIDEIN_PS_4_PERIOD"] == "300s"
    assert knobs["USER_JOB_WRAPPER"] == f"{run.glidein_dir}/condor_job_wrapper.sh"


def test_htchirp_is_unpacked_for_gwms_python(factory, tmp_path):
    run = _run(factory, "SITE_B_slurm", tmp_path)
    assert run.exit_code == 0, run.stderr[-3000:]
    assert any(item.startswith("main:htchirp.tar.") for item in run.verified)
    # Staged in main/, and copied with its libraries into .gwms.d/ for jobs.
    for directory, tool in (("main", "gwms-python"), (".gwms.d", "bin/gwms-python")):
        base = run.glidein_dir / directory
        completed = subprocess.run(
            [str(base / tool), "-c", "import htchirp; print(htchirp.__file__)"],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": os.environ["PATH"]},
        )
        assert completed.returncode == 0, completed.stderr
        # The staged copy, not whatever the test's own interpreter has installed.
        package = base / "lib" / "python" / "htchirp"
        assert Path(completed.stdout.strip()).resolve() == (package / "__init__.py").resolve()


_FAILING = {"GLIDEIN_Singularity_Use": "REQUIRED"}  # this machine has no Singularity


def _advertised(run) -> list[tuple[list[str], classad2.ClassAd]]:
    """Each call of the stand-in condor_advertise: its arguments and the ad."""
    log = run.glidein_dir / "advertised.jsonl"
    if not log.exists():
        return []
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return [(call["arguments"], classad2.parseOne(call["ad"])) for call in calls]


def test_a_failed_glidein_advertises_why_when_failure_reporting_is_on(factory, tmp_path):
    params = {**_FAILING, "GLIDEIN_Report_Failed": "ALIVEONLY"}
    run = _run(factory, "SITE_B_slurm", tmp_path, stop_before_condor=False, params=params)
    assert run.exit_code == 1
    assert "Reporting the failure (alive) through main/condor_startup.sh" in run.stderr
    calls = _advertised(run)
    assert len(calls) == 1, run.stderr[-2500:]  # ALIVEONLY: no final ad
    arguments, ad = calls[0]
    assert arguments == ["UPDATE_STARTD_AD"]
    assert ad["MyType"] == "Machine"
    assert (ad["State"], ad["Activity"]) == ("Drained", "Retiring")
    assert ad["GLIDEIN_Failed"] is True
    assert ad["GLIDEIN_EXIT_CODE"] == 1
    assert ad["GLIDEIN_Entry_Name"] == "SITE_B_slurm"
    assert ad["GLIDEIN_LAST_SCRIPT"].endswith("singularity_setup.sh")
    assert "singularity_setup.sh" in ad["GLIDEIN_FAILURE_REASON"]
    assert not (run.glidein_dir / "knobs.json").exists()  # HTCondor itself never started


def test_a_failed_glidein_stays_silent_when_reporting_is_never(factory, tmp_path):
    run = _run(factory, "SITE_B_slurm", tmp_path, stop_before_condor=False, params=_FAILING)
    assert run.exit_code == 1
    assert run.glidein_config["GLIDEIN_Report_Failed"] == "NEVER"
    assert "Reporting the failure" not in run.stderr
    assert _advertised(run) == []


def test_always_adds_a_final_ad_and_the_factory_collector_gets_master_ads(factory, tmp_path):
    params = {
        **_FAILING,
        "GLIDEIN_Report_Failed": "ALWAYS",
        "GLIDEIN_Factory_Collector": "factory.example.org:9618",
    }
    run = _run(factory, "SITE_B_slurm", tmp_path, stop_before_condor=False, params=params)
    assert run.exit_code == 1
    calls = [
        (arguments, ad["MyType"], ad["State"], ad["Activity"]) for arguments, ad in _advertised(run)
    ]
    factory_master = ["-pool", "factory.example.org:9618", "UPDATE_MASTER_AD"]
    assert calls == [
        # While the glidein waits: both collectors (the factory's by default ALIVEONLY).
        (["UPDATE_STARTD_AD"], "Machine", "Drained", "Retiring"),
        (factory_master, "DaemonMaster", "Drained", "Retiring"),
        # Just before it dies: ALWAYS only.
        (["UPDATE_STARTD_AD"], "Machine", "Drained", "Killing"),
    ]


def test_fixed_entry_with_cpus_from_the_batch_slot_and_no_monitoring_slot(factory, tmp_path):
    run = _run(
        factory,
        "SITE_B_slurm",
        tmp_path,
        stop_before_condor=False,
        params={
            "GLIDEIN_Monitoring_Enabled": "False",
            "GLIDEIN_Collector": "pool.example.org:9618",
        },
        environment={"SLURM_CPUS_ON_NODE": "3", "SLURM_JOB_ID": "4242"},
    )
    knobs = _knobs(run)
    assert knobs["NUM_CPUS"] == "3"  # GLIDEIN_CPUS auto: what SLURM gave the job
    assert knobs["NUM_SLOTS_TYPE_1"] == "3"
    assert knobs["SLOT_TYPE_1"] == "cpus=1, memory=auto, disk=auto"
    assert knobs["GLIDEIN_SLOTS_LAYOUT_USED"] == "fixed"
    assert "GLIDEIN_Monitoring_Slot_Type" not in knobs
    assert knobs["MACHINE_RESOURCE_GPUs"] == "0"
    assert knobs["COLLECTOR_HOST"] == "pool.example.org:9618"
    assert run.glidein_config["GLIDEIN_CPUS"] == "3"
    assert run.glidein_config["GLIDEIN_SiteWMS"] == "SLURM"
    assert run.glidein_config["GLIDEIN_SiteWMS_JobId"] == "4242"


def test_resource_slots_and_a_reduced_job_max_time(factory, tmp_path):
    run = _run(
        factory,
        "CLOUD_ec2_east",
        tmp_path,
        stop_before_condor=False,
        params={
            "GLIDEIN_Resource_Slots": "ioslot,2,200,static;fast,3,300",
            "GLIDEIN_Max_Walltime": "86400",
        },
    )
    knobs = _knobs(run)
    # 4 CPUs + 2 static ioslot + 3 partitionable fast + 1 monitoring.
    assert knobs["NUM_CPUS"] == "10"
    assert knobs["SLOT_TYPE_1"] == "cpus=4, memory=auto, disk=auto"
    assert knobs["SLOT_TYPE_2"] == "cpus=1, ioslot=1, memory=100, disk=auto"
    assert knobs["NUM_SLOTS_TYPE_2"] == "2"
    assert knobs["SLOT_TYPE_3"] == "cpus=3, fast=3, memory=300, disk=auto"
    assert knobs["SLOT_TYPE_3_PARTITIONABLE"] == "True"
    assert knobs["MACHINE_RESOURCE_fast"] == "3"
    start = int(knobs["GLIDEIN_START_TIME"])
    # 86400 - 120 leaves no room for the default 36 h job max time: reduced to 85680
    # (the retirement time of a job neither held nor preempted).
    assert classad2.ExprTree(knobs["MAXJOBRETIREMENTTIME"]).eval() == 85680
    assert int(knobs["GLIDEIN_ToRetire"]) - start == 600
    assert int(knobs["GLIDEIN_ToDie"]) - start == 86280


def test_a_glideinwms_style_custom_script_runs_and_its_values_reach_condor_config(
    factory, tmp_path
):
    run = _run(factory, "SITE_A_ce1", tmp_path, stop_before_condor=False)
    knobs = _knobs(run)
    assert run.glidein_config["EXAMPLE_PARAM_PUBLISHED"] == "7"
    assert knobs["EXAMPLE_PARAM_PUBLISHED"] == "7"
    assert "'EXAMPLE_PARAM_PUBLISHED=7'" in knobs["STARTER_JOB_ENVIRONMENT"]
    results = (run.glidein_dir / "otr_outlist.list").read_text()
    assert '<metric name="CheckedEntry" ' in results and ">SITE_A_ce1</metric>" in results
    # The entry's own GlideinWMS-style script ran too.
    assert run.glidein_config["EXAMPLE_SETUP_DONE"] == "True"


def test_glidein_config_has_the_documented_keys_and_constants_override_params(factory, tmp_path):
    run = _run(factory, "SITE_A_ce1", tmp_path)
    config = run.glidein_config
    glidein = run.glidein_dir
    for key in (
        "GLIDEIN_UUID", "GLIDEIN_Factory", "GLIDEIN_Name", "GLIDEIN_Entry_Name",
        "GLIDECLIENT_Name", "GLIDEIN_CredentialIdentifier", "CONDORG_CLUSTER",
        "CONDORG_SUBCLUSTER", "CONDORG_SCHEDD", "DEBUG_MODE", "GLIDEIN_STARTUP_PID",
        "GLIDEIN_START_DIR_ORIG", "GLIDEIN_WORKSPACE_ORIG", "TMP_DIR", "GLIDEIN_LOCAL_TMP_DIR",
        "PROXY_URL", "DESCRIPTION_FILE", "DESCRIPTION_ENTRY_FILE", "GLIDEIN_Signature",
        "GLIDEIN_Entry_Signature", "B64UUENCODE_SOURCE", "GET_ID_SELECTORS_SOURCE",
        "LOGGING_UTILS_SOURCE", "GLIDEIN_PATHS_SOURCE", "WRAPPER_LIST", "SLOTS_LAYOUT",
        "GLIDEIN_ADVERTISE_ONLY", "GLIDEIN_CONDOR_TOKEN",
    ):  # fmt: skip
        assert key in config, key
    # The glidein dir is kept for inspection, but its /tmp scratch dir does not pile up.
    assert config["GLIDEIN_LOCAL_TMP_DIR"].startswith("/tmp/glide_")  # noqa: S108
    assert not Path(config["GLIDEIN_LOCAL_TMP_DIR"]).exists()
    assert config["GLIDEIN_WORK_DIR"] == f"{glidein}/main"
    assert config["ADD_CONFIG_LINE_SOURCE"] == f"{glidein}/add_config_line.source"
    assert config["ERROR_GEN_PATH"] == f"{glidein}/main/error_gen.sh"
    assert config["CONSTS_FILE"] == f"{glidein}/main/constants.cfg"
    assert config["ENTRY_CONSTS_FILE"] == f"{glidein}/entry_SITE_A_ce1/constants.cfg"
    assert config["CONDOR_DIR"] == f"{glidein}/main/condor"  # the tarball's top dir moved up
    assert config["MYTOOL_DIR"] == f"{glidein}/main/mytool"
    assert config["GLIDEIN_INITIALIZED"] == "1"
    assert config["CONDOR_PLATFORM_default-default-default"] == "1"
    assert config["GLIDEIN_Site"] == "SiteA"  # entry constant
    assert config["EXAMPLE_FLAGS_TTF_TT"] == "flags TTF_TT"  # constant with a blank
    assert config["GLIDEIN_CONDOR_TOKEN"].endswith(
        "/cred.d/idtokens/credential_try-glidein.idtoken"
    )
    # Protocol order: main file_list, entry file_list, then the main lists.
    verified = run.verified
    assert verified.index("main:cat_consts.1e977719d1.sh") < verified.index(
        next(name for name in verified if name.startswith("entry:file_list."))
    )
    assert verified[-1].startswith("main:cvmfs_umount.")


def test_glidein_args_cli_prints_the_submitted_words(factory):
    config, out = factory
    code, stdout, _ = gfactory_run("glidein-args", config, "SITE_A_ce1", "--root", out, "--json",
                                   "--web", "http://127.0.0.1:8000/stage")  # fmt: skip
    assert code == 0
    words = json.loads(stdout)
    summary = (out / WORK / "signatures.sha1").read_text().splitlines()
    main_sign, main_descript, _ = next(
        line.split("  ") for line in summary if line.endswith("  main")
    )
    assert words[:8] == ["-v", "std", "-name", "gfactory_instance", "-entry", "SITE_A_ce1",
                         "-clientname", "manual"]  # fmt: skip
    assert words[words.index("-web") + 1] == "http://127.0.0.1:8000/stage"
    assert words[words.index("-sign") + 1] == main_sign
    assert words[words.index("-descript") + 1] == main_descript
    assert words[words.index("-proxy") + 1] == "OSG"
    assert words[words.index("-param_EXAMPLE_FLAGS_TFT_TT") + 1] == "flags.nbsp,TFT_TT"
    assert words[-4:] == ["-cluster", "$(Cluster)", "-subcluster", "$(Process)"]
    assert gfactory_run("glidein-args", config, "NOPE", "--root", out)[0] == 2


def test_try_glidein_cli_shows_the_knobs_as_json(factory):
    config, out = factory
    code, stdout, err = gfactory_run(
        "try-glidein", config, "SITE_B_slurm", "--root", out, "--json",
        "--param", "GLIDEIN_Collector=127.0.0.1:9618",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(stdout)
    assert document["exit_code"] == 0
    assert document["condor_config"]["COLLECTOR_HOST"] == "127.0.0.1:9618"
    assert document["glidein_config"]["GLIDEIN_Collector"] == "127.0.0.1:9618"
    assert len(document["verified"]) > 50
    assert document["kept"] is False
    assert not Path(document["start_dir"]).exists()  # the scratch directory is removed


def test_try_glidein_keep_keeps_the_scratch_directory_and_says_where(factory):
    config, out = factory
    code, stdout, err = gfactory_run("try-glidein", config, "SITE_B_slurm", "--root", out, "--keep")
    assert code == 0, err
    first = stdout.splitlines()[0]
    assert "file(s) verified; kept in " in first
    kept = Path(first.split("kept in ", 1)[1])
    assert (kept / "glidein_config").is_file()
    shutil.rmtree(kept.parent)


def test_try_glidein_gives_a_tmpdir_entry_its_own_tmpdir(factory, monkeypatch):
    # SITE_C_arc has work_dir="TMPDIR": the glidein works in $TMPDIR, as a batch job would.
    config, out = factory
    monkeypatch.delenv("TMPDIR", raising=False)
    code, stdout, err = gfactory_run("try-glidein", config, "SITE_C_arc", "--root", out, "--json")
    document = json.loads(stdout)
    assert (code, document["exit_code"]) == (0, 0), err
    assert document["glidein_dir"].startswith(document["start_dir"] + "/glide_")


# --- injection ------------------------------------------------------------------------------------------

HOSTILE = 'x\' "y" `touch CANARY` $(touch CANARY) ; touch CANARY | touch CANARY &'


def test_hostile_parameter_values_arrive_verbatim_and_never_run(factory, tmp_path):
    run = _run(
        factory,
        "SITE_A_ce1",
        tmp_path,
        stop_before_condor=False,
        params={"EXAMPLE_FLAGS_TFT_TT": HOSTILE, "GLIDEIN_Collector": "a.org:9618,b.org:9618"},
    )
    knobs = _knobs(run)
    assert run.glidein_config["EXAMPLE_FLAGS_TFT_TT"] == HOSTILE
    assert _string(knobs["EXAMPLE_FLAGS_TFT_TT"]) == HOSTILE
    assert list(tmp_path.rglob("CANARY")) == []
    assert not Path("CANARY").exists()


def test_hostile_constants_arrive_verbatim_and_never_run(tmp_path):
    config_dir = tmp_path / "factory"
    copy_example("factory", config_dir)
    config = config_dir / "glideinWMS.xml"
    hostile_xml = HOSTILE.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&apos;")
    config.write_text(
        config.read_text().replace(
            "<attrs>",
            f'<attrs>\n      <attr name="EXAMPLE_HOSTILE" const="True" glidein_publish="True" '
            f'job_publish="True" parameter="True" publish="True" type="string" value="{hostile_xml}"/>',
            1,
        )
    )
    out = tmp_path / "out"
    code, _, err = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, err
    run = _run_in(out, "SITE_B_slurm", tmp_path)
    assert run.exit_code == 0, run.stderr[-2000:]
    assert run.glidein_config["EXAMPLE_HOSTILE"] == HOSTILE
    assert _string(run.condor_config["EXAMPLE_HOSTILE"]) == HOSTILE
    assert list(tmp_path.rglob("CANARY")) == []


def test_every_escaped_character_is_decoded(factory, tmp_path):
    every = " .,&\\|`\"'=+-<>(){}[]#$*?!~:;/_aZ09"
    # Escaped, the value is one word of letters, digits and the token punctuation.
    assert set(escape_param(every)) <= set(string.ascii_letters + string.digits + "._,/")
    run = _run(factory, "SITE_A_ce1", tmp_path, params={"EXAMPLE_EVERY_CHAR": every})
    assert run.glidein_config["EXAMPLE_EVERY_CHAR"] == every


# --- tampering: every case stops the glidein, names the file, runs nothing after ---------------------


def _tampered(factory, tmp_path) -> Path:
    _, out = factory
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return copy


def _staged(out: Path, directory: str, key: str) -> Path:
    return next((out / STAGE / directory).glob(key))


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()  # noqa: S324 - the protocol's hash


def _assert_stopped(run, message):
    assert run.exit_code == 1, run.stderr[-2000:]
    assert message in run.stderr
    assert run.glidein_config.get("GLIDEIN_INITIALIZED") != "1"
    assert not (run.glidein_dir / "condor_config").exists()
    assert run.glidein_config["GLIDEIN_Failed"] == "True"


def test_a_flipped_byte_in_a_staged_script_stops_the_glidein_before_it_runs(factory, tmp_path):
    out = _tampered(factory, tmp_path)
    script = _staged(out, "", "collector_setup.*.sh")
    data = bytearray(script.read_bytes())
    data[-2] ^= 1
    script.write_bytes(bytes(data))
    run = _run_in(out, "SITE_A_ce1", tmp_path)
    _assert_stopped(run, f"File 'main/{script.name}' is corrupted")
    assert "GLIDEIN_Master_Collector" not in run.glidein_config  # the script never ran
    assert "EXAMPLE_SETUP_DONE" not in run.glidein_config  # nor anything after it


def test_a_wrong_sign_argument_stops_the_glidein(factory, tmp_path):
    out = _tampered(factory, tmp_path)

    def wrong_sign(words, _url):
        words[words.index("-sign") + 1] = "0" * 40
        return words

    run = _run_in(out, "SITE_A_ce1", tmp_path, adjust_words=wrong_sign)
    _assert_stopped(run, "Corrupted signature file 'main/signature.")
    assert "ERROR_GEN_PATH" not in run.glidein_config


def test_a_description_not_matching_its_signature_stops_the_glidein(factory, tmp_path):
    out = _tampered(factory, tmp_path)
    description = _staged(out, "entry_SITE_A_ce1", "description.*.cfg")
    description.write_text(description.read_text() + "extra \tline\n")
    run = _run_in(out, "SITE_A_ce1", tmp_path)
    _assert_stopped(run, f"Corrupted description file 'entry_SITE_A_ce1/{description.name}'")
    assert "CONSTS_FILE" not in run.glidein_config  # no list was processed


def _add_signed_row(out: Path, entry: str, row: str, *, sign_new_file: bool, name: str) -> str:
    """Add ROW to the entry's file list and re-sign the chain; return the new -signentry."""
    directory = out / STAGE / f"entry_{entry}"
    file_list = next(directory.glob("file_list.*.lst"))
    file_list.write_text(file_list.read_text() + row)
    signature = next(directory.glob("signature.*.sha1"))
    lines = [
        f"{_sha1(file_list)}  {file_list.name}" if line.endswith(f"  {file_list.name}") else line
        for line in signature.read_text().splitlines()
    ]
    if sign_new_file:
        lines.append(f"{_sha1(directory / name)}  {name}")
    signature.write_text("\n".join(lines) + "\n")
    return _sha1(signature)


def _with_signentry(sign: str):
    """An argument hook that passes SIGN as -signentry."""

    def adjust(words, _url):
        words[words.index("-signentry") + 1] = sign
        return words

    return adjust


def test_a_listed_file_without_a_signature_line_is_refused(factory, tmp_path):
    out = _tampered(factory, tmp_path)
    directory = out / STAGE / "entry_SITE_A_ce1"
    (directory / "evil.sh").write_text('#!/bin/sh\ntouch "$PWD/CANARY"\n')
    row = "evil.sh \tevil.sh \texec \t0 \tGLIDEIN_PS_ \tTRUE \tFALSE\n"
    new_sign = _add_signed_row(out, "SITE_A_ce1", row, sign_new_file=False, name="evil.sh")
    run = _run_in(out, "SITE_A_ce1", tmp_path, adjust_words=_with_signentry(new_sign))
    _assert_stopped(run, "File 'entry_SITE_A_ce1/evil.sh' has no signature line")
    assert list(tmp_path.rglob("CANARY")) == []


def test_a_signed_output_name_with_dot_dot_is_refused(factory, tmp_path):
    out = _tampered(factory, tmp_path)
    directory = out / STAGE / "entry_SITE_A_ce1"
    (directory / "escape.txt").write_text("escaped\n")
    row = "../../escaped_by_outfile.txt \tescape.txt \tregular \t0 \tGLIDEIN_PS_ \tTRUE \tFALSE\n"
    new_sign = _add_signed_row(out, "SITE_A_ce1", row, sign_new_file=True, name="escape.txt")
    run = _run_in(out, "SITE_A_ce1", tmp_path, adjust_words=_with_signentry(new_sign))
    _assert_stopped(run, "Refusing unsafe file name '../../escaped_by_outfile.txt'")
    assert list(tmp_path.rglob("escaped_by_outfile.txt")) == []


class _FlakyOnce(http.server.SimpleHTTPRequestHandler):
    """Serves the stage; the first request for each file counted in ``requests`` goes wrong:
    a flipped byte (``damage``) or a 404 (otherwise)."""

    requests: ClassVar[dict[str, int]] = {}
    damage = True

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        if name in self.requests:
            self.requests[name] += 1
            if self.requests[name] == 1 and not self.damage:
                self.send_error(404)
                return
            if self.requests[name] == 1:
                data = bytearray((Path(self.directory) / name).read_bytes())
                data[-2] ^= 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(bytes(data))
                return
        super().do_GET()

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.mark.parametrize("damage", [True, False], ids=["damaged", "missing"])
def test_a_file_the_batch_download_got_wrong_is_fetched_again_and_verified(
    factory, tmp_path, damage
):
    _, out = factory
    script = _staged(out, "", "site_check.*.sh")
    handler = type("Handler", (_FlakyOnce,), {"requests": {script.name: 0}, "damage": damage})
    with serving(functools.partial(handler, directory=str(out / STAGE))) as flaky_url:

        def flaky_web(words, _url):
            words[words.index("-web") + 1] = flaky_url
            return words

        run = _run_in(out, "SITE_A_ce1", tmp_path, adjust_words=flaky_web)
    # The batch download got the bad answer; the row fetched the file alone, then verified it.
    assert handler.requests[script.name] == 2
    assert run.exit_code == 0, run.stderr[-3000:]
    assert f"main:{script.name}" in run.verified


def test_a_missing_listed_file_is_a_network_failure_naming_it(factory, tmp_path):
    out = _tampered(factory, tmp_path)
    missing = _staged(out, "", "setup_x509.*.sh")
    missing.unlink()
    run = _run_in(out, "SITE_A_ce1", tmp_path)
    _assert_stopped(run, f"Failed to load file '{missing.name}'")


def test_bad_arguments_exit_at_once_with_usage(factory, tmp_path):
    out = _tampered(factory, tmp_path)

    def odd(words, _url):
        return [*words, "-v"]

    run = _run_in(out, "SITE_A_ce1", tmp_path, adjust_words=odd)
    assert run.exit_code == 1
    assert "option '-v' needs a value" in run.stderr
    assert run.glidein_dir is None  # nothing was created


@pytest.mark.parametrize(
    ("directory", "pattern"),
    [
        ("", "constants.*.cfg"),
        ("entry_SITE_A_ce1", "condor_vars.*.lst"),
        ("", "mytool.*.tgz"),
        ("", "at_file_list.*.lst"),
        ("", "condor_config.dedicated_starter.*.include"),
    ],
)
def test_a_flipped_byte_in_any_kind_of_staged_file_stops_the_glidein(
    factory, tmp_path, directory, pattern
):
    out = _tampered(factory, tmp_path)
    target = _staged(out, directory, pattern)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x20
    target.write_bytes(bytes(data))
    run = _run_in(out, "SITE_A_ce1", tmp_path)
    where = f"{directory or 'main'}/{target.name}"
    _assert_stopped(run, f"File '{where}' is corrupted")


def test_a_dead_proxy_is_reported_and_dropped(factory, tmp_path):
    def dead_proxy(words, _url):
        words[words.index("-proxy") + 1] = "http://127.0.0.1:9"
        return words

    run = _run(factory, "SITE_B_slurm", tmp_path, adjust_words=dead_proxy)
    assert run.exit_code == 0, run.stderr[-2000:]
    assert "Resetting the HTTP proxy. The configured one (http://127.0.0.1:9)" in run.stderr
    assert run.glidein_config["PROXY_URL"] == "None"


def test_multiglidein_runs_copies_side_by_side(factory, tmp_path):
    def two(words, _url):
        return [*words, "-multiglidein", "2"]

    run = _run(factory, "SITE_B_slurm", tmp_path, adjust_words=two)
    assert run.exit_code == 0, run.stderr[-2000:]
    assert "All 2 glideins ended" in run.stdout
    for index in (1, 2):
        (child,) = (run.start_dir / f"glidein_dir{index}").glob("glide_*")
        assert (child / "condor_config").is_file()
        scratch = read_glidein_config(child / "glidein_config")["GLIDEIN_LOCAL_TMP_DIR"]
        assert scratch.startswith("/tmp/glide_")  # noqa: S108
        assert not Path(scratch).exists()  # each copy's /tmp scratch dir is removed too


class _Hostile(http.server.SimpleHTTPRequestHandler):
    """Serves the stage, but answers ``target`` with ``answer``: an endless body of zeros
    (``endless``: no length; ``announced``: a 1 GiB Content-Length) or a 403 (``refused``).
    ``sent`` counts the bytes the glidein took before it hung up."""

    target = ""
    answer = "endless"
    sent: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        if self.path.rsplit("/", 1)[-1] != self.target:
            super().do_GET()
            return
        if self.answer == "refused":
            self.send_error(403)
            return
        self.send_response(200)
        if self.answer == "announced":
            self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        chunk = bytes(1 << 16)
        try:
            for _ in range((1 << 30) // len(chunk)):
                self.wfile.write(chunk)
                self.sent.append(len(chunk))
        except OSError:
            pass  # the glidein hung up
        self.close_connection = True

    def log_message(self, *_args: object) -> None:
        """Quiet."""


def _run_hostile(out: Path, tmp_path: Path, target: str, answer: str):
    handler = type("Handler", (_Hostile,), {"target": target, "answer": answer, "sent": []})
    with serving(functools.partial(handler, directory=str(out / STAGE))) as url:

        def hostile_web(words, _url):
            words[words.index("-web") + 1] = url
            return words

        run = _run_in(out, "SITE_A_ce1", tmp_path, adjust_words=hostile_web)
    return run, sum(handler.sent)


@pytest.mark.parametrize("answer", ["endless", "announced"])
def test_an_oversized_answer_for_a_small_script_is_cut_short_and_refused(factory, tmp_path, answer):
    _, out = factory
    script = _staged(out, "", "site_check.*.sh")
    main_list = _staged(out, "", "file_list.*.lst").read_text().splitlines()
    largest = int(main_list[2].split()[3])
    limit = largest + (1 << 20)
    run, sent = _run_hostile(out, tmp_path, script.name, answer)
    _assert_stopped(run, f"File '{script.name}' from ")
    assert f"is over its {limit}-byte limit; download stopped." in run.stderr
    assert '<metric name="failure"' in run.stdout and ">Corruption</metric>" in run.stdout
    # Stopped early: at most the limit plus what sockets buffer, never the 1 GiB answer.
    assert sent < limit + (16 << 20)
    assert not (run.glidein_dir / "main" / script.name).exists()


def test_an_endless_description_is_cut_at_the_metadata_limit(factory, tmp_path):
    _, out = factory
    description = _staged(out, "entry_SITE_A_ce1", "description.*.cfg")
    run, sent = _run_hostile(out, tmp_path, description.name, "endless")
    _assert_stopped(run, f"is over its {8 << 20}-byte limit; download stopped.")
    assert sent < (8 << 20) + (16 << 20)


@pytest.mark.parametrize(
    ("directory", "pattern"),
    [
        ("entry_SITE_A_ce1", "description.*.cfg"),
        ("", "signature.*.sha1"),
        ("entry_SITE_A_ce1", "file_list.*.lst"),
        ("", "site_check.*.sh"),
    ],
)
def test_a_download_the_server_refuses_is_a_network_failure(factory, tmp_path, directory, pattern):
    _, out = factory
    refused = _staged(out, directory, pattern)
    run, _ = _run_hostile(out, tmp_path, refused.name, "refused")
    _assert_stopped(run, f"Failed to load file '{refused.name}'")
    assert ">Network</metric>" in run.stdout
    assert "corrupt" not in run.stderr.lower()

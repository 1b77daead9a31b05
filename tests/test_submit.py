"""gfactory submit: batch scripts from jinja2 templates, checked, submitted and recorded.

The scripts of every system are compared with golden files byte for byte (the shell
ones also pass shellcheck; the HTCondor one is read by ``htcondor2.Submit``). PBS, LSF
and UGE submissions go through stand-in ``qsub``/``bsub`` commands on PATH that record
what they were given; SLURM's real one is in ``test_slurm_e2e``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import htcondor2
import pytest

from glideinforge.factory.batch_job import (
    SCRIPT_NAMES,
    SYSTEMS,
    BatchJob,
    GlideinShape,
    TemplateError,
    published_shape,
    render_script,
)
from glideinforge.factory.glidein_args import glidein_args

from conftest import run_gfactory

GOLDEN = Path(__file__).parent / "golden" / "batch"
WORK = Path("var/lib/gwms-factory/work-dir")
SUBMISSIONS = Path("var/log/gwms-factory/server/glidein_gfactory_instance")

GOLDEN_JOB = BatchJob(
    system="slurm",
    entry="SITE_A",
    name="gfi_SITE_A",
    count=4,
    shape=GlideinShape(cpus=8, memory=16000, gpus=1, walltime=171000),
    startup=Path("/var/lib/gwms-factory/work-dir/glidein_startup.sh"),
    arguments=("-v", "std", "-name", "gfi", "-entry", "SITE_A", "-param_X", "a.nbsp,b"),
    submit_dir=Path("/var/log/gwms-factory/submissions/1"),
    credentials=("credential_site.idtoken",),
)


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_systems_script_is_its_golden_file(system):
    text = render_script(dataclasses.replace(GOLDEN_JOB, system=system))
    assert text == (GOLDEN / SCRIPT_NAMES[system]).read_text()


@pytest.mark.parametrize("system", [system for system in SYSTEMS if system != "condor"])
@pytest.mark.parametrize("count", [1, 4])
def test_the_shell_scripts_are_shellcheck_clean(system, count, tmp_path):
    script = tmp_path / SCRIPT_NAMES[system]
    script.write_text(render_script(dataclasses.replace(GOLDEN_JOB, system=system, count=count)))
    shellcheck = Path(sys.executable).with_name("shellcheck")
    checked = subprocess.run(
        [str(shellcheck), str(script)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout


def test_a_shell_script_runs_the_glidein_with_its_words_and_the_batch_ids(tmp_path):
    startup = tmp_path / "glidein_startup.sh"
    startup.write_text('printf "%s\\n" "$PWD" "$@" > "$OUT"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "credential_site.idtoken").write_text("token\n")
    job = dataclasses.replace(
        GOLDEN_JOB,
        arguments=("-v", "std", "-param_X", "it's $(odd)"),
        startup=startup,
        submit_dir=tmp_path / "sub",
    )
    script = tmp_path / "glidein.slurm"
    script.write_text(render_script(job))
    env = {**os.environ, "OUT": str(tmp_path / "words"), "SLURM_ARRAY_JOB_ID": "77",
           "SLURM_ARRAY_TASK_ID": "3"}  # fmt: skip
    assert subprocess.run(["bash", str(script)], env=env, check=False).returncode == 0
    start_dir = tmp_path / "sub" / "glidein_77_3"
    assert (tmp_path / "words").read_text().splitlines() == [
        str(start_dir), "-v", "std", "-param_X", "it's $(odd)", "-cluster", "77",
        "-subcluster", "3",
    ]  # fmt: skip
    assert (start_dir / "credential_site.idtoken").read_text() == "token\n"


def test_the_condor_description_is_what_htcondor2_reads():
    description = htcondor2.Submit(render_script(dataclasses.replace(GOLDEN_JOB, system="condor")))
    assert description.getQArgs() == "4"
    assert description["request_cpus"] == "8"
    assert description["request_memory"] == "16000"
    assert description["request_gpus"] == "1"
    assert description["MY.GlideinforgeEntry"] == '"SITE_A"'
    assert description["arguments"] == (
        '"-v std -name gfi -entry SITE_A -param_X a.nbsp,b -cluster $(Cluster) -subcluster $(Process)"'
    )
    assert description["transfer_input_files"] == (
        "/var/log/gwms-factory/submissions/1/credential_site.idtoken"
    )


def test_an_operators_template_replaces_the_shipped_one(tmp_path):
    (tmp_path / "slurm.j2").write_text(
        "#!/bin/bash\n#SBATCH --partition=glideins\n{% include 'batch/run.j2' %}\n"
    )
    text = render_script(GOLDEN_JOB, tmp_path)
    assert text.startswith("#!/bin/bash\n#SBATCH --partition=glideins\nstart_dir=")
    assert (
        render_script(dataclasses.replace(GOLDEN_JOB, system="pbs"), tmp_path)
        == (GOLDEN / "glidein.pbs").read_text()
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ no_such_name }}", "slurm template: 'no_such_name' is undefined"),
        ("{% if %}", "slurm.j2:1: slurm template: "),
    ],
)
def test_a_broken_template_is_a_clear_error(tmp_path, template, message):
    (tmp_path / "slurm.j2").write_text(template)
    with pytest.raises(TemplateError, match=message.replace("(", r"\(")):
        render_script(GOLDEN_JOB, tmp_path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("periodic_remove = JobStatus ==", "periodic_remove = JobStatus ==: not a ClassAd"),
        ("+Broken = (1", r"MY.Broken = \(1: not a ClassAd expression"),
        ("queue 2", "the submit description queues '2', not 4"),
    ],
)
def test_htcondor_refuses_a_broken_description(tmp_path, line, message):
    shipped = GOLDEN.parents[1].parent / "src/glideinforge/creation/lib/templates/batch"
    text = (shipped / "condor.j2").read_text().replace("queue {{ count }}", line)
    if not line.startswith("queue"):
        text += "queue {{ count }}\n"
    (tmp_path / "condor.j2").write_text(text)
    with pytest.raises(TemplateError, match=message):
        render_script(dataclasses.replace(GOLDEN_JOB, system="condor"), tmp_path)


def test_the_shape_and_words_come_from_the_published_entry(published):
    _, out = published
    work = out / WORK
    # SITE_A_ce1: GLIDEIN_CPUS 8, GLIDEIN_MaxMemMBs 16000, a GPUs slot, Max_Walltime 171000.
    assert published_shape(work, "SITE_A_ce1") == GlideinShape(8, 16000, 1, 171000)
    # SITE_B_slurm: GLIDEIN_CPUS auto (1 estimated), no memory, the main Max_Walltime.
    assert published_shape(work, "SITE_B_slurm") == GlideinShape(1, None, 0, 171000)
    assert published_shape(work, "SITE_B_slurm", walltime=3600).walltime == 3600
    result = run_gfactory(
        "submit", published[0], "SITE_A_ce1", "--root", out, "--count", "2", "--to", "slurm",
        "--dry-run", "--json", "--web", "http://127.0.0.1:1/stage",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    words = glidein_args(work, "SITE_A_ce1", web_url="http://127.0.0.1:1/stage").words
    assert document["arguments"] == list(words[:-4])
    assert words[-4:] == ("-cluster", "$(Cluster)", "-subcluster", "$(Process)")
    assert (document["cpus"], document["memory"], document["gpus"]) == (8, 16000, 1)
    assert "#SBATCH --time=1-23:30:00\n" in document["text"]
    assert document["dry_run"] is True and document["job_id"] is None
    assert not (out / SUBMISSIONS).exists()


def test_without_max_walltime_a_glidein_asks_for_its_own_lifetime(tmp_path):
    (tmp_path / "entry_E").mkdir(parents=True)
    (tmp_path / "entry_E" / "job.descript").write_text("# File: job.descript\n#\n")
    (tmp_path / "params.cfg").write_text("# File: params.cfg\n#\nGLIDEIN_Retire_Time \t'3600'\n")
    (tmp_path / "entry_E" / "attributes.cfg").write_text(
        "# File: attributes.cfg\n#\nGLIDEIN_CPUS \t'4'\nGLIDEIN_Graceful_Shutdown \t60\n"
    )
    # Retire_Time (main param) + Job_Max_Time (the condor_vars default) + Graceful_Shutdown.
    assert published_shape(tmp_path, "E") == GlideinShape(4, None, 0, 3600 + 129600 + 60)


def test_dry_run_prints_the_script_and_writes_nothing(published):
    config, out = published
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "3", "--to", "uge", "--dry-run"
    )
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("#!/bin/bash\n# 3 glidein(s) of entry SITE_B_slurm, ")
    assert "#$ -t 1-3\n" in result.stdout
    assert "(dry run: " in result.stdout
    assert not (out / SUBMISSIONS).exists()


@pytest.mark.parametrize(
    ("entry", "code", "message"),
    [
        ("SITE_A_ce", 2, "SITE_A_ce: no such entry; did you mean 'SITE_A_ce1'? (entry names: "),
        ("SITE_C_arc", 1, "SITE_C_arc: the entry is disabled; glideins go to enabled entries only"),
    ],
)
def test_only_enabled_entries_get_glideins(published, entry, code, message):
    config, out = published
    result = run_gfactory("submit", config, entry, "--root", out, "--count", "1", "--to", "pbs")
    assert (result.code, result.stdout) == (code, "")
    assert message in result.stderr


def test_an_unpublished_factory_is_refused(tmp_path):
    from conftest import copy_example  # noqa: PLC0415

    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    result = run_gfactory(
        "submit", config, "SITE_A_ce1", "--root", tmp_path / "out", "--count", "1", "--to", "lsf"
    )
    assert result.code == 1
    assert result.stderr == (
        f"gfactory submit: {tmp_path / 'out' / WORK}: no published glidein.descript; "
        "run 'gfactory reconfig' first\n"
    )


def _stand_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, answer: str, code: int = 0
) -> Path:
    """A stand-in batch command first on PATH: records its words and stdin, prints ``answer``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    log = bin_dir / f"{name}.log"
    script = bin_dir / name
    script.write_text(
        "#!/bin/bash\n"
        f'for word in "$@"; do echo "$word"; done > {shlex.quote(str(log))}\n'
        f"cat >> {shlex.quote(str(log))}\n"
        f"echo {shlex.quote(answer)}\n"
        f"exit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


@pytest.mark.parametrize(
    ("system", "command", "answer", "job_id", "words"),
    [
        ("pbs", "qsub", "4242.pbs-server", "4242.pbs-server", ["{script}"]),
        ("uge", "qsub", "4243.1-2:1", "4243", ["-terse", "{script}"]),
        ("lsf", "bsub", "Job <4244> is submitted to queue <normal>.", "4244", []),
    ],
)
def test_a_submission_is_made_and_recorded(  # noqa: PLR0917 - pytest's parameters
    published, tmp_path, monkeypatch, system, command, answer, job_id, words
):
    config, out = published
    log = _stand_in(tmp_path, monkeypatch, command, answer)
    credential = tmp_path / "credential_site.idtoken"
    credential.write_text("secret\n")
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "2", "--to", system,
        "--credential", credential, "--walltime", "7200",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (record_path,) = (out / SUBMISSIONS).glob("entry_SITE_B_slurm/submissions/*/record.json")
    record = json.loads(record_path.read_text())
    script = record_path.parent / SCRIPT_NAMES[system]
    assert (record["system"], record["count"], record["job_id"]) == (system, 2, job_id)
    assert record["walltime"] == 7200 and record["script"] == str(script)
    assert result.stdout == (
        f"submitted 2 glidein(s) of SITE_B_slurm to {system} as job {job_id}; "
        f"record: {record_path}\n"
    )
    said = log.read_text()
    expected = [word.format(script=script) for word in words]
    if system == "lsf":  # bsub reads the script on its stdin
        assert said == script.read_text()
    else:
        assert said.splitlines() == expected
    dry = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "2", "--to", system,
        "--credential", credential, "--walltime", "7200", "--dry-run",
    )  # fmt: skip
    submitted = script.read_text()
    # The dry run names its would-be directory by its own second: only the name differs.
    assert submitted == re.sub(
        rf"\d{{8}}T\d{{6}}Z-{system}-DRYRUN",
        script.parent.name,
        dry.stdout.split("(dry run:")[0],
    )
    copied = record_path.parent / credential.name
    assert copied.read_text() == "secret\n"
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600


def test_a_refused_submission_leaves_nothing_behind(published, tmp_path, monkeypatch):
    config, out = published
    _stand_in(tmp_path, monkeypatch, "qsub", "qsub: Unknown queue", code=1)
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "1", "--to", "pbs"
    )
    assert result.code == 1
    assert result.stderr == "gfactory submit: qsub exited 1: qsub: Unknown queue\n"
    assert list((out / SUBMISSIONS).glob("entry_SITE_B_slurm/submissions/*")) == []


def test_a_missing_batch_command_is_named(published, tmp_path, monkeypatch):
    config, out = published
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "1", "--to", "lsf"
    )
    assert (result.code, result.stderr) == (1, "gfactory submit: bsub: not found on PATH\n")


def test_htcondor_submissions_go_to_the_local_schedd_and_fail_clearly_without_one(
    published, tmp_path
):
    config, out = published
    condor_config = tmp_path / "condor_config"
    condor_config.write_text("# no schedd here\n")
    env = {**os.environ, "CONDOR_CONFIG": str(condor_config)}
    dry = subprocess.run(
        [str(Path(sys.executable).with_name("gfactory")), "submit", str(config), "SITE_A_ce1",
         "--root", str(out), "--count", "3", "--to", "condor", "--dry-run", "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    description = htcondor2.Submit(json.loads(dry.stdout)["text"])
    assert (description.getQArgs(), description["request_cpus"]) == ("3", "8")
    assert description["executable"] == str(out / WORK / "glidein_startup.sh")
    submitted = subprocess.run(
        [str(Path(sys.executable).with_name("gfactory")), "submit", str(config), "SITE_A_ce1",
         "--root", str(out), "--count", "3", "--to", "condor"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert submitted.returncode == 1
    assert submitted.stderr.startswith("gfactory submit: the local schedd refused the submission: ")
    assert list((out / SUBMISSIONS).glob("entry_SITE_A_ce1/submissions/*")) == []


def test_a_credential_is_read_bounded(published, tmp_path):
    config, out = published
    huge = tmp_path / "credential_huge.idtoken"
    huge.write_bytes(b"x" * ((1 << 20) + 1))
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "1", "--to", "slurm",
        "--credential", huge,
    )  # fmt: skip
    assert result.code == 2
    assert result.stderr == (
        f"--credential: {huge}: file is 1048577 bytes, more than the limit of 1048576\n"
    )
    assert list((out / SUBMISSIONS).glob("entry_SITE_B_slurm/submissions/*")) == []


def test_a_link_leading_out_of_the_log_dir_is_refused(published, tmp_path, monkeypatch):
    config, out = published
    _stand_in(tmp_path, monkeypatch, "qsub", "1.server")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    entry_dir = out / SUBMISSIONS / "entry_SITE_B_slurm"
    entry_dir.mkdir(parents=True, exist_ok=True)
    (entry_dir / "submissions").symlink_to(outside)
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "1", "--to", "pbs"
    )
    assert result.code == 1
    assert "a symbolic link leading out of" in result.stderr
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "bin" / "qsub.log").exists()


def test_an_include_that_is_missing_is_named(tmp_path):
    (tmp_path / "slurm.j2").write_text("{% include 'batch/nothing.j2' %}\n")
    with pytest.raises(TemplateError, match=r"^slurm template: no template batch/nothing\.j2$"):
        render_script(GOLDEN_JOB, tmp_path)


def test_an_unexpected_answer_of_a_successful_submission_keeps_it(published, tmp_path, monkeypatch):
    config, out = published
    _stand_in(tmp_path, monkeypatch, "bsub", "Your job was queued (site wrapper)")
    result = run_gfactory(
        "submit", config, "SITE_B_slurm", "--root", out, "--count", "1", "--to", "lsf"
    )
    assert result.code == 0, result.stderr
    (record_path,) = (out / SUBMISSIONS).glob("entry_SITE_B_slurm/submissions/*/record.json")
    assert json.loads(record_path.read_text())["job_id"] == "Your job was queued (site wrapper)"
    assert (record_path.parent / "glidein.lsf").is_file()  # the queued job's script stays

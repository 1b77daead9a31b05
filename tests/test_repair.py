"""Verify checks the work dir too, and ``reconfig --repair`` restores what verify finds."""

from __future__ import annotations

import hashlib
import json

from compile_helpers import gfactory_run, published_example

WORK = "var/lib/gwms-factory/work-dir"
STAGE = "var/lib/gwms-factory/web-area/stage"


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - the records' content key


def test_verify_names_a_work_file_edited_after_publishing(tmp_path):
    config, out = published_example(tmp_path)
    job = out / WORK / "entry_SITE_A_ce1" / "job.condor"
    original = job.read_bytes()
    job.write_bytes(original + b"+Hacked = True\n")
    code, stdout, stderr = gfactory_run("verify", config, "--root", out)
    assert code == 1
    assert stdout == ""
    assert (
        f"{job}: work file differs from the live state's record "
        f"(expected {_sha1(original)}, actual {_sha1(job.read_bytes())})\n"
    ) in stderr
    assert "FAILED: 1 problem(s)" in stderr


def test_verify_names_missing_and_linked_work_files(tmp_path):
    config, out = published_example(tmp_path)
    work = out / WORK
    (work / "entry_SITE_B_slurm" / "job.descript").unlink()
    attributes = work / "attributes.cfg"
    attributes.unlink()
    attributes.symlink_to("/etc/hostname")
    code, stdout, _ = gfactory_run("verify", config, "--root", out, "--json")
    assert code == 1
    problems = {item["file"]: item["message"] for item in json.loads(stdout)["problems"]}
    assert problems == {
        str(work / "entry_SITE_B_slurm" / "job.descript"): "work file of the live state is missing",
        str(attributes): "work file of the live state is a symbolic link",
    }


def test_verify_checks_work_files_with_explicit_stage_and_summary(tmp_path):
    _, out = published_example(tmp_path)
    (out / WORK / "glidein.descript").write_text("edited\n")
    code, _, stderr = gfactory_run(
        "verify", "--stage", out / STAGE, "--signatures", out / WORK / "signatures.sha1"
    )
    assert code == 1
    assert "glidein.descript: work file differs from the live state's record" in stderr

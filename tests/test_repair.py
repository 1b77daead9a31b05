"""Verify checks the work dir too, and ``reconfig --repair`` restores what verify finds."""

from __future__ import annotations

import hashlib
import json

from compile_helpers import gfactory_run, gfrontend_run, published_example
from conftest import copy_example

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


def _damage(path, data: bytes | None = None) -> None:
    """Replace ``path``'s bytes in place (all its hard links see it, as a hand edit would)."""
    content = bytearray(path.read_bytes())
    if data is None:
        content[-2] ^= 1  # same size: only reading it tells
        data = bytes(content)
    with path.open("r+b") as stream:
        stream.truncate(0)
        stream.write(data)


def test_reconfig_repair_restores_damaged_and_missing_files_and_says_which(tmp_path):
    config, out = published_example(tmp_path)
    stage, work = out / STAGE, out / WORK
    flipped = next(stage.glob("entry_SITE_A_ce1/condor_vars.*.lst"))
    grown = next(stage.glob("setup_x509.*.sh"))
    missing = next(stage.glob("entry_SITE_B_slurm/file_list.*.lst"))
    job = work / "entry_SITE_A_ce1" / "job.condor"
    _damage(flipped)
    _damage(grown, grown.read_bytes() + b"echo hacked\n")
    missing.unlink()
    job.write_bytes(job.read_bytes() + b"+Hacked = True\n")
    assert gfactory_run("verify", config, "--root", out)[0] == 1
    code, stdout, stderr = gfactory_run("reconfig", config, "--root", out, "--repair")
    assert code == 0, stderr
    restored = sorted(line for line in stdout.splitlines() if " restored " in line)
    assert restored == sorted(
        [
            f"gfactory: restored {flipped} (was: SHA-1 does not match the signature)",
            f"gfactory: restored {grown} (was: SHA-1 does not match the signature)",
            f"gfactory: restored {missing} (was: listed file is missing)",
            f"gfactory: restored {job} (was: work file differs from the live state's record)",
        ]
    )
    assert gfactory_run("verify", config, "--root", out)[0] == 0


def test_without_repair_a_damaged_file_is_refused_with_the_way_out(tmp_path):
    config, out = published_example(tmp_path)
    script = next((out / STAGE).glob("setup_x509.*.sh"))
    _damage(script, script.read_bytes() + b"echo hacked\n")
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 1
    assert (
        f"{script} exists with other content: content-named files never change "
        "(reconfig --repair restores it)"
    ) in stderr


def test_repair_of_an_intact_state_says_so_and_reports_in_json(tmp_path):
    config, out = published_example(tmp_path)
    code, stdout, _ = gfactory_run("reconfig", config, "--root", out, "--repair")
    assert code == 0
    assert "gfactory: nothing needed repair\n" in stdout
    shared = next((out / STAGE).glob("cat_consts.*.sh"))
    _damage(shared)  # an edit in place: every hard link to it is damaged too
    damaged_sha1 = _sha1(shared.read_bytes())
    code, stdout, _ = gfactory_run("upgrade", config, "--root", out, "--repair", "--json")
    assert code == 0
    links = [shared, *sorted((out / STAGE).glob(f"entry_*/{shared.name}"))]
    assert len(links) == 5
    assert sorted(json.loads(stdout)["repair"]["restored"], key=lambda item: item["file"]) == [
        {
            "file": str(path),
            "message": "SHA-1 does not match the signature",
            "expected": _sha1(path.read_bytes()),
            "actual": damaged_sha1,
        }
        for path in sorted(links, key=str)
    ]
    assert json.loads(stdout)["repair"]["remaining"] == []
    assert gfactory_run("verify", config, "--root", out)[0] == 0


def test_frontend_verify_and_repair(tmp_path):
    config = copy_example("frontend", tmp_path / "cfg") / "frontend.xml"
    out = tmp_path / "out"
    assert gfrontend_run("reconfig", config, "--root", out)[0] == 0
    summary = next(out.rglob("signatures.sha1"))
    work = summary.parent
    descript = work / "frontend.descript"
    descript.write_bytes(descript.read_bytes() + b"Hacked True\n")
    staged = next(path for path in out.rglob("group_*/*.lst") if ".T." not in path.name)
    staged.unlink()
    code, _, stderr = gfrontend_run("verify", config, "--root", out)
    assert code == 1
    assert f"{descript}: work file differs from the live state's record" in stderr
    assert f"{staged}: listed file is missing" in stderr
    code, stdout, stderr = gfrontend_run("reconfig", config, "--root", out, "--repair")
    assert code == 0, stderr
    assert f"gfrontend: restored {descript} (was: work file differs" in stdout
    assert f"gfrontend: restored {staged} (was: listed file is missing)" in stdout
    assert gfrontend_run("verify", config, "--root", out)[0] == 0


def test_a_refused_rollback_points_to_repair_which_unblocks_it(tmp_path):
    config, out = published_example(tmp_path)
    sites = config.parent / "config.d" / "10-sites.xml"
    sites.write_text(sites.read_text().replace('value="SiteA"', 'value="SiteA2"', 1))
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    shared = next((out / STAGE).glob("setup_x509.*.sh"))  # in both states
    _damage(shared)
    code, _, stderr = gfactory_run("rollback", config, "--root", out)
    assert code == 1
    assert f"{shared}: SHA-1 does not match the signature" in stderr
    assert stderr.rstrip().endswith(
        "1 file(s) gone or damaged; nothing changed (reconfig --repair restores those the "
        "live state also has)"
    )
    assert gfactory_run("reconfig", config, "--root", out, "--repair")[0] == 0
    code, _, stderr = gfactory_run("rollback", config, "--root", out)
    assert code == 0, stderr
    assert (
        gfactory_run(
            "verify", "--stage", out / STAGE, "--signatures", out / WORK / "signatures.sha1"
        )[0]
        == 0
    )


def test_verify_checks_what_is_published_when_the_config_has_an_unrelated_error(tmp_path):
    config, out = published_example(tmp_path)
    config.write_text(config.read_text().replace('loop_delay="60"', 'loop_delay="soon"', 1))
    assert gfactory_run("validate", config)[0] == 1
    code, stdout, stderr = gfactory_run("verify", config, "--root", out)
    assert code == 0, stderr
    assert (
        f"gfactory: {config} has errors; verifying the state published in {out / WORK} "
        f"instead (its record names the stage {out / STAGE})\n"
    ) in stderr
    assert "verified; 5 directories" in stdout
    _damage(next((out / STAGE).glob("setup_x509.*.sh")))
    assert gfactory_run("verify", config, "--root", out)[0] == 1


def test_frontend_verify_checks_what_is_published_when_the_config_has_an_error(tmp_path):
    config = copy_example("frontend", tmp_path / "cfg") / "frontend.xml"
    out = tmp_path / "out"
    assert gfrontend_run("reconfig", config, "--root", out)[0] == 0
    config.write_text(config.read_text().replace("<frontend ", '<frontend bogus_flag="x" ', 1))
    code, stdout, stderr = gfrontend_run("verify", config, "--root", out)
    assert code == 0, stderr
    assert "has errors; verifying the state published in" in stderr
    assert ": verified;" in stdout

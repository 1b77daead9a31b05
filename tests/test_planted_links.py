"""Planted symbolic links: nothing is written or deleted through a link leading out of a tree.

A red-team run replaced ``stage/entry_X``, ``work/entry_X``, ``work/lock`` and
``history/objects`` with links to a folder outside the output trees; reconfig
wrote there and gc deleted there, and verify accepted staged files that were
links leading out. Each case here plants one link, runs the tool, and checks
the outside folder is byte for byte as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compile_helpers import gfactory_run, published_example

STAGE = "var/lib/gwms-factory/web-area/stage"
WORK = "var/lib/gwms-factory/work-dir"
SITES = "config.d/10-sites.xml"


def _listing(folder: Path) -> dict[str, bytes | str]:
    """Every path under ``folder`` with its bytes (files) or kind."""
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else "directory"
        for path in sorted(folder.rglob("*"))
    }


def _move_out(inside: Path, outside: Path) -> None:
    """Replace ``inside`` by a link to ``outside``, which takes its content."""
    shutil.move(inside, outside)
    inside.symlink_to(outside, target_is_directory=True)


def _change_site_a(config: Path) -> None:
    path = config.parent / SITES
    text = path.read_text()
    path.write_text(text.replace('value="SiteA"', 'value="SiteA2"', 1))


@pytest.fixture
def site(tmp_path):
    config, out = published_example(tmp_path)
    return config, out, tmp_path / "elsewhere"


@pytest.mark.parametrize(
    "planted",
    [f"{STAGE}/entry_SITE_A_ce1", f"{WORK}/entry_SITE_A_ce1", f"{WORK}/history/objects"],
)
def test_reconfig_refuses_to_write_through_a_link_leading_out(site, planted):
    config, out, elsewhere = site
    _move_out(out / planted, elsewhere)
    before = _listing(elsewhere)
    _change_site_a(config)
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 1
    assert f"{out / planted}: a symbolic link leading out of " in stderr
    assert "nothing is written or deleted through it: remove the link" in stderr
    assert _listing(elsewhere) == before


def test_a_runtime_directory_linked_out_is_left_alone(site):
    """The work dir's ``lock`` folder is only made when missing: nothing goes into it."""
    config, out, elsewhere = site
    _move_out(out / WORK / "lock", elsewhere)
    (elsewhere / "keep").write_text("operator's\n")
    _change_site_a(config)
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    assert _listing(elsewhere) == {"keep": b"operator's\n"}


def test_a_staged_file_replaced_by_a_link_is_replaced_not_followed(site, tmp_path):
    config, out, _ = site
    stage = out / STAGE / "entry_SITE_A_ce1"
    staged = next(path for path in stage.iterdir() if path.name.startswith("cat_consts"))
    secret = tmp_path / "secret"
    secret.write_bytes(staged.read_bytes())  # the same bytes: only the link is wrong
    staged.unlink()
    staged.symlink_to(secret)
    _change_site_a(config)
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    assert not staged.is_symlink()
    assert staged.read_bytes() == secret.read_bytes()


def test_gc_refuses_to_delete_through_a_link_leading_out(site):
    config, out, elsewhere = site
    _change_site_a(config)
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    _move_out(out / WORK / "history" / "objects", elsewhere)
    before = _listing(elsewhere)
    code, _, stderr = gfactory_run(
        "gc", config, "--root", out, "--keep-days", "0", "--keep-states", "1"
    )
    assert code == 1
    assert "a symbolic link leading out of" in stderr
    assert "nothing is removed" in stderr
    assert _listing(elsewhere) == before


def test_gc_refuses_a_state_record_folder_linked_out(site):
    config, out, elsewhere = site
    _change_site_a(config)
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    _move_out(out / WORK / "history" / "states", elsewhere)
    before = _listing(elsewhere)
    code, _, stderr = gfactory_run(
        "gc", config, "--root", out, "--keep-days", "0", "--keep-states", "1"
    )
    assert code == 1
    assert f"{out / WORK / 'history' / 'states'}: a symbolic link leading out of" in stderr
    assert _listing(elsewhere) == before


def test_verify_reports_an_entry_directory_linked_out(site):
    config, out, elsewhere = site
    _move_out(out / STAGE / "entry_SITE_A_ce1", elsewhere)
    code, _, stderr = gfactory_run("verify", config, "--root", out)
    assert code == 1
    assert (
        f"{out / STAGE / 'entry_SITE_A_ce1'}: directory is a symbolic link leading out of "
        f"the stage (to {elsewhere})"
    ) in stderr


def test_verify_reports_a_staged_file_linked_out(site, tmp_path):
    config, out, _ = site
    stage = out / STAGE / "entry_SITE_A_ce1"
    staged = next(path for path in stage.iterdir() if path.name.startswith("cat_consts"))
    copy = tmp_path / "copy"
    copy.write_bytes(staged.read_bytes())
    staged.unlink()
    staged.symlink_to(copy)
    code, _, stderr = gfactory_run("verify", config, "--root", out)
    assert code == 1
    assert (
        f"{staged}: listed file is unreadable: a symbolic link leading out of the stage (to {copy})"
    ) in stderr


def test_verify_accepts_links_that_stay_in_the_stage(site):
    config, out, _ = site
    stage = out / STAGE
    shutil.move(stage / "entry_SITE_A_ce1", stage / "moved")
    (stage / "entry_SITE_A_ce1").symlink_to("moved", target_is_directory=True)
    code, stdout, stderr = gfactory_run("verify", config, "--root", out)
    assert code == 0, stderr
    assert "OK" in stdout or "verified" in stdout


def test_rollback_refuses_to_write_through_a_link_leading_out(site):
    config, out, elsewhere = site
    _change_site_a(config)
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    work = out / WORK
    live = (work / "signatures.sha1").read_bytes()
    _move_out(work / "entry_SITE_A_ce1", elsewhere)
    before = _listing(elsewhere)
    code, _, stderr = gfactory_run("rollback", config, "--root", out)
    assert code == 1
    assert f"{work / 'entry_SITE_A_ce1'}: a symbolic link leading out of " in stderr
    assert stderr.rstrip().endswith("nothing changed")
    assert _listing(elsewhere) == before
    assert (work / "signatures.sha1").read_bytes() == live

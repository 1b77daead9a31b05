"""The fast no-op reconfig: recognised without compiling, and never hiding a change."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from glideinforge.creation.lib import fingerprint as fingerprint_module
from glideinforge.creation.lib import installed as installed_module
from glideinforge.creation.lib import staged as staged_module
from glideinforge.factory import release_packer
from glideinforge.tools import factory_commands

from compile_helpers import (
    fast_path_record,
    gfactory_run,
    live_state_file,
    published_example,
    set_fast_path_record,
)
from conftest import copy_example

STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")


@pytest.fixture
def tree(tmp_path):
    """A copy of the example factory, published once under tmp_path/out."""
    return published_example(tmp_path)


def _reconfig(config: Path, out: Path) -> dict:
    code, stdout, err = gfactory_run("reconfig", config, "--root", out, "--json")
    assert code == 0, err
    return json.loads(stdout)


def _snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    return {
        path: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def test_a_no_op_is_recognised_without_loading_the_configuration(tree, monkeypatch):
    config, out = tree
    before = _snapshot(out)

    def refuse(*_args):
        raise AssertionError("the configuration was loaded")

    monkeypatch.setattr(factory_commands, "load_for_command", refuse)
    report = _reconfig(config, out)
    assert report["fingerprint"] is True
    assert (report["files_written"], report["files_linked"]) == (0, 0)
    assert report["files_unchanged"] == 129
    assert report["entries"] == {"enabled": 3, "disabled": 1}
    assert _snapshot(out) == before  # not even a timestamp


_HEAVY = (
    "rich",
    "lxml",
    "jsonschema",
    "jinja2",
    "cryptography",
    "htcondor2",
    "classad2",
    "glideinforge.factory.load",
    "glideinforge.factory.compile",
    "glideinforge.creation.lib.publish",
    "glideinforge.tools.factory_commands",
)


def _loaded_running(command: str, config: Path, out: Path) -> tuple[str, str]:
    """Run ``gfactory COMMAND CONFIG --root OUT`` afresh: its first line, heavy modules loaded."""
    program = (
        "import io, sys\n"
        "from glideinforge.tools import gfactory\n"
        "stdout = io.StringIO()\n"
        f"code = gfactory.run([{command!r}, {str(config)!r}, '--root', {str(out)!r}], stdout,"
        " sys.stderr)\n"
        f"print(code, [name for name in {_HEAVY!r} if name in sys.modules])\n"
        "print(stdout.getvalue(), end='')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    loaded, first = completed.stdout.splitlines()[:2]
    return loaded, first


def test_a_no_op_loads_no_parser_compiler_or_publisher(tree):
    config, out = tree
    loaded, summary = _loaded_running("reconfig", config, out)
    assert loaded == "0 []"
    assert summary.startswith("reconfig: 3 enabled and 1 disabled entries; 0 file(s) written")
    assert summary.endswith("(inputs and published files as last recorded); no changes")


def test_verify_of_the_published_configuration_loads_no_parser(tree):
    config, out = tree
    loaded, summary = _loaded_running("verify", config, out)
    assert loaded == "0 []"
    assert summary.startswith(f"{out / WORK / 'signatures.sha1'}: verified; 5 directories, ")
    _edit_sites(config)  # not published: the configuration is loaded to find its stage
    loaded, summary = _loaded_running("verify", config, out)
    assert "glideinforge.factory.load" in loaded
    assert summary.startswith(f"{out / WORK / 'signatures.sha1'}: verified; 5 directories, ")


def test_the_full_no_op_gives_the_same_report_and_writes_nothing_but_the_record(tree):
    config, out = tree
    fast = _reconfig(config, out)
    set_fast_path_record(out / WORK, "fingerprint", None)
    before = _snapshot(out)
    full = _reconfig(config, out)
    assert full["fingerprint"] is False
    for document in (fast, full):
        document.pop("seconds")
        document.pop("fingerprint")
    assert full == fast
    after = _snapshot(out)
    # Only the record comes back: the fingerprint's object, and the state record naming it.
    sha1 = json.loads(live_state_file(out / WORK).read_bytes())["fast_paths"]["fingerprint"]
    assert set(after) - set(before) == {out / WORK / "history/objects" / sha1[:2] / sha1}
    assert {path for path in before if after[path] != before[path]} == {live_state_file(out / WORK)}
    assert _reconfig(config, out)["fingerprint"] is True
    assert _snapshot(out) == after


def _edit_sites(config: Path) -> None:
    sites = config.parent / "config.d" / "10-sites.xml"
    sites.write_text(sites.read_text().replace('value="SiteA"', 'value="SiteZ"', 1))


def _add_dropin(config: Path) -> None:
    (config.parent / "config.d" / "90-empty.xml").write_text("<glidein/>\n")


def _same_size_input(config: Path) -> None:
    motd = config.parent / "files" / "motd.txt"
    text = motd.read_text()
    motd.write_text(("X" if text[0] != "X" else "Y") + text[1:])


def _delete_staged(out: Path) -> None:
    next((out / STAGE).glob("error_gen.*.sh")).unlink()


def _same_size_work_edit(out: Path) -> None:
    path = out / WORK / "entry_SITE_A_ce1" / "job.descript"
    text = path.read_text()
    path.write_text(text.replace("SITE_A_ce1", "SITE_A_ceX", 1))


def _touch_work_file(out: Path) -> None:
    path = out / WORK / "entry_SITE_A_ce1" / "job.descript"
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


def _same_bytes_new_inode(out: Path) -> None:
    path = out / WORK / "entry_SITE_A_ce1" / "job.descript"
    copy = path.with_name("copy")
    shutil.copy2(path, copy)  # same size and modification time
    copy.replace(path)


def _delete_runtime_dir(out: Path) -> None:
    (out / WORK / "entry_SITE_A_ce1" / "lock").rmdir()


@pytest.mark.parametrize(
    ("change", "on", "written"),
    [
        (_edit_sites, "config", True),
        (_add_dropin, "config", False),
        (_same_size_input, "config", True),
        (_delete_staged, "out", True),
        (_same_size_work_edit, "out", True),
        (_touch_work_file, "out", False),
        (_same_bytes_new_inode, "out", False),
        (_delete_runtime_dir, "out", False),
    ],
    ids=lambda item: getattr(item, "__name__", str(item)),
)
def test_any_change_takes_the_full_path(tree, change, on, written):
    config, out = tree
    change(config if on == "config" else out)
    report = _reconfig(config, out)
    assert report["fingerprint"] is False
    assert bool(report["files_written"] + report["files_linked"]) is written
    assert (out / WORK / "entry_SITE_A_ce1" / "lock").is_dir()
    code, _, err = gfactory_run("verify", config, "--root", out)
    assert code == 0, err
    assert _reconfig(config, out)["fingerprint"] is True  # recorded again


def test_a_rollback_is_not_taken_for_the_configured_state(tree):
    config, out = tree
    _edit_sites(config)
    assert _reconfig(config, out)["files_written"] > 0
    code, _, err = gfactory_run("rollback", config, "--root", out)
    assert code == 0, err
    report = _reconfig(config, out)
    assert report["fingerprint"] is False
    assert report["files_written"] >= 1  # signatures.sha1 of the configured state again


def test_another_installation_takes_the_full_path(tree, monkeypatch):
    config, out = tree
    monkeypatch.setattr(staged_module, "installed_digest", lambda: "another build")
    assert _reconfig(config, out)["fingerprint"] is False


def test_the_installed_code_counts_by_its_files_stamps(tmp_path):
    package = tmp_path / "glideinforge"
    shutil.copytree(Path(installed_module.__file__).parents[2], package)
    digest = installed_module.package_digest
    before = digest(str(package))
    assert digest(str(package)) == before
    cache = package / "factory" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "model.cpython-311.pyc").write_bytes(b"byte-code")
    assert digest(str(package)) == before  # byte-code is left out
    source = package / "factory" / "model.py"
    source.write_bytes(source.read_bytes() + b"\n")
    edited = digest(str(package))
    assert edited != before
    # Rewritten in place to the same size, its modification time set back (cp -p, rsync
    # --inplace): only the change time tells.
    status = source.stat()
    time.sleep(0.05)  # past the file system's clock tick (a few ms)
    with source.open("r+b") as rewrite:
        rewrite.write(b"#")
    os.utime(source, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert (source.stat().st_size, source.stat().st_ino) == (status.st_size, status.st_ino)
    assert digest(str(package)) != edited
    edited = digest(str(package))
    os.utime(package / "creation" / "lib" / "templates" / "job.condor.j2", ns=(1, 1))
    assert digest(str(package)) != edited  # a template, touched: its stamp changed
    (package / "schemas" / "new.json").write_text("{}")
    assert digest(str(package)) not in {before, edited}


def test_an_operator_edited_blacklist_does_not_count_as_a_change(tree):
    config, out = tree
    blacklist = out / STAGE / "entry_SITE_A_ce1" / "nodes.blacklist"
    blacklist.write_text("bad-node.example.org\n")
    report = _reconfig(config, out)
    assert report["fingerprint"] is True
    assert blacklist.read_text() == "bad-node.example.org\n"


def test_another_root_has_its_own_record(tree, tmp_path):
    config, _ = tree
    assert _reconfig(config, tmp_path / "other")["fingerprint"] is False
    assert _reconfig(config, tmp_path / "other")["fingerprint"] is True


@pytest.mark.parametrize("count", [3, 40])  # asked one by one, and listed once
def test_directories_exist_requires_every_directory(tmp_path, count):
    paths = [tmp_path / f"entry_{number}" for number in range(count)]
    for path in paths:
        path.mkdir()
    names = [str(path) for path in paths]
    assert fingerprint_module.directories_exist(names)
    paths[1].rmdir()
    assert not fingerprint_module.directories_exist(names)
    paths[1].write_text("a file, not a directory")
    assert not fingerprint_module.directories_exist(names)
    assert not fingerprint_module.directories_exist([str(tmp_path / "gone" / "entry_0")] * count)


@pytest.fixture
def large_tarball_tree(tmp_path):
    """The example factory with a condor tarball over LARGE_INPUT, published once."""
    config_dir = tmp_path / "cfg"
    copy_example("factory", config_dir)
    tarball = config_dir / "files" / "condor_stub.tgz"
    # Incompressible content: the gzip-compressed tarball is over LARGE_INPUT too.
    data = random.Random(0).randbytes(fingerprint_module.LARGE_INPUT)  # noqa: S311 - test data
    info = tarfile.TarInfo("condor/sbin/condor_master")
    info.size = len(data)
    with tarfile.open(tarball, "w:gz") as tar:
        tar.addfile(info, io.BytesIO(data))
    assert tarball.stat().st_size > fingerprint_module.LARGE_INPUT
    config, out = config_dir / "glideinWMS.xml", tmp_path / "out"
    _reconfig(config, out)
    return config, out, tarball


def _refuse_reading(monkeypatch, tarball: Path) -> None:
    read = staged_module._stream_digests

    def refuse_the_tarball(path, size):
        assert path.resolve() != tarball.resolve(), "the tarball was read again"
        return read(path, size)

    monkeypatch.setattr(staged_module, "_stream_digests", refuse_the_tarball)


def test_a_large_input_as_recorded_is_not_read_again(large_tarball_tree, monkeypatch):
    config, out, tarball = large_tarball_tree
    recorded = json.loads(fast_path_record(out / WORK, "fingerprint"))["large_inputs"]
    assert [item[0] for item in recorded] == [str(tarball.resolve())]
    _refuse_reading(monkeypatch, tarball)
    assert _reconfig(config, out)["fingerprint"] is True


def test_a_full_reconfig_does_not_read_a_large_input_as_recorded(large_tarball_tree, monkeypatch):
    config, out, tarball = large_tarball_tree
    _refuse_reading(monkeypatch, tarball)
    _edit_main_attr(config)
    report = _reconfig(config, out)
    assert (report["fingerprint"], report["compiled_alone"]) == (False, None)
    assert report["files_written"] > 0
    monkeypatch.undo()
    assert _reconfig(config, out)["fingerprint"] is True  # the record took its digests over


def test_a_changed_large_input_is_read_and_published(large_tarball_tree):
    config, out, tarball = large_tarball_tree
    content = bytearray(tarball.read_bytes())
    content[-100] ^= 1  # same size, same stamp but the time; the first header still reads
    tarball.write_bytes(bytes(content))
    report = _reconfig(config, out)
    assert report["fingerprint"] is False
    assert report["files_written"] > 0
    staged = [path.read_bytes() for path in (out / STAGE).glob("condor_bin_0.*.tgz")]
    assert bytes(content) in staged
    code, _, err = gfactory_run("verify", config, "--root", out)
    assert code == 0, err


def test_a_malformed_record_takes_the_full_path(tree):
    config, out = tree
    record = json.loads(fast_path_record(out / WORK, "fingerprint"))
    record["outputs"]["paths"][0] = 7  # not a path (os.stat would take it for a descriptor)
    set_fast_path_record(out / WORK, "fingerprint", json.dumps(record).encode())
    assert fingerprint_module.read_fingerprint(out / WORK) is None
    report = _reconfig(config, out)
    assert report["fingerprint"] is False
    assert _reconfig(config, out)["fingerprint"] is True  # recorded again


def test_a_record_nested_too_deep_takes_the_full_path(tree):
    config, out = tree
    depth = 5000
    nested = '{"key": ' + "[" * depth + "]" * depth + "}"
    set_fast_path_record(out / WORK, "fingerprint", nested.encode())
    assert _reconfig(config, out)["fingerprint"] is False


@pytest.fixture
def release_tree(tmp_path):
    """The example factory packing HTCondor from a release directory, published once."""
    release = tmp_path / "condor-24.0.1"
    for name in ("condor_master", "condor_startd", "condor_starter"):
        (release / "sbin").mkdir(parents=True, exist_ok=True)
        (release / "sbin" / name).write_text(f"#!/bin/sh\n# {name}\n")
        (release / "sbin" / name).chmod(0o755)
    (release / "lib" / "condor").mkdir(parents=True)
    (release / "lib" / "condor" / "libcondor.so").write_bytes(bytes(range(256)) * 64)
    config_dir = tmp_path / "cfg"
    copy_example("factory", config_dir)
    config = config_dir / "glideinWMS.xml"
    text, count = re.subn(
        r'tar_file="[^"]*condor_stub\.tgz"', f'base_dir="{release}"', config.read_text()
    )
    assert count == 1
    config.write_text(text)
    out = tmp_path / "out"
    assert _reconfig(config, out)["fingerprint"] is False
    return config, out, release


def _rewrite(release: Path) -> None:
    library = release / "lib" / "condor" / "libcondor.so"
    status = library.stat()
    library.write_bytes(bytes(reversed(range(256))) * 64)  # same size
    os.utime(library, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


def _add(release: Path) -> None:
    (release / "lib" / "condor" / "libnew.so").write_bytes(b"new")


def _chmod(release: Path) -> None:
    (release / "sbin" / "condor_master").chmod(0o700)


def test_a_release_directory_as_recorded_is_a_no_op(release_tree):
    config, out, _ = release_tree
    before = _snapshot(out)
    report = _reconfig(config, out)
    assert report["fingerprint"] is True
    assert (report["files_written"], report["files_linked"]) == (0, 0)
    assert _snapshot(out) == before


@pytest.mark.parametrize("change", [_rewrite, _add, _chmod], ids=lambda item: item.__name__)
def test_a_changed_release_directory_is_packed_and_published_again(release_tree, change):
    config, out, release = release_tree
    tarballs = {path.name for path in (out / STAGE).glob("condor_bin_*")}
    change(release)
    report = _reconfig(config, out)
    assert report["fingerprint"] is False
    assert report["files_written"] > 0
    assert {path.name for path in (out / STAGE).glob("condor_bin_*")} - tarballs  # a new one
    code, _, err = gfactory_run("verify", config, "--root", out)
    assert code == 0, err
    assert _reconfig(config, out)["fingerprint"] is True  # recorded again


def _count_packs(monkeypatch, record: Path) -> Callable[[], list[Path]]:
    """Record every release tree packed from now on (packs run in children: in ``record``)."""
    original = release_packer.pack_condor_base_dir

    def counting(base_dir: Path, target: Path) -> None:
        with record.open("a") as lines:
            lines.write(f"{base_dir}\n")
        original(base_dir, target)

    monkeypatch.setattr(release_packer, "pack_condor_base_dir", counting)
    return lambda: (
        [Path(line) for line in record.read_text().splitlines()] if record.exists() else []
    )


def _edit_main_attr(config: Path) -> None:
    config.write_text(config.read_text().replace('value="not advertised"', 'value="edited"'))


def _edit_one_entry(config: Path) -> None:
    dropin = config.parent / "config.d" / "10-sites.xml"
    dropin.write_text(dropin.read_text().replace('value="SiteA"', 'value="SiteA2"', 1))


@pytest.mark.parametrize(
    ("edit", "compiled_alone"),
    [(_edit_main_attr, None), (_edit_one_entry, 1)],
    ids=["full", "incremental"],
)
def test_an_unchanged_release_directory_is_not_packed_again(
    release_tree, monkeypatch, edit, compiled_alone
):
    config, out, _ = release_tree
    tarballs = sorted(path.name for path in (out / STAGE).glob("condor_bin_*"))
    packed = _count_packs(monkeypatch, out.parent / "packs")
    edit(config)
    report = _reconfig(config, out)
    assert report["compiled_alone"] == compiled_alone
    assert report["files_written"] > 0
    assert packed() == []
    assert sorted(path.name for path in (out / STAGE).glob("condor_bin_*")) == tarballs
    code, _, err = gfactory_run("verify", config, "--root", out)
    assert code == 0, err


def test_a_touched_published_tarball_is_packed_again(release_tree, monkeypatch):
    config, out, release = release_tree
    (tarball,) = (out / STAGE).glob("condor_bin_*")
    os.utime(tarball, ns=(tarball.stat().st_atime_ns, tarball.stat().st_mtime_ns + 10**9))
    packed = _count_packs(monkeypatch, out.parent / "packs")
    _edit_main_attr(config)
    _reconfig(config, out)
    assert packed() == [release]
    assert [path.name for path in (out / STAGE).glob("condor_bin_*")] == [tarball.name]


def test_a_release_changed_while_packed_is_packed_again_next_time(release_tree, monkeypatch):
    config, out, release = release_tree
    _rewrite(release)
    original = release_packer.pack_condor_base_dir

    def racing(base_dir: Path, target: Path) -> None:
        original(base_dir, target)
        _add(release)  # after the files were read: this pack lacks the new one

    monkeypatch.setattr(release_packer, "pack_condor_base_dir", racing)
    _reconfig(config, out)
    assert json.loads(fast_path_record(out / WORK, "fingerprint"))["packed"] == []
    packed = _count_packs(monkeypatch, out.parent / "packs")
    # Nothing else changed: the record keyed the release by its stamps from before packing.
    assert _reconfig(config, out)["fingerprint"] is False
    assert packed() == [release]
    with tarfile.open(max((out / STAGE).glob("condor_bin_*"), key=os.path.getmtime)) as tar:
        assert "lib/condor/libnew.so" in tar.getnames()


def test_the_records_live_in_the_live_state_record_only_and_gc_keeps_them(tree):
    config, out = tree
    work = out / WORK
    first = json.loads(live_state_file(work).read_bytes())["fast_paths"]
    assert sorted(first) == ["entries", "fingerprint"]
    assert not (work / "history" / "fingerprint.json").exists()
    _edit_sites(config)
    assert _reconfig(config, out)["compiled_alone"] == 1  # the entries record of the first state
    second = json.loads(live_state_file(work).read_bytes())["fast_paths"]
    assert set(first.values()).isdisjoint(second.values())

    code, _, err = gfactory_run(
        "gc", config, "--root", out, "--keep-states", "1", "--keep-days", "0"
    )
    assert code == 0, err
    objects = {path.name for path in (work / "history" / "objects").glob("*/*")}
    assert set(second.values()) <= objects
    assert set(first.values()).isdisjoint(objects)
    assert _reconfig(config, out)["fingerprint"] is True
    sites = config.parent / "config.d" / "10-sites.xml"
    sites.write_text(sites.read_text().replace('value="SiteZ"', 'value="SiteY"', 1))
    assert _reconfig(config, out)["compiled_alone"] == 1  # the kept state's entries record


def test_a_damaged_record_object_takes_the_full_path(tree):
    config, out = tree
    work = out / WORK
    sha1 = json.loads(live_state_file(work).read_bytes())["fast_paths"]["fingerprint"]
    stored = work / "history" / "objects" / sha1[:2] / sha1
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes()[:-1])
    assert _reconfig(config, out)["fingerprint"] is False
    assert _reconfig(config, out)["fingerprint"] is True


def test_a_record_naming_a_path_instead_of_an_object_deletes_and_reads_nothing(tree, tmp_path):
    config, out = tree
    work = out / WORK
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    state = live_state_file(work)
    record = json.loads(state.read_bytes())
    # An object's path is history/objects/<first two characters>/<name>: here "../<name>".
    escape = os.path.relpath(victim, work / "history")
    assert escape.startswith("..")
    record["fast_paths"] = {"fingerprint": escape, "entries": escape}
    state.write_text(json.dumps(record))

    code, _, err = gfactory_run("reconfig", config, "--root", out)

    assert victim.read_text() == "keep me\n"
    assert code == 0, err


@pytest.mark.usefixtures("single_threaded")
def test_the_outputs_checked_in_a_child_are_those_checked_here(tree, monkeypatch):
    _, out = tree
    fingerprint = fingerprint_module.read_fingerprint(out / WORK)
    assert fingerprint is not None
    here = fingerprint_module.outputs_intact(fingerprint)
    assert here is not None
    lines = dict(zip(fingerprint.outputs.paths, here.splitlines(keepends=True), strict=True))
    assert set(lines) == set(fingerprint.outputs.paths)
    assert b"-\n" in lines.values()  # untracked files count too
    children = []
    original = fingerprint_module.start_in_child

    def counting(check, what):
        children.append(check)
        return original(check, what)

    monkeypatch.setattr(fingerprint_module, "start_in_child", counting)
    forks = _counting_forks(monkeypatch)
    beside = fingerprint_module.outputs_intact_beside(fingerprint)
    assert beside() == here
    assert beside() is beside()  # asked once: the answer is kept
    assert len(children) == 1
    assert len(forks) == 1 and forks[0] > 0  # checked in a child, which is reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    victim = next(path for path, line in lines.items() if line != b"-\n")
    status = Path(victim).stat()
    assert lines[victim] == b"%d %d %d\n" % (status.st_size, status.st_mtime_ns, status.st_ino)
    Path(victim).write_bytes(Path(victim).read_bytes() + b"\n")
    assert fingerprint_module.outputs_intact_beside(fingerprint)() is None


@pytest.mark.parametrize("garbage", [[1, 2, 3], "", "1 2 3\n", "-\n" * 3, "\u00e9\n"])
def test_a_child_answering_anything_else_leaves_the_check_to_the_parent(tree, monkeypatch, garbage):
    _, out = tree
    fingerprint = fingerprint_module.read_fingerprint(out / WORK)
    assert fingerprint is not None
    here = fingerprint_module.outputs_intact(fingerprint)
    assert here is not None
    monkeypatch.setattr(fingerprint_module, "start_in_child", lambda _check, _what: lambda: garbage)
    assert fingerprint_module.outputs_intact_beside(fingerprint)() == here


def _counting_forks(monkeypatch) -> list[int]:
    forks: list[int] = []
    fork = os.fork

    def forking() -> int:
        pid = fork()
        forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", forking)
    return forks


@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("half", ["parent", "child"])
def test_the_no_op_check_shares_the_stamps_with_a_child(tree, monkeypatch, half):
    _, out = tree
    fingerprint = fingerprint_module.read_fingerprint(out / WORK)
    assert fingerprint is not None
    monkeypatch.setattr(fingerprint_module, "_SPLIT_AT", 2)
    forks = _counting_forks(monkeypatch)
    blacklist = out / STAGE / "entry_SITE_A_ce1" / "nodes.blacklist"
    blacklist.write_text("bad-node.example.org\n")  # untracked: its existence alone counts
    assert fingerprint_module.outputs_unchanged(fingerprint)
    assert len(forks) == 1 and forks[0] > 0
    with pytest.raises(ChildProcessError):  # the child was reaped
        os.waitpid(-1, os.WNOHANG)
    paths = fingerprint.outputs.paths
    tracked = [path for path in paths if path not in fingerprint.outputs.untracked]
    victim = Path(tracked[0] if half == "parent" else tracked[-1])
    assert (paths.index(str(victim)) < len(paths) // 2) == (half == "parent")
    victim.write_bytes(victim.read_bytes() + b"\n")
    assert not fingerprint_module.outputs_unchanged(fingerprint)
    victim.unlink()
    assert not fingerprint_module.outputs_unchanged(fingerprint)
    assert len(forks) == 3


def test_the_no_op_check_needs_every_directory_and_the_summary(tree, monkeypatch):
    _, out = tree
    fingerprint = fingerprint_module.read_fingerprint(out / WORK)
    assert fingerprint is not None
    monkeypatch.setattr(fingerprint_module, "_SPLIT_AT", 2)
    directory = Path(fingerprint.directories[-1])
    directory.rename(directory.with_name(directory.name + ".moved"))
    assert not fingerprint_module.outputs_unchanged(fingerprint)
    directory.with_name(directory.name + ".moved").rename(directory)
    assert fingerprint_module.outputs_unchanged(fingerprint)
    summary = out / WORK / "signatures.sha1"
    summary.chmod(0o644)
    summary.write_bytes(summary.read_bytes() + b"\n")
    assert not fingerprint_module.outputs_unchanged(fingerprint)


def test_recorded_outputs_hold_exactly_their_paths() -> None:
    recorded = fingerprint_module.RecordedOutputs.of(
        {"/s/entry_b/job.condor": (1, 2, 3), "/s/a": (4, 5, 6), "/s/entry_b/nodes.blacklist": None}
    )
    assert recorded.paths == ("/s/a", "/s/entry_b/job.condor", "/s/entry_b/nodes.blacklist")
    held = ["/s/a", "/s/entry_b/job.condor", "/s/entry_b/nodes.blacklist"]
    assert [recorded.holds(path) for path in held] == [True, True, True]
    missing = ["/", "/s/", "/s/a/", "/s/entry_b", "/s/entry_b/job.condo", "/t"]
    assert [recorded.holds(path) for path in missing] == [False] * len(missing)


def test_kept_outputs_refuse_a_damaged_record_and_cut_only_directories() -> None:
    recorded = fingerprint_module.RecordedOutputs.of({"/s/a/x": (1, 2, 3), "/s/b/x": (4, 5, 6)})
    lines = b"1 2 3\n4 5 6\n"
    kept = fingerprint_module.KeptOutputs.of(recorded, lines, ["/s/a/"], [])
    assert kept == fingerprint_module.KeptOutputs(("/s/b/x",), (b"4 5 6\n",))
    unsorted = dataclasses.replace(recorded, paths=("/s/b/x", "/s/a/x"))
    assert fingerprint_module.KeptOutputs.of(unsorted, lines, ["/s/a/"], []) is None
    repeated = dataclasses.replace(recorded, paths=("/s/a/x", "/s/a/x"))
    assert fingerprint_module.KeptOutputs.of(repeated, lines, [], []) is None
    assert fingerprint_module.KeptOutputs.of(recorded, b"1 2 3\n", [], []) is None
    with pytest.raises(ValueError, match="not a directory prefix: '/s/a'"):
        fingerprint_module.KeptOutputs.of(recorded, lines, ["/s/a"], [])

"""publish_files: exact bytes and modes, links, fresh directories, refusals."""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

import pytest

from glideinforge.creation.lib.atomic_files import write_atomically
from glideinforge.creation.lib.publish import PublishError, publish_files
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.staged import PlannedFile, digest_file, planned_bytes, planned_copy
from glideinforge.factory.compile import compile_factory, reroot
from glideinforge.factory.load import load_factory
from glideinforge.factory.publish import publish_factory

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from make_factory import write_factory


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _copy_of(source: Path, relpath: str, *, versioned: bool = True) -> PlannedFile:
    return planned_copy(relpath, source, digest_file(source), versioned=versioned)


def test_a_fresh_tree_gets_exact_bytes_modes_and_links(tmp_path):
    files = [
        planned_bytes("a/one.1.cfg", b"ONE\n", versioned=True),
        planned_bytes("a/run.1.sh", b"#!/bin/sh\n", mode=0o755, versioned=True),
        planned_bytes("b/one.1.cfg", b"ONE\n", versioned=True),
        planned_bytes("b/job.descript", b"X 1\n", versioned=False),
    ]
    stats = PublishStats()
    publish_files(tmp_path, files, stats)
    assert (tmp_path / "a/one.1.cfg").read_bytes() == b"ONE\n"
    assert _mode(tmp_path / "a/run.1.sh") == 0o755
    assert _mode(tmp_path / "b/job.descript") == 0o644
    assert (tmp_path / "a/one.1.cfg").stat().st_ino == (tmp_path / "b/one.1.cfg").stat().st_ino
    assert (stats.written, stats.linked, stats.unchanged) == (3, 1, 0)
    assert sorted(path.name for path in tmp_path.rglob(".*")) == []  # no temporaries left


def test_republishing_writes_nothing(tmp_path):
    files = [
        planned_bytes("a/one.1.cfg", b"ONE\n", versioned=True),
        planned_bytes("a/job.descript", b"X 1\n", versioned=False),
    ]
    publish_files(tmp_path, files, PublishStats())
    before = {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in tmp_path.rglob("*")}
    stats = PublishStats()
    publish_files(tmp_path, files, stats)
    after = {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in tmp_path.rglob("*")}
    assert after == before
    assert (stats.written, stats.linked, stats.unchanged) == (0, 0, 2)


def test_a_content_named_file_with_other_bytes_is_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/one.1.cfg").write_bytes(b"OTHER CONTENT\n")
    with pytest.raises(PublishError, match="exists with other content"):
        publish_files(
            tmp_path, [planned_bytes("a/one.1.cfg", b"ONE\n", versioned=True)], PublishStats()
        )
    assert (tmp_path / "a/one.1.cfg").read_bytes() == b"OTHER CONTENT\n"


def _left_behind(tmp_path: Path, left: bytes) -> tuple[list[PlannedFile], Path]:
    """Plan a rendered file and a copied script; leave ``left`` where one of them goes."""
    script = tmp_path / "source.sh"
    script.write_bytes(b"#!/bin/sh\nexit 0\n")
    planned = [
        planned_bytes("a/one.1.cfg", b"ONE\n", versioned=True),
        _copy_of(script, "a/run.1.sh"),
    ]
    (tmp_path / "a").mkdir()
    target = tmp_path / ("a/run.1.sh" if left.startswith(b"#") else "a/one.1.cfg")
    target.write_bytes(left)
    return planned, target


@pytest.mark.parametrize("left", [b"", b"ON", b"#!/bin/sh\n"])
def test_a_short_file_holding_the_start_of_the_planned_bytes_is_replaced(tmp_path, left):
    # What a run killed while writing into a directory it had just created leaves.
    planned, _ = _left_behind(tmp_path, left)
    stats = PublishStats()
    publish_files(tmp_path, planned, stats)
    assert (tmp_path / "a/one.1.cfg").read_bytes() == b"ONE\n"
    assert (tmp_path / "a/run.1.sh").read_bytes() == b"#!/bin/sh\nexit 0\n"
    assert (stats.written, stats.unchanged) == (2, 0)


@pytest.mark.parametrize("left", [b"OX", b"#!/bin/bash"])
def test_a_short_file_with_other_bytes_is_still_refused(tmp_path, left):
    planned, target = _left_behind(tmp_path, left)
    with pytest.raises(PublishError, match="exists with other content"):
        publish_files(tmp_path, planned, PublishStats())
    assert target.read_bytes() == left


def test_a_short_large_copy_is_refused_not_read_back(tmp_path):
    # Large sources are always copied through a temporary file: never torn.
    source = tmp_path / "condor.tgz"
    source.write_bytes(b"x" * (300 * 1024))
    (tmp_path / "a").mkdir()
    (tmp_path / "a/condor.1.tgz").write_bytes(b"x" * 1024)
    with pytest.raises(PublishError, match="exists with other content"):
        publish_files(tmp_path, [_copy_of(source, "a/condor.1.tgz")], PublishStats())


def test_files_in_a_directory_made_by_this_run_are_written_in_place_without_temporaries(
    tmp_path, monkeypatch
):
    renamed: list[str] = []
    real_replace = os.replace

    def spy(source, target):
        renamed.append(str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    files = [
        planned_bytes("new/one.1.cfg", b"ONE\n", versioned=True),
        planned_bytes("new/job.descript", b"X 1\n", versioned=False),
    ]
    (tmp_path / "old").mkdir()
    files.append(planned_bytes("old/two.1.cfg", b"TWO\n", versioned=True))
    publish_files(tmp_path, files, PublishStats())
    assert renamed == [str(tmp_path / "old/two.1.cfg")]
    assert (tmp_path / "new/job.descript").read_bytes() == b"X 1\n"


def test_a_restrictive_umask_is_respected(tmp_path):
    """Issue 18: the operator's umask wins over the planned mode (it only removes bits)."""
    old = os.umask(0o077)
    try:
        publish_files(
            tmp_path,
            [
                planned_bytes("a/run.1.sh", b"#!/bin/sh\n", mode=0o755, versioned=True),
                planned_bytes("a/job.descript", b"X\n", versioned=False),
            ],
            PublishStats(),
        )
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a/run.1.sh") == 0o700
    assert _mode(tmp_path / "a/job.descript") == 0o600
    assert _mode(tmp_path / "a") == 0o700


def test_a_leftover_temporary_of_a_killed_run_is_replaced(tmp_path):
    target = tmp_path / "job.descript"
    leftover = tmp_path / f".job.descript.{os.getpid()}.tmp"
    leftover.write_bytes(b"half a file")
    leftover.chmod(0o600)
    write_atomically(target, b"X 1\n", 0o644)
    assert target.read_bytes() == b"X 1\n"
    assert _mode(target) == 0o644
    assert not leftover.exists()


def test_small_copied_sources_are_written_from_one_read(tmp_path):
    source = tmp_path / "src" / "nodes.blacklist"
    source.parent.mkdir()
    source.write_bytes(b"# blacklist\n")
    files = [
        _copy_of(source, f"stage/entry_{name}/nodes.blacklist", versioned=False)
        for name in ("a", "b")
    ]
    stats = PublishStats()
    publish_files(tmp_path, files, stats)
    for name in ("a", "b"):
        assert (tmp_path / f"stage/entry_{name}/nodes.blacklist").read_bytes() == b"# blacklist\n"
    # Operators edit it in place: never hard-linked.
    first, second = (tmp_path / f"stage/entry_{name}/nodes.blacklist" for name in ("a", "b"))
    assert first.stat().st_ino != second.stat().st_ino
    assert stats.written == 2


def test_a_source_that_changed_since_planning_is_refused(tmp_path):
    source = tmp_path / "script.sh"
    source.write_bytes(b"echo planned\n")
    planned = _copy_of(source, "stage/script.1.sh")
    source.write_bytes(b"echo changed\n")
    with pytest.raises(PublishError, match="changed while publishing"):
        publish_files(tmp_path, [planned], PublishStats())
    assert not (tmp_path / "stage/script.1.sh").exists()


def test_a_large_source_is_copied_streaming_with_its_mode(tmp_path):
    source = tmp_path / "condor.tgz"
    data = os.urandom(300 * 1024)  # above the read-once size
    source.write_bytes(data)
    planned = PlannedFile(
        "stage/condor.1.tgz",
        hashlib.sha1(data).hexdigest(),  # noqa: S324 - the GlideinWMS signature format
        source=source,
        mode=0o640,
        source_size=len(data),
    )
    publish_files(tmp_path, [planned], PublishStats())
    assert (tmp_path / "stage/condor.1.tgz").read_bytes() == data
    assert _mode(tmp_path / "stage/condor.1.tgz") == 0o640


@pytest.mark.parametrize("change", ["same size", "grown", "shrunk"])
def test_a_large_source_that_changed_since_planning_is_refused(tmp_path, change):
    source = tmp_path / "condor.tgz"
    data = os.urandom(3 * 1024 * 1024 + 5)  # above the read-once size, several chunks
    source.write_bytes(data)
    planned = PlannedFile(
        "stage/condor.tgz",
        hashlib.sha1(data).hexdigest(),  # noqa: S324 - the GlideinWMS signature format
        source=source,
        versioned=False,
        source_size=len(data),
    )
    target = tmp_path / "stage/condor.tgz"
    target.parent.mkdir()
    target.write_bytes(b"the published one\n")
    changed = {
        "same size": data[:-1] + bytes([data[-1] ^ 1]),
        "grown": data + b"x",
        "shrunk": data[:-1],
    }[change]
    source.write_bytes(changed)

    with pytest.raises(PublishError, match=f"{source} changed while publishing; run again"):
        publish_files(tmp_path, [planned], PublishStats())

    assert target.read_bytes() == b"the published one\n"
    assert sorted(path.name for path in target.parent.iterdir()) == ["condor.tgz"]


def test_work_files_follow_their_stage_directory_and_main_ones_come_last(tmp_path):
    factory = load_factory(write_factory(6, tmp_path / "cfg", dropins=2)).factory
    assert factory is not None
    compiled = compile_factory(reroot(factory, tmp_path / "out"), tmp_path)
    stats = publish_factory(compiled)
    order = {path: number for number, path in enumerate(stats.paths)}
    stage, work = str(compiled.stage_root), str(compiled.work_root)
    stage_last: dict[str, int] = {}
    for path, number in order.items():
        if path.startswith(f"{stage}/entry_"):
            name = path[len(stage) + 1 :].split("/")[0]
            stage_last[name] = max(stage_last.get(name, -1), number)
    assert len(stage_last) == 6
    entry_work = [path for path in order if path.startswith(f"{work}/entry_")]
    assert entry_work
    for path in entry_work:
        assert order[path] > stage_last[path[len(work) + 1 :].split("/")[0]]
    main_work = [
        path for path in order if path.startswith(f"{work}/") and "/" not in path[len(work) + 1 :]
    ]
    assert main_work
    stage_files = [number for path, number in order.items() if path.startswith(f"{stage}/")]
    assert min(order[path] for path in main_work) > max(stage_files)

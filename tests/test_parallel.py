"""Large factories compile and publish across cores: same bytes as one process, fail-safe."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from glideinforge.creation.lib import forked as forked_module
from glideinforge.creation.lib import publish as publish_module
from glideinforge.creation.lib import verify as verify_module
from glideinforge.creation.lib.forked import forked, shares
from glideinforge.creation.lib.plan_wire import LevelCodec
from glideinforge.creation.lib.publish import PublishStats
from glideinforge.factory import entry_compile
from glideinforge.factory.compile import compile_factory, reroot
from glideinforge.factory.load import load_factory
from glideinforge.factory.publish import publish_factory

from compile_helpers import gfactory_run
from conftest import REPO, factory_xml

sys.path.insert(0, str(REPO / "benchmarks"))
from make_factory import write_factory

SHARE = 3
"""Entries (or stage directories) per worker in these tests."""


@pytest.fixture
def cores(monkeypatch):
    """Pretend the machine has ``n`` cores (fork for real, in small shares)."""

    def pretend(count: int) -> None:
        monkeypatch.delenv("GLIDEINFORGE_NO_FORK", raising=False)
        monkeypatch.setattr(forked_module, "spare_cores", lambda: count - 1)
        monkeypatch.setattr(entry_compile, "_MIN_SHARE", SHARE)
        monkeypatch.setattr(entry_compile, "_CHUNK_ENTRIES", 2)
        monkeypatch.setattr(publish_module, "_MIN_SHARE", SHARE)
        monkeypatch.setattr(publish_module, "_JOB_DIRECTORIES", 2)
        monkeypatch.setattr(publish_module, "_JOB_RUNTIME", 5)

    return pretend


@pytest.fixture
def workers_only(monkeypatch):
    """Let the forked workers claim every chunk (this process claims none)."""
    parent = os.getpid()
    claim = forked_module.ChunkQueue.claim

    def claim_in_workers(queue):
        return None if os.getpid() == parent else claim(queue)

    monkeypatch.setattr(forked_module.ChunkQueue, "claim", claim_in_workers)


@pytest.fixture
def forks(monkeypatch):
    """Count the workers forked by the entry compile and by publishing."""
    started: list[str] = []

    def counting(module, name):
        original = module.forked

        def wrapper(work):
            started.append(name)
            return original(work)

        monkeypatch.setattr(module, "forked", wrapper)

    counting(entry_compile, "compile")
    counting(publish_module, "publish")
    return started


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_factory(14, tmp_path_factory.mktemp("factory"), dropins=3)


def _compile(config: Path, root: Path, scratch: Path):
    factory = load_factory(config).factory
    assert factory is not None
    return compile_factory(reroot(factory, root), scratch)


def _tree(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every file and directory under ``root``: bytes (or link target) and mode.

    The factory's RSA key is random: it stands as its kind.
    """
    tree: dict[str, tuple[bytes | str, int]] = {}
    for path in sorted(root.rglob("*")):
        status = path.lstat()
        content: bytes | str = "dir"
        if not stat.S_ISDIR(status.st_mode):
            content = path.read_bytes()
        if path.name == "rsa.key" and content.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n"):
            content = "RSA private key"
        tree[str(path.relative_to(root))] = (content, stat.S_IMODE(status.st_mode))
    return tree


# --- shares and the fork helper ----------------------------------------------


def test_shares_are_contiguous_balanced_and_never_too_small(monkeypatch):
    monkeypatch.setattr(forked_module, "spare_cores", lambda: 3)
    assert shares(1000, 150) == [range(250), range(250, 500), range(500, 750), range(750, 1000)]
    assert shares(1000, 150, 1.5) == [
        range(333),
        range(333, 556),
        range(556, 778),
        range(778, 1000),
    ]
    assert shares(450, 150) == [range(150), range(150, 300), range(300, 450)]
    assert shares(299, 150) == [range(299)]
    assert shares(0, 150) == [range(0)]
    monkeypatch.setattr(forked_module, "spare_cores", lambda: 0)
    assert shares(1000, 150) == [range(1000)]


def test_each_chunk_is_claimed_once_and_the_queue_never_blocks():
    queue = forked_module.ChunkQueue(3)
    try:
        assert [queue.claim() for _ in range(4)] == [0, 1, 2, None]
    finally:
        queue.close()
    with pytest.raises(ValueError, match="at most 16384"):
        forked_module.ChunkQueue(16385)


def test_no_spare_cores_when_told_not_to_fork(monkeypatch):
    monkeypatch.setenv("GLIDEINFORGE_NO_FORK", "1")
    assert forked_module.spare_cores() == 0


def test_a_forked_child_sends_its_bytes_back():
    with forked(lambda: [str(os.getpid()).encode() * 50_000]) as child:
        assert child is not None
        data = child.result()
    assert data is not None
    assert data != str(os.getpid()).encode() * 50_000  # computed in another process
    assert len(data) == len(str(child.pid)) * 50_000


def test_frames_arrive_one_by_one_and_end_with_the_mark():
    frames = [b"", b"one", b"two" * 400_000]  # the last one is larger than the pipe
    with forked(lambda: iter(frames)) as child:
        assert child is not None
        received = [child.next_frame() for _ in range(4)]
        assert child.finish()
    assert received == [*frames, None]


def test_a_child_that_raises_gives_no_result():
    def fail() -> list[bytes]:
        raise RuntimeError("boom")

    with forked(fail) as child:
        assert child is not None
        assert child.result() is None


def test_a_child_that_breaks_off_after_some_frames_fails():
    def some_then_fail():
        yield b"sent"
        raise RuntimeError("boom")

    with forked(some_then_fail) as child:
        assert child is not None
        assert child.next_frame() == b"sent"
        assert child.next_frame() is None
        assert not child.finish()


def test_leaving_the_block_early_waits_for_the_child(tmp_path):
    marker = tmp_path / "done"

    def slow() -> list[bytes]:
        marker.write_text("x")
        return [b"y" * 10_000_000]  # more than a pipe holds: the child blocks until abandoned

    def parent_share_fails() -> int:
        with forked(slow) as child:
            assert child is not None
            pid = child.pid
            raise KeyError(pid)

    with pytest.raises(KeyError) as raised:
        parent_share_fails()
    child_pid = raised.value.args[0]
    with pytest.raises(ChildProcessError):
        os.waitpid(child_pid, os.WNOHANG)  # already reaped: no writer outlives the block
    assert marker.exists()


# --- compile ---------------------------------------------------------------------


def test_parallel_compile_equals_compiling_in_one_process(
    generated, tmp_path, monkeypatch, cores, forks
):
    monkeypatch.setenv("GLIDEINFORGE_NO_FORK", "1")
    alone = _compile(generated, tmp_path / "out", tmp_path)
    cores(4)
    shared = _compile(generated, tmp_path / "out", tmp_path)
    assert forks.count("compile") == 3
    assert shared.stage == alone.stage
    assert shared.work_files == alone.work_files
    assert shared.summary == alone.summary
    assert shared.routed_entries == alone.routed_entries
    assert shared.schedds == alone.schedds


@pytest.mark.usefixtures("workers_only")
def test_chunks_compiled_by_workers_come_back_in_order(generated, tmp_path, monkeypatch, cores):
    monkeypatch.setenv("GLIDEINFORGE_NO_FORK", "1")
    alone = _compile(generated, tmp_path / "out", tmp_path)
    cores(3)
    received: list[int] = []
    finish = entry_compile._Receiver.finish

    def counting(receiver):
        chunks = finish(receiver)
        received.extend(chunks)
        return chunks

    monkeypatch.setattr(entry_compile._Receiver, "finish", counting)
    shared = _compile(generated, tmp_path / "out", tmp_path)
    assert sorted(received) == list(range(7))  # 13 entries after the first, 2 per chunk
    assert shared.stage == alone.stage
    assert shared.work_files == alone.work_files
    assert shared.routed_entries == alone.routed_entries


@pytest.mark.usefixtures("workers_only")
@pytest.mark.parametrize("failure", ["raises", "garbage", "breaks off"])
def test_what_a_failed_worker_did_not_deliver_is_compiled_here(  # noqa: PLR0917 - fixtures
    generated, tmp_path, monkeypatch, cores, forks, failure
):
    monkeypatch.setenv("GLIDEINFORGE_NO_FORK", "1")
    alone = _compile(generated, tmp_path / "out", tmp_path)
    cores(2)
    worker = entry_compile._worker

    def broken(*args):
        if failure == "raises":
            raise MemoryError
        if failure == "garbage":
            yield b"not what a worker sends"
        else:
            sent = worker(*args)
            yield next(sent)
            raise MemoryError

    monkeypatch.setattr(entry_compile, "_worker", broken)
    shared = _compile(generated, tmp_path / "out", tmp_path)
    assert forks.count("compile") == 1
    assert shared.stage == alone.stage
    assert shared.work_files == alone.work_files


def test_a_problem_in_a_worker_share_is_reported_with_its_entry(make_config, tmp_path, cores):
    entries = "".join(
        f'<entry name="E{index}" gatekeeper="ce.example.org ce.example.org:9619">'
        + (
            '<config><submit><submit_attrs><submit_attr name="+Broken" value="(1 +"/>'
            "</submit_attrs></submit></config>"
            if index in (2, 7)
            else ""
        )
        + "</entry>"
        for index in range(8)
    )
    config = make_config(factory_xml(entries=entries))
    cores(2)
    code, _, stderr = gfactory_run("reconfig", config.main, "--root", tmp_path / "out")
    assert code == 1
    rejected = [line for line in stderr.splitlines() if "submit file is rejected" in line]
    assert [line.split("entry[@name='")[1].split("'")[0] for line in rejected] == ["E2", "E7"]
    assert not (tmp_path / "out").exists()


def test_the_codec_refuses_what_it_did_not_write():
    codec = LevelCodec()
    assert codec.decode(b"") is None
    assert codec.decode(b"\x00garbage") is None
    assert codec.decode(codec.encode([])) == ([], [])


# --- publish ---------------------------------------------------------------------


def _published_alone(config: Path, tmp_path: Path, monkeypatch) -> dict:
    """Publish in one process into ``tmp_path/out``; return the tree and move it away."""
    with monkeypatch.context() as patch:
        patch.setenv("GLIDEINFORGE_NO_FORK", "1")
        publish_factory(_compile(config, tmp_path / "out", tmp_path))
    tree = _tree(tmp_path / "out")
    (tmp_path / "out").rename(tmp_path / "alone")
    return tree


def test_parallel_publish_writes_the_same_tree(generated, tmp_path, monkeypatch, cores, forks):
    alone = _published_alone(generated, tmp_path, monkeypatch)
    cores(3)
    stats = publish_factory(_compile(generated, tmp_path / "out", tmp_path))
    assert forks.count("publish") == 2
    assert _tree(tmp_path / "out") == alone
    # every file but the factory's key, which belongs to the work dir, not to a state
    files = [
        path for path in (tmp_path / "out").rglob("*") if path.is_file() and path.name != "rsa.key"
    ]
    assert stats.written + stats.linked == len(files)
    assert len(stats.paths) == len(files)
    report = gfactory_run("verify", generated, "--root", tmp_path / "out")
    assert report[0] == 0, report[2]


@pytest.mark.usefixtures("workers_only")
def test_jobs_published_by_children_are_counted_once(generated, tmp_path, monkeypatch, cores):
    alone = _published_alone(generated, tmp_path, monkeypatch)
    cores(3)
    progress: list[None] = []
    compiled = _compile(generated, tmp_path / "out", tmp_path)
    stats = publish_factory(compiled, on_directory=lambda: progress.append(None))
    assert _tree(tmp_path / "out") == alone
    assert len(progress) == len(compiled.stage)
    # every file but the factory's key, which belongs to the work dir, not to a state
    files = [
        path for path in (tmp_path / "out").rglob("*") if path.is_file() and path.name != "rsa.key"
    ]
    assert stats.written + stats.linked == len(files)


@pytest.mark.usefixtures("workers_only")
def test_what_a_failed_publisher_may_not_have_done_is_published_here(
    generated, tmp_path, monkeypatch, cores, forks
):
    alone = _published_alone(generated, tmp_path, monkeypatch)
    cores(2)

    def some_then_die(jobs, queue, stage_root, work_root):
        for _ in range(3):
            jobs[queue.claim()].publish(stage_root, work_root, publish_module.PublishStats())
        number = queue.claim()
        publish_module.publish_files(stage_root, jobs[number].stage[0], PublishStats())
        raise OSError("killed")

    monkeypatch.setattr(publish_module, "_publish_claimed", some_then_die)
    publish_factory(_compile(generated, tmp_path / "out", tmp_path))
    assert forks.count("publish") == 1
    assert _tree(tmp_path / "out") == alone


def test_main_work_files_come_after_every_job(generated, tmp_path, cores):
    cores(2)
    compiled = _compile(generated, tmp_path / "out", tmp_path)
    stage = [directory.files for directory in compiled.stage]
    runtime = [f"d{number}" for number in range(12)]
    jobs, rest = publish_module._jobs(stage, compiled.work_files, runtime)
    assert {file.relpath for file in rest} == {
        file.relpath for file in compiled.work_files if "/" not in file.relpath
    }
    stage_jobs = [job for job in jobs if job.stage]
    assert [len(job.stage) for job in stage_jobs] == [2] * 7 + [1]
    for job in stage_jobs:
        tops = {files[0].relpath.split("/")[0] for files in job.stage}
        assert all(file.relpath.split("/")[0] in tops for file in job.work)
    assert sum(len(job.work) for job in jobs) + len(rest) == len(compiled.work_files)
    assert [list(job.directories) for job in jobs if not job.stage] == [
        runtime[0:5],
        runtime[5:10],
        runtime[10:12],
    ]


# --- verify ----------------------------------------------------------------------


def _verify_report(root: Path):
    stage = next(root.rglob("stage"))
    summary = next(root.rglob("signatures.sha1"))
    return verify_module.verify_stage(stage, summary)


def test_parallel_verify_finds_what_one_process_finds(generated, tmp_path, monkeypatch, forks):
    publish_factory(_compile(generated, tmp_path / "out", tmp_path))
    stage = next((tmp_path / "out").rglob("stage"))
    entries = sorted(path for path in stage.iterdir() if path.name.startswith("entry_"))
    for directory in (entries[1], entries[-2]):  # one in each share
        constants = next(directory.glob("constants.*.cfg"))
        constants.write_bytes(constants.read_bytes() + b"X 1\n")
    next(entries[-1].glob("condor_vars.*.lst")).unlink()
    monkeypatch.setenv("GLIDEINFORGE_NO_FORK", "1")
    alone = _verify_report(tmp_path / "out")
    monkeypatch.delenv("GLIDEINFORGE_NO_FORK")
    monkeypatch.setattr(forked_module, "spare_cores", lambda: 1)
    monkeypatch.setattr(verify_module, "_MIN_SHARE", SHARE)
    counting = verify_module.forked

    def wrapper(work):
        forks.append("verify")
        return counting(work)

    monkeypatch.setattr(verify_module, "forked", wrapper)
    shared = _verify_report(tmp_path / "out")
    assert forks == ["verify"]
    assert len(alone.problems) == 3
    assert shared.problems == alone.problems
    assert shared.directories == alone.directories
    assert (shared.files_checked, shared.bytes_checked) == (
        alone.files_checked,
        alone.bytes_checked,
    )


def test_a_failed_verifier_has_its_share_verified_here(generated, tmp_path, monkeypatch):
    publish_factory(_compile(generated, tmp_path / "out", tmp_path))
    stage = next((tmp_path / "out").rglob("stage"))
    last = max(path for path in stage.iterdir() if path.name.startswith("entry_"))
    constants = next(last.glob("constants.*.cfg"))
    constants.write_bytes(b"tampered\n")
    monkeypatch.setattr(forked_module, "spare_cores", lambda: 1)
    monkeypatch.setattr(verify_module, "_MIN_SHARE", SHARE)

    def die(*_: object) -> list[bytes]:
        raise OSError("killed")

    monkeypatch.setattr(verify_module, "_verify_in_child", die)
    report = _verify_report(tmp_path / "out")
    assert [problem.file for problem in report.problems] == [str(constants)]


def test_a_later_child_holds_no_copy_of_an_earlier_childs_pipe():
    def blocked() -> list[bytes]:
        return [b"z" * 10_000_000]  # blocks until the parent reads or stops listening

    def sibling() -> list[bytes]:
        time.sleep(0.5)
        return [b"done"]

    with forked(blocked) as first, forked(sibling) as second:
        assert first is not None
        assert second is not None
        started = time.monotonic()
        first.abandon()  # the sibling still runs: only it could hold the pipe open
        assert time.monotonic() - started < 0.4
        assert second.result() == b"done"

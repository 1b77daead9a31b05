"""start_in_child: a job in a forked child, with the parent as the fallback."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from glideinforge.creation.lib import forked_check
from glideinforge.creation.lib.forked_check import ChildInterruptedError, start_in_child

JOB = "the test's job"

pytestmark = pytest.mark.usefixtures("single_threaded")


def test_the_check_runs_in_a_child_beside_the_parent():
    parent = os.getpid()
    result = start_in_child(lambda: {"pid": os.getpid(), "items": [1, "two", None]}, JOB)()
    assert result["items"] == [1, "two", None]
    assert result["pid"] != parent


def test_a_child_that_fails_leaves_the_check_to_the_parent():
    parent = os.getpid()

    def check() -> int:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return os.getpid()

    assert start_in_child(check, JOB)() == parent


def test_data_that_is_not_json_leaves_the_check_to_the_parent():
    parent = os.getpid()

    def check() -> object:
        return {"a set": {1, 2}} if os.getpid() != parent else "here"

    assert start_in_child(check, JOB)() == "here"


def test_with_other_threads_running_the_check_runs_here():
    parent = os.getpid()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_in_child(os.getpid, JOB)() == parent
    finally:
        stop.set()
        thread.join()


def test_a_wait_that_fails_reaps_the_child_and_asking_again_runs_the_check_here(monkeypatch):
    parent = os.getpid()
    answer = start_in_child(os.getpid, JOB)
    opened = os.fdopen

    def interrupted(*_args: object, **_options: object) -> object:
        monkeypatch.setattr(os, "fdopen", opened)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fdopen", interrupted)
    with pytest.raises(KeyboardInterrupt):
        answer()
    with pytest.raises(ChildProcessError):  # reaped: no child is left
        os.waitpid(-1, os.WNOHANG)
    assert answer() == parent


def test_a_stopped_child_is_killed_and_reaped_at_once():
    started = time.monotonic()
    job = start_in_child(lambda: time.sleep(60), JOB)
    job.stop()
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):  # reaped: no child is left
        os.waitpid(-1, os.WNOHANG)
    job.stop()  # stopping twice is harmless
    assert start_in_child(os.getpid, JOB)() != os.getpid()  # the next job forks as ever


def test_a_niced_child_yields_to_the_parent():
    assert start_in_child(lambda: os.nice(0), JOB, nice=7)() == min(os.nice(0) + 7, 19)
    assert start_in_child(lambda: os.nice(0), JOB)() == os.nice(0)


def test_leaving_the_block_stops_a_child_whose_answer_was_not_taken():
    started = time.monotonic()
    with pytest.raises(RuntimeError), start_in_child(lambda: time.sleep(60), JOB):
        raise RuntimeError("the parent's own work failed")
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    with start_in_child(os.getpid, JOB) as job:
        assert job() != os.getpid()  # taken: leaving has nothing to stop


def test_an_interrupted_child_is_said_and_its_job_not_run_again_here():
    parent = os.getpid()
    ran_here = []

    def job() -> None:
        if os.getpid() != parent:
            raise KeyboardInterrupt
        ran_here.append(1)

    with pytest.raises(
        ChildInterruptedError, match="the test's job: its process ended by an interrupt"
    ):
        start_in_child(job, JOB)()
    assert ran_here == []
    with pytest.raises(
        ChildInterruptedError, match="the test's job: its process ended by signal SIGTERM"
    ):
        start_in_child(lambda: os.kill(os.getpid(), 15) or time.sleep(60), JOB)()


def _gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie nobody reaped has too)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in {"Z", "X"}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_child_ends_with_its_parent(tmp_path):
    record = tmp_path / "pid"
    middle = os.fork()
    if middle == 0:  # a run that starts a long job, then is killed

        def job() -> None:
            written = tmp_path / "pid.new"
            written.write_text(str(os.getpid()))
            written.replace(record)
            time.sleep(60)

        start_in_child(job, JOB)
        deadline = time.monotonic() + 10
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os._exit(0)
    os.waitpid(middle, 0)
    assert record.exists()
    pid = int(record.read_text())
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _gone(pid)


def test_elsewhere_than_linux_the_job_runs_here(monkeypatch):
    monkeypatch.setattr(forked_check.sys, "platform", "darwin")
    forks = []

    def no_fork() -> int:
        forks.append(1)
        raise OSError("not forked here")

    monkeypatch.setattr(os, "fork", no_fork)
    assert start_in_child(os.getpid, JOB)() == os.getpid()
    assert forks == []  # not even tried

"""start_in_child: a read-only check in a forked child, with the parent as the fallback."""

from __future__ import annotations

import os
import threading

import pytest

from glideinforge.creation.lib.forked_check import start_in_child


def test_the_check_runs_in_a_child_beside_the_parent():
    parent = os.getpid()
    result = start_in_child(lambda: {"pid": os.getpid(), "items": [1, "two", None]})()
    assert result["items"] == [1, "two", None]
    assert result["pid"] != parent


def test_a_child_that_fails_leaves_the_check_to_the_parent():
    parent = os.getpid()

    def check() -> int:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return os.getpid()

    assert start_in_child(check)() == parent


def test_data_that_is_not_json_leaves_the_check_to_the_parent():
    parent = os.getpid()

    def check() -> object:
        return {"a set": {1, 2}} if os.getpid() != parent else "here"

    assert start_in_child(check)() == "here"


def test_with_other_threads_running_the_check_runs_here():
    parent = os.getpid()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_in_child(os.getpid)() == parent
    finally:
        stop.set()
        thread.join()


def test_a_wait_that_fails_reaps_the_child_and_asking_again_runs_the_check_here(monkeypatch):
    parent = os.getpid()
    answer = start_in_child(os.getpid)
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

"""SIGTERM and SIGINT end a loop's wait, whenever they arrive, and nothing else does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from glideinforge.tools.stop_signals import stop_signals_caught

# A loop that spends nearly all its time entering and leaving waits: the window in which a
# handler that takes a lock (a threading.Event's) deadlocks against the waiting main thread.
BUSY_LOOP = """
from glideinforge.tools.stop_signals import stop_signals_caught
with stop_signals_caught() as stopping:
    print("ready", flush=True)
    while not stopping.wait(0):
        pass
print("stopped", flush=True)
"""


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_a_busy_waiting_loop_every_time(number):
    for _ in range(15):
        with subprocess.Popen(
            [sys.executable, "-c", BUSY_LOOP], stdout=subprocess.PIPE, text=True
        ) as child:
            assert child.stdout.readline() == "ready\n"
            time.sleep(0.02)
            child.send_signal(number)
            try:
                assert child.wait(timeout=10) == 0
            finally:
                child.kill()
            assert child.stdout.read() == "stopped\n"


def test_a_signal_during_a_wait_ends_it_at_once():
    # Python retries an interrupted sleep for its whole time: only the wakeup fd ends it.
    with stop_signals_caught() as stopping:
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        started = time.monotonic()
        try:
            assert stopping.wait(30) is True
        finally:
            timer.cancel()
        assert time.monotonic() - started < 5


def test_a_signal_before_the_wait_ends_it_at_once():
    with stop_signals_caught() as stopping:
        os.kill(os.getpid(), signal.SIGTERM)
        started = time.monotonic()
        assert stopping.wait(30) is True
        assert time.monotonic() - started < 1
        assert stopping.stopped


def test_a_wait_without_a_stop_signal_lasts_its_time_even_when_other_signals_come():
    seen = []
    previous = signal.signal(signal.SIGUSR1, lambda number, _frame: seen.append(number))
    try:
        with stop_signals_caught() as stopping:
            os.kill(os.getpid(), signal.SIGUSR1)
            started = time.monotonic()
            assert stopping.wait(0.3) is False
            assert time.monotonic() - started >= 0.3
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert seen == [signal.SIGUSR1]


def test_the_previous_handlers_and_wakeup_fd_come_back():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with stop_signals_caught():
        assert signal.getsignal(signal.SIGTERM) is not before[0]
        in_use = signal.set_wakeup_fd(-1)
        assert in_use != -1
        signal.set_wakeup_fd(in_use)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    assert signal.set_wakeup_fd(-1) == -1

"""One root for the errors glideinforge raises, and one mapping to exit codes."""

from __future__ import annotations

import gc
import inspect
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glideinforge.creation.lib.inputs import InputError
from glideinforge.creation.lib.lock import LockHeldError
from glideinforge.errors import GlideinforgeError
from glideinforge.tools import cli_common

from conftest import glideinforge_modules


def _error_classes() -> list[type[BaseException]]:
    classes = []
    for module in glideinforge_modules():
        classes += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseException)
            and value.__module__ == module.__name__
        ]
    return classes


def test_every_error_glideinforge_defines_derives_from_the_root():
    classes = _error_classes()
    assert len(classes) >= 10
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, GlideinforgeError)] == []
    assert {cls.exit_code for cls in classes if issubclass(cls, GlideinforgeError)} <= {1, 2, 3}


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (LockHeldError(Path("/w"), 42), 3, "gfactory: /w: locked by pid 42\n"),
        (
            InputError("/c.xml: cannot read file: denied"),
            2,
            "gfactory: /c.xml: cannot read file: denied\n",
        ),
        (GlideinforgeError("refused"), 1, "gfactory: refused\n"),
    ],
)
def test_an_error_that_ends_a_command_gives_its_exit_code_and_message(
    error, code, message, monkeypatch
):
    def run(*_args):
        raise error

    stderr = io.StringIO()
    monkeypatch.setattr(cli_common.sys, "stderr", stderr)
    assert cli_common.main_guard("gfactory", run, []) == code
    assert stderr.getvalue() == message


def test_a_console_run_gives_its_code_and_leaves_its_objects_to_the_system():
    collecting: list[bool] = []

    def run(argv, _stdout, _stderr):
        collecting.append(gc.isenabled())
        return len(argv)

    assert gc.get_freeze_count() == 0
    try:
        assert cli_common.console_main("gfactory", run, ["a", "b"]) == 2
        assert collecting == [False]  # and no pass over the command's objects after it
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0  # no last collection over them at exit
    finally:
        gc.unfreeze()
        gc.enable()


_CONSOLE_RUN = """
import atexit, sys, threading, time
atexit.register(lambda: sys.stderr.write("the usual exit\\n"))
if sys.argv[1] == "thread":
    threading.Thread(target=time.sleep, args=(0.2,)).start()
from glideinforge.tools import gfactory
gfactory.main(["--version"])
"""


_BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
"""The environment of a console run whose output waits in its buffers until the end."""


def _console_run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CONSOLE_RUN, mode],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=_BUFFERED,
    )


def test_a_console_run_ends_the_process_with_its_output_flushed_and_nothing_torn_down():
    done = _console_run("alone")
    assert done.returncode == 0
    assert done.stdout.startswith("gfactory ")
    assert done.stderr == ""  # no exit handler ran: the objects were left to the system


def test_a_console_run_with_another_thread_running_takes_the_usual_exit():
    done = _console_run("thread")
    assert done.returncode == 0
    assert done.stdout.startswith("gfactory ")
    assert done.stderr == "the usual exit\n"


def test_a_console_run_whose_reader_went_away_ends_quietly_with_141():
    with subprocess.Popen(
        [sys.executable, "-c", _CONSOLE_RUN, "alone"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_BUFFERED,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read()
        assert process.wait(timeout=60) == 141
    assert stderr == b""


def test_a_console_run_whose_output_cannot_be_written_says_so_and_ends_with_120(tmp_path):
    with (tmp_path / "err").open("w+") as stderr, Path("/dev/full").open("w") as full:
        done = subprocess.run(
            [sys.executable, "-c", _CONSOLE_RUN, "alone"],
            stdout=full,
            stderr=stderr,
            check=False,
            timeout=60,
            env=_BUFFERED,
        )
        stderr.seek(0)
        message = stderr.read()
    assert done.returncode == 120
    assert message == "error: cannot write the output: [Errno 28] No space left on device\n"

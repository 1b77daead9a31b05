"""One root for the errors glideinforge raises, and one mapping to exit codes."""

from __future__ import annotations

import gc
import inspect
import io
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

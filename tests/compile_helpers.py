"""Helpers for compile tests: compile a config into a scratch root."""

from __future__ import annotations

import io
import re
from pathlib import Path

from glideinforge.creation.lib.history import (
    STATES_DIR,
    attach_fast_paths,
    current_state,
    load_states,
    read_fast_path,
)
from glideinforge.factory.compile import CompiledFactory, compile_factory, reroot
from glideinforge.factory.load import load_factory
from glideinforge.tools import gfactory, gfrontend

from conftest import copy_example

SUFFIX = re.compile(r"\.(?:[0-9a-f]{10}|[0-9a-f]{6}|qblb9p)(?=\.|$|\s)")


def compiled(config: Path, root: Path) -> CompiledFactory:
    """Compile ``config`` with outputs re-rooted under ``root`` (nothing written)."""
    result = load_factory(config)
    assert result.factory is not None, [str(item) for item in result.errors]
    scratch = root / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    return compile_factory(reroot(result.factory, root), scratch)


def normalized(name: str) -> str:
    """A staged name with its version suffix replaced by ``.T``."""
    return SUFFIX.sub(".T", name)


def gfactory_run(*argv: str | Path) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = gfactory.run([str(arg) for arg in argv], stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def gfrontend_run(*argv: str | Path) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = gfrontend.run([str(arg) for arg in argv], stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def published_example(root: Path) -> tuple[Path, Path]:
    """Copy the example factory under ``root/cfg``, publish it under ``root/out``."""
    config_dir = root / "cfg"
    copy_example("factory", config_dir)
    config = config_dir / "glideinWMS.xml"
    out = root / "out"
    code, _, stderr = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, stderr
    return config, out


def fast_path_record(work: Path, kind: str) -> bytes | None:
    """The live state's record for the fast path ``kind`` (``fingerprint``, ``entries``)."""
    return read_fast_path(work, kind)


def set_fast_path_record(work: Path, kind: str, content: bytes | None) -> None:
    """Replace (None: drop) the live state's record for the fast path ``kind``."""
    attach_fast_paths(work, {kind: content})


def live_state_file(work: Path) -> Path:
    """The file of the live state's record."""
    states, _ = load_states(work)
    state = current_state(work, states)
    assert state is not None
    return work / STATES_DIR / f"{state.state_id}.json"

"""No module keeps a cache: what a run reuses, the run makes once and passes along."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from glideinforge.creation.lib import staged as staged_module
from glideinforge.creation.lib import templating
from glideinforge.creation.lib.condor_vars import ENTRY_VARS, MAIN_VARS
from glideinforge.creation.lib.manifest import MANIFEST

from compile_helpers import gfactory_run
from conftest import glideinforge_modules

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from make_factory import write_factory


def test_no_module_memoizes_a_function():
    memoized = []
    for module in glideinforge_modules():
        memoized += [
            f"{module.__name__}.{name}"
            for name, value in vars(module).items()
            if hasattr(value, "cache_clear")
            and str(getattr(value, "__module__", "")).startswith("glideinforge")
        ]
    assert memoized == []


def test_the_shipped_constants_cannot_be_changed():
    with pytest.raises(TypeError):
        MANIFEST.levels["main"] = MANIFEST.levels["entry"]
    with pytest.raises(TypeError):
        MANIFEST.main["file_list"] = ()
    assert type(MAIN_VARS) is tuple
    assert type(ENTRY_VARS) is tuple
    with pytest.raises(dataclasses.FrozenInstanceError):
        MAIN_VARS[0].default = "changed"


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the installed digests taken and the Templates made."""
    counts = {"installed digests": 0, "templates": 0}
    taken = staged_module.installed_digest
    make = templating.Templates.__init__

    def installed_digest() -> str:
        counts["installed digests"] += 1
        return taken()

    def init(self: templating.Templates) -> None:
        counts["templates"] += 1
        make(self)

    monkeypatch.setattr(staged_module, "installed_digest", installed_digest)
    monkeypatch.setattr(templating.Templates, "__init__", init)
    return counts


def _reconfig(config: Path, out: Path, counts: dict[str, int]) -> dict[str, object]:
    counts.update(dict.fromkeys(counts, 0))
    code, stdout, stderr = gfactory_run("reconfig", config, "--root", out, "--json")
    assert code == 0, stderr
    return dict(json.loads(stdout))


def test_a_run_takes_the_installed_digest_once_and_makes_one_templates(
    tmp_path: Path, made: dict[str, int]
) -> None:
    config = write_factory(20, tmp_path / "cfg", dropins=2)
    out = tmp_path / "out"

    assert _reconfig(config, out, made)["files_written"] != 0
    assert made == {"installed digests": 1, "templates": 1}

    assert _reconfig(config, out, made)["fingerprint"] is True
    assert made == {"installed digests": 1, "templates": 0}  # a no-op renders nothing

    dropin = config.parent / "config.d" / "10-sites.xml"
    dropin.write_text(dropin.read_text().replace('value="Site00000"/>', 'value="S0-x"/>', 1))
    assert _reconfig(config, out, made)["compiled_alone"] == 1
    assert made == {"installed digests": 1, "templates": 1}

"""Shared test helpers: config builders and a CLI runner."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import os
import pkgutil
import shutil
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

import glideinforge
from glideinforge.factory import load as factory_load
from glideinforge.factory.load import CheckResult, check_factory
from glideinforge.frontend import load as frontend_load
from glideinforge.tools import gfactory

# Local runs explore new random examples each time; CI (HYPOTHESIS_PROFILE=ci) replays
# the same ones, so a run's verdict does not depend on its luck.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_FACTORY = REPO / "examples" / "factory" / "glideinWMS.xml"

ENTRY = """
      <entry name="E1" gatekeeper="ce.example.org ce.example.org:9619" gridtype="condor">
         <attrs>
            <attr name="GLIDEIN_Site" value="Site1"/>
         </attrs>
      </entry>
"""


@dataclass(frozen=True)
class CheckedConfig:
    """A configuration some test checked as valid: its kind, a copy, and the dir it ran from."""

    kind: str
    copy: Path
    cwd: Path


CHECKED_VALID: dict[str, CheckedConfig] = {}


def _stand_in_tarball() -> bytes:
    """A gzip-compressed tar holding an empty ``condor/``: the smallest tarball accepted."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        info = tarfile.TarInfo("condor")
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
    return buffer.getvalue()


STAND_IN_TARBALL = _stand_in_tarball()
"""The HTCondor tarball of configurations that never run a glidein."""
"""Every distinct configuration the tests found valid (see ``_record_valid_configs``)."""


_SESSION_PID = os.getpid()


def _record(kind: str, files: Sequence[Path], store: Path) -> None:
    if os.getpid() != _SESSION_PID:
        return  # a test's forked child (it may be counting or killing file-system calls)
    try:
        contents = [path.read_bytes() for path in files]
    except OSError:
        return
    digest = hashlib.sha256(b"\0".join([kind.encode(), *contents])).hexdigest()[:20]
    if digest in CHECKED_VALID:
        return
    copy = store / digest / files[0].name
    (copy.parent / "config.d").mkdir(parents=True)
    copy.write_bytes(contents[0])
    for path, content in zip(files[1:], contents[1:], strict=True):
        (copy.parent / "config.d" / path.name).write_bytes(content)
    CHECKED_VALID[digest] = CheckedConfig(kind, copy, Path.cwd())


@pytest.fixture(scope="session", autouse=True)
def _record_valid_configs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep a copy of every configuration a test finds valid, for the two-way test.

    ``tests/test_zz_two_way.py`` (run last) asks GlideinWMS to accept each of them.
    """
    store = tmp_path_factory.mktemp("checked_valid")
    original_factory, original_frontend = factory_load.check_merged, frontend_load.check_frontend

    def check_merged(merged, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original_factory(merged, *args, **kwargs)
        if result.valid:
            _record("factory", result.files.all(), store)
        return result

    def check_frontend(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original_frontend(path, *args, **kwargs)
        if result.valid:
            _record("frontend", [path], store)
        return result

    replaced = {original_factory: check_merged, original_frontend: check_frontend}
    patched = []
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("glideinforge"):
            continue
        for name, value in list(vars(module).items()):
            originals = [original for original in replaced if value is original]
            if originals:  # by identity: some callables (ctypes functions) are unhashable
                setattr(module, name, replaced[originals[0]])
                patched.append((module, name, value))
    yield
    for module, name, value in patched:
        setattr(module, name, value)


@pytest.fixture(scope="session", autouse=True)
def _remove_oracle_path_dirs() -> Iterator[None]:
    """Remove the ``/tmp/gwms-oracle-pp.*`` dirs GlideinWMS's ``gwms`` leaves, one per call.

    When ``shared/`` is read-only it links the GlideinWMS package from a new temp
    dir on every call and never removes it. Only those that are nothing but that
    link and older than any call lasts (ten minutes) go: a test session running
    beside this one may be using a newer one.
    """
    yield
    stale = time.time() - 600
    for folder in Path(tempfile.gettempdir()).glob("gwms-oracle-pp.*"):
        try:
            entries = list(folder.iterdir())
            if folder.stat().st_mtime > stale or any(not e.is_symlink() for e in entries):
                continue
            for entry in entries:
                entry.unlink()
            folder.rmdir()
        except OSError:
            continue


@pytest.fixture(autouse=True)
def _at_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test from the repository, where the examples' relative paths start."""
    monkeypatch.chdir(REPO)


DEFAULT_TARBALL = 'tar_file="condor.tgz"'


@pytest.fixture
def single_threaded() -> None:
    """For tests that a job runs in a forked child: with other threads, it runs here."""
    assert threading.active_count() == 1, "other threads run: forked jobs would run here"


def factory_xml(
    *,
    root_attrs: str = "",
    attrs: str = "",
    entries: str = ENTRY,
    files: str = "",
    tarballs: str = '<condor_tarball tar_file="condor.tgz"/>',
    extra: str = "",
) -> str:
    """Return a small valid factory config with the given parts replaced or added."""
    return f"""<glidein factory_name="testfactory" {root_attrs}>
   <attrs>{attrs}
   </attrs>
   <entries>{entries}
   </entries>
   <condor_tarballs>
      {tarballs}
   </condor_tarballs>
   <files>{files}
   </files>{extra}
</glidein>
"""


def copy_example(kind: str, target: Path) -> Path:
    """Copy ``examples/<kind>`` to ``target``, its relative input paths made to name the copy.

    The examples name their files relative to the repository (where the README runs
    them); a copy names its own files by absolute path.
    """
    shutil.copytree(REPO / "examples" / kind, target, dirs_exist_ok=True)
    for config in target.rglob("*.xml"):
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace(f'"examples/{kind}/', f'"{target}/'), encoding="utf-8")
    return target


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the example factory published under ``tmp_path/out``: (its main file, out)."""
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    out = tmp_path / "out"
    assert run_gfactory("reconfig", config, "--root", out).code == 0
    return config, out


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> content) under ``root``; return root."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@dataclass
class Config:
    """A written test configuration."""

    directory: Path

    @property
    def main(self) -> Path:
        return self.directory / "glideinWMS.xml"

    def check(self, strict: bool = False) -> CheckResult:
        return check_factory(self.main, strict=strict)


@pytest.fixture
def make_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a config (main text plus optional extra files) and return it.

    The test runs in the config's folder, where GlideinWMS would resolve its
    relative paths; the default tarball is named by its absolute path.
    """
    monkeypatch.chdir(tmp_path)

    def make(main: str, **others: str | bytes) -> Config:
        main = main.replace(DEFAULT_TARBALL, f'tar_file="{tmp_path}/condor.tgz"')
        files: dict[str, str | bytes] = {"glideinWMS.xml": main, "condor.tgz": STAND_IN_TARBALL}
        files.update({name.replace("__", "/"): content for name, content in others.items()})
        write_tree(tmp_path, files)
        return Config(tmp_path)

    return make


@dataclass
class CliResult:
    """Exit code and captured streams of one CLI run."""

    code: int
    stdout: str
    stderr: str


def run_gfactory(*argv: str | Path) -> CliResult:
    """Run ``gfactory`` in-process with captured streams."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = gfactory.run([str(arg) for arg in argv], stdout, stderr)
    return CliResult(code, stdout.getvalue(), stderr.getvalue())


def codes(result: CheckResult) -> list[str]:
    """The diagnostic codes of a check, in order."""
    return [diagnostic.code for diagnostic in result.diagnostics]


def glideinforge_modules() -> list[ModuleType]:
    """Import and return every module of the installed package (``__main__`` aside)."""
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(glideinforge.__path__, "glideinforge.")
        if not info.name.endswith("__main__")
    ]

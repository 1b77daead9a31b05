"""GlideinWMS itself as a test oracle: ``../shared/oracle/bin/gwms``, run (never copied).

Tests ask it what GlideinWMS accepts (``accepts-*``), what its reconfig publishes
(``upgrade-factory`` on a copy whose outputs point into a scratch tree), what
its daemons read from a work dir (``load-*-workdir``) and what its glidein does
(``glidein-startup``). Everything here only prepares inputs and reads answers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from glideinforge.creation.lib.diagnostics import Severity
from glideinforge.factory.load import check_factory, load_factory

from conftest import REPO, STAND_IN_TARBALL, run_gfactory

SHARED = (REPO.parent / "shared").resolve()  # physical, as the working directory reads
ORACLE = SHARED / "oracle"
GWMS = ORACLE / "bin" / "gwms"
UNITTESTS = ORACLE / "glideinwms" / "unittests"
"""GlideinWMS's own tests run from here: its fixtures' relative paths start at this folder."""
FIXTURE_FACTORY = UNITTESTS / "fixtures" / "factory" / "glideinWMS.xml"
FIXTURE_FRONTENDS = (
    UNITTESTS / "fixtures" / "frontend.xml",
    UNITTESTS / "fixtures" / "frontend" / "frontend.xml",
)
JAVASCRIPT_RRD = UNITTESTS / "fixtures" / "javascriptrrd"
VENV = Path(os.environ.get("GWMS_ORACLE_VENV", Path.home() / ".cache" / "gwms-oracle-venv"))
ORACLE_GLIDEIN_NAME = "gfactory_instance"
"""The oracle's reconfig runs with ``-force_name gfactory_instance``."""

requires_oracle = pytest.mark.skipif(
    not GWMS.is_file(), reason="GlideinWMS oracle (../shared/oracle) is not next to the repository"
)

_OUTPUT_DIRS = {
    "monitor": ("base_dir",),
    "stage": ("base_dir",),
    "submit": ("base_dir", "base_log_dir", "base_client_log_dir", "base_client_proxies_dir"),
}
_INPUTS = {"condor_tarball": ("tar_file", "base_dir"), "file": ("absfname",)}
_JAVASCRIPT = {"javascriptRRD_dir": "js", "flot_dir": "flot", "jquery_dir": "flot"}


@dataclass(frozen=True)
class Answer:
    """GlideinWMS's answer: accepted or not, and what it printed."""

    accepted: bool
    output: str


@dataclass(frozen=True)
class Published:
    """GlideinWMS's reconfig of a copy: its verdict and where the copy's outputs are."""

    answer: Answer
    config: Path
    stage: Path
    work: Path


def _run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GWMS), *(str(arg) for arg in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def require_venv() -> None:
    """Build the oracle's M2Crypto venv once when it is missing (``setup.sh``, about 2 min)."""
    if (VENV / "bin" / "python").is_file():
        return
    done = subprocess.run(
        [str(ORACLE / "setup.sh"), str(VENV)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{ORACLE / 'setup.sh'} failed:\n{done.stdout}{done.stderr}")


def accepts_factory(config: Path, cwd: Path) -> Answer:
    """Ask GlideinWMS's parser and validator about a factory config, run from ``cwd``."""
    done = _run("accepts-factory", config, cwd=cwd)
    return Answer(done.returncode == 0, (done.stdout + done.stderr).strip())


def accepts_frontend(config: Path, cwd: Path) -> Answer:
    """Ask GlideinWMS's frontend parser about a frontend config, run from ``cwd``."""
    done = _run("accepts-frontend", config, cwd=cwd)
    return Answer(done.returncode == 0, (done.stdout + done.stderr).strip())


def _config_files(config: Path) -> list[Path]:
    dropins = config.parent / "config.d"
    found = sorted(dropins.glob("*.xml")) if dropins.is_dir() else []
    return [config, *found]


def _absolute(value: str, cwd: Path) -> str:
    return value if value.startswith("/") else str(cwd / value)


def scratch_copy(config: Path, cwd: Path, scratch: Path) -> Published:
    """Copy a factory config into ``scratch`` for GlideinWMS's reconfig.

    Output directories move under ``scratch/out`` (with the log and client dirs
    GlideinWMS's RPM would make); relative input paths become absolute against
    ``cwd`` (where GlideinWMS would resolve them); the monitor's javascript dirs
    point at GlideinWMS's fixture copy; the glidein name becomes the one the
    oracle's reconfig insists on.
    """
    out = scratch / "out"
    copied = scratch / "cfg" / config.name
    (copied.parent / "config.d").mkdir(parents=True, exist_ok=True)
    outputs = {
        (tag, name): out / tag / name for tag, names in _OUTPUT_DIRS.items() for name in names
    }
    usernames: set[str] = set()
    for index, source in enumerate(_config_files(config)):
        parser = etree.XMLParser(remove_comments=False, resolve_entities=False)
        tree = etree.parse(str(source), parser)
        root = tree.getroot()
        _rebase(root, outputs, cwd, main=index == 0)
        usernames.update(element.get("username", "") for element in root.iter("security_class"))
        target = copied if index == 0 else copied.parent / "config.d" / source.name
        tree.write(str(target), xml_declaration=False, encoding="utf-8")
    _make_runtime_dirs(out, outputs, usernames)
    return Published(
        Answer(accepted=False, output=""),
        copied,
        outputs[("stage", "base_dir")],
        outputs[("submit", "base_dir")],
    )


def _rebase(
    root: etree._Element, outputs: dict[tuple[str, str], Path], cwd: Path, *, main: bool
) -> None:
    """Point one file's outputs into the scratch tree and its relative inputs at ``cwd``."""
    if main or "glidein_name" in root.attrib:
        root.set("glidein_name", ORACLE_GLIDEIN_NAME)
    for tag, names in _OUTPUT_DIRS.items():
        if main and root.find(tag) is None:
            root.append(etree.Element(tag))
        for element in root.findall(tag):
            for name in names:
                if main or name in element.attrib:
                    element.set(name, str(outputs[(tag, name)]))
    for element in root.findall("monitor"):
        for name, folder in _JAVASCRIPT.items():
            element.set(name, str(JAVASCRIPT_RRD / folder))
    _absolute_inputs(root, cwd)


def _absolute_inputs(root: etree._Element, cwd: Path) -> None:
    """Make every relative input path absolute against ``cwd``."""
    for tag, names in _INPUTS.items():
        for element in root.iter(tag):
            for name in names:
                if name in element.attrib:
                    element.set(name, _absolute(element.get(name, ""), cwd))


def _make_runtime_dirs(
    out: Path, outputs: dict[tuple[str, str], Path], usernames: set[str]
) -> None:
    """Make the directories GlideinWMS's RPM would: output parents, logs, client user dirs."""
    for tag in _OUTPUT_DIRS:
        (out / tag).mkdir(parents=True, exist_ok=True)
    outputs[("submit", "base_log_dir")].mkdir(parents=True, exist_ok=True)
    for username in sorted(name for name in usernames if name):
        for key in ("base_client_log_dir", "base_client_proxies_dir"):
            (outputs[("submit", key)] / f"user_{username}").mkdir(parents=True, exist_ok=True)


def publish_factory(config: Path, cwd: Path, scratch: Path) -> Published:
    """Run GlideinWMS's own reconfig (create/upgrade) on a scratch copy of ``config``."""
    require_venv()
    copy = scratch_copy(config, cwd, scratch)
    done = _run("upgrade-factory", copy.config, cwd=scratch)
    verdict = Answer(done.returncode == 0, (done.stdout + done.stderr).strip())
    return Published(verdict, copy.config, copy.stage, copy.work)


def load_factory_workdir(work: Path) -> tuple[bool, dict[str, object]]:
    """Load a work dir with GlideinWMS's factory daemon classes."""
    require_venv()
    done = _run("load-factory-workdir", work, cwd=work.parent)
    return done.returncode == 0, json.loads(done.stdout or "{}")


def load_frontend_workdir(work: Path) -> tuple[bool, dict[str, object]]:
    """Load a work dir with GlideinWMS's frontend daemon classes."""
    require_venv()
    done = _run("load-frontend-workdir", work, cwd=work.parent)
    return done.returncode == 0, json.loads(done.stdout or "{}")


def glidein_startup(target: Path) -> Path:
    """Write GlideinWMS's glidein_startup.sh, packaged as its factory ships it."""
    done = _run("glidein-startup", target, cwd=target.parent)
    assert done.returncode == 0, done.stderr
    return target


# --- verdicts -------------------------------------------------------------------------------

_STRICTER_HEADING = "### Checks stricter than GlideinWMS"
_CODE_CELL = re.compile(r"^\| `([a-z_]+\.[a-z_]+)` \|")


def stricter_codes() -> dict[str, str]:
    """Return the error codes the README documents as stricter than GlideinWMS, with why."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(_STRICTER_HEADING, 1)[1].split("\n#", 1)[0]
    codes = {}
    for line in section.splitlines():
        match = _CODE_CELL.match(line)
        if match:
            codes[match.group(1)] = line
    return codes


@dataclass(frozen=True)
class Case:
    """A factory configuration: the main file, drop-ins and input files, all in one folder."""

    main: str
    dropins: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """Write the case into ``folder``; return the main file."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in {"condor.tgz": STAND_IN_TARBALL, **self.files}.items():
            (folder / name).write_bytes(content)
        for name, text in self.dropins.items():
            (folder / "config.d").mkdir(exist_ok=True)
            (folder / "config.d" / name).write_text(text, encoding="utf-8")
        main = folder / "glideinWMS.xml"
        main.write_text(self.main, encoding="utf-8")
        return main


@dataclass(frozen=True)
class Verdict:
    """One side's answer: published or not, and why not."""

    published: bool
    reasons: tuple[str, ...]
    codes: frozenset[str] = frozenset()


def glideinwms_verdict(config: Path, cwd: Path, scratch: Path) -> Verdict:
    """Ask GlideinWMS: parse and validate, then its own reconfig on a scratch copy."""
    accepted = accepts_factory(config, cwd)
    if not accepted.accepted:
        return Verdict(published=False, reasons=(accepted.output,))
    published = publish_factory(config, cwd, scratch)
    tail = published.answer.output.splitlines()[-3:]
    return Verdict(published.answer.accepted, tuple(tail))


def glideinforge_verdict(config: Path, out: Path) -> Verdict:
    """Ask glideinforge: validate, then reconfig into ``out`` (run from the current dir)."""
    check = check_factory(config)
    codes = frozenset(item.code for item in check.diagnostics if item.severity is Severity.ERROR)
    validated = run_gfactory("validate", config)
    published = run_gfactory("reconfig", config, "--root", out)
    assert validated.code in (0, 1), validated.stderr
    assert published.code in (0, 1), published.stderr
    assert (validated.code == 0) == check.valid
    if check.valid and published.code != 0:  # a compile error: its code is in the message
        codes |= set(re.findall(r"\(([a-z_]+\.[a-z_]+)\)", published.stderr)) or {"compile"}
    return Verdict(published.code == 0, tuple(published.stderr.splitlines()[-3:]), codes)


def agreement(ours: Verdict, theirs: Verdict, stricter: dict[str, str]) -> str | None:
    """Return why the two verdicts disagree beyond the documented stricter checks (None: fine)."""
    if ours.published == theirs.published:
        return None
    if theirs.published:
        undocumented = sorted(ours.codes - stricter.keys())
        if not ours.codes or undocumented:
            return f"glideinforge refuses what GlideinWMS publishes: {undocumented or ours.reasons}"
        return None
    return f"glideinforge publishes what GlideinWMS refuses: {theirs.reasons}"


def our_work_dir(config: Path, root: Path) -> Path:
    """Return where ``gfactory reconfig CONFIG --root ROOT`` writes the work dir."""
    factory = load_factory(config).factory
    assert factory is not None
    return root / factory.submit.base_dir.relative_to("/")


def assert_daemon_loads(config: Path, root: Path) -> None:
    """Check that GlideinWMS's factory daemon classes load the work dir published under ``root``."""
    ok, document = load_factory_workdir(our_work_dir(config, root))
    assert ok, document.get("errors")

"""kill -9 at any instant of a reconfig leaves a work dir that verifies, old or new."""

from __future__ import annotations

import collections.abc
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from glideinforge.creation.lib.verify import verify_stage

from compile_helpers import gfactory_run
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from make_factory import write_factory

KILL_POINTS = 50
SEED = 20261121
STAGE = "var/lib/gwms-factory/web-area/stage"
WORK = "var/lib/gwms-factory/work-dir"


def _reconfig(config: Path, out: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "glideinforge", "reconfig", str(config), "--root", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class _Variants:
    """A 100-entry factory whose attr value changes in about half the entries per variant."""

    def __init__(self, directory: Path) -> None:
        self.config = write_factory(100, directory)
        self.pristine = {
            path: path.read_text() for path in (self.config.parent / "config.d").glob("*.xml")
        }

    def make(self, number: int) -> Path:
        for path, text in self.pristine.items():
            path.write_text(text.replace('value="CMS,OSG,DUNE"', f'value="CMS,OSG,V{number}"'))
        return self.config


def _staged_count(directories: list[Path]) -> int:
    return sum(len(list(directory.iterdir())) for directory in directories)


def _wait_for_publishing(stage: Path, process: subprocess.Popen[bytes]) -> None:
    """Return once a new file is staged (publishing has begun), or the process ended."""
    directories = [stage, *(path for path in stage.iterdir() if path.is_dir())]
    count = _staged_count(directories)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if _staged_count(directories) > count:
            return
        time.sleep(0.001)


def test_sigkill_at_random_points_never_breaks_the_published_state(tmp_path):
    variants = _Variants(tmp_path / "factory")
    out = tmp_path / "out"
    stage, summary = out / STAGE, out / WORK / "signatures.sha1"
    assert _reconfig(variants.make(-4), out).wait(300) == 0
    durations = []
    for number in (-3, -2, -1):  # incremental runs set the time scale
        started = time.monotonic()
        assert _reconfig(variants.make(number), out).wait(300) == 0
        durations.append(time.monotonic() - started)
    duration = 0.9 * min(durations)
    rng = random.Random(SEED)  # noqa: S311 - seeded kill points, not security
    kills = mid_publish = 0
    for point in range(KILL_POINTS):
        before = summary.read_bytes()
        staged_before = sum(1 for _ in stage.rglob("*"))
        previous = tmp_path / f"previous-{point}.sha1"
        previous.write_bytes(before)
        process = _reconfig(variants.make(point), out)
        # Half the points anywhere in the run, half once publishing has begun (a new file
        # is staged): an earlier kill leaves nothing new on disk.
        if point % 2:
            _wait_for_publishing(stage, process)
            time.sleep(rng.uniform(0.0, 0.1))
        else:
            time.sleep(rng.uniform(0.0, duration))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        code = process.wait(300)
        assert code in (0, -signal.SIGKILL), process.stderr.read()  # type: ignore[union-attr]
        if summary.read_bytes() == before and sum(1 for _ in stage.rglob("*")) != staged_before:
            mid_publish += 1  # killed after new files were staged, before the summary
        live = verify_stage(stage, summary)
        assert live.ok, (point, [str(problem) for problem in live.problems[:5]])
        old = verify_stage(stage, previous)
        assert old.ok, (point, [str(problem) for problem in old.problems[:5]])
    assert kills >= KILL_POINTS * 3 // 4, kills  # nearly every point interrupted a run
    assert mid_publish >= 3, mid_publish  # and some of them in the middle of publishing


def _edit_two_entries(config: Path) -> None:
    """Change one attr of two entries, one per drop-in: an incremental reconfig."""
    for path in sorted((config.parent / "config.d").glob("*.xml"))[:2]:
        text = path.read_text()
        assert 'value="CMS,OSG,DUNE"' in text
        path.write_text(text.replace('value="CMS,OSG,DUNE"', 'value="CMS,OSG,EDITED"', 1))


_MUTATIONS = ("replace", "rename", "link", "unlink", "mkdir")
"""The calls that change what is visible on disk."""


def _killed_at(mutation: int, *argv: str | Path) -> tuple[int, str]:
    """Run gfactory ARGV --json in a forked child that SIGKILLs itself before its N-th mutation.

    Returns the child's wait status and, when it was not killed, its exit code, how
    many mutations it made and its JSON document (on one line).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: count mutations, die at the chosen one
        try:
            os.close(read_end)
            count = 0

            def counted(original: Callable[..., object]) -> Callable[..., object]:
                def mutate(*args: object, **kwargs: object) -> object:
                    nonlocal count
                    count += 1
                    if count == mutation:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return original(*args, **kwargs)

                return mutate

            for name in _MUTATIONS:
                setattr(os, name, counted(getattr(os, name)))
            code, stdout, _ = gfactory_run(*argv, "--json")
            document = json.dumps(json.loads(stdout)) if stdout else "{}"
            os.write(write_end, f"{code} {count} {document}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as stream:
        return status, stream.read().decode()


def test_sigkill_before_each_mutation_of_an_incremental_reconfig(tmp_path):
    # Deterministic: the run is killed just before each of its file-system changes in turn.
    config = write_factory(10, tmp_path / "factory", dropins=2)
    saved, out = tmp_path / "saved", tmp_path / "out"
    assert _reconfig(config, out).wait(300) == 0
    shutil.copytree(out, saved, symlinks=True)  # restored at the same paths before each kill
    _edit_two_entries(config)
    status, report = _killed_at(0, "reconfig", config, "--root", out)
    assert status == 0
    code, count, document = report.split(" ", 2)
    assert (code, json.loads(document)["compiled_alone"]) == ("0", 2)  # the incremental path
    mutations = int(count)
    edited = (out / WORK / "signatures.sha1").read_bytes()
    assert mutations > 20, mutations
    previous = saved / WORK / "signatures.sha1"
    for point in range(1, mutations + 1):
        shutil.rmtree(out)
        shutil.copytree(saved, out, symlinks=True)
        status, report = _killed_at(point, "reconfig", config, "--root", out)
        assert os.WIFSIGNALED(status), (point, report)
        assert os.WTERMSIG(status) == signal.SIGKILL, point
        live = verify_stage(out / STAGE, out / WORK / "signatures.sha1")
        assert live.ok, (point, [str(problem) for problem in live.problems[:5]])
        old = verify_stage(out / STAGE, previous)
        assert old.ok, (point, [str(problem) for problem in old.problems[:5]])
        if point % 4 == 0:  # and the next reconfig completes the edit
            code, _, stderr = gfactory_run("reconfig", config, "--root", out)
            assert code == 0, (point, stderr)
            assert (out / WORK / "signatures.sha1").read_bytes() == edited, point


def _mutations(*argv: str | Path) -> int:
    """Run gfactory ARGV to the end in a child; return how many mutations it made."""
    status, report = _killed_at(0, *argv)
    assert status == 0, report
    code, count, _ = report.split(" ", 2)
    assert code == "0", report
    return int(count)


def _restore(saved: Path, out: Path) -> None:
    shutil.rmtree(out)
    shutil.copytree(saved, out, symlinks=True)


def _kill_before_each_mutation(
    saved: Path, out: Path, argv: tuple[str | Path, ...]
) -> collections.abc.Iterator[int]:
    """Restore ``saved`` and kill gfactory ARGV before each of its mutations in turn."""
    _restore(saved, out)
    mutations = _mutations(*argv)
    assert mutations >= 2, mutations
    for point in range(1, mutations + 1):
        _restore(saved, out)
        status, report = _killed_at(point, *argv)
        assert os.WIFSIGNALED(status), (point, report)
        yield point


def _problems(out: Path, summary: Path | None = None) -> list[str]:
    summary = summary or out / WORK / "signatures.sha1"
    return [str(problem) for problem in verify_stage(out / STAGE, summary).problems]


def test_sigkill_before_each_mutation_of_a_repair(tmp_path):
    config = write_factory(10, tmp_path / "factory", dropins=2)
    out, saved = tmp_path / "out", tmp_path / "saved"
    assert _reconfig(config, out).wait(300) == 0
    damaged = next((out / STAGE).glob("entry_*/constants.*.cfg"))
    damaged.write_bytes(damaged.read_bytes() + b"HACKED 1\n")
    shutil.copytree(out, saved, symlinks=True)
    argv = ("reconfig", config, "--root", out, "--repair")
    for point in _kill_before_each_mutation(saved, out, argv):
        # Killed: nothing but the damaged file is wrong, and a repair run completes it.
        assert {problem.split(":")[0] for problem in _problems(out)} <= {str(damaged)}, point
        code, _, stderr = gfactory_run(*argv)
        assert code == 0, (point, stderr)
        assert _problems(out) == [], point


def test_sigkill_before_each_mutation_of_a_rollback_and_a_gc(tmp_path):
    config = write_factory(10, tmp_path / "factory", dropins=2)
    out, saved = tmp_path / "out", tmp_path / "saved"
    assert _reconfig(config, out).wait(300) == 0
    first = tmp_path / "first.sha1"
    shutil.copy(out / WORK / "signatures.sha1", first)
    _edit_two_entries(config)
    assert gfactory_run("reconfig", config, "--root", out)[0] == 0
    second = tmp_path / "second.sha1"
    shutil.copy(out / WORK / "signatures.sha1", second)
    shutil.copytree(out, saved, symlinks=True)
    rollback = ("rollback", config, "--root", out)
    for point in _kill_before_each_mutation(saved, out, rollback):
        assert _problems(out) == [], point  # the live state, old or new
        assert _problems(out, first) == [] and _problems(out, second) == [], point
    gc = ("gc", config, "--root", out, "--keep-states", "1", "--keep-days", "0")
    for point in _kill_before_each_mutation(saved, out, gc):
        assert _problems(out) == [], point
        code, _, stderr = gfactory_run(*gc)
        assert code == 0, (point, stderr)
        assert _problems(out) == [], point

"""kill -9 at any instant of a reconfig leaves a work dir that verifies, old or new."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from glideinforge.creation.lib.verify import verify_stage

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
        # Half the points anywhere in the run, half in its last part, where publishing is:
        # an earlier kill leaves nothing new on disk and tests only the trivial case.
        time.sleep(rng.uniform(0.0 if point % 2 else 0.6 * duration, duration))
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

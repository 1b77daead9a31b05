"""Seconds from glidein start to a written condor_config, over loopback HTTP.

Usage: python benchmarks/bench_glidein.py [--runs N] [--entry NAME] [--scratch DIR]

Compiles the shipped example factory into a scratch tree, serves its stage on
127.0.0.1 and runs one entry's glidein_startup.sh N times (stopping right before
HTCondor would start). Prints the best and median seconds, the files verified
and the exec scripts run. Target: <= 2 s.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from glideinforge.factory.try_glidein import run_glidein
from glideinforge.tools import gfactory

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "factory" / "glideinWMS.xml"
STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")


def main() -> int:
    """Print one line of figures; exit 1 when a glidein fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entry", default="SITE_A_ce1")
    parser.add_argument("--scratch", type=Path, default=None, help="where the tree goes")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="glideinforge-glidein-", dir=args.scratch))
    try:
        stdout, stderr = io.StringIO(), io.StringIO()
        if gfactory.run(["reconfig", str(EXAMPLE), "--root", str(root / "out")], stdout, stderr):
            print(stderr.getvalue(), file=sys.stderr)
            return 1
        seconds = []
        for index in range(args.runs):
            run = run_glidein(
                root / "out" / WORK, root / "out" / STAGE, args.entry, root / f"start{index}"
            )
            if run.exit_code != 0:
                print(run.stderr[-3000:], file=sys.stderr)
                return 1
            seconds.append(run.seconds)
        execs = run.stdout.count("Executing (flags:")
        print(
            f"glidein {args.entry}: best {min(seconds):.2f} s, median "
            f"{statistics.median(seconds):.2f} s over {args.runs} runs; "
            f"{len(run.verified)} files verified, {execs} scripts run (target <= 2 s)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

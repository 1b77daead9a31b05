"""Seconds from glidein start to a written condor_config, over loopback HTTP.

Usage: python benchmarks/bench_glidein.py [--runs N] [--entry NAME] [--group NAME] [--scratch DIR]

Compiles the shipped example factory (and with --group the example frontend)
into a scratch tree, serves the stages on 127.0.0.1 and runs one entry's
glidein_startup.sh N times (stopping right before HTCondor would start); with
--group the glidein also downloads that frontend group's client stages. Prints
the best and median seconds, the files verified and the exec scripts run.
Target: <= 2 s.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from glideinforge.factory.try_glidein import ClientStage, run_glidein
from glideinforge.tools import gfactory, gfrontend

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "factory" / "glideinWMS.xml"
STAGE = Path("var/lib/gwms-factory/web-area/stage")
WORK = Path("var/lib/gwms-factory/work-dir")
FRONTEND = REPO / "examples" / "frontend" / "frontend.xml"
FRONTEND_STAGE = Path("var/lib/gwms-frontend/web-area/stage")
FRONTEND_WORK = Path("var/lib/gwms-frontend/vofrontend")


def main() -> int:
    """Print one line of figures; exit 1 when a glidein fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entry", default="SITE_A_ce1")
    parser.add_argument("--group", default=None, help="also fetch this example frontend group")
    parser.add_argument("--scratch", type=Path, default=None, help="where the tree goes")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="glideinforge-glidein-", dir=args.scratch))
    try:
        stdout, stderr = io.StringIO(), io.StringIO()
        if gfactory.run(["reconfig", str(EXAMPLE), "--root", str(root / "out")], stdout, stderr):
            print(stderr.getvalue(), file=sys.stderr)
            return 1
        client = None
        if args.group is not None:
            if gfrontend.run(
                ["reconfig", str(FRONTEND), "--root", str(root / "out")], stdout, stderr
            ):
                print(stderr.getvalue(), file=sys.stderr)
                return 1
            out = root / "out"
            client = ClientStage(out / FRONTEND_WORK, out / FRONTEND_STAGE, args.group)
        seconds = []
        for index in range(args.runs):
            run = run_glidein(
                root / "out" / WORK,
                root / "out" / STAGE,
                args.entry,
                root / f"start{index}",
                client=client,
            )
            if run.exit_code != 0:
                print(run.stderr[-3000:], file=sys.stderr)
                return 1
            seconds.append(run.seconds)
        execs = run.stdout.count("Executing (flags:")
        print(
            f"glidein {args.entry}{f' + group {args.group}' if args.group else ''}: best {min(seconds):.2f} s, median "
            f"{statistics.median(seconds):.2f} s over {args.runs} runs; "
            f"{len(run.verified)} files verified, {execs} scripts run (target <= 2 s)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

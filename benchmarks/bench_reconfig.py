"""Reconfig lifecycle on generated 1,000- and 10,000-entry factories.

Usage: python benchmarks/bench_reconfig.py [N ...] [--scratch DIR]

Per size, each step runs ``gfactory`` in a fresh child process (timed inside
the child, so interpreter start-up is left out) on one scratch tree: full
build, no-op reconfig, a one-entry edit, and gc keeping only the live state.
Dirty pages are synced between steps, so a step's own ``sync`` does not pay
for the previous step's write-back.
Printed per step: seconds, files written (+ linked), peak RSS.
Targets at 1,000 entries: no-op <= 0.25 s with 0 files written; one-entry
edit <= 0.25 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_validate import run_child
from make_factory import write_factory

OUT = Path(__file__).parent / "out"
TARGETS = {(1000, "no-op"): 0.25, (1000, "one-entry edit"): 0.25}
"""Seconds, by (entries, step)."""


def _child(argv: list[str]) -> None:
    from glideinforge.tools import gfactory  # noqa: PLC0415 - child only

    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = gfactory.run([*argv, "--json"], stdout, stderr)
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"gfactory {' '.join(argv)}: exit {code}: {stderr.getvalue()[:2000]}")
    print(json.dumps({"seconds": seconds, "report": json.loads(stdout.getvalue())}))


def _edit_one_entry(config: Path) -> None:
    path = config.parent / "config.d" / "10-sites.xml"
    text = path.read_text()
    old = 'value="Site00000"/>'
    new = 'value="Site00000-edited"/>'
    path.write_text(text.replace(old, new, 1) if old in text else text.replace(new, old, 1))


def main() -> int:
    """Print one line per size and step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument(
        "--scratch", type=Path, default=OUT, help="where the trees go (e.g. /dev/shm)"
    )
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return 0
    for entries in args.sizes:
        config = write_factory(entries, OUT / f"reconfig-factory-{entries}")
        root = args.scratch / f"glideinforge-reconfig-{entries}"
        shutil.rmtree(root, ignore_errors=True)
        steps = [
            ("full build", ["reconfig", str(config), "--root", str(root)]),
            ("no-op", ["reconfig", str(config), "--root", str(root)]),
            ("one-entry edit", ["reconfig", str(config), "--root", str(root)]),
            (
                "gc",
                ["gc", str(config), "--root", str(root), "--keep-states", "1", "--keep-days", "0"],
            ),
        ]
        for name, argv in steps:
            if name == "one-entry edit":
                _edit_one_entry(config)
            os.sync()  # each step pays for its own writes, not the write-back of the last
            report, peak_kib = run_child([__file__, "--child", *argv])
            details = report["report"]
            if name == "gc":
                what = f"{details['files_removed']} files removed, {details['bytes_freed']} bytes"
            else:
                what = f"{details['files_written']} written + {details['files_linked']} linked"
            target = TARGETS.get((entries, name))
            verdict = ""
            if target is not None:
                verdict = (
                    f"; target {target:.2f} s: {'met' if report['seconds'] <= target else 'MISSED'}"
                )
            print(
                f"{entries:>6} entries {name:<15} {report['seconds']:6.2f} s  {what};"
                f" peak RSS {peak_kib / 1024:.0f} MB{verdict}"
            )
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

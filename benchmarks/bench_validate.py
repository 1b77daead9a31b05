"""Time parse+validate of generated 1,000- and 10,000-entry factories.

Usage: python benchmarks/bench_validate.py [N ...] [--repeat R]

For each size, a fresh child process loads the configuration R times; the
best wall time and the child's peak RSS are printed, one line per size, and
compared with the targets (1,000 entries <= 0.3 s, 10,000 <= 3 s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_factory import write_factory

TARGETS = {1000: 0.3, 10000: 3.0}
OUT = Path(__file__).parent / "out"


def _measure(config: Path, repeat: int) -> None:
    """Child side: load ``repeat`` times, print the timings as JSON."""
    from glideinforge.factory.load import check_factory  # noqa: PLC0415 - child only

    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = check_factory(config)
        seconds.append(time.perf_counter() - started)
    print(
        json.dumps(
            {"seconds": seconds, "entries": result.entry_count, "errors": len(result.errors)}
        )
    )


def run_size(entries: int, repeat: int) -> dict[str, float | int]:
    """Generate (once) and measure one size in a child process."""
    config = write_factory(entries, OUT / f"factory-{entries}")
    report, peak_kib = run_child([__file__, "--child", str(config), "--repeat", str(repeat)])
    return {
        "entries": report["entries"],
        "errors": report["errors"],
        "best_seconds": min(report["seconds"]),
        "peak_rss_mb": peak_kib / 1024,
    }


def run_child(arguments: list[str]) -> tuple[dict, int]:
    """Run this Python on ``arguments``; return its JSON report and its own peak RSS (KiB)."""
    child = subprocess.Popen([sys.executable, *arguments], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"benchmark child failed with exit code {child.returncode}")
    return json.loads(stdout), usage.ru_maxrss


def main() -> int:
    """Print one line per size; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(args.child, args.repeat)
        return 0
    missed = False
    for entries in args.sizes:
        figures = run_size(entries, args.repeat)
        target = TARGETS.get(entries)
        verdict = ""
        if target is not None:
            met = figures["best_seconds"] <= target
            missed |= not met
            verdict = f"  target {target:.1f} s: {'met' if met else 'MISSED'}"
        print(
            f"validate {figures['entries']:>6} entries: {figures['best_seconds']:.3f} s "
            f"(best of {args.repeat}), peak RSS {figures['peak_rss_mb']:.0f} MB, "
            f"{figures['errors']} errors{verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

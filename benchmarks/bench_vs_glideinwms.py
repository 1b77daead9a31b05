"""Time GlideinWMS's own reconfig beside glideinforge's on a production-shaped factory.

Usage: python benchmarks/bench_vs_glideinwms.py [--entries N] [--scratch DIR] [--runs R]

Writes a production-shaped factory (``make_production_factory.py``) and two copies of it
whose outputs point into the scratch tree (with the log and client dirs GlideinWMS's RPM
would make). Then, alternating the two tools in the same run: a create (GlideinWMS:
``../shared/oracle/bin/gwms upgrade-factory``), a no-op reconfig (``reconfig-factory``)
and a one-entry edit, R times each (median). Every run's exit status is checked; the
figures are wall seconds, peak RSS and the ratio GlideinWMS / glideinforge.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from make_production_factory import write_factory

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import oracle  # noqa: E402 - the tests' GlideinWMS helpers

GFACTORY = Path(sys.executable).with_name("gfactory")


def _timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Run COMMAND; return its wall seconds and peak RSS (kB). Fails loudly on an error."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({process.returncode}):\n{output.decode()[-3000:]}"
        )
    return seconds, usage.ru_maxrss


def _edit(config: Path, round_: int) -> None:
    """Change the first enabled entry's GLIDEIN_Site (the same edit in each copy)."""
    dropin = min((config.parent / "config.d").glob("*.xml"))
    text = dropin.read_text()
    start = text.index('enabled="True"')
    match = re.compile(r'(<attr name="GLIDEIN_Site" [^>]*value=")([^"]*)(")').search(text, start)
    assert match is not None
    value = re.sub(r"-edit\d+$", "", match[2]) + f"-edit{round_}"
    dropin.write_text(text[: match.start(2)] + value + text[match.end(2) :])


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--scratch", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    oracle.require_venv()
    base = (args.scratch / f"vs-glideinwms-{args.entries}").resolve()
    shutil.rmtree(base, ignore_errors=True)
    config = write_factory(args.entries, base / "source")
    copies = {
        who: oracle.scratch_copy(config, config.parent, base / who).config
        for who in ("glideinwms", "glideinforge")
    }
    commands = {
        "glideinwms": lambda step, cfg: [str(oracle.GWMS), step, str(cfg)],
        "glideinforge": lambda _step, cfg: [str(GFACTORY), "reconfig", str(cfg)],
    }
    figures: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for step in ("create", "no-op", "edit"):
        runs = 1 if step == "create" else args.runs
        for round_ in range(runs):
            for who, cfg in copies.items():
                if step == "edit":
                    _edit(cfg, round_)
                gwms_step = "upgrade-factory" if step == "create" else "reconfig-factory"
                time.sleep(1.1)  # GlideinWMS refuses two runs on one tree within a second
                figures.setdefault((step, who), []).append(
                    _timed(commands[who](gwms_step, cfg), cfg.parent.parent)
                )
    print(f"{args.entries} entries, scratch {base}")
    for step in ("create", "no-op", "edit"):
        theirs = statistics.median(s for s, _ in figures[(step, "glideinwms")])
        ours = statistics.median(s for s, _ in figures[(step, "glideinforge")])
        rss_theirs = max(r for _, r in figures[(step, "glideinwms")]) // 1024
        rss_ours = max(r for _, r in figures[(step, "glideinforge")]) // 1024
        print(
            f"{step:7} GlideinWMS {theirs:6.2f} s {rss_theirs:4d} MB | glideinforge {ours:6.2f} s"
            f" {rss_ours:4d} MB | {theirs / ours:5.1f}x"
        )


if __name__ == "__main__":
    main()

"""Compile generated 1,000- and 10,000-entry factories into a scratch dir; time verify.

Usage: python benchmarks/bench_compile.py [N ...]

For each size a fresh child process loads, compiles and publishes the factory
into an empty scratch root (benchmarks/out/compile-N) and then verifies it.
Printed per size: seconds (load / compile / publish / total), files, bytes,
peak RSS, verify seconds next to `sha1sum` over the same files (best of 10 each),
and, for scale on this machine, plain Python writing every output file (links
written as copies, as GlideinWMS writes them) into an empty tree (best of 3).
Targets: 1,000 entries <= 0.4 s with peak RSS <= 150 MB; verify <= 1.3x sha1sum.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_validate import run_child
from make_factory import write_factory

OUT = Path(__file__).parent / "out"
_REPEATS = 10


def _child(config: Path, root: Path) -> None:
    from glideinforge.creation.lib.gc_pause import paused_gc  # noqa: PLC0415 - child only
    from glideinforge.creation.lib.verify import verify_stage  # noqa: PLC0415
    from glideinforge.factory.compile import compile_factory, reroot  # noqa: PLC0415
    from glideinforge.factory.load import load_factory  # noqa: PLC0415
    from glideinforge.factory.publish import publish_factory  # noqa: PLC0415

    # As in every gfactory command, the cyclic collector is paused throughout.
    with paused_gc():
        started = time.perf_counter()
        result = load_factory(config)
        assert result.factory is not None, [str(item) for item in result.errors[:5]]
        loaded = time.perf_counter()
        factory = reroot(result.factory, root)
        with tempfile.TemporaryDirectory() as scratch:
            compiled = compile_factory(factory, Path(scratch))
            planned = time.perf_counter()
            stats = publish_factory(compiled)
        done = time.perf_counter()
    verify_seconds = float("inf")
    for _ in range(_REPEATS):
        verify_started = time.perf_counter()
        report = verify_stage(factory.stage.base_dir, factory.submit.base_dir / "signatures.sha1")
        verify_seconds = min(verify_seconds, time.perf_counter() - verify_started)
    assert report.ok, [str(problem) for problem in report.problems[:5]]
    print(
        json.dumps(
            {
                "load": loaded - started,
                "compile": planned - loaded,
                "publish": done - planned,
                "total": done - started,
                "written": stats.written,
                "linked": stats.linked,
                "bytes": stats.bytes_written,
                "verify": verify_seconds,
                "verified_files": report.files_checked,
                "stage": str(factory.stage.base_dir),
            }
        )
    )


def _sha1sum_seconds(stage: Path) -> float:
    """Best of a few runs of sha1sum over every file of the stage (links counted once)."""
    seen: set[tuple[int, int]] = set()
    files = []
    for path in stage.rglob("*"):
        status = path.lstat()
        if path.is_file() and (status.st_dev, status.st_ino) not in seen:
            seen.add((status.st_dev, status.st_ino))
            files.append(str(path))
    best = float("inf")
    for _ in range(_REPEATS):
        started = time.perf_counter()
        for start in range(0, len(files), 2000):
            subprocess.run(
                ["sha1sum", *files[start : start + 2000]],  # noqa: S607 - the baseline, from PATH
                check=True,
                stdout=subprocess.DEVNULL,
            )
        best = min(best, time.perf_counter() - started)
    return best


def _plain_write_seconds(root: Path, scratch: Path) -> tuple[int, float]:
    """Best of a few runs of plain Python writing every file under ``root`` afresh."""
    files = [
        (str(path.relative_to(root)), path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    ]
    best = float("inf")
    for attempt in range(3):
        target = scratch / f"plain-write-{attempt}"
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        made: set[str] = set()
        for relative, content in files:
            path = f"{target}/{relative}"
            parent = path.rpartition("/")[0]
            if parent not in made:
                os.makedirs(parent, exist_ok=True)  # noqa: PTH103 - the plain way
                made.add(parent)
            with open(path, "wb") as stream:  # noqa: PTH123
                stream.write(content)
        best = min(best, time.perf_counter() - started)
        shutil.rmtree(target)
    return len(files), best


def main() -> int:
    """Print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument(
        "--scratch",
        type=Path,
        default=OUT,
        help="where the compiled trees go (e.g. /dev/shm to leave the disk out of the figures)",
    )
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    for entries in args.sizes:
        config = write_factory(entries, OUT / f"factory-{entries}")
        root = args.scratch / f"glideinforge-compile-{entries}"
        shutil.rmtree(root, ignore_errors=True)
        report, peak_kib = run_child([__file__, "--child", str(config), str(root)])
        sha1sum = _sha1sum_seconds(Path(report["stage"]))
        plain_files, plain_seconds = _plain_write_seconds(root, args.scratch)
        print(
            f"compile {entries:>6} entries: {report['total']:.2f} s (load {report['load']:.2f}, "
            f"compile {report['compile']:.2f}, publish {report['publish']:.2f}); "
            f"{report['written']} files written + {report['linked']} linked, {report['bytes']} bytes; "
            f"peak RSS {peak_kib / 1024:.0f} MB; verify {report['verify']:.2f} s for "
            f"{report['verified_files']} files vs sha1sum {sha1sum:.2f} s "
            f"({report['verify'] / sha1sum:.2f}x); plain Python writes of the "
            f"{plain_files} output files {plain_seconds:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Pack HTCondor release trees (``base_dir`` tarballs) in threads, from when they are named."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from lxml import etree

from glideinforge.creation.lib.condor_tarball import REQUIRED_BINARIES, pack_condor_base_dir
from glideinforge.creation.lib.fingerprint import (
    LargeInput,
    packing_key,
    run_tree_stamp,
    stamp_of,
    tree_stamp,
)
from glideinforge.creation.lib.paths import absolute
from glideinforge.creation.lib.staged import DigestCache, FileDigests, digest_file

__all__ = ["Pack", "ReleasePacker"]


@dataclass(frozen=True, slots=True)
class Pack:
    """A packed release: the tarball, its digests and its packing key.

    The key is None when the tree could not be stamped or changed while it was
    packed: the pack is then not reused by a later run.
    """

    path: Path
    digests: FileDigests
    key: str | None


@dataclass(frozen=True, slots=True)
class _Started:
    """A pack in progress, the stamps its tree had when it started, and its stop."""

    future: Future[FileDigests]
    target: Path
    tree: str | None
    stop: threading.Event


class ReleasePacker:
    """Packs each release tree once a run, unless a published pack of the same tree stands.

    A tree is stamped when it is first named, in the caller's thread: a thread
    that takes and gives back the GIL at every ``stat`` waits its turn each time
    beside the packing (a walk of milliseconds took a third of a second). Packing
    is mostly zlib, outside the GIL, so it runs on the other cores while the
    caller loads and compiles. A reconfig names the trees to it as the
    configuration's files parse (``start_parsed``), before the rest is checked.
    Use it as a context manager: leaving stops what still packs and its threads.
    """

    def __init__(
        self, scratch: Path, reusable: Mapping[str, LargeInput], digests: DigestCache
    ) -> None:
        """Pack into ``scratch``; ``reusable``: published packs by packing key.

        ``digests``: the run's (its tree stamps key the record of the packs).
        """
        self.digests = digests
        self._scratch = scratch
        self._reusable = reusable
        self._pool = ThreadPoolExecutor(thread_name_prefix="glideinforge-pack")
        self._reused: dict[Path, Pack] = {}
        self._started: dict[Path, _Started] = {}

    def __enter__(self) -> Self:
        """Return this packer."""
        return self

    def __exit__(self, *_: object) -> None:
        """Stop every pack still running and end the threads (``close``)."""
        self.close()

    def start(self, base_dir: Path) -> None:
        """Start packing ``base_dir`` (once a run; nothing when a published pack stands)."""
        if base_dir in self._reused or base_dir in self._started:
            return
        try:
            tree: str | None = run_tree_stamp(str(base_dir), self.digests)
        except (OSError, ValueError):  # a name that is not UTF-8, say
            tree = None  # packing reports it
        key = None if tree is None else packing_key(tree)
        earlier = None if key is None else self._reusable.get(key)
        if earlier is not None and stamp_of(earlier.path) == earlier.stamp:
            self._reused[base_dir] = Pack(Path(earlier.path), earlier.digests, key)
            return
        target = self._scratch / f"condor_base_dir_{len(self._started)}.tgz"
        stop = threading.Event()
        future = self._pool.submit(self._pack, base_dir, target, stop)
        self._started[base_dir] = _Started(future, target, tree, stop)

    def start_parsed(self, _name: str, _data: bytes, root: etree._Element) -> None:
        """Start packing every release a parsed configuration file names (a ParsedHook).

        Only a directory holding HTCondor's required binaries counts (the check
        refuses others): a mistyped ``base_dir="/"`` is not walked. A tree named
        differently once the configuration is built is packed then (``keep_only``).
        """
        for element in root.iterfind("condor_tarballs/condor_tarball"):
            written = element.get("base_dir")
            if not written or element.get("tar_file"):
                continue
            base_dir = absolute(written)
            with contextlib.suppress(OSError, ValueError):
                if all((base_dir / name).is_file() for name in REQUIRED_BINARIES):
                    self.start(base_dir)

    def keep_only(self, base_dirs: Collection[Path]) -> None:
        """Stop the packs of every release but ``base_dirs`` (those the model names)."""
        for base_dir, started in self._started.items():
            if base_dir not in base_dirs:
                started.stop.set()

    def packed(self, base_dir: Path) -> Pack:
        """Wait for ``base_dir``'s pack (``start`` it first).

        Raises:
            OSError: the tree cannot be packed.
        """
        reused = self._reused.get(base_dir)
        if reused is not None:
            return reused
        started = self._started[base_dir]
        digests = started.future.result()
        key = None
        if started.tree is not None:
            with contextlib.suppress(OSError):  # unreadable now: not reused either
                if tree_stamp(str(base_dir)) == started.tree:
                    key = packing_key(started.tree)
        return Pack(started.target, digests, key)

    def close(self) -> None:
        """Stop every pack still running and end the threads (a run done with them)."""
        self.keep_only(())
        self._pool.shutdown(cancel_futures=True)

    @staticmethod
    def _pack(base_dir: Path, target: Path, stop: threading.Event) -> FileDigests:
        """Pack ``base_dir`` into ``target``; return the tarball's digests."""
        pack_condor_base_dir(base_dir, target, stopped=stop.is_set)
        return digest_file(target)

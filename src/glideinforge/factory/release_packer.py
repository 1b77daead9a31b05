"""Pack HTCondor release trees (``base_dir`` tarballs) in threads, from when they are named."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from glideinforge.creation.lib.condor_tarball import pack_condor_base_dir
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
    """A pack in progress, and the stamps its tree had when it started."""

    future: Future[FileDigests]
    target: Path
    tree: str | None


class ReleasePacker:
    """Packs each release tree once a run, unless a published pack of the same tree stands.

    A tree is stamped when it is first named, in the caller's thread: a thread
    that takes and gives back the GIL at every ``stat`` waits its turn each time
    beside the packing (a walk of milliseconds took a third of a second). Packing
    is mostly zlib, outside the GIL, so it runs on the other cores while the
    caller loads and compiles. A reconfig names the trees to it as the
    configuration's files parse (``start_parsed``), before the rest is checked.
    """

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        scratch: Path,
        reusable: Mapping[str, LargeInput],
        digests: DigestCache,
    ) -> None:
        """Pack in ``pool`` into ``scratch``; ``reusable``: published packs by packing key."""
        self._pool = pool
        self._scratch = scratch
        self._reusable = reusable
        self._digests = digests
        self._stop = threading.Event()
        self._reused: dict[Path, Pack] = {}
        self._started: dict[Path, _Started] = {}

    def start(self, base_dir: Path) -> None:
        """Start packing ``base_dir`` (once a run; nothing when a published pack stands)."""
        if base_dir in self._reused or base_dir in self._started:
            return
        try:
            tree: str | None = run_tree_stamp(str(base_dir), self._digests)
        except OSError:
            tree = None  # packing reports it
        key = None if tree is None else packing_key(tree)
        earlier = None if key is None else self._reusable.get(key)
        if earlier is not None and stamp_of(earlier.path) == earlier.stamp:
            self._reused[base_dir] = Pack(Path(earlier.path), earlier.digests, key)
            return
        target = self._scratch / f"condor_base_dir_{len(self._started)}.tgz"
        future = self._pool.submit(self._pack, base_dir, target)
        self._started[base_dir] = _Started(future, target, tree)

    def start_parsed(self, _name: str, _data: bytes, root: etree._Element) -> None:
        """Start packing every release tree a parsed configuration file names (a ParsedHook).

        A tree named differently once the configuration is built is packed then.
        """
        for element in root.iterfind("condor_tarballs/condor_tarball"):
            base_dir = element.get("base_dir")
            if base_dir and not element.get("tar_file"):
                self.start(absolute(base_dir))

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

    def stop(self) -> None:
        """Stop every pack still running (a run that ends without them)."""
        self._stop.set()

    def _pack(self, base_dir: Path, target: Path) -> FileDigests:
        """Pack ``base_dir`` into ``target``; return the tarball's digests."""
        pack_condor_base_dir(base_dir, target, stopped=self._stop.is_set)
        return digest_file(target)

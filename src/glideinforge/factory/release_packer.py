"""Pack HTCondor release trees (``base_dir`` tarballs) in child processes, once named."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
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
from glideinforge.creation.lib.forked_check import ForkedJob, start_in_child
from glideinforge.creation.lib.paths import absolute
from glideinforge.creation.lib.staged import DigestCache, FileDigests, digest_file
from glideinforge.frozen import frozen

__all__ = ["Pack", "ReleasePacker"]


@frozen
class Pack:
    """A packed release: the tarball, its digests and its packing key.

    The key is None when the tree could not be stamped or changed while it was
    packed: the pack is then not reused by a later run.
    """

    path: Path
    digests: FileDigests
    key: str | None


@frozen
class _Started:
    """A pack in progress and the stamps its tree had when it started."""

    job: ForkedJob
    """Answers the tarball's digests (``_pack``)."""
    target: Path
    tree: str | None


_PACKING_NICENESS = 10
"""Added to a packing child's niceness: the run's own load and compile come first."""


class ReleasePacker:
    """Packs each release tree once a run, unless a published pack of the same tree stands.

    A tree is stamped when it is first named, then packed in a forked child
    (``forked_check``), niced, which answers the tarball's digests. Threads would
    share this process's GIL: the load, one Python thread, lost it at each of the
    packing's reads and headers, and took twice as long beside a pack. A child
    leaves the load one core and packs on the other. A reconfig names the trees
    to it as the configuration's files parse (``start_parsed``), before the rest is
    checked. Where no child can be used, a tree is packed here when it is asked for.
    Use it as a context manager: leaving stops what still packs.
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
        self._packs: dict[Path, Pack] = {}
        """Packs done: reused, or asked for."""
        self._started: dict[Path, _Started] = {}

    def __enter__(self) -> Self:
        """Return this packer."""
        return self

    def __exit__(self, *_: object) -> None:
        """Stop every pack still running (``close``)."""
        self.close()

    def start(self, base_dir: Path) -> None:
        """Start packing ``base_dir`` (once a run; nothing when a published pack stands)."""
        if base_dir in self._packs or base_dir in self._started:
            return
        try:
            tree: str | None = run_tree_stamp(str(base_dir), self.digests)
        except (OSError, ValueError):  # a name that is not UTF-8, say
            tree = None  # packing reports it
        key = None if tree is None else packing_key(tree, self.digests.installed())
        earlier = None if key is None else self._reusable.get(key)
        if earlier is not None and stamp_of(earlier.path) == earlier.stamp:
            self._packs[base_dir] = Pack(Path(earlier.path), earlier.digests, key)
            return
        target = self._scratch / f"condor_base_dir_{len(self._packs) + len(self._started)}.tgz"
        job = start_in_child(
            lambda: _pack(base_dir, target), f"packing {base_dir}", nice=_PACKING_NICENESS
        )
        self._started[base_dir] = _Started(job, target, tree)

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
                started.job.stop()

    def packed(self, base_dir: Path) -> Pack:
        """Wait for ``base_dir``'s pack (``start`` it first).

        Raises:
            OSError: the tree cannot be packed.
        """
        done = self._packs.get(base_dir)
        if done is not None:
            return done
        started = self._started.pop(base_dir)
        digests = _digests(started.job())
        key = None
        if started.tree is not None:
            with contextlib.suppress(OSError):  # unreadable now: not reused either
                if tree_stamp(str(base_dir)) == started.tree:
                    key = packing_key(started.tree, self.digests.installed())
        pack = self._packs[base_dir] = Pack(started.target, digests, key)
        return pack

    def close(self) -> None:
        """Stop every pack still running (a run done with them)."""
        self.keep_only(())


def _pack(base_dir: Path, target: Path) -> list[str | int] | str:
    """Pack ``base_dir`` into ``target``; return the tarball's digests, or why it cannot be.

    The answer is JSON: a pack in a child says why it failed rather than having
    this process pack again to find out.
    """
    try:
        pack_condor_base_dir(base_dir, target)
        digests = digest_file(target)
    except OSError as error:
        return str(error)
    return [digests.sha1, digests.suffix, digests.size]


def _digests(answer: object) -> FileDigests:
    """Return the digests a pack answered (``_pack``).

    Raises:
        OSError: the release could not be packed.
    """
    match answer:
        case [str(sha1), str(suffix), int(size)]:
            return FileDigests(sha1, suffix, size)
        case str(problem):
            raise OSError(problem)
    raise OSError(f"packing answered {answer!r}")

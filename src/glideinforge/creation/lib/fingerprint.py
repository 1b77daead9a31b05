"""Recognise a no-op reconfig without loading or compiling anything.

A reconfig's output is a pure function of its inputs: the configuration files'
bytes, the files they name, the installed glideinforge (code, web_base,
templates, by their files' stamps) and its libraries, the output root and the
working directory. After each publish the live state's record keeps a fingerprint
(``history.attach_fast_paths``): a SHA-256 over all of those, the ``signatures.sha1``
it produced, every published file's path and one digest over their stamps (size,
modification time and inode, as ``git`` and ``rsync`` tell an unchanged file). When a
later reconfig computes the same key and finds the published files as recorded, the
full run would write nothing, so it can say "no changes" at once. Anything that differs (a
byte of any input, a missing, replaced or rewritten output, a rollback, another
version) makes the caller do the full run. Only an edit that restores a
published file's stamp on purpose goes unseen (``gfactory verify`` checks
every byte), and likewise for inputs of ``LARGE_INPUT`` bytes or more, whose
digests are recorded with their stamps rather than computed again, and for the
directories HTCondor is packed from (``base_dir``), whose every entry's stamp counts.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import operator
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import orjson

from glideinforge.frozen import frozen

from .forked_check import ForkedJob, start_in_child
from .history import read_fast_path
from .staged import DigestCache, FileDigests

__all__ = [
    "FAST_PATH",
    "LARGE_INPUT",
    "Fingerprint",
    "KeptOutputs",
    "LargeInput",
    "PackedTarball",
    "RecordedOutputs",
    "Stamp",
    "directories_exist",
    "fingerprint_bytes",
    "input_digest",
    "input_key",
    "large_input_digests",
    "outputs_intact",
    "outputs_intact_beside",
    "outputs_unchanged",
    "packing_key",
    "read_fingerprint",
    "recorded_digests",
    "reusable_tarballs",
    "run_tree_stamp",
    "stamp_line",
    "stamp_of",
    "tree_stamp",
]

FAST_PATH = "fingerprint"
"""The fingerprint's name among the live state's fast-path records."""

_CHUNK = 1 << 20


Stamp = tuple[int, int, int]
"""A published file's size, modification time (ns) and inode."""


def stamp_of(path: str) -> Stamp | None:
    """Return the stamp of ``path`` (None when it is gone)."""
    try:
        status = os.stat(path)  # noqa: PTH116 - one syscall per file
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ino)


_UNTRACKED_LINE = b"-\n"


def stamp_line(stamp: Stamp | None) -> bytes:
    """Return what the outputs' digest takes of one stamp (None: an untracked file)."""
    return _UNTRACKED_LINE if stamp is None else b"%d %d %d\n" % stamp


@frozen
class RecordedOutputs:
    """Every published file, and one digest over all their stamps.

    Only the digest is kept: the stamps are all taken again to check it, and
    reading 16,000 stamps back costs more than taking them.
    """

    paths: tuple[str, ...]
    """Sorted."""
    untracked: frozenset[str]
    """Files whose existence alone counts (``nodes.blacklist``, edited in place)."""
    digest: str

    @classmethod
    def of(cls, stamps: Mapping[str, Stamp | None]) -> RecordedOutputs:
        """Record ``stamps``: per path its stamp, or None when only its existence counts."""
        paths = sorted(stamps)
        return cls.of_lines(paths, [stamp_line(stamps[path]) for path in paths])

    @classmethod
    def of_lines(cls, paths: Sequence[str], lines: Sequence[bytes]) -> RecordedOutputs:
        """Record ``paths`` (sorted) by their ``stamp_line``s."""
        untracked = frozenset(
            path for path, line in zip(paths, lines, strict=True) if line == _UNTRACKED_LINE
        )
        return cls(tuple(paths), untracked, hashlib.sha256(b"".join(lines)).hexdigest())

    def holds(self, path: str) -> bool:
        """Return whether ``path`` is recorded (a binary search of the sorted paths)."""
        return _find(self.paths, path)[1]


def _under(paths: Sequence[str], prefix: str) -> tuple[int, int]:
    """Return the run of the sorted ``paths`` that start with ``prefix`` (start, end)."""
    start = bisect.bisect_left(paths, prefix)
    return start, bisect.bisect_left(paths, prefix[:-1] + chr(ord(prefix[-1]) + 1), start)


def _find(paths: Sequence[str], path: str) -> tuple[int, bool]:
    """Return where ``path`` is, or would go, in the sorted ``paths``, and whether it is there."""
    index = bisect.bisect_left(paths, path)
    return index, index < len(paths) and paths[index] == path


@frozen
class KeptOutputs:
    """The recorded outputs a publish of a few entries leaves as they are, as checked."""

    paths: tuple[str, ...]
    """Sorted."""
    lines: tuple[bytes, ...]
    """Each path's ``stamp_line``."""

    @classmethod
    def of(
        cls,
        recorded: RecordedOutputs,
        lines: bytes,
        dropped_dirs: Iterable[str],
        dropped: Iterable[str],
    ) -> KeptOutputs | None:
        """Keep ``recorded`` but the files under ``dropped_dirs`` and the ``dropped`` ones.

        ``lines``: the recorded outputs' lines as checked (``outputs_intact``). A
        dropped directory ends in "/": the paths being sorted, its files are one run
        of them, cut at once. Returns None when the record's paths are not sorted (a
        damaged record) or ``lines`` are not one per path.

        Raises:
            ValueError: a dropped directory does not end in "/".
        """
        paths, found = list(recorded.paths), lines.splitlines(keepends=True)
        if len(found) != len(paths) or not all(map(operator.lt, paths, paths[1:])):
            return None
        for prefix in dropped_dirs:
            if not prefix.endswith("/"):
                raise ValueError(f"not a directory prefix: {prefix!r}")
            start, end = _under(paths, prefix)
            del paths[start:end], found[start:end]
        for path in dropped:
            index, there = _find(paths, path)
            if there:
                del paths[index], found[index]
        return cls(tuple(paths), tuple(found))

    def count_under(self, prefix: str) -> int:
        """Return how many of the paths start with ``prefix``."""
        start, end = _under(self.paths, prefix)
        return end - start

    def with_stamps(self, stamps: Mapping[str, Stamp | None]) -> RecordedOutputs:
        """Return the record of these outputs and of ``stamps`` (which take precedence)."""
        paths, lines = list(self.paths), list(self.lines)
        for path, stamp in stamps.items():
            index, there = _find(paths, path)
            if there:
                lines[index] = stamp_line(stamp)
            else:
                paths.insert(index, path)
                lines.insert(index, stamp_line(stamp))
        return RecordedOutputs.of_lines(paths, lines)


LARGE_INPUT = 1 << 20
"""Inputs this big (HTCondor tarballs) are recorded with their digests; smaller
ones cost less to hash again than to look up."""


@frozen
class LargeInput:
    """A large input file's stamp and digests when the record was made."""

    path: str
    stamp: Stamp
    digests: FileDigests

    def to_json(self) -> list[object]:
        """Return it as stored."""
        return [self.path, *self.stamp, self.digests.sha1, self.digests.suffix]

    @classmethod
    def from_json(cls, raw: list[object]) -> LargeInput:
        """Read it as stored (``ValueError``/``TypeError`` when malformed)."""
        path, size, mtime_ns, inode, sha1, suffix = raw
        stamp = (int(size), int(mtime_ns), int(inode))  # type: ignore[call-overload]
        return cls(str(path), stamp, FileDigests(str(sha1), str(suffix), stamp[0]))


@frozen
class PackedTarball:
    """A published tarball packed from an HTCondor release tree (``base_dir``).

    ``key`` is ``packing_key`` of the tree before it was packed (and still after):
    while the tree and the published file keep their stamps, the file can stand
    for a new pack.
    """

    key: str
    staged: LargeInput

    def to_json(self) -> list[object]:
        """Return it as stored."""
        return [self.key, *self.staged.to_json()]

    @classmethod
    def from_json(cls, raw: list[object]) -> PackedTarball:
        """Read it as stored (``ValueError``/``TypeError`` when malformed)."""
        key, *staged = raw
        return cls(str(key), LargeInput.from_json(staged))


def packing_key(tree: str, installed: str) -> str:
    """Return the key of packing a release tree with stamps ``tree`` with the installed code.

    ``installed``: ``installed_digest()`` (``DigestCache.installed``).
    """
    return hashlib.sha256(f"{installed}\x00{tree}".encode()).hexdigest()


def reusable_tarballs(fingerprint: Fingerprint | None) -> dict[str, LargeInput]:
    """Return the recorded packed tarballs still published as recorded, by packing key."""
    if fingerprint is None:
        return {}
    return {
        item.key: item.staged
        for item in fingerprint.packed
        if stamp_of(item.staged.path) == item.staged.stamp
    }


def large_input_digests(paths: Iterable[str], digests: DigestCache) -> tuple[LargeInput, ...]:
    """Return the stamp and digests of every input of at least ``LARGE_INPUT`` bytes."""
    found = []
    for path in paths:
        try:
            stamp, known = digests.stamped(Path(path))
        except OSError:
            continue
        if stamp[0] >= LARGE_INPUT:
            found.append(LargeInput(path, stamp, known))
    return tuple(found)


def recorded_digests(fingerprint: Fingerprint | None) -> DigestCache:
    """Return a run's digest cache in which the recorded large inputs stand while their stamps hold.

    A condor tarball of hundreds of MB is then not read again by a reconfig
    that finds it as it was (an edit restoring its size, modification time and
    inode on purpose goes unseen, as for outputs).
    """
    digests = DigestCache()
    for item in fingerprint.large_inputs if fingerprint is not None else ():
        digests.remember(item.path, item.stamp, item.digests)
    return digests


@frozen
class Fingerprint:
    """The record of the last publish."""

    key: str
    work_dir: str
    summary_sha1: str
    inputs: tuple[str, ...]
    large_inputs: tuple[LargeInput, ...]
    outputs: RecordedOutputs
    directories: tuple[str, ...]
    """Runtime directories the publish creates (they must still exist)."""
    report: dict[str, object]
    """What the reconfig summary shows (counts, directories)."""
    packed: tuple[PackedTarball, ...] = ()
    """The published tarballs packed from ``base_dir`` trees."""

    def to_json(self) -> dict[str, object]:
        """Return the record as a JSON-ready document (outputs sorted by path)."""
        return {
            "key": self.key,
            "work_dir": self.work_dir,
            "summary_sha1": self.summary_sha1,
            "inputs": list(self.inputs),
            "large_inputs": [item.to_json() for item in self.large_inputs],
            "outputs": {
                "paths": list(self.outputs.paths),
                "untracked": sorted(self.outputs.untracked),
                "digest": self.outputs.digest,
            },
            "directories": list(self.directories),
            "report": self.report,
            "packed": [item.to_json() for item in self.packed],
        }


def input_key(
    config: Sequence[tuple[Path, str]],
    inputs: Iterable[str],
    *,
    installed: str,
    context: Sequence[str],
    digests: DigestCache,
) -> str:
    """Return the SHA-256 key of one reconfig's inputs.

    Args:
        config: each configuration file and the SHA-256 of its bytes, in reading order.
        inputs: the files the configuration names (read as they are now).
        installed: ``installed_digest()`` (``DigestCache.installed``).
        context: anything else the output depends on (root, working directory).
        digests: the run's file digests.
    """
    digest = hashlib.sha256(installed.encode())
    for item in context:
        digest.update(b"\x00context\x00" + item.encode())
    for path, sha256 in config:
        digest.update(f"\x00config\x00{path}\x00{sha256}".encode())
    for name in inputs:
        digest.update(b"\x00input\x00" + name.encode() + b"\x00")
        try:
            digest.update(input_digest(name, digests).encode())
        except OSError:
            digest.update(b"\x00unreadable")
    return digest.hexdigest()


def input_digest(path: str, digests: DigestCache) -> str:
    """Return what an input counts by: a file's SHA-1, a directory's ``tree_stamp``.

    The compile has just hashed most files: the run's ``digests`` save a second read.

    Raises:
        OSError: it cannot be read.
    """
    if os.path.isdir(path):  # noqa: PTH112 - a str path from the record
        return run_tree_stamp(path, digests)
    return digests.digests(Path(path)).sha1


def run_tree_stamp(directory: str, digests: DigestCache) -> str:
    """Return ``directory``'s ``tree_stamp``, taken once a run (kept in ``digests``).

    Raises:
        OSError: it cannot be walked.
    """
    known = digests.trees.get(directory)
    if known is None:
        known = digests.trees[directory] = tree_stamp(directory)
    return known


def tree_stamp(directory: str) -> str:
    """Return a digest of a directory tree's stamps, read by a stat walk.

    Each entry counts by its relative path, type and mode, size, modification time and
    inode (and a link's target). An HTCondor release directory of thousands of files is
    stamped in milliseconds, not read; as for outputs, only an edit that restores a file's
    stamp on purpose goes unseen.
    """
    digest = hashlib.sha256()
    pending = [directory]
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in sorted(entries, key=lambda item: item.name):
                info = entry.stat(follow_symlinks=False)
                relative = entry.path[len(directory) :]
                target = os.readlink(entry.path) if entry.is_symlink() else ""  # noqa: PTH115
                digest.update(
                    f"{relative}\x00{info.st_mode}\x00{info.st_size}\x00{info.st_mtime_ns}"
                    f"\x00{info.st_ino}\x00{target}\n".encode()
                )
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
    return digest.hexdigest()


def _sha1_of(path: str) -> str | None:
    digest = hashlib.sha1()  # noqa: S324 - the signature format's hash
    try:
        with open(path, "rb") as stream:  # noqa: PTH123 - a str path from the record
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _summary_as_recorded(fingerprint: Fingerprint) -> bool:
    summary = Path(fingerprint.work_dir) / "signatures.sha1"
    return _sha1_of(str(summary)) == fingerprint.summary_sha1


def outputs_intact(fingerprint: Fingerprint) -> bytes | None:
    """Return the recorded outputs' stamp lines when all are on disk as recorded, else None.

    The lines (``stamp_line``) are those the record's digest was taken over, one per
    recorded path, in its order (``KeptOutputs`` reads them).
    """
    if not _summary_as_recorded(fingerprint):
        return None
    recorded = fingerprint.outputs
    lines = _stamp_lines(recorded.paths, recorded.untracked)
    if lines is None or hashlib.sha256(lines).hexdigest() != recorded.digest:
        return None
    if not directories_exist(fingerprint.directories):
        return None
    return lines


_SPLIT_AT = 2048
"""Outputs from which ``outputs_unchanged`` takes half the stamps in a forked child."""


def _stamp_lines(paths: Sequence[str], untracked: frozenset[str]) -> bytes | None:
    """Return the digested lines of the stamps of ``paths`` (None: one is gone)."""
    lines = []
    for path in paths:
        stamp = stamp_of(path)
        if stamp is None:
            return None
        lines.append(stamp_line(None if path in untracked else stamp))
    return b"".join(lines)


def outputs_unchanged(fingerprint: Fingerprint) -> bool:
    """Return whether every recorded output is on disk as recorded (a no-op's check).

    As ``outputs_intact``, without keeping the lines. With many outputs, the
    second half of the stamps is taken in a forked child (``forked_check``) while
    this process takes the first and the directories: 16,000 ``stat`` calls are
    most of a no-op's time, and a no-op has a second core to spare.
    """
    if not _summary_as_recorded(fingerprint):
        return False
    recorded = fingerprint.outputs
    paths, untracked = recorded.paths, recorded.untracked
    half = len(paths) // 2 if len(paths) >= _SPLIT_AT else len(paths)

    def rest() -> str | None:
        lines = _stamp_lines(paths[half:], untracked)
        return None if lines is None else lines.decode("ascii")

    what = "checking the published files"
    with start_in_child(rest, what) if half < len(paths) else ForkedJob(rest, None) as other:
        first = _stamp_lines(paths[:half], untracked)
        there = directories_exist(fingerprint.directories)
        second = other() if first is not None and there else None  # else: stopped
    if first is None or not isinstance(second, str):
        return False
    return hashlib.sha256(first + second.encode("ascii")).hexdigest() == recorded.digest


def outputs_intact_beside(fingerprint: Fingerprint) -> Callable[[], bytes | None]:
    """Start ``outputs_intact`` in a forked child (``forked_check``); return how to get it.

    An edit needs the check only after it has imported the compiler: on two cores,
    the 16,000 ``stat`` calls then cost it little. The child answers the lines as
    one string, which is used only when the record's digest is its digest. Where no
    child can be used, or it answers anything else, the returned call runs the check
    itself. Call it at least once (it reaps the child); later calls return the same
    answer.
    """

    def lines() -> str | None:
        found = outputs_intact(fingerprint)
        return None if found is None else found.decode("ascii")

    answer = start_in_child(lines, "checking the published files")

    @functools.cache
    def outputs() -> bytes | None:
        found = answer()
        if found is None:
            return None
        if isinstance(found, str) and found.isascii():
            checked = found.encode("ascii")
            if hashlib.sha256(checked).hexdigest() == fingerprint.outputs.digest:
                return checked
        return outputs_intact(fingerprint)

    return outputs


_LISTED = 16
"""Parents with at least this many directories to check are listed once instead."""


def directories_exist(paths: Iterable[str]) -> bool:
    """Return whether every path is a directory.

    A parent holding many of them (the per-entry log and client directories)
    is listed once instead of being asked about each.
    """
    by_parent: dict[str, list[str]] = {}
    for path in paths:
        parent, _, name = path.rpartition("/")
        by_parent.setdefault(parent, []).append(name)
    for parent, names in by_parent.items():
        if len(names) < _LISTED:
            if not all(os.path.isdir(f"{parent}/{name}") for name in names):  # noqa: PTH112
                return False
            continue
        try:
            with os.scandir(parent) as listing:
                found = {item.name for item in listing if item.is_dir()}
        except OSError:
            return False
        if not found.issuperset(names):
            return False
    return True


def _strings(items: object) -> tuple[str, ...]:
    """Return a stored list of strings as a tuple (``TypeError`` when it is anything else)."""
    if not isinstance(items, list) or {type(item) for item in items} - {str}:
        raise TypeError("not a list of strings")
    return tuple(items)


def read_fingerprint(work_dir: Path) -> Fingerprint | None:
    """Return the live state's fingerprint, or None when there is none or it is unreadable."""
    content = read_fast_path(work_dir, FAST_PATH)
    if content is None:
        return None
    try:
        raw = orjson.loads(content)
        outputs = raw["outputs"]
        return Fingerprint(
            key=str(raw["key"]),
            work_dir=str(raw["work_dir"]),
            summary_sha1=str(raw["summary_sha1"]),
            inputs=tuple(str(item) for item in raw["inputs"]),
            large_inputs=tuple(LargeInput.from_json(item) for item in raw["large_inputs"]),
            outputs=RecordedOutputs(
                _strings(outputs["paths"]),
                frozenset(_strings(outputs["untracked"])),
                str(outputs["digest"]),
            ),
            directories=_strings(raw["directories"]),
            report=dict(raw["report"]),
            packed=tuple(PackedTarball.from_json(item) for item in raw["packed"]),
        )
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def fingerprint_bytes(fingerprint: Fingerprint) -> bytes:
    """Return the fingerprint as the live state's record keeps it."""
    return orjson.dumps(fingerprint.to_json())

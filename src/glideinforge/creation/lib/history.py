"""Published states: what each reconfig published, kept so it can be listed, kept or restored.

Layout under the work dir::

    history/states/<state id>.json    one record per published state
    history/objects/<aa>/<sha1>       the bytes of every recorded work file and
                                      snapshot, by SHA-1 (hard links where possible)

A record is small: it names, as objects, the list of the work-dir files of
its state (``signatures.sha1`` among them), the index of its per-level
snapshots (the attrs and settings ``diff`` compares) and, for the live state,
the records the fast paths read (``fast_paths``: the no-op fingerprint and the
incremental reconfig's entries), so listing states stays cheap however large
the factory. The staged files a state needs are not listed: they follow from its
``signatures.sha1`` (see ``stage_refs``). The record is written, durably,
before the new ``signatures.sha1`` replaces the old one, so every state that
was ever live has a record.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path

from glideinforge.frozen import frozen

from .atomic_files import make_directory, write_atomically
from .containment import Trees
from .state_files import RecordedFile, StateFiles, file_list_bytes

__all__ = [
    "OBJECTS_DIR",
    "STATES_DIR",
    "PlannedRecord",
    "RecordedFile",
    "StateRecord",
    "attach_fast_paths",
    "current_state",
    "find_state",
    "load_states",
    "object_path",
    "plan_record",
    "read_fast_path",
    "read_object",
    "record_files",
    "record_snapshots",
    "record_state_files",
    "retained_states",
    "sha1_hex",
    "store_bytes",
    "store_files",
    "write_record",
]

STATES_DIR = "history/states"
OBJECTS_DIR = "history/objects"
SUMMARY = "signatures.sha1"


@frozen
class StateRecord:
    """One published state (a small JSON file; the lists it names are objects).

    Attributes:
        state_id: ``<UTC time>-<digest prefix>``; sorts chronologically.
        published: when it was published (seconds since the epoch).
        version: the glideinforge version that produced it.
        digest: a digest of everything but the time: equal digests, equal states.
        summary_sha1: the SHA-1 of its ``signatures.sha1``.
        files_object: the object listing its work-dir files (``sha1 mode relpath`` lines).
        snapshots_object: the object mapping each level to its snapshot object (JSON).
        identity: names and directories the guards compare (glidein name, ...).
        fast_paths: per fast path (``fingerprint``, ``entries``), the object holding
            its record of this state, kept while the state is live (the objects of a
            state no longer live are removed); not part of ``digest``.
    """

    state_id: str
    published: float
    version: str
    digest: str
    summary_sha1: str
    files_object: str
    snapshots_object: str
    identity: Mapping[str, str] = field(default_factory=dict)
    fast_paths: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """Return the record as stored."""
        return {
            "state": self.state_id,
            "published": self.published,
            "version": self.version,
            "digest": self.digest,
            "summary": self.summary_sha1,
            "files": self.files_object,
            "snapshots": self.snapshots_object,
            "identity": dict(self.identity),
            "fast_paths": dict(self.fast_paths),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> StateRecord:
        """Read a stored record (``ValueError``/``KeyError``/``TypeError`` when malformed)."""
        identity = raw.get("identity") or {}
        fast_paths = raw.get("fast_paths") or {}
        if not isinstance(identity, dict) or not isinstance(fast_paths, dict):
            raise TypeError("identity or fast_paths is not a mapping")
        return cls(
            state_id=str(raw["state"]),
            published=float(raw["published"]),  # type: ignore[arg-type]
            version=str(raw["version"]),
            digest=str(raw["digest"]),
            summary_sha1=str(raw["summary"]),
            files_object=_object_name(raw["files"]),
            snapshots_object=_object_name(raw["snapshots"]),
            identity={str(key): str(value) for key, value in identity.items()},
            fast_paths={str(key): _object_name(value) for key, value in fast_paths.items()},
        )


_SHA1 = re.compile(r"[0-9a-f]{40}")


def _object_name(value: object) -> str:
    """Return ``value`` when it names an object (a SHA-1), so no path leaves the history.

    Raises:
        ValueError: it is anything else.
    """
    if not isinstance(value, str) or not _SHA1.fullmatch(value):
        raise ValueError(f"{value!r} does not name an object")
    return value


@frozen
class PlannedRecord:
    """A record and the objects it needs, before anything is written."""

    record: StateRecord
    objects: dict[str, bytes]


def sha1_hex(content: bytes) -> str:
    """Return the SHA-1 of ``content``: the name of a history object."""
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - a content key


def plan_record(
    *,
    files: Iterable[RecordedFile],
    snapshots: Mapping[str, bytes],
    version: str,
    identity: Mapping[str, str],
    now: float,
    stored_snapshots: Mapping[str, str] | None = None,
    kept_runs: Sequence[bytes] = (),
) -> PlannedRecord:
    """Describe a state: its file list and snapshot index become objects, named by SHA-1.

    ``stored_snapshots`` names levels whose snapshot is an object already
    (level -> SHA-1), and ``kept_runs`` lines of the live file list
    (``StateFiles.runs_without``), as an incremental reconfig keeps them.
    """
    files = tuple(files)
    manifest = file_list_bytes(files, kept_runs)
    objects = {sha1_hex(content): content for content in snapshots.values()}
    levels = dict(stored_snapshots or {})
    levels |= {name: sha1_hex(content) for name, content in snapshots.items()}
    index = json.dumps(dict(sorted(levels.items())), separators=(",", ":")).encode()
    files_object, snapshots_object = sha1_hex(manifest), sha1_hex(index)
    objects[files_object] = manifest
    objects[snapshots_object] = index
    digest = sha1_hex(
        json.dumps([version, files_object, snapshots_object, sorted(identity.items())]).encode()
    )
    summary = next(file.sha1 for file in files if file.relpath == SUMMARY)
    record = StateRecord(
        state_id=new_state_id(digest, now),
        published=now,
        version=version,
        digest=digest,
        summary_sha1=summary,
        files_object=files_object,
        snapshots_object=snapshots_object,
        identity=dict(identity),
    )
    return PlannedRecord(record, objects)


def record_files(work_dir: Path, state: StateRecord) -> tuple[RecordedFile, ...] | None:
    """Return a state's work-dir files, or None when their list is gone."""
    listed = record_state_files(work_dir, state)
    return None if listed is None else listed.files()


def record_state_files(work_dir: Path, state: StateRecord) -> StateFiles | None:
    """Return a state's file list as recorded, or None when it is gone."""
    content = read_object(work_dir, state.files_object)
    return None if content is None else StateFiles(content)


def record_snapshots(work_dir: Path, state: StateRecord) -> dict[str, str] | None:
    """Return a state's snapshot object per level, or None when its index is gone."""
    content = read_object(work_dir, state.snapshots_object)
    return None if content is None else dict(json.loads(content))


def new_state_id(digest: str, now: float | None = None) -> str:
    """Return a state id for a record made ``now``."""
    moment = time.time() if now is None else now
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(moment))
    return f"{stamp}.{int(moment * 1e6) % 1_000_000:06d}Z-{digest[:10]}"


def object_path(work_dir: Path, sha1: str) -> Path:
    """Return where the object with ``sha1`` is kept."""
    return work_dir / OBJECTS_DIR / sha1[:2] / sha1


def _object_directory(work_dir: Path, target: Path, trees: Trees | None) -> None:
    """Make ``target``'s directory, refusing a link leading out of the work dir on the way."""
    (trees or Trees([work_dir])).check_parent(target)
    make_directory(target.parent)


def store_bytes(
    work_dir: Path, content: bytes, trees: Trees | None = None, *, sha1: str | None = None
) -> Path | None:
    """Keep ``content`` as an object (once); return the object's path when it is new.

    ``sha1``: the content's, when known (a wrong one names an object ``read_object``
    then refuses).
    """
    target = object_path(work_dir, sha1 or sha1_hex(content))
    if target.exists():
        return None
    _object_directory(work_dir, target, trees)
    write_atomically(target, content, 0o444)
    return target


def store_files(
    work_dir: Path, published: Iterable[tuple[str, str]], trees: Trees | None = None
) -> list[Path]:
    """Keep each published file (path, content SHA-1) as an object, by hard link.

    Returns the objects that are new. Published work files are only ever replaced
    by rename, never changed in place, so a linked inode keeps its content. Each
    object directory is checked and made once: thousands of work files are stored
    per reconfig.
    """
    trees = trees or Trees([work_dir])
    objects = f"{work_dir}/{OBJECTS_DIR}"
    ready: set[str] = set()
    new = []
    for path, sha1 in published:
        directory = f"{objects}/{sha1[:2]}"
        target = f"{directory}/{sha1}"
        if directory not in ready:
            trees.check_parent(target)
            make_directory(directory)
            ready.add(directory)
        try:
            os.link(path, target)
        except FileExistsError:  # kept already: objects never change
            continue
        except OSError:  # no hard links here: a copy, unless kept already
            if os.path.exists(target):  # noqa: PTH110 - a str path
                continue
            write_atomically(target, Path(path).read_bytes(), 0o444)
        new.append(Path(target))
    return new


def read_object(work_dir: Path, sha1: str) -> bytes | None:
    """Return an object's bytes, or None when it is gone or damaged."""
    try:
        content = object_path(work_dir, sha1).read_bytes()
    except OSError:
        return None
    if sha1_hex(content) != sha1:
        return None
    return content


def write_record(
    work_dir: Path,
    planned: PlannedRecord,
    trees: Trees | None = None,
    stored: Sequence[Path] = (),
) -> Path:
    """Keep the record's objects, sync them, then write the record durably; return its path.

    Call it after the work files it names are stored (``store_files``), passing the new
    objects that made as ``stored``.
    """
    from .durability import sync_written  # noqa: PLC0415 - the no-op path only reads records

    trees = trees or Trees([work_dir])
    added = (
        store_bytes(work_dir, content, trees, sha1=sha1)
        for sha1, content in planned.objects.items()
    )
    new = [*stored, *(target for target in added if target is not None)]
    sync_written(new, [work_dir])  # the objects before the record that names them
    return _write_state_file(work_dir, planned.record, trees)


def _write_state_file(work_dir: Path, record: StateRecord, trees: Trees) -> Path:
    path = work_dir / STATES_DIR / f"{record.state_id}.json"
    _object_directory(work_dir, path, trees)
    content = json.dumps(record.to_json(), indent=1, sort_keys=True).encode() + b"\n"
    write_atomically(path, content, durable=True)
    return path


_LEGACY_FAST_PATH_FILES = ("history/fingerprint.json", "history/entries.json")
"""Where glideinforge 0.1 kept the fast paths' records, outside any state record."""


def attach_fast_paths(
    work_dir: Path,
    records: Mapping[str, bytes | None],
    known: Sequence[StateRecord] = (),
) -> None:
    """Keep the fast paths' records of the live state with its state record.

    Each record (None: that fast path has none) becomes an object named in the live
    state's ``fast_paths``; the state record is rewritten (atomically, durably) only
    when that changes, so a no-op writes nothing. Only the live state's records are
    ever read: the objects of the other states' go (their records are left as they
    were published, naming objects that are gone), so the history keeps one set
    however many states it holds. A live summary without a record gets none: the fast
    paths then give way to the full run. ``known``: see ``load_states`` (the states
    read before the publish).

    Raises:
        OutsideTreeError: a history folder is a link leading out of the work dir.
    """
    states, _ = load_states(work_dir, known)
    current = current_state(work_dir, states)
    if current is None:
        return
    trees = Trees([work_dir])
    fast_paths = dict(current.fast_paths)
    for kind, content in records.items():
        if content is None:
            fast_paths.pop(kind, None)
            continue
        sha1 = fast_paths[kind] = sha1_hex(content)
        if read_object(work_dir, sha1) is None:  # damaged, or not stored yet: (re)store it
            object_path(work_dir, sha1).unlink(missing_ok=True)
            store_bytes(work_dir, content, trees, sha1=sha1)
    if fast_paths != current.fast_paths:
        _write_state_file(work_dir, replace(current, fast_paths=fast_paths), trees)
    replaced = {sha1 for state in states for sha1 in state.fast_paths.values()}
    for sha1 in replaced - set(fast_paths.values()):
        object_path(work_dir, sha1).unlink(missing_ok=True)
    for legacy in _LEGACY_FAST_PATH_FILES:
        (work_dir / legacy).unlink(missing_ok=True)


def read_fast_path(work_dir: Path, kind: str) -> bytes | None:
    """Return the live state's record for the fast path ``kind`` (None: none, or damaged).

    The records are read newest first, up to the live one: a long history costs nothing.
    """
    live = live_summary_sha1(work_dir)
    if live is None:
        return None
    for path in reversed(_record_paths(work_dir / STATES_DIR)):
        try:
            state = StateRecord.from_json(json.loads(path.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if state.summary_sha1 == live:
            sha1 = state.fast_paths.get(kind)
            return None if sha1 is None else read_object(work_dir, sha1)
    return None


def _record_paths(directory: Path) -> list[Path]:
    """Return the state records in ``directory`` (``*.json``), by name (none: no directory).

    Names sort as strings: a few hundred ``Path`` comparisons cost a millisecond.
    """
    try:
        with os.scandir(directory) as entries:
            names = sorted(entry.name for entry in entries if entry.name.endswith(".json"))
    except OSError:
        return []
    return [directory / name for name in names]


def load_states(
    work_dir: Path, known: Sequence[StateRecord] = ()
) -> tuple[list[StateRecord], list[str]]:
    """Return the recorded states, oldest first, and a message per unreadable record.

    ``known``: records this run has read and not written since (by the lock, nothing
    else has): they are not read again, so that a long history is not read twice by
    one publish. A state id two known records hold with different contents (a copied
    record) is read again.
    """
    states: list[StateRecord] = []
    problems: list[str] = []
    by_name: dict[str, StateRecord | None] = {}
    for record in known:
        name = f"{record.state_id}.json"
        by_name[name] = record if by_name.get(name, record) == record else None
    for path in _record_paths(work_dir / STATES_DIR):
        state = by_name.get(path.name)
        if state is not None:
            states.append(state)
            continue
        try:
            states.append(StateRecord.from_json(json.loads(path.read_bytes())))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{path}: unreadable state record: {error}")
    states.sort(key=lambda state: state.state_id)
    return states, problems


def live_summary_sha1(work_dir: Path) -> str | None:
    """Return the SHA-1 of the live ``signatures.sha1``."""
    try:
        content = (work_dir / SUMMARY).read_bytes()
    except OSError:
        return None
    return sha1_hex(content)


def current_state(work_dir: Path, states: list[StateRecord]) -> StateRecord | None:
    """Return the live state: the newest record of the live ``signatures.sha1``."""
    live = live_summary_sha1(work_dir)
    if live is None:
        return None
    return next((state for state in reversed(states) if state.summary_sha1 == live), None)


def find_state(states: list[StateRecord], wanted: str) -> StateRecord | str:
    """Return the state whose id is or starts with ``wanted``, or why there is none."""
    matches = [state for state in states if state.state_id.startswith(wanted)]
    exact = [state for state in matches if state.state_id == wanted]
    if exact:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return f"no recorded state {wanted!r}"
    return f"{wanted!r} names {len(matches)} states: " + ", ".join(s.state_id for s in matches)


def retained_states(
    states: list[StateRecord],
    current: StateRecord | None,
    *,
    keep_days: float,
    keep_states: int,
    now: float | None = None,
) -> list[StateRecord]:
    """Return the states to keep: the live one, the newest ``keep_states``, and the recent ones."""
    moment = time.time() if now is None else now
    newest = {state.state_id for state in states[-keep_states:]} if keep_states > 0 else set()
    return [
        state
        for state in states
        if state.state_id in newest
        or moment - state.published <= keep_days * 86400
        or (current is not None and state.state_id == current.state_id)
    ]

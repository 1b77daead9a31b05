"""Reconfig of a few edited entries without loading or compiling the others.

After each publish that gets a fingerprint (``no_op``), the live state's record also
keeps the entries record (``history.attach_fast_paths``): a key over everything but the entries (see
``entry_keys``), per entry its key, schedd, enabled flag, summary row, input
files and attr types, and per configuration file what keying found in it
(``FileFacts``: a file whose bytes did not change is not parsed again). A later
reconfig whose global key is the same checks, builds and compiles only the
entries whose key changed: the others are cut out of the files before anything
else runs (a file holding none of the changed ones is its recorded skeleton),
keep their place in ``glidein.descript`` and ``signatures.sha1``
(``KeptEntry``), and their work files, snapshots and stamps carry over into the
new state record and fingerprint.

It gives way to the full run whenever it cannot be sure of the same result:
another global key, an error in the files it checks (the full run reports it),
an attr type that clashes with a kept entry, a schedd no longer configured, an
output or record not as recorded, or more than ``MAX_CHANGED`` entries.
``tests/test_incremental.py`` publishes the same edits both ways and compares
every byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import orjson

from glideinforge.creation.lib.config_files import ConfigFiles, find_config_files
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic, sort_diagnostics
from glideinforge.creation.lib.fingerprint import (
    FAST_PATH,
    Fingerprint,
    KeptOutputs,
    RecordedOutputs,
    fingerprint_bytes,
    reusable_tarballs,
)
from glideinforge.creation.lib.history import StateRecord, attach_fast_paths, read_fast_path
from glideinforge.creation.lib.inputs import MAX_FILE_BYTES, read_input
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.merge import merge_trees
from glideinforge.creation.lib.plan import SummaryRow, summary_row
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.creation.lib.states import KeptFiles
from glideinforge.creation.lib.xml_tree import Node, convert
from glideinforge.frozen import frozen

from .compile import CompiledFactory, KeptEntry, compile_factory, reroot
from .entry_keys import FileFacts, ParsedConfig, inputs_digest, parse_config
from .entry_rows import RowDocument, merged_rows, recorded_rows
from .fingerprint_record import compiled_outputs, make_fingerprint
from .lifecycle import LiveState
from .load import build_checked, check_merged, factory_language
from .model import Entry, Factory
from .no_op import ConfigSnapshot, context, recorded_warnings
from .release_packer import ReleasePacker
from .rules import attr_name_and_type, mixed_attr_types
from .stage import StageDirectory
from .workdir import submit_file_name

OutputsCheck = Callable[[], bytes | None]
"""``outputs_intact`` of the recorded fingerprint, to be asked for its answer."""

_ENTRY_PATH = "/glidein/entries/entry"
"""Where a diagnostic inside an entry of <entries> points (its path starts so)."""

__all__ = [
    "ENTRIES_FAST_PATH",
    "MAX_CHANGED",
    "EntriesRecord",
    "EntryFacts",
    "Incremental",
    "entries_record",
    "finish",
    "keep_fast_paths",
    "kept_files",
    "plan_incremental",
    "read_entries_record",
]

ENTRIES_FAST_PATH = "entries"
"""The entries record's name among the live state's fast-path records."""
MAX_CHANGED = 50
"""Most entries compiled alone; more and the full run is about as quick."""


@frozen
class EntryFacts:
    """What a publish recorded of one entry (or entry set)."""

    name: str
    key: str
    """Its key; empty for entry sets (part of the global key, always compiled)."""
    enabled: bool
    schedd: str
    summary: SummaryRow
    inputs: tuple[str, ...]
    attr_types: dict[str, str]

    def to_json(self) -> list[object]:
        """Return the facts as stored."""
        return [
            self.name,
            self.key,
            self.enabled,
            self.schedd,
            list(self.summary),
            list(self.inputs),
            self.attr_types,
        ]

    @classmethod
    def from_json(cls, raw: list[object]) -> EntryFacts:
        """Read stored facts (``ValueError``/``TypeError`` when malformed)."""
        name, key, enabled, schedd, summary, inputs, attr_types = raw
        # One record holds every entry: only shapes are checked, item by item would cost.
        if not (
            isinstance(summary, list) and isinstance(inputs, list) and isinstance(attr_types, dict)
        ):
            raise TypeError("malformed entry facts")
        return cls(
            str(name),
            str(key),
            bool(enabled),
            str(schedd),
            SummaryRow(*summary),
            tuple(inputs),
            attr_types,
        )


@frozen
class EntriesRecord:
    """The per-entry record of the last publish, entries in configuration order."""

    global_key: str
    work_dir: str
    global_inputs: tuple[str, ...]
    tarball_inputs: tuple[str, ...]
    entries: tuple[EntryFacts, ...]
    files: tuple[FileFacts, ...]
    """What keying found in each configuration file (unchanged ones are not parsed again)."""
    main: SummaryRow
    """The main stage directory's row in ``signatures.sha1`` (it depends on the global
    key alone, so an incremental reconfig keeps it)."""

    def to_json(self) -> dict[str, object]:
        """Return the record as stored."""
        return {
            "global_key": self.global_key,
            "work_dir": self.work_dir,
            "global_inputs": list(self.global_inputs),
            "tarball_inputs": list(self.tarball_inputs),
            "entries": [entry.to_json() for entry in self.entries],
            "files": [facts.to_json() for facts in self.files],
            "main": list(self.main),
        }


def read_entries_record(work_dir: Path) -> EntriesRecord | None:
    """Return the live state's entries record (None when there is none or it is unreadable)."""
    content = read_fast_path(work_dir, ENTRIES_FAST_PATH)
    if content is None:
        return None
    try:
        raw = orjson.loads(content)
        return EntriesRecord(
            global_key=str(raw["global_key"]),
            work_dir=str(raw["work_dir"]),
            global_inputs=tuple(str(path) for path in raw["global_inputs"]),
            tarball_inputs=tuple(str(path) for path in raw["tarball_inputs"]),
            entries=tuple(EntryFacts.from_json(item) for item in raw["entries"]),
            files=tuple(FileFacts.from_json(item) for item in raw["files"]),
            main=SummaryRow(*(str(part) for part in raw["main"])),
        )
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def _config_files(config: Path) -> ConfigFiles | None:
    """Return the configuration's files (None: config.d is unusable; the full run says why)."""
    try:
        return find_config_files(config)
    except ConfigError:
        return None


def _global_key(
    parsed: ParsedConfig, inputs: tuple[str, ...], root: Path | None, digests: DigestCache
) -> str:
    digest = hashlib.sha256(digests.installed().encode())
    for item in context(root):
        digest.update(b"\x00context\x00" + item.encode())
    digest.update(b"\x00config\x00" + parsed.global_digest.encode())
    digest.update(b"\x00inputs\x00" + inputs_digest(inputs, digests).encode())
    return digest.hexdigest()


def _entry_key(
    parsed: ParsedConfig, name: str, inputs: tuple[str, ...], digests: DigestCache
) -> str:
    digest = parsed.entry_digests.get(name)
    if digest is None:
        return ""
    return hashlib.sha256(f"{digest}\x00{inputs_digest(inputs, digests)}".encode()).hexdigest()


def _global_inputs(factory: Factory) -> tuple[tuple[str, ...], tuple[str, ...]]:
    files = tuple(str(staged.absfname) for staged in factory.files)
    # A release directory (base_dir) counts by its tree's stamps (see inputs_digest).
    tarballs = tuple(
        str(item.tar_file or item.base_dir)
        for item in factory.condor_tarballs
        if item.tar_file or item.base_dir
    )
    return files, tarballs


def _parsed(
    config: Path, snapshot: ConfigSnapshot, known: tuple[FileFacts, ...] = ()
) -> ParsedConfig | None:
    """Parse the snapshot's bytes, each file named as the loader names it.

    Files whose bytes match ``known`` facts are not parsed again.
    """
    read = {
        path: (data, digest)
        for (path, data), digest in zip(snapshot.files, snapshot.digests, strict=True)
    }
    files = []
    found_files = _config_files(config)
    if found_files is None:
        return None
    for path in found_files.all():
        found = read.get(path.resolve())
        if found is None:
            return None
        files.append((str(path), *found))
    return parse_config(files, {facts.name: facts for facts in known})


def entries_record(
    compiled: CompiledFactory,
    config: Path,
    snapshot: ConfigSnapshot,
    root: Path | None,
    keyed: tuple[FileFacts, ...] = (),
) -> bytes | None:
    """Return the entries record of what was just published (None: the files cannot be keyed).

    ``keyed``: the files as the loader keyed them (``file_facts``); those whose
    bytes are the snapshot's are not parsed again.
    """
    parsed = _parsed(config, snapshot, keyed)
    if parsed is None:
        return None
    factory = compiled.factory
    global_inputs, tarball_inputs = _global_inputs(factory)
    directories = compiled.stage_directories()
    facts = [_facts(compiled, parsed, entry, directories) for entry in factory.entries]
    return _record_bytes(
        EntriesRecord(
            global_key=_global_key(parsed, global_inputs + tarball_inputs, root, compiled.digests),
            work_dir=str(compiled.work_root),
            global_inputs=global_inputs,
            tarball_inputs=tarball_inputs,
            entries=tuple(facts),
            files=tuple(item.facts for item in parsed.files),
            main=summary_row(directories["main"]),
        ),
    )


def _facts(
    compiled: CompiledFactory,
    parsed: ParsedConfig,
    entry: Entry,
    directories: dict[str, StageDirectory],
) -> EntryFacts:
    """Return the facts of a compiled entry (or entry set), given the stage dirs by key."""
    name = entry.name
    inputs = tuple(str(staged.absfname) for staged in entry.files)
    return EntryFacts(
        name=name,
        key=_entry_key(parsed, name, inputs, compiled.digests),
        enabled=entry.enabled,
        schedd=compiled.schedds[name],
        summary=summary_row(directories[f"entry_{name}"]),
        inputs=inputs,
        attr_types={attr.name: attr.type.value for attr in entry.attrs},
    )


def _record_bytes(record: EntriesRecord) -> bytes:
    return orjson.dumps(record.to_json())


@frozen
class Incremental:
    """An incremental reconfig, compiled and ready to publish.

    Attributes:
        compiled: the compiled main level, changed entries and entry sets.
        record: the record it starts from.
        kept: the entries left as they are.
        changed: the entries whose key changed.
        parsed: the configuration as keyed.
        fingerprint: the fingerprint it starts from.
        kept_outputs: the published files it leaves as they are (the kept entries'
            and the main stage directory's), as checked.
        warnings: the configuration's warnings: those of what was checked, and
            those recorded inside the kept entries.
    """

    compiled: CompiledFactory
    record: EntriesRecord
    kept: frozenset[str]
    changed: tuple[str, ...]
    parsed: ParsedConfig
    fingerprint: Fingerprint
    kept_outputs: KeptOutputs
    warnings: tuple[Diagnostic, ...]

    @property
    def names(self) -> list[str]:
        """Every entry, disabled ones and entry sets included."""
        return [entry.name for entry in self.record.entries]

    @property
    def enabled(self) -> int:
        """How many entries are enabled."""
        compiled = {entry.name: entry.enabled for entry in self.compiled.factory.entries}
        return sum(compiled.get(entry.name, entry.enabled) for entry in self.record.entries)

    def rows(self) -> tuple[list[RowDocument], int] | None:
        """Return every entry's row, as recorded or compiled, and the main stage bytes.

        None: the record has none, or not those of its entries (``merged_rows``).
        """
        recorded = recorded_rows(self.fingerprint.report)
        if recorded is None or [row["name"] for row in recorded[0]] != self.names:
            return None
        return merged_rows(recorded, self.compiled)


def _changed(parsed: ParsedConfig, record: EntriesRecord, digests: DigestCache) -> list[str] | None:
    """Return the entries whose key changed (None when the entries differ)."""
    plain = {entry.name for entry in record.entries if entry.key}
    if plain != parsed.entry_digests.keys():
        return None
    return [
        entry.name
        for entry in record.entries
        if entry.key and _entry_key(parsed, entry.name, entry.inputs, digests) != entry.key
    ]


def _pruned_tree(parsed: ParsedConfig, changed: set[str]) -> list[Node] | None:
    """Convert the files with every unchanged entry cut out (None when one does not parse).

    A file holding no changed entry is its recorded skeleton; only the others are parsed.
    """
    trees = []
    for file in parsed.files:
        facts = file.facts
        if not any(entry in changed for entry, _ in facts.entries):
            trees.append(facts.skeleton_tree())
            continue
        root = file.element_tree()
        if root is None:
            return None
        for block in root.iterchildren("entries"):
            for item in list(block):
                if item.get("name") not in changed:
                    block.remove(item)
        trees.append(convert(root, facts.name))
    return trees


def _types_clash(
    root: Node, record: EntriesRecord, kept: frozenset[str], language: Language
) -> bool:
    """Return whether an attr name would have two types (the full run reports it)."""
    changed = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.tag == "attr":
            changed.append(attr_name_and_type(language, node))
        stack.extend(node.children)
    recorded = (
        pair for entry in record.entries if entry.name in kept for pair in entry.attr_types.items()
    )
    return bool(mixed_attr_types(itertools.chain(changed, recorded)))


@frozen
class _Start:
    """What an incremental reconfig starts from: the record, the parsed files, the edits."""

    record: EntriesRecord
    parsed: ParsedConfig
    changed: list[str]


def _start(
    config: Path,
    snapshot: ConfigSnapshot,
    recorded: tuple[Fingerprint, DigestCache],
    root: Path | None,
) -> _Start | None:
    """Return what changed since the record (None: the full run is needed)."""
    fingerprint, digests = recorded
    work = snapshot.work_dir
    record = read_entries_record(work)
    if record is None or record.work_dir != fingerprint.work_dir:
        return None
    parsed = _parsed(config, snapshot, record.files)
    if parsed is None:
        return None
    inputs = record.global_inputs + record.tarball_inputs
    if _global_key(parsed, inputs, root, digests) != record.global_key:
        return None
    changed = _changed(parsed, record, digests)
    if changed is None or len(changed) > MAX_CHANGED:
        return None
    return _Start(record, parsed, changed)


def _load_changed(
    config: Path, start: _Start, kept: frozenset[str], fingerprint: Fingerprint, root: Path | None
) -> tuple[Factory, tuple[Diagnostic, ...]] | None:
    """Check and build the configuration without the kept entries (None on any error).

    Returns the model and every warning of the configuration: those found now,
    and those recorded inside the kept entries (their XML is unchanged).
    """
    trees = _pruned_tree(start.parsed, set(start.changed))
    recorded = recorded_warnings(fingerprint)
    if trees is None or recorded is None:
        return None
    files = _config_files(config)
    if files is None:
        return None
    language = factory_language()
    merged = merge_trees(files, trees, language)
    check = check_merged(merged, root=root, language=language)
    if not check.valid or merged.root is None:
        return None
    if _types_clash(merged.root, start.record, kept, language):
        return None
    factory = build_checked(check).factory
    if factory is None:
        return None
    inside_kept = tuple(f"{_ENTRY_PATH}[@name='{name}']" for name in kept)
    kept_warnings = [item for item in recorded if item.path.startswith(inside_kept)]
    order = [str(file) for file in files.all()]
    shown = [*check.warnings, *check.notes, *kept_warnings]
    return factory, tuple(sort_diagnostics(shown, order))


def plan_incremental(
    config: Path,
    snapshot: ConfigSnapshot,
    recorded: tuple[Fingerprint, DigestCache],
    root: Path | None,
    scratch: Path,
    *,
    outputs_check: OutputsCheck,
) -> Incremental | None:
    """Compile only what changed since the fingerprint; None: do the full run.

    ``recorded``: the fingerprint of the last publish and the run's digests;
    ``outputs_check``: ``outputs_intact`` of that fingerprint, started already
    (``outputs_intact_beside``); it is asked last, so that its child has the
    load and the compile to run beside. Call it under the lock of
    ``snapshot.work_dir``.
    """
    fingerprint, digests = recorded
    start = _start(config, snapshot, recorded, root)
    if start is None:
        return None
    facts = {entry.name: entry for entry in start.record.entries}
    kept = frozenset(name for name, entry in facts.items() if entry.key) - set(start.changed)
    loaded = _load_changed(config, start, kept, fingerprint, root)
    if loaded is None:
        return None
    factory, warnings = loaded
    if root is not None:
        factory = reroot(factory, root)
    compiled_names = {entry.name for entry in factory.entries}
    if compiled_names != facts.keys() - kept or any(
        facts[name].schedd not in factory.schedd_names for name in compiled_names
    ):
        return None
    order = [
        KeptEntry(name, entry.enabled, entry.summary) if name in kept else name
        for name, entry in facts.items()
    ]
    previous = {name: entry.schedd for name, entry in facts.items()}
    try:
        with ReleasePacker(scratch, reusable_tarballs(fingerprint), digests) as packer:
            compiled = compile_factory(
                factory,
                scratch,
                previous,
                order=order,
                kept_main=start.record.main,
                accepted_submits=_published_submits(factory, fingerprint.outputs),
                packer=packer,
            )
    except Exception:  # noqa: BLE001 - any surprise: the full run reports it properly
        return None
    lines = outputs_check()
    kept_outputs = None if lines is None else _kept_outputs(compiled, fingerprint.outputs, lines)
    if kept_outputs is None:
        return None
    return Incremental(
        compiled,
        start.record,
        kept,
        tuple(start.changed),
        start.parsed,
        fingerprint,
        kept_outputs,
        warnings,
    )


def _published_submits(factory: Factory, outputs: RecordedOutputs) -> frozenset[bytes]:
    """Return the published submit files of the entries to compile (HTCondor accepted them).

    Only recorded ones count, and only while ``outputs_intact`` then finds every
    recorded output as it was (else the full run checks all); one that cannot be
    read is left out (checked again).
    """
    work = str(factory.submit.base_dir)
    accepted = set()
    for entry in factory.entries:
        for member in entry.members or (None,):
            path = f"{work}/entry_{entry.name}/{submit_file_name(member)}"
            if outputs.holds(path):
                with contextlib.suppress(OSError):
                    accepted.add(read_input(Path(path), MAX_FILE_BYTES))
    return frozenset(accepted)


def _kept_outputs(
    compiled: CompiledFactory, recorded: RecordedOutputs, lines: bytes
) -> KeptOutputs | None:
    """Return the published files ``compiled`` leaves as they are.

    That is everything recorded but what it plans and the directories of the
    entries it compiles: the kept entries' files and the main stage directory.
    ``lines``: the recorded outputs' lines, as checked (``outputs_intact``).
    None: the full run is needed (``KeptOutputs.of``).
    """
    stage, work = str(compiled.stage_root), str(compiled.work_root)
    planned = {f"{stage}/{file.relpath}" for item in compiled.stage for file in item.files}
    planned.update(f"{work}/{file.relpath}" for file in (*compiled.work_files, compiled.summary))
    compiled_dirs = tuple(
        f"{root}/entry_{entry.name}/"
        for root in (stage, work)
        for entry in compiled.factory.entries
    )
    return KeptOutputs.of(recorded, lines, compiled_dirs, planned)


def finish(
    incremental: Incremental,
    snapshot: ConfigSnapshot,
    root: Path | None,
    rows: tuple[list[RowDocument], int] | None,
    known: Sequence[StateRecord],
) -> None:
    """Record the fingerprint and the entries record of what was just published.

    ``rows``: ``incremental.rows()``; ``known``: the states read before the publish.
    """
    compiled = incremental.compiled
    record = incremental.record
    facts = {entry.name: entry for entry in record.entries}
    directories = compiled.stage_directories()
    for entry in compiled.factory.entries:
        facts[entry.name] = _facts(compiled, incremental.parsed, entry, directories)
    outputs = incremental.kept_outputs.with_stamps(compiled_outputs(compiled))
    entry_inputs = tuple(path for entry in facts.values() for path in entry.inputs)
    inputs = tuple(dict.fromkeys(record.global_inputs + entry_inputs + record.tarball_inputs))
    enabled = incremental.enabled
    fingerprint = make_fingerprint(
        compiled,
        snapshot,
        root,
        inputs=inputs,
        outputs=outputs,
        directories=incremental.fingerprint.directories,
        counts=(enabled, len(facts) - enabled, len(outputs.paths) + 1),
        warnings=incremental.warnings,
        rows=rows,
    )
    entries = replace(
        record,
        entries=tuple(facts.values()),
        files=tuple(item.facts for item in incremental.parsed.files),
    )
    keep_fast_paths(compiled.work_root, fingerprint, _record_bytes(entries), known)


def keep_fast_paths(
    work_dir: Path,
    fingerprint: Fingerprint | None,
    entries: bytes | None,
    known: Sequence[StateRecord],
) -> None:
    """Keep the no-op fingerprint and the entries record with the live state (None: neither).

    ``known``: the states read before the publish (see ``history.load_states``).
    """
    fingerprint_record = None if fingerprint is None else fingerprint_bytes(fingerprint)
    records = {FAST_PATH: fingerprint_record, ENTRIES_FAST_PATH: entries}
    attach_fast_paths(work_dir, records, known)


def kept_files(incremental: Incremental, live: LiveState) -> KeptFiles | None:
    """Return the live state's work files and snapshots of the kept entries (None: unknown).

    The kept entries' files are the live file list's lines under ``entry_`` but those
    of the entries compiled, kept as runs of lines. They must be as many as the kept
    work files the fingerprint recorded; else the list holds files no kept entry
    has, and the full run decides.
    """
    current = live.current
    if current is None or current.summary_sha1 != incremental.fingerprint.summary_sha1:
        return None
    listed = live.recorded_state_files()
    index = live.recorded_snapshots()
    if listed is None or index is None:
        return None
    compiled = [f"entry_{entry.name}/" for entry in incremental.compiled.factory.entries]
    runs = listed.runs_without("entry_", compiled)
    recorded = incremental.kept_outputs.count_under(f"{incremental.compiled.work_root}/entry_")
    if sum(run.count(b"\n") for run in runs) != recorded:
        return None
    kept = incremental.kept
    return KeptFiles(
        runs=runs,
        snapshots={name: sha1 for name, sha1 in index.items() if name in kept},
    )

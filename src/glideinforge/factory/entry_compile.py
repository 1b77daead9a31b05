"""Compile every entry of a factory, sharing a large factory across the machine's cores.

Entries compile independently once schedds are assigned, so a large factory
is cut into chunks that this process and forked workers claim as they are
free; workers send each chunk back as it is done (:mod:`plan_wire`). The result is the
same, byte for byte, as compiling every entry here: a worker that fails, or
finds a problem, has what it did not deliver compiled again in this process.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

from glideinforge.creation.lib.condor_vars import CondorVar, default_vars
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic
from glideinforge.creation.lib.forked import ChunkQueue, ForkedWork, forked, workers_for
from glideinforge.creation.lib.gc_pause import paused_gc
from glideinforge.creation.lib.plan_wire import CompiledLevel, LevelCodec
from glideinforge.creation.lib.staged import digests_mark, digests_since, remember_digests

from .model import Entry, Factory
from .routing import route_attrs, standard_entry_constants
from .stage import plan_entry_directory
from .workdir import SubmitFileError, plan_entry_work_files

__all__ = ["EntryInputs", "compile_entries"]

_MIN_SHARE = 150
"""Entries per process below which a forked worker costs more than it saves."""

_CHUNK_ENTRIES = 10
"""Entries a process claims at a time (and a worker sends back in one frame)."""

_MAX_CHUNKS = 4096
"""Chunks at most (larger factories get larger chunks): the queue's pipe must hold them."""

_CHUNK_NUMBER = struct.Struct("<I")

_ENTRY_VARS = "condor_vars.lst.entry"

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class EntryInputs:
    """What compiling any entry needs besides the entry itself."""

    factory: Factory
    schedds: Mapping[str, str]
    credentials: Mapping[str, Sequence[tuple[str, str]]]
    """Each entry's server credential files (``workdir.server_credentials``)."""


def _entry_condor_vars(require_voms: bool, rows: tuple[CondorVar, ...]) -> tuple[CondorVar, ...]:
    # GlideinWMS always ends the entry vars with GLIDEIN_REQUIRE_VOMS, typed I.
    voms = CondorVar(
        "GLIDEIN_REQUIRE_VOMS",
        "I",
        str(require_voms),
        "GLIDEIN_REQUIRE_VOMS",
        required=False,
        published=True,
        job_env="+",
    )
    return (*(row for row in rows if row.name != voms.name), voms)


def compile_entry(inputs: EntryInputs, entry: Entry) -> CompiledLevel:
    """Compile one entry: routed attrs, stage directory and work files.

    Raises:
        SubmitFileError: HTCondor rejects a generated submit file.
    """
    routed = route_attrs(
        entry.attrs, default_vars(_ENTRY_VARS), overrides=standard_entry_constants(entry)
    )
    routed = replace(
        routed,
        condor_vars=_entry_condor_vars(entry.config.require_voms_proxy, routed.condor_vars),
    )
    stage = plan_entry_directory(
        entry.name,
        constants=routed.constants,
        condor_vars=routed.condor_vars,
        user_files=entry.files,
    )
    work_files = plan_entry_work_files(
        inputs.factory, entry, routed, inputs.schedds[entry.name], inputs.credentials
    )
    return CompiledLevel(routed, stage, tuple(work_files))


def _compile_share(
    inputs: EntryInputs, entries: Sequence[Entry]
) -> tuple[list[CompiledLevel], list[Diagnostic]]:
    """Compile ``entries`` here; a rejected submit file is a diagnostic naming the entry."""
    levels: list[CompiledLevel] = []
    problems: list[Diagnostic] = []
    for entry in entries:
        try:
            levels.append(compile_entry(inputs, entry))
        except SubmitFileError as error:
            problems += [
                Diagnostic(
                    entry.source,
                    f"/glidein/entries/entry[@name='{entry.name}']",
                    f"generated submit file is rejected: {problem}",
                    "compile.submit_file",
                )
                for problem in error.problems
            ]
    return levels, problems


def _chunks(count: int) -> list[range]:
    """Cut entries ``1 .. count-1`` (entry 0 warms the caches first) into claimable chunks."""
    size = max(_CHUNK_ENTRIES, -(-count // _MAX_CHUNKS))
    return [range(start, min(start + size, count)) for start in range(1, count, size)]


def _worker(
    inputs: EntryInputs, chunks: Sequence[range], queue: ChunkQueue, codec: LevelCodec
) -> Iterator[bytes]:
    """Claim and compile chunks in a forked worker, sending each as it is done.

    A problem fails the worker: the parent compiles what it did not receive
    and reports the problem.
    """
    entries = inputs.factory.entries
    while (number := queue.claim()) is not None:
        chunk = chunks[number]
        mark = digests_mark()
        levels, problems = _compile_share(inputs, entries[chunk.start : chunk.stop])
        if problems:
            raise ConfigError(problems)
        yield _CHUNK_NUMBER.pack(number) + codec.encode(levels, digests_since(mark))


@dataclass
class _Receiver:
    """Takes in one worker's chunks while this process compiles its own."""

    worker: ForkedWork | None
    codec: LevelCodec
    chunks: dict[int, list[CompiledLevel]] = field(default_factory=dict)
    broken: bool = False

    def take(self, *, wait: bool = False) -> None:
        """Decode the chunks sent so far (with ``wait``, every chunk until the last)."""
        worker = self.worker
        while worker is not None and not self.broken and (wait or worker.ready()):
            frame = worker.next_frame()
            if frame is None:
                return
            decoded = None
            if len(frame) > _CHUNK_NUMBER.size:
                (number,) = _CHUNK_NUMBER.unpack_from(frame)
                decoded = self.codec.decode(memoryview(frame)[_CHUNK_NUMBER.size :])
            if decoded is None:
                self.broken = True
                return
            self.chunks[number] = decoded[0]
            for path, stamp, digests in decoded[1]:
                remember_digests(path, stamp, digests)

    def finish(self) -> dict[int, list[CompiledLevel]]:
        """Return the worker's chunks: all it sent, or none when it failed."""
        if self.worker is None:
            return {}
        self.take(wait=True)
        complete = self.worker.finish()
        return self.chunks if complete and not self.broken else {}


def compile_entries(
    inputs: EntryInputs, alongside: Callable[[], _T]
) -> tuple[list[CompiledLevel], list[Diagnostic], _T]:
    """Compile every entry in configuration order; also run ``alongside`` here meanwhile.

    The first entry is compiled before forking, so every worker starts with
    the templates compiled and the shared scripts hashed. The rest is cut
    into chunks that this process and the workers claim as they are free
    (:class:`ChunkQueue`); workers send each chunk back as soon as it is
    done, and this process decodes them between its own chunks. Whatever a
    failed worker did not deliver is compiled here. Returns the levels, every
    problem found, and what ``alongside`` returned.
    """
    entries = inputs.factory.entries
    workers = workers_for(len(entries), _MIN_SHARE) - 1
    chunks = _chunks(len(entries))
    done: dict[int, tuple[list[CompiledLevel], list[Diagnostic]]] = {}
    with paused_gc():
        first = _compile_share(inputs, entries[:1])
        queue = ChunkQueue(len(chunks))
        codec = LevelCodec()
        try:
            with ExitStack() as stack:
                receivers = [
                    _Receiver(
                        stack.enter_context(forked(partial(_worker, inputs, chunks, queue, codec))),
                        codec,
                    )
                    for _ in range(workers)
                ]

                def take_sent() -> None:
                    for receiver in receivers:
                        receiver.take()

                beside = alongside()
                while (number := queue.claim()) is not None:
                    chunk = chunks[number]
                    done[number] = _compile_share(inputs, entries[chunk.start : chunk.stop])
                    take_sent()
                for receiver in receivers:
                    for number, received in receiver.finish().items():
                        done[number] = (received, [])
        finally:
            queue.close()
        levels, problems = first
        for number, chunk in enumerate(chunks):
            chunk_levels, chunk_problems = done.get(number) or _compile_share(
                inputs, entries[chunk.start : chunk.stop]
            )
            levels += chunk_levels
            problems += chunk_problems
    return levels, problems, beside

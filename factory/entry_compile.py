"""Compile every entry of a factory, sharing a large factory across the machine's cores.

Entries compile independently once schedds are assigned, so a large factory
is cut into contiguous shares: this process compiles the first, forked
workers the others and send them back (:mod:`plan_wire`). The result is the
same, byte for byte, as compiling every entry here: a worker that fails, or
finds a problem, has its share compiled again in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from glideinforge.creation.lib.condor_vars import CondorVar, default_vars
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic
from glideinforge.creation.lib.forked import forked, shares
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

_OWN_WEIGHT = 1.2
"""This process's share relative to a worker's (measured: a worker is that much slower)."""

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


def _encoded_share(inputs: EntryInputs, entries: Sequence[Entry], codec: LevelCodec) -> bytes:
    """Compile ``entries`` in a forked worker; a problem fails it (the parent reports it)."""
    mark = digests_mark()
    levels, problems = _compile_share(inputs, entries)
    if problems:
        raise ConfigError(problems)
    return codec.encode(levels, digests_since(mark))


def compile_entries(
    inputs: EntryInputs, alongside: Callable[[], _T]
) -> tuple[list[CompiledLevel], list[Diagnostic], _T]:
    """Compile every entry in configuration order; also run ``alongside`` here meanwhile.

    The first entry is compiled before forking, so every worker starts with
    the templates compiled and the shared scripts hashed. Returns the levels,
    every problem found, and what ``alongside`` returned.
    """
    entries = inputs.factory.entries
    parts = shares(len(entries), _MIN_SHARE, _OWN_WEIGHT)
    own = parts[0]
    with paused_gc():
        levels, problems = _compile_share(inputs, entries[own.start : own.start + 1])
        codec = LevelCodec()
        with ExitStack() as stack:
            workers = [
                stack.enter_context(
                    forked(partial(_encoded_share, inputs, entries[part.start : part.stop], codec))
                )
                for part in parts[1:]
            ]
            beside = alongside()
            more_levels, more_problems = _compile_share(inputs, entries[own.start + 1 : own.stop])
            levels += more_levels
            problems += more_problems
            for part, worker in zip(parts[1:], workers, strict=True):
                data = None if worker is None else worker.result()
                decoded = None if data is None else codec.decode(data)
                if decoded is None:
                    more_levels, more_problems = _compile_share(
                        inputs, entries[part.start : part.stop]
                    )
                    levels += more_levels
                    problems += more_problems
                    continue
                levels += decoded[0]
                for path, stamp, digests in decoded[1]:
                    remember_digests(path, stamp, digests)
    return levels, problems, beside

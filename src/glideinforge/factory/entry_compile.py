"""Compile every entry of a factory: entries compile independently once schedds are assigned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field, replace

from glideinforge.creation.lib.condor_submit import ExpressionChecks
from glideinforge.creation.lib.condor_vars import ENTRY_VARS, CondorVar
from glideinforge.creation.lib.diagnostics import Diagnostic
from glideinforge.creation.lib.dict_files import RenderedDicts
from glideinforge.creation.lib.gc_pause import paused_gc
from glideinforge.creation.lib.routing import RoutedAttrs
from glideinforge.creation.lib.stage_plan import StageDirectory
from glideinforge.creation.lib.staged import DigestCache, PlannedFile
from glideinforge.creation.lib.templating import Templates
from glideinforge.frozen import frozen

from .model import Entry, Factory
from .routing import route_attrs, standard_entry_constants
from .stage import plan_entry_directory
from .workdir import SubmitFileError, plan_entry_work_files

__all__ = ["CompiledLevel", "EntryInputs", "compile_entries"]


@frozen
class CompiledLevel:
    """One compiled entry: its routed attrs, stage directory and work files."""

    routed: RoutedAttrs
    stage: StageDirectory
    work_files: tuple[PlannedFile, ...]


@frozen
class EntryInputs:
    """What compiling any entry needs besides the entry itself."""

    factory: Factory
    schedds: Mapping[str, str]
    credentials: Mapping[str, Sequence[tuple[str, str]]]
    """Each entry's server credential files (``workdir.server_credentials``)."""
    digests: DigestCache
    """The run's file digests."""
    templates: Templates
    """The run's templates."""
    rendered: RenderedDicts = field(default_factory=dict)
    """The run's dictionary files (entries share many)."""
    accepted_submits: frozenset[bytes] = frozenset()
    """Submit descriptions HTCondor accepted before: not checked again."""
    expressions: ExpressionChecks = field(default_factory=dict)
    """The run's ClassAd checks of the submit files' values (entries share most)."""


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
    routed = route_attrs(entry.attrs, ENTRY_VARS, overrides=standard_entry_constants(entry))
    routed = replace(
        routed,
        condor_vars=_entry_condor_vars(entry.config.require_voms_proxy, routed.condor_vars),
    )
    stage = plan_entry_directory(
        entry.name,
        constants=routed.constants,
        condor_vars=routed.condor_vars,
        user_files=entry.files,
        digests=inputs.digests,
        templates=inputs.templates,
    )
    work_files = plan_entry_work_files(
        inputs.templates,
        inputs.factory,
        entry,
        routed,
        inputs.schedds[entry.name],
        credentials=inputs.credentials,
        rendered=inputs.rendered,
        accepted=inputs.accepted_submits,
        expressions=inputs.expressions,
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


def compile_entries(inputs: EntryInputs) -> tuple[list[CompiledLevel], list[Diagnostic]]:
    """Compile every entry in configuration order; return the levels and every problem found."""
    with paused_gc():
        return _compile_share(inputs, inputs.factory.entries)

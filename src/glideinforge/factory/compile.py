"""Compile a factory model into a plan: every staged and work-dir file, in memory.

``compile_factory`` does not write anything except packing ``base_dir`` condor
tarballs into the given scratch directory; ``publish`` writes the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import field, replace
from pathlib import Path

from glideinforge.creation.lib.condor_vars import MAIN_VARS
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic, Source
from glideinforge.creation.lib.htchirp import HTCHIRP_KEY, pack_htchirp
from glideinforge.creation.lib.manifest import STARTUP_SCRIPT, startup_script
from glideinforge.creation.lib.paths import rerooted
from glideinforge.creation.lib.plan import StageLookup, SummaryRow, plan_summary
from glideinforge.creation.lib.staged import (
    DigestCache,
    FileDigests,
    PlannedFile,
    planned_copy,
)
from glideinforge.creation.lib.templating import Templates
from glideinforge.frozen import frozen

from .entry_compile import EntryInputs, compile_entries
from .model import Factory
from .release_packer import ReleasePacker
from .routing import BUILTIN_MAIN_PARAMS, RoutedAttrs, factory_collector_param, route_attrs
from .schedds import assign_schedds
from .stage import (
    StageDirectory,
    TarballPlatforms,
    plan_main_directory,
    platform_combinations,
    tarball_platforms,
)
from .workdir import plan_main_work_files, server_credentials

__all__ = ["CompiledFactory", "KeptEntry", "PackedRelease", "compile_factory", "reroot"]


@frozen
class KeptEntry:
    """An entry published before that a compile leaves as it is: only its place counts."""

    name: str
    enabled: bool
    summary: SummaryRow


@frozen
class PackedRelease:
    """A tarball packed from a ``base_dir`` release tree, as planned for the stage."""

    key: str
    """``packing_key`` of the tree, the same before and after packing."""
    relpath: str
    digests: FileDigests


@frozen
class CompiledFactory(StageLookup):
    """Everything one reconfig publishes.

    Attributes:
        factory: the model, with output directories as they will be written.
        stage: the stage directories, entries in configuration order, then main
            (unless the compile kept it).
        work_files: the work-dir files except ``signatures.sha1``.
        summary: ``signatures.sha1``, published last.
        schedds: each entry's schedd.
        routed_main: the main level's routed attrs.
        routed_entries: each entry's routed attrs.
        packed: the tarballs packed (or reused) from ``base_dir`` trees.
        digests: the file digests the compile took (its record hashes no input again).
    """

    factory: Factory
    stage: tuple[StageDirectory, ...]
    work_files: tuple[PlannedFile, ...]
    summary: PlannedFile
    schedds: dict[str, str]
    routed_main: RoutedAttrs
    routed_entries: dict[str, RoutedAttrs]
    packed: tuple[PackedRelease, ...] = field(default=())
    digests: DigestCache = field(default_factory=DigestCache, compare=False, repr=False)

    @property
    def stage_root(self) -> Path:
        """Return where the stage directories go."""
        return self.factory.stage.base_dir

    @property
    def work_root(self) -> Path:
        """Return where the work-dir files go."""
        return self.factory.submit.base_dir


def reroot(factory: Factory, root: Path) -> Factory:
    """Return ``factory`` with every output directory moved under ``root``."""
    return replace(
        factory,
        stage=replace(factory.stage, base_dir=rerooted(factory.stage.base_dir, root)),
        submit=replace(
            factory.submit,
            base_dir=rerooted(factory.submit.base_dir, root),
            base_log_dir=rerooted(factory.submit.base_log_dir, root),
            base_client_log_dir=rerooted(factory.submit.base_client_log_dir, root),
            base_client_proxies_dir=rerooted(factory.submit.base_client_proxies_dir, root),
        ),
        monitor=replace(factory.monitor, base_dir=rerooted(factory.monitor.base_dir, root)),
    )


_Packed = dict[int, tuple[Path, FileDigests]]


def _pack_tarballs(
    packer: ReleasePacker, factory: Factory
) -> Callable[[], tuple[_Packed, dict[int, str]]]:
    """Start packing every ``base_dir`` tarball (``ReleasePacker.start``); return the wait.

    The returned call gives the tarballs by index and their packing keys (none for
    a tree that changed while it was packed), or raises ``ConfigError``.
    """
    indexed = {
        index: tarball.base_dir
        for index, tarball in enumerate(factory.condor_tarballs)
        if tarball.tar_file is None and tarball.base_dir is not None
    }
    for base_dir in indexed.values():
        packer.start(base_dir)
    packer.keep_only(set(indexed.values()))

    def finish() -> tuple[_Packed, dict[int, str]]:
        packed: _Packed = {}
        keys: dict[int, str] = {}
        problems = []
        for index, base_dir in indexed.items():
            try:
                pack = packer.packed(base_dir)
            except OSError as error:
                problems.append(
                    Diagnostic(
                        factory.condor_tarballs[index].source,
                        f"/glidein/condor_tarballs/condor_tarball[{index + 1}]",
                        f"cannot pack HTCondor from base_dir: {error}",
                        "compile.tarball",
                    )
                )
                continue
            packed[index] = (pack.path, pack.digests)
            if pack.key is not None:
                keys[index] = pack.key
        if problems:
            raise ConfigError(problems)
        return packed, keys

    return finish


def _startup_script(digests: DigestCache) -> PlannedFile | None:
    source = startup_script()
    if source is None:
        return None
    return planned_copy(
        STARTUP_SCRIPT, source, digests.digests(source), mode=0o755, versioned=False
    )


def _plan_main(
    factory: Factory,
    routed_main: RoutedAttrs,
    tarballs: Sequence[TarballPlatforms],
    scratch: Path,
    *,
    digests: DigestCache,
    templates: Templates,
) -> StageDirectory:
    """Plan the main stage directory (packing the chirp client into ``scratch``)."""
    distinct_dns = list(dict.fromkeys(collector.dn for collector in factory.monitoring_collectors))
    return plan_main_directory(
        constants=routed_main.constants,
        condor_vars=routed_main.condor_vars,
        user_files=factory.files,
        tarballs=tarballs,
        grid_map=[(dn, f"fcollector{number}") for number, dn in enumerate(distinct_dns, start=1)],
        digests=digests,
        templates=templates,
        htchirp=pack_htchirp(scratch / HTCHIRP_KEY),
    )


def compile_factory(
    factory: Factory,
    scratch: Path,
    previous_schedds: Mapping[str, str] | None = None,
    *,
    order: Sequence[str | KeptEntry] | None = None,
    kept_main: SummaryRow | None = None,
    accepted_submits: frozenset[bytes] = frozenset(),
    packer: ReleasePacker | None = None,
) -> CompiledFactory:
    """Plan every file of the factory's staging area and work dir.

    Args:
        factory: the (re-rooted) model.
        scratch: a directory for packing ``base_dir`` tarballs.
        previous_schedds: schedds of entries in the existing work dir (kept).
        order: when ``factory.entries`` holds only the entries to compile, every
            entry in configuration order: a compiled entry's name or a kept
            entry. The main files and the summary are planned for all of them;
            kept entries get no stage directory or work files in the result.
        kept_main: the main stage directory's summary row when it is published
            already as it would be planned (an incremental reconfig with the same
            global key): it is not planned again and the result has no main stage
            directory.
        accepted_submits: submit descriptions HTCondor accepted before (the
            published ones of the entries compiled again): not checked again.
        packer: packs the ``base_dir`` trees (some started already), reusing the
            published packs it was given, with the run's file digests (kept in
            the result for its record); one reusing none is made when None.

    Raises:
        ConfigError: something only compiling finds (a submit file HTCondor
            rejects, an HTCondor installation that cannot be packed).
    """
    if factory.cvmfsexec_distro.sources:
        raise ConfigError(
            [
                Diagnostic(
                    Source(str(factory.config_files[0]), 1),
                    "/glidein/cvmfsexec_distro/@sources",
                    "building cvmfsexec distributions is not supported; leave sources empty",
                    "compile.cvmfsexec",
                )
            ]
        )
    platform_constants = [
        (f"CONDOR_PLATFORM_{combination}", "0")
        for tarball in factory.condor_tarballs
        for combination in platform_combinations(tarball)
    ]
    main_params = list(BUILTIN_MAIN_PARAMS)
    collector_param = factory_collector_param(factory)
    if collector_param is not None:
        main_params.append(("GLIDEIN_Factory_Collector", collector_param))
    routed_main = route_attrs(
        factory.attrs,
        MAIN_VARS,
        constants=platform_constants,
        params=main_params,
    )
    schedds = assign_schedds(factory, previous_schedds or {})
    templates = Templates()
    with ExitStack() as stack:
        if packer is None:
            packer = stack.enter_context(ReleasePacker(scratch, {}, DigestCache()))
        digests = packer.digests
        packing = _pack_tarballs(packer, factory)
        levels, problems = compile_entries(
            EntryInputs(
                factory,
                schedds,
                server_credentials(factory.submit.base_dir),
                digests,
                templates,
                accepted_submits=accepted_submits,
            )
        )
        packed, packing_keys = packing()
    if problems:
        raise ConfigError(problems)
    tarballs = tarball_platforms(factory.condor_tarballs, packed, digests)
    main_stage = (
        None
        if kept_main is not None
        else _plan_main(
            factory, routed_main, tarballs, scratch, digests=digests, templates=templates
        )
    )
    stage_dirs = [level.stage for level in levels]
    routed_entries = {
        entry.name: level.routed for entry, level in zip(factory.entries, levels, strict=True)
    }
    work_files = [file for level in levels for file in level.work_files]
    tarball_dirs = {
        str(tarball.base_dir): str(factory.stage.base_dir / planned.staged.relpath)
        for tarball, planned in zip(factory.condor_tarballs, tarballs, strict=True)
        if tarball.tar_file is None
    }
    if order is None:
        order = [entry.name for entry in factory.entries]
    compiled_dirs = {directory.key: directory for directory in stage_dirs}
    enabled = {entry.name: entry.enabled for entry in factory.entries}
    enabled_names = [
        item.name if isinstance(item, KeptEntry) else item
        for item in order
        if (item.enabled if isinstance(item, KeptEntry) else enabled[item])
    ]
    work_files = (
        plan_main_work_files(templates, factory, routed_main, tarball_dirs, enabled_names)
        + work_files
    )
    script = _startup_script(digests)
    if script is not None:
        # Unversioned and unsigned, as in GlideinWMS: the job's executable, and
        # a copy at the stage root for sites that fetch it from there.
        if main_stage is not None:
            main_stage = replace(main_stage, files=(*main_stage.files, script))
        work_files.append(script)
    if main_stage is not None:
        stage_dirs.append(main_stage)
    main_row = main_stage if main_stage is not None else kept_main
    if main_row is None:  # the main stage is planned exactly when no kept row is given
        raise RuntimeError("neither a planned nor a kept main stage directory")
    summary = plan_summary(
        templates,
        [
            *(
                item.summary if isinstance(item, KeptEntry) else compiled_dirs[f"entry_{item}"]
                for item in order
            ),
            main_row,
        ],
    )
    return CompiledFactory(
        factory=factory,
        stage=tuple(stage_dirs),
        work_files=tuple(work_files),
        summary=summary,
        schedds=schedds,
        routed_main=routed_main,
        routed_entries=routed_entries,
        packed=tuple(
            PackedRelease(key, tarballs[index].staged.relpath, packed[index][1])
            for index, key in packing_keys.items()
        ),
        digests=digests,
    )

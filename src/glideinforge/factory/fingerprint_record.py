"""Record what a publish wrote: the fingerprint that lets a later reconfig skip work.

``record`` writes it after a full publish (``incremental.finish`` after an
incremental one); ``no_op`` reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from glideinforge.creation.lib.diagnostics import Diagnostic
from glideinforge.creation.lib.fingerprint import (
    Fingerprint,
    LargeInput,
    PackedTarball,
    RecordedOutputs,
    Stamp,
    input_key,
    large_input_digests,
    stamp_of,
)
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.staged import PlannedFile

from .compile import CompiledFactory
from .entry_rows import RowDocument, entry_rows, main_stage_bytes
from .model import Factory
from .no_op import ConfigSnapshot, context, read_config
from .publish import runtime_directories

__all__ = ["compiled_outputs", "make_fingerprint", "output_stamps", "record"]

_EDITED_IN_PLACE = "nodes.blacklist"
"""Operators edit the staged nodes.blacklist; publishing only ever creates it."""


def _inputs(factory: Factory) -> tuple[str, ...]:
    """Return every file the configuration names, and the directories HTCondor is packed from."""
    paths = [str(staged.absfname) for staged in factory.files]
    paths += [str(staged.absfname) for entry in factory.entries for staged in entry.files]
    paths += [
        str(tarball.tar_file or tarball.base_dir)
        for tarball in factory.condor_tarballs
        if tarball.tar_file or tarball.base_dir
    ]
    return tuple(dict.fromkeys(paths))


def compiled_outputs(compiled: CompiledFactory) -> dict[str, Stamp | None]:
    """Return the stamp of every file ``compiled`` published, by path."""
    stage = (item for directory in compiled.stage for item in directory.files)
    return output_stamps(compiled.stage_root, stage) | output_stamps(
        compiled.work_root, compiled.work_files
    )


def output_stamps(root: Path, files: Iterable[PlannedFile]) -> dict[str, Stamp | None]:
    """Return the stamp of each published file, by path (see ``Fingerprint.outputs``)."""
    base = str(root)
    outputs: dict[str, Stamp | None] = {}
    for planned in files:
        path = f"{base}/{planned.relpath}"
        outputs[path] = None if planned.relpath.endswith(_EDITED_IN_PLACE) else stamp_of(path)
    return outputs


def record(
    compiled: CompiledFactory,
    stats: PublishStats,
    snapshot: ConfigSnapshot | None,
    config: Path,
    root: Path | None,
    *,
    warnings: Sequence[Diagnostic] = (),
) -> Fingerprint | None:
    """Return the fingerprint of what was just published (the caller keeps it).

    ``snapshot`` holds the configuration as read before loading it; nothing is
    recorded when the files changed since.
    ``warnings`` are the configuration's, shown again by a reconfig that finds
    nothing changed.
    """
    factory = compiled.factory
    inputs = _inputs(factory)
    if snapshot is None or read_config(config, root) != snapshot:
        return None
    outputs = compiled_outputs(compiled)
    enabled = len(factory.enabled_entries)
    return make_fingerprint(
        compiled,
        snapshot,
        root,
        inputs=inputs,
        outputs=RecordedOutputs.of(outputs),
        directories=tuple(runtime_directories(factory)),
        counts=(
            enabled,
            len(factory.entries) - enabled,
            stats.written + stats.linked + stats.unchanged,
        ),
        warnings=warnings,
        rows=([row.to_json() for row in entry_rows(compiled)], main_stage_bytes(compiled) or 0),
    )


def make_fingerprint(
    compiled: CompiledFactory,
    snapshot: ConfigSnapshot,
    root: Path | None,
    *,
    inputs: tuple[str, ...],
    outputs: RecordedOutputs,
    directories: tuple[str, ...],
    counts: tuple[int, int, int],
    warnings: Sequence[Diagnostic] = (),
    rows: tuple[Sequence[RowDocument], int] | None = None,
) -> Fingerprint:
    """Return the fingerprint of ``compiled`` (``counts``: enabled, disabled, files).

    ``rows``: every entry's ``inspect`` row and the main stage directory's bytes
    (None when unknown: ``inspect`` then compiles).
    """
    enabled, disabled, files = counts
    stage, work = str(compiled.stage_root), str(compiled.work_root)
    return Fingerprint(
        key=input_key(
            snapshot.keyed(),
            inputs,
            installed=compiled.digests.installed(),
            context=context(root),
            digests=compiled.digests,
        ),
        work_dir=work,
        summary_sha1=compiled.summary.sha1,
        inputs=inputs,
        large_inputs=large_input_digests(inputs, compiled.digests),
        outputs=outputs,
        directories=directories,
        report={
            "enabled": enabled,
            "disabled": disabled,
            "files": files,
            "stage": stage,
            "work": work,
            "monitor": str(compiled.factory.monitor.base_dir),
            "warnings": [item.to_json() for item in warnings],
            "entries": None if rows is None else list(rows[0]),
            "main_bytes": None if rows is None else rows[1],
        },
        packed=_packed(compiled),
    )


def _packed(compiled: CompiledFactory) -> tuple[PackedTarball, ...]:
    """Return the published tarballs packed from release trees, as they are now."""
    found = []
    for item in compiled.packed:
        path = str(compiled.stage_root / item.relpath)
        stamp = stamp_of(path)
        if stamp is not None and stamp[0] == item.digests.size:
            found.append(PackedTarball(item.key, LargeInput(path, stamp, item.digests)))
    return tuple(found)

"""The factory's fast no-op reconfig: the fingerprint of ``creation/lib/fingerprint``.

``record`` writes it after a publish; ``unchanged`` recognises, from the
configuration's bytes alone, that a reconfig would change nothing. The work dir
is found from the last ``<submit base_dir>`` in the configuration files (the
default one when there is none; a relative one starts at the working directory); a
wrong guess can only miss the record (the record names its own work dir and
is keyed on every configuration byte), never make a change look like none.
A ``base_dir`` HTCondor installation counts by the stamps of its whole tree.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic
from glideinforge.creation.lib.fingerprint import (
    Fingerprint,
    LargeInput,
    PackedTarball,
    RecordedOutputs,
    Stamp,
    input_key,
    installed_digest,
    large_input_digests,
    outputs_intact,
    stamp_of,
    write_fingerprint,
)
from glideinforge.creation.lib.inputs import read_input
from glideinforge.creation.lib.merge import find_config_files
from glideinforge.creation.lib.paths import absolute, rerooted
from glideinforge.creation.lib.publish import PublishStats
from glideinforge.creation.lib.staged import PlannedFile
from glideinforge.creation.lib.xml_tree import MAX_FILE_BYTES

from .compile import CompiledFactory
from .load import factory_language
from .model import Factory
from .publish import runtime_directories
from .rsa_key import RSA_KEY

__all__ = [
    "ConfigSnapshot",
    "compiled_outputs",
    "context",
    "make_fingerprint",
    "output_stamps",
    "read_config",
    "record",
    "recorded_warnings",
    "unchanged",
]

_SUBMIT_BASE_DIR = re.compile(rb"<submit\b[^>]*?\sbase_dir\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_EDITED_IN_PLACE = "nodes.blacklist"
"""Operators edit the staged nodes.blacklist; publishing only ever creates it."""


def context(root: Path | None) -> list[str]:
    """Return what else the output depends on: the output root and working directory."""
    return [f"root={root or ''}", f"cwd={Path.cwd()}"]


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
    """Write the fingerprint of what was just published; return it.

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
    fingerprint = make_fingerprint(
        compiled,
        snapshot,
        root,
        inputs=inputs,
        outputs=outputs,
        directories=tuple(runtime_directories(factory)),
        counts=(
            enabled,
            len(factory.entries) - enabled,
            stats.written + stats.linked + stats.unchanged,
        ),
        warnings=warnings,
    )
    write_fingerprint(compiled.work_root, fingerprint)
    return fingerprint


def make_fingerprint(
    compiled: CompiledFactory,
    snapshot: ConfigSnapshot,
    root: Path | None,
    *,
    inputs: tuple[str, ...],
    outputs: dict[str, Stamp | None],
    directories: tuple[str, ...],
    counts: tuple[int, int, int],
    warnings: Sequence[Diagnostic] = (),
) -> Fingerprint:
    """Return the fingerprint of ``compiled`` (``counts``: enabled, disabled, files)."""
    enabled, disabled, files = counts
    stage, work = str(compiled.stage_root), str(compiled.work_root)
    return Fingerprint(
        key=input_key(
            snapshot.keyed(), inputs, installed=installed_digest(), context=context(root)
        ),
        work_dir=work,
        summary_sha1=compiled.summary.sha1,
        inputs=inputs,
        large_inputs=large_input_digests(inputs),
        outputs=RecordedOutputs.of(outputs),
        directories=directories,
        report={
            "enabled": enabled,
            "disabled": disabled,
            "files": files,
            "stage": stage,
            "work": work,
            "warnings": [item.to_json() for item in warnings],
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


def recorded_warnings(fingerprint: Fingerprint) -> list[Diagnostic] | None:
    """Return the configuration warnings a fingerprint recorded (None: unreadable)."""
    raw = fingerprint.report.get("warnings")
    if not isinstance(raw, list):
        return None
    try:
        return [Diagnostic.from_json(item) for item in raw]
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class ConfigSnapshot:
    """The configuration files' bytes, read once, and the work dir they point at."""

    files: tuple[tuple[Path, bytes], ...]
    work_dir: Path
    digests: tuple[str, ...]
    """The SHA-256 of each file's bytes, in the same order."""

    def keyed(self) -> tuple[tuple[Path, str], ...]:
        """Return each file with the SHA-256 of its bytes."""
        return tuple(
            (path, digest) for (path, _), digest in zip(self.files, self.digests, strict=True)
        )


def read_config(config: Path, root: Path | None) -> ConfigSnapshot | None:
    """Read every configuration file once; None when one cannot be read."""
    if not os.path.isfile(config):  # noqa: PTH113
        return None
    files = []
    value = None
    try:
        paths = find_config_files(config.resolve()).all()
    except ConfigError:
        return None
    for path in paths:
        try:
            data = read_input(path, MAX_FILE_BYTES)
        except OSError:
            return None
        files.append((path, data))
        if b"<submit" not in data:
            continue  # a plain search is a hundred times quicker than the pattern's
        for match in _SUBMIT_BASE_DIR.finditer(data):
            value = match.group(2)
    written = (
        html.unescape(value.decode("utf-8", "replace"))
        if value is not None
        else factory_language().kinds["submit"].defaults["base_dir"]
    )
    work = absolute(written)  # a relative one starts at the working directory
    if root is not None:
        work = rerooted(work, root)
    digests = tuple(hashlib.sha256(data).hexdigest() for _, data in files)
    return ConfigSnapshot(tuple(files), work, digests)


def unchanged(snapshot: ConfigSnapshot, fingerprint: Fingerprint, root: Path | None) -> bool:
    """Return whether reconfig of the snapshot would change nothing since ``fingerprint``.

    Call it under the lock of ``snapshot.work_dir``.
    """
    work = snapshot.work_dir
    if fingerprint.work_dir != str(work):
        return False
    key = input_key(
        snapshot.keyed(), fingerprint.inputs, installed=installed_digest(), context=context(root)
    )
    return (
        key == fingerprint.key
        and (work / RSA_KEY).is_file()
        and outputs_intact(fingerprint) is not None
    )

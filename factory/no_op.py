"""The factory's fast no-op reconfig: the fingerprint of ``creation/lib/fingerprint``.

``record`` writes it after a publish; ``unchanged`` recognises, from the
configuration's bytes alone, that a reconfig would change nothing. The work dir
is found from the last ``<submit base_dir>`` in the configuration files; a
wrong guess can only miss the record (the record names its own work dir and
is keyed on every configuration byte), never make a change look like none.
Factories that pack HTCondor from a ``base_dir`` directory get no record: the
whole installation would have to be hashed each time.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

from glideinforge.creation.lib.fingerprint import (
    Fingerprint,
    OutputFile,
    input_key,
    installed_digest,
    outputs_intact,
    read_fingerprint,
    write_fingerprint,
)
from glideinforge.creation.lib.merge import find_config_files
from glideinforge.creation.lib.publish import PublishStats
from glideinforge.creation.lib.staged import PlannedFile, rerooted

from .compile import CompiledFactory
from .model import Factory
from .publish import runtime_directories

__all__ = ["ConfigSnapshot", "read_config", "record", "unchanged"]

_SUBMIT_BASE_DIR = re.compile(rb"<submit\b[^>]*?\sbase_dir\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_EDITED_IN_PLACE = "nodes.blacklist"
"""Operators edit the staged nodes.blacklist; publishing only ever creates it."""


def _context(root: Path | None) -> list[str]:
    return [f"root={root or ''}", f"cwd={Path.cwd()}"]


def _inputs(factory: Factory) -> tuple[str, ...] | None:
    """Return every file the configuration names, or None when one is a directory."""
    if any(
        tarball.base_dir is not None and tarball.tar_file is None
        for tarball in factory.condor_tarballs
    ):
        return None
    paths = [str(staged.absfname) for staged in factory.files]
    paths += [str(staged.absfname) for entry in factory.entries for staged in entry.files]
    paths += [str(tarball.tar_file) for tarball in factory.condor_tarballs if tarball.tar_file]
    return tuple(dict.fromkeys(paths))


def _output(root: str, planned: PlannedFile) -> OutputFile:
    path = f"{root}/{planned.relpath}"
    if planned.versioned:
        return OutputFile(path, planned.size, None)
    if planned.relpath.endswith(_EDITED_IN_PLACE):
        return OutputFile(path, 0, None, check_size=False)
    return OutputFile(path, planned.size, planned.sha1)


def record(compiled: CompiledFactory, stats: PublishStats, config: Path, root: Path | None) -> None:
    """Write the fingerprint of what was just published (nothing for base_dir tarballs)."""
    factory = compiled.factory
    inputs = _inputs(factory)
    if inputs is None:
        return
    snapshot = read_config(config, root)
    if snapshot is None:
        return
    stage, work = str(compiled.stage_root), str(compiled.work_root)
    outputs = [_output(stage, item) for directory in compiled.stage for item in directory.files]
    outputs += [_output(work, item) for item in compiled.work_files]
    enabled = len(factory.enabled_entries)
    fingerprint = Fingerprint(
        key=input_key(snapshot.files, inputs, installed=installed_digest(), context=_context(root)),
        work_dir=work,
        summary_sha1=compiled.summary.sha1,
        inputs=inputs,
        outputs=tuple(outputs),
        directories=tuple(str(path) for path in runtime_directories(factory)),
        report={
            "enabled": enabled,
            "disabled": len(factory.entries) - enabled,
            "files": stats.written + stats.linked + stats.unchanged,
            "stage": stage,
            "work": work,
        },
    )
    write_fingerprint(compiled.work_root, fingerprint)


@dataclass(frozen=True, slots=True)
class ConfigSnapshot:
    """The configuration files' bytes, read once, and the work dir they point at."""

    files: tuple[tuple[Path, bytes], ...]
    work_dir: Path | None


def read_config(config: Path, root: Path | None) -> ConfigSnapshot | None:
    """Read every configuration file once; None when one cannot be read."""
    if not os.path.isfile(config):  # noqa: PTH113
        return None
    files = []
    value = None
    for path in find_config_files(config.resolve()).all():
        try:
            data = path.read_bytes()
        except OSError:
            return None
        files.append((path, data))
        for match in _SUBMIT_BASE_DIR.finditer(data):
            value = match.group(2)
    work = None
    if value is not None:
        work = Path(html.unescape(value.decode("utf-8", "replace")))
        work = rerooted(work, root) if root is not None else work
    return ConfigSnapshot(tuple(files), work)


def unchanged(snapshot: ConfigSnapshot, root: Path | None) -> Fingerprint | None:
    """Return the record when reconfig of the snapshot would change nothing, else None.

    Call it under the lock of ``snapshot.work_dir``.
    """
    work = snapshot.work_dir
    if work is None:
        return None
    fingerprint = read_fingerprint(work)
    if fingerprint is None or fingerprint.work_dir != str(work):
        return None
    key = input_key(
        snapshot.files, fingerprint.inputs, installed=installed_digest(), context=_context(root)
    )
    if key != fingerprint.key or not outputs_intact(fingerprint):
        return None
    return fingerprint

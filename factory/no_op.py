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

__all__ = ["record", "unchanged"]

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
    config_files = find_config_files(config.resolve()).all()
    stage, work = str(compiled.stage_root), str(compiled.work_root)
    outputs = [_output(stage, item) for directory in compiled.stage for item in directory.files]
    outputs += [_output(work, item) for item in compiled.work_files]
    enabled = len(factory.enabled_entries)
    fingerprint = Fingerprint(
        key=input_key(config_files, inputs, installed=installed_digest(), context=_context(root)),
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


def _located_work_dir(config_files: tuple[Path, ...], root: Path | None) -> Path | None:
    value = None
    for path in config_files:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        for match in _SUBMIT_BASE_DIR.finditer(data):
            value = match.group(2)
    if value is None:
        return None
    work = Path(html.unescape(value.decode("utf-8", "replace")))
    return rerooted(work, root) if root is not None else work


def unchanged(config: Path, root: Path | None) -> Fingerprint | None:
    """Return the record when reconfig of ``config`` would change nothing, else None.

    Call it under the work dir's lock (``locate_work_dir`` tells which).
    """
    config_files = find_config_files(config.resolve()).all()
    work = _located_work_dir(config_files, root)
    if work is None:
        return None
    fingerprint = read_fingerprint(work)
    if fingerprint is None or fingerprint.work_dir != str(work):
        return None
    key = input_key(
        config_files, fingerprint.inputs, installed=installed_digest(), context=_context(root)
    )
    if key != fingerprint.key or not outputs_intact(fingerprint):
        return None
    return fingerprint


def locate_work_dir(config: Path, root: Path | None) -> Path | None:
    """Return the work dir the configuration's bytes point at (a guess; see the module)."""
    if not os.path.isfile(config):  # noqa: PTH113
        return None
    return _located_work_dir(find_config_files(config.resolve()).all(), root)

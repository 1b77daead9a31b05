"""The factory's fast no-op reconfig: the fingerprint of ``creation/lib/fingerprint``.

``fingerprint_record`` writes it after a publish; ``unchanged`` recognises, from the
configuration's bytes alone, that a reconfig would change nothing. The work dir
is found from the last ``<submit base_dir>`` in the configuration files (the
default one when there is none; a relative one starts at the working directory); a
wrong guess can only miss the record (the record names its own work dir and
is keyed on every configuration byte), never make a change look like none.
A ``base_dir`` HTCondor installation counts by the stamps of its whole tree.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from glideinforge.creation.lib.config_files import find_config_files
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic
from glideinforge.creation.lib.fingerprint import (
    Fingerprint,
    input_key,
    outputs_unchanged,
    read_fingerprint,
    recorded_digests,
)
from glideinforge.creation.lib.inputs import MAX_FILE_BYTES, read_input
from glideinforge.creation.lib.paths import absolute, rerooted
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.frozen import frozen
from glideinforge.schemas import load_schema

from .rsa_key import RSA_KEY

__all__ = [
    "ConfigSnapshot",
    "context",
    "published_as_is",
    "read_config",
    "recorded_as",
    "recorded_warnings",
    "unchanged",
]

_SUBMIT_BASE_DIR = re.compile(rb"<submit\b[^>]*?\sbase_dir\s*=\s*([\"'])(.*?)\1", re.DOTALL)


def context(root: Path | None) -> list[str]:
    """Return what else the output depends on: the output root and working directory."""
    return [f"root={root or ''}", f"cwd={Path.cwd()}"]


def recorded_warnings(fingerprint: Fingerprint) -> list[Diagnostic] | None:
    """Return the configuration warnings a fingerprint recorded (None: unreadable)."""
    raw = fingerprint.report.get("warnings")
    if not isinstance(raw, list):
        return None
    try:
        return [Diagnostic.from_json(item) for item in raw]
    except (KeyError, TypeError, ValueError):
        return None


@frozen
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
        _unescape(value.decode("utf-8", "replace")) if value is not None else _default_work_dir()
    )
    work = absolute(written)  # a relative one starts at the working directory
    if root is not None:
        work = rerooted(work, root)
    digests = tuple(hashlib.sha256(data).hexdigest() for _, data in files)
    return ConfigSnapshot(tuple(files), work, digests)


def _unescape(text: str) -> str:
    """Return ``text`` with XML character references replaced."""
    if "&" not in text:
        return text
    import html  # noqa: PLC0415 - rarely needed

    return html.unescape(text)


def _default_work_dir() -> str:
    """Return the schema's default ``<submit base_dir>`` (without deriving the language)."""
    submit = load_schema("factory")["$defs"]["submit"]["properties"]
    return str(submit["base_dir"]["default"])


def recorded_as(
    snapshot: ConfigSnapshot, fingerprint: Fingerprint, root: Path | None, digests: DigestCache
) -> bool:
    """Return whether ``fingerprint`` was recorded from exactly this configuration and inputs."""
    if fingerprint.work_dir != str(snapshot.work_dir):
        return False
    key = input_key(
        snapshot.keyed(),
        fingerprint.inputs,
        installed=digests.installed(),
        context=context(root),
        digests=digests,
    )
    return key == fingerprint.key


def published_as_is(config: Path, root: Path | None) -> tuple[ConfigSnapshot, Fingerprint] | None:
    """Return CONFIG as read and the last publish's record, when it recorded exactly CONFIG.

    Commands that only read what was published (``verify``, ``inspect``) answer from
    that record instead of loading the configuration.
    """
    snapshot = read_config(config, root)
    fingerprint = None if snapshot is None else read_fingerprint(snapshot.work_dir)
    if (
        snapshot is None
        or fingerprint is None
        or not recorded_as(snapshot, fingerprint, root, recorded_digests(fingerprint))
    ):
        return None
    return snapshot, fingerprint


def unchanged(
    snapshot: ConfigSnapshot, fingerprint: Fingerprint, root: Path | None, digests: DigestCache
) -> bool:
    """Return whether reconfig of the snapshot would change nothing since ``fingerprint``.

    Call it under the lock of ``snapshot.work_dir``; ``digests`` are the run's.
    """
    return (
        recorded_as(snapshot, fingerprint, root, digests)
        and (snapshot.work_dir / RSA_KEY).is_file()
        and outputs_unchanged(fingerprint)
    )

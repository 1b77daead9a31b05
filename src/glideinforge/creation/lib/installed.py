"""What a reconfig's output depends on besides its inputs: the installed code and libraries."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from importlib import util

__all__ = ["installed_digest", "package_digest"]

_LIBRARIES = ("lxml", "jsonschema", "jinja2", "htcondor", "htchirp")

_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))  # noqa: PTH120
"""The installed ``glideinforge`` package: its code, web_base, templates and schemas."""


def _installed_distributions() -> list[str]:
    """Return the installed distributions beside the libraries: their metadata directories.

    A ``<name>-<version>.dist-info`` name changes with any upgrade; listing the
    directories costs far less than asking ``importlib.metadata``.
    """
    places = set()
    for name in _LIBRARIES:
        spec = util.find_spec(name)
        if spec is not None and spec.origin is not None:
            places.add(os.path.dirname(os.path.dirname(spec.origin)))  # noqa: PTH120
    found = []
    for place in sorted(places):
        with contextlib.suppress(OSError), os.scandir(place) as entries:
            found += sorted(
                f"{place}/{entry.name}"
                for entry in entries
                if entry.name.endswith((".dist-info", ".egg-info"))
            )
    return found


def package_digest(package: str) -> str:
    """Return a SHA-256 over the stamps of a package's files (byte-code left out).

    Each file counts by its path, size, modification time, change time, inode and
    device: an install, an upgrade or any write of a source file changes them (the
    change time cannot be set back, so ``cp -p`` or ``rsync --inplace`` over a file
    is seen too), and a ``stat`` per file costs a fraction of reading the package's
    megabyte of code every run.
    """
    digest = hashlib.sha256()
    for directory, subdirectories, names in os.walk(package):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        for name in sorted(names):
            path = f"{directory}/{name}"
            try:
                status = os.stat(path)  # noqa: PTH116 - one syscall per file
            except OSError:
                continue
            if name.endswith(".pyc") or not stat.S_ISREG(status.st_mode):
                continue
            line = (
                f"\x00{path}\x00{status.st_size} {status.st_mtime_ns} {status.st_ctime_ns}"
                f" {status.st_ino} {status.st_dev}"
            )
            digest.update(line.encode())
    return digest.hexdigest()


def installed_digest() -> str:
    """Return a SHA-256 over the installed glideinforge, Python and libraries.

    The package counts by ``package_digest``, the libraries by their distributions.
    A run takes it once (``DigestCache.installed``).
    """
    digest = hashlib.sha256(sys.version.encode())
    digest.update(package_digest(_PACKAGE).encode())
    for name in _installed_distributions():
        digest.update(f"\x00{name}".encode())
    return digest.hexdigest()

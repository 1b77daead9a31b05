"""Find a configuration's files: the main file and its ``config.d/*.xml`` drop-ins."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from glideinforge.frozen import frozen

from .diagnostics import ConfigError, Diagnostic, Source

__all__ = ["ConfigFiles", "find_config_files"]


@frozen
class ConfigFiles:
    """The main file and its drop-ins, in merge order."""

    main: Path
    dropins: tuple[Path, ...]

    def all(self) -> tuple[Path, ...]:
        """Every file, main first."""
        return (self.main, *self.dropins)


def find_config_files(main: Path) -> ConfigFiles:
    """Return ``main`` and the ``*.xml`` files of ``config.d`` next to it, sorted.

    Raises:
        ConfigError: ``config.d`` exists but is no usable directory (a file, a
            dangling link, a link loop, an unreadable directory).
    """
    dropin_dir = main.parent / "config.d"
    if not os.path.lexists(dropin_dir):
        return ConfigFiles(main, ())
    try:
        if not stat.S_ISDIR(dropin_dir.stat().st_mode):
            raise _unusable(dropin_dir, "is not a directory")
        names = sorted(path.name for path in dropin_dir.iterdir() if path.name.endswith(".xml"))
    except OSError as error:
        reason = {
            errno.ENOENT: "is a link to nothing",
            errno.ELOOP: "is a link loop",
        }.get(error.errno or 0, f"cannot be read: {error.strerror}")
        raise _unusable(dropin_dir, reason) from None
    return ConfigFiles(main, tuple(dropin_dir / name for name in names))


def _unusable(dropin_dir: Path, reason: str) -> ConfigError:
    message = f"{dropin_dir} {reason}: the configuration's drop-ins cannot be read"
    return ConfigError([Diagnostic(Source(str(dropin_dir), 1), "/", message, "config.dropins")])

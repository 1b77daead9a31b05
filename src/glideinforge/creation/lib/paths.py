"""Paths as GlideinWMS resolves them, made safe: absolute, normalised, kept under ``--root``."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["absolute", "rerooted"]


def absolute(written: str | Path) -> Path:
    """Return ``written`` as an absolute path with no ``.`` or ``..`` steps.

    A relative path starts at the working directory, where GlideinWMS resolves
    it; ``..`` steps are resolved textually, so ``/../../tmp`` is ``/tmp``.
    """
    normal = os.path.normpath(Path.cwd() / written)
    return Path("/" + normal.lstrip("/"))


def rerooted(path: str | Path, root: Path) -> Path:
    """Return ``path`` moved under ``root`` (``--root``); no step of it can climb out."""
    return root / absolute(path).relative_to("/")

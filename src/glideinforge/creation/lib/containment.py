"""Keep writes and deletes inside their output trees: no planted symbolic link leads them out.

A tree is a configured output directory (the stage, the work dir, a log dir),
taken as configured, links and all. Below its root, a directory that is a
symbolic link must resolve inside the root's real path: anything written into
it, created under it or deleted from it through a link leading out is refused.
Each directory is checked once per ``Trees``, from the root down (one
``lstat`` per component); only links are resolved.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .diagnostics import GlideinforgeError

__all__ = ["OutsideTreeError", "Trees", "leads_out"]


class OutsideTreeError(GlideinforgeError, OSError):
    """A path to write or delete lies (or a link leads) outside its output tree."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def leads_out(path: str | Path, root: str | Path) -> str | None:
    """Return where ``path`` resolves when it is a link leading out of ``root``'s real path."""
    if not os.path.islink(path):  # noqa: PTH114 - str or Path alike
        return None
    real = os.path.realpath(path)
    return None if _inside(real, os.path.realpath(root)) else real


class Trees:
    """The output trees of one run, each checked directory remembered."""

    def __init__(self, roots: Iterable[str | Path]) -> None:
        """Take the configured ``roots`` (absolute, normalised paths)."""
        self._roots = sorted({os.path.normpath(str(root)) for root in roots}, key=len)[::-1]
        self._checked = set(self._roots)

    def root_of(self, path: str) -> str:
        """Return the innermost root holding ``path``.

        Raises:
            OutsideTreeError: no root holds it.
        """
        for root in self._roots:
            if _inside(path, root):
                return root
        raise OutsideTreeError(f"{path}: outside the output directories")

    def check_directory(self, directory: str | Path) -> None:
        """Refuse ``directory`` when it, or a directory above it, is a link leading out.

        A directory that does not exist yet passes (it will be made a real one).

        Raises:
            OutsideTreeError: the first link on the way leads out of its tree.
        """
        directory = str(directory)
        if directory in self._checked:
            return
        root = self.root_of(directory)
        self.check_directory(directory.rpartition("/")[0] or "/")
        try:
            status = os.lstat(directory)
        except (FileNotFoundError, NotADirectoryError):
            return
        if stat.S_ISLNK(status.st_mode):
            target = leads_out(directory, root)
            if target is not None:
                raise OutsideTreeError(
                    f"{directory}: a symbolic link leading out of {root} (to {target}); "
                    "nothing is written or deleted through it: remove the link"
                )
        self._checked.add(directory)

    def check_parent(self, path: str | Path) -> None:
        """Refuse writing or deleting ``path`` when its directory leads out (see above)."""
        self.check_directory(str(path).rpartition("/")[0] or "/")

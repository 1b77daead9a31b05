"""Write files and make directories so readers never see a part: the output trees' primitives.

Modes: a file gets its mode (0644, 0755, 0444) less the umask, and a directory
0755 less the umask, so a permissive umask (000) never makes anything writable
by group or others, and a strict one (027) is respected.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DIRECTORY_MODE",
    "create_exclusive",
    "make_directory",
    "temporary_name",
    "write_all",
    "write_atomically",
]


def temporary_name(path: str | Path) -> str:
    """Return the temporary file next to ``path`` that this process writes it through."""
    head, _, name = str(path).rpartition("/")
    return f"{head}/.{name}.{os.getpid()}.tmp"


def create_exclusive(temporary: str, mode: int) -> int:
    """Create ``temporary`` afresh (a leftover of a killed run is replaced)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        return os.open(temporary, flags, mode)
    except FileExistsError:
        os.unlink(temporary)  # noqa: PTH108 - str path on the hot path
        return os.open(temporary, flags, mode)


def write_all(handle: int, content: bytes) -> None:
    """Write all of ``content`` to the open file ``handle``."""
    view = memoryview(content)
    while view:
        view = view[os.write(handle, view) :]


def write_atomically(
    path: str | Path, content: bytes, mode: int = 0o644, *, durable: bool = False
) -> None:
    """Replace ``path`` with ``content`` by writing a temporary file and renaming it.

    Readers see the old file or the whole new one, never a part. With
    ``durable`` the data is fsynced before the rename and the directory after.
    The file gets ``mode`` less the umask (see the module docstring).
    """
    temporary = temporary_name(path)
    try:
        handle = create_exclusive(temporary, mode)
        try:
            write_all(handle, content)
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)  # noqa: PTH105
        if durable:
            directory = os.open(os.path.dirname(path) or ".", os.O_RDONLY)  # noqa: PTH120
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


DIRECTORY_MODE = 0o755
"""Directories made here: never writable by group or others, whatever the umask."""


def make_directory(directory: str | Path) -> bool:
    """Create ``directory`` and missing parents, mode 0755 less the umask.

    Return True when this call created it (it is empty).
    """
    try:
        os.mkdir(directory, DIRECTORY_MODE)  # noqa: PTH102 - str path on the hot path
    except FileExistsError:
        return False
    except FileNotFoundError:
        parent = os.path.dirname(directory)  # noqa: PTH120
        if parent == directory:
            raise
        make_directory(parent)
        return make_directory(directory)
    return True

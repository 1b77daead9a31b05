"""What an ELF program or library asks the dynamic loader for: libraries and where to look."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO, cast

from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile

from glideinforge.frozen import frozen

from .inputs import open_input

__all__ = ["DynamicLinks", "dynamic_links"]

_MAGIC = b"\x7fELF"
_STRINGS = {"DT_NEEDED": "needed", "DT_RUNPATH": "runpath", "DT_RPATH": "rpath"}
"""The dynamic tags read, and the attribute pyelftools gives each one's string as."""
_READ_BUDGET = 1 << 20
"""Bytes read at most from one file: a program's headers, dynamic entries and their strings
are a few KiB; a damaged file with no end to its entries would be read to its end."""


@frozen
class DynamicLinks:
    """An ELF file's ``DT_NEEDED`` names and its ``DT_RUNPATH``/``DT_RPATH`` folders."""

    needed: tuple[str, ...]
    search_path: tuple[str, ...]


class _ReadBudget(io.RawIOBase):
    """A file's reads, refused once ``_READ_BUDGET`` bytes were read."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._left = _READ_BUDGET

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self._left -= count
        if self._left < 0:
            raise OSError("more than the read budget of an ELF file's links")
        return count


def dynamic_links(path: Path) -> DynamicLinks | None:
    """Return ``path``'s dynamic links; None for a file that is not a readable ELF file.

    Raises:
        InputError: ``path`` cannot be opened as an input (``open_input``).

    Only the headers, the dynamic entries and their strings are read, at most
    ``_READ_BUDGET`` bytes; the entries are found through the program headers,
    so a binary stripped of its section headers still answers.
    """
    with open_input(path) as stream:
        if stream.read(len(_MAGIC)) != _MAGIC:
            return None
        stream.seek(0)
        needed: list[str] = []
        search_path: list[str] = []
        try:
            for segment in ELFFile(cast("BinaryIO", _ReadBudget(stream))).iter_segments():
                if not isinstance(segment, DynamicSegment):
                    continue
                for tag in segment.iter_tags():
                    kind = tag.entry.d_tag
                    if kind not in _STRINGS:
                        continue
                    value = str(vars(tag)[_STRINGS[kind]])
                    if kind == "DT_NEEDED":
                        needed.append(value)
                    else:
                        search_path.extend(part for part in value.split(":") if part)
        except Exception:  # noqa: BLE001 - pyelftools asserts, and raises many kinds, on damage
            return None  # a damaged ELF file is packed as it is, asking for nothing
    return DynamicLinks(tuple(needed), tuple(search_path))

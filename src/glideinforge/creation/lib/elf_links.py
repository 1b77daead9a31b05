"""What an ELF program or library asks the dynamic loader for: libraries and where to look."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.construct.core import ConstructError
from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile

__all__ = ["DynamicLinks", "dynamic_links"]

_MAGIC = b"\x7fELF"
_STRINGS = {"DT_NEEDED": "needed", "DT_RUNPATH": "runpath", "DT_RPATH": "rpath"}
"""The dynamic tags read, and the attribute pyelftools gives each one's string as."""


@dataclass(frozen=True, slots=True)
class DynamicLinks:
    """An ELF file's ``DT_NEEDED`` names and its ``DT_RUNPATH``/``DT_RPATH`` folders."""

    needed: tuple[str, ...]
    search_path: tuple[str, ...]


def dynamic_links(path: Path) -> DynamicLinks | None:
    """Return ``path``'s dynamic links; None for a file that is not a readable ELF file.

    Only the headers and the dynamic segment are read (through the program
    headers, so a binary stripped of its section headers still answers).
    """
    with path.open("rb") as stream:
        if stream.read(len(_MAGIC)) != _MAGIC:
            return None
        stream.seek(0)
        needed: list[str] = []
        search_path: list[str] = []
        try:
            for segment in ELFFile(stream).iter_segments():
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
        except (
            ELFError,
            ConstructError,
            struct.error,
            ValueError,
            LookupError,
            AttributeError,
            OSError,
        ):
            return None  # a damaged ELF file is packed as it is, asking for nothing
    return DynamicLinks(tuple(needed), tuple(search_path))

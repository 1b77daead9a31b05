"""Which staged files a state needs, read from its ``signatures.sha1`` chain.

summary -> each directory's description -> its signature file and file lists
-> every listed file. Nothing is recorded separately: the chain is the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .dict_files import summary_rows
from .names import SAFE_NAME

__all__ = ["StageRefs", "stage_references"]


@dataclass
class StageRefs:
    """Files (relative to the stage root) a set of states needs, and what could not be read."""

    files: set[str] = field(default_factory=set)
    directories: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)


def _lines(path: Path) -> list[str] | None:
    try:
        text = path.read_bytes().decode("latin-1")
    except OSError:
        return None
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _directory_refs(stage: Path, subdir: str, description: str, refs: StageRefs) -> None:
    directory = stage / subdir if subdir else stage
    prefix = f"{subdir}/" if subdir else ""
    refs.directories.add(subdir)
    refs.files.add(prefix + description)
    lines = _lines(directory / description)
    if lines is None:
        refs.unreadable.append(prefix + description)
        return
    for line in lines:
        key, _, name = line.partition(" \t")
        if (key == "signature" or key.endswith("file_list")) and SAFE_NAME.match(name):
            refs.files.add(prefix + name)
            if key == "signature":
                continue
            rows = _lines(directory / name)
            if rows is None:
                refs.unreadable.append(prefix + name)
                continue
            for row in rows:
                fields = row.split(" \t")
                if len(fields) == 7 and SAFE_NAME.match(fields[1]):
                    refs.files.add(prefix + fields[1])


def stage_references(stage: Path, summaries: list[bytes]) -> StageRefs:
    """Return every staged file the given ``signatures.sha1`` contents reference."""
    refs = StageRefs()
    seen: set[tuple[str, str]] = set()
    for summary in summaries:
        for _, description, key in summary_rows(summary.decode("latin-1")):
            if key == "main":
                subdir = ""
            elif key.startswith(("entry_", "group_")) and SAFE_NAME.match(key):
                subdir = key
            else:
                continue
            if (subdir, description) in seen or not SAFE_NAME.match(description):
                continue
            seen.add((subdir, description))
            _directory_refs(stage, subdir, description, refs)
    return refs

"""Read what an existing work dir says about the previous state."""

from __future__ import annotations

from pathlib import Path

__all__ = ["previous_schedds"]


def previous_schedds(work_dir: Path) -> dict[str, str]:
    """Return each entry's schedd from the existing ``entry_*/job.descript`` files."""
    schedds: dict[str, str] = {}
    if not work_dir.is_dir():
        return schedds
    for descript in work_dir.glob("entry_*/job.descript"):
        try:
            lines = descript.read_text(encoding="latin-1").splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition(" \t")
            if key == "Schedd" and value:
                schedds[descript.parent.name.removeprefix("entry_")] = value
    return schedds

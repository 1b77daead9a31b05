"""What publishing did: counts, and where each content was first published."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PublishStats"]


@dataclass
class PublishStats:
    """What publishing did, and where each content was first published (for links)."""

    written: int = 0
    linked: int = 0
    unchanged: int = 0
    bytes_written: int = 0
    paths: list[str] = field(default_factory=list)
    published_at: dict[str, str] = field(default_factory=dict)
    small_sources: dict[Path, bytes] = field(default_factory=dict, repr=False)

"""Compiled levels as plain values, so a forked compile worker can send its share back.

Only the parent's own forked children write this format and only the parent
reads it, through a pipe, in the same run (``marshal``: plain values only, no
code is ever loaded).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from .condor_vars import CondorVar
from .forked import from_child
from .routing import RoutedAttrs
from .stage_plan import StageDirectory
from .staged import FileDigests, FileListRow, FileStamp, PlannedFile

__all__ = ["CompiledLevel", "LevelCodec"]

_VERSION = 1

_VAR_FIELDS = attrgetter(
    "name", "type", "default", "condor_name", "required", "published", "job_env"
)
_ROW_FIELDS = attrgetter(
    "key", "staged_name", "type", "period", "prefix", "condition", "config_out"
)


@dataclass(frozen=True, slots=True)
class CompiledLevel:
    """One compiled entry (or group): its routed attrs, stage directory and work files."""

    routed: RoutedAttrs
    stage: StageDirectory
    work_files: tuple[PlannedFile, ...]


def _planned(planned: PlannedFile) -> tuple[object, ...]:
    source = None if planned.source is None else str(planned.source)
    return (
        planned.relpath,
        planned.sha1,
        planned.content,
        source,
        planned.mode,
        planned.versioned,
    )


class LevelCodec:
    """Turns levels into bytes and back; decoded levels share one ``Path`` per source."""

    def __init__(self) -> None:
        """Start with no paths seen."""
        self._paths: dict[str, Path] = {}

    def encode(
        self,
        levels: Iterable[CompiledLevel],
        digests: Iterable[tuple[str, FileStamp, FileDigests]] = (),
    ) -> bytes:
        """Return ``levels``, and the file digests computed while compiling them, as bytes."""
        return marshal.dumps(
            (
                _VERSION,
                tuple(map(self._encode_level, levels)),
                tuple((path, stamp, (d.sha1, d.suffix, d.size)) for path, stamp, d in digests),
            )
        )

    @staticmethod
    def _encode_level(level: CompiledLevel) -> tuple[Any, ...]:
        routed, stage = level.routed, level.stage
        return (
            (
                routed.constants,
                routed.attributes,
                routed.params,
                tuple(map(_VAR_FIELDS, routed.condor_vars)),
            ),
            (
                stage.key,
                stage.subdir,
                tuple(map(_planned, stage.files)),
                {name: tuple(map(_ROW_FIELDS, rows)) for name, rows in stage.lists.items()},
                stage.description_name,
                stage.files.index(stage.signature),
            ),
            tuple(map(_planned, level.work_files)),
        )

    def decode(
        self, data: bytes | memoryview
    ) -> tuple[list[CompiledLevel], list[tuple[str, FileStamp, FileDigests]]] | None:
        """Return the levels and digests in ``data``; None when it is not what was sent."""
        sent = from_child(data)
        try:
            version, levels, digests = sent
            if version != _VERSION:
                return None
            return (
                [self._level(*level) for level in levels],
                [(path, tuple(stamp), FileDigests(*values)) for path, stamp, values in digests],
            )
        except (ValueError, TypeError, IndexError):
            return None

    def _planned(self, values: Sequence[Any]) -> PlannedFile:
        relpath, sha1, content, source, mode, versioned = values
        path = None
        if source is not None:
            path = self._paths.get(source)
            if path is None:
                path = self._paths[source] = Path(source)
        return PlannedFile(relpath, sha1, content, path, mode, versioned)

    def _level(
        self, routed: Sequence[Any], stage: Sequence[Any], work: Sequence[Any]
    ) -> CompiledLevel:
        constants, attributes, params, condor_vars = routed
        key, subdir, files, lists, description_name, signature = stage
        planned = tuple(map(self._planned, files))
        return CompiledLevel(
            routed=RoutedAttrs(
                constants, attributes, params, tuple(CondorVar(*var) for var in condor_vars)
            ),
            stage=StageDirectory(
                key=key,
                subdir=subdir,
                files=planned,
                lists={
                    name: tuple(FileListRow(*row) for row in rows) for name, rows in lists.items()
                },
                description_name=description_name,
                signature=planned[signature],
            ),
            work_files=tuple(map(self._planned, work)),
        )

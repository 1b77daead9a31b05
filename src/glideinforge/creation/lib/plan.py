"""A compiled state as both tools plan it, and what can be told about it without writing.

``CompiledState`` is what the factory and the frontend compilers return: stage
directories, work-dir files and the ``signatures.sha1`` summary, with their roots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from .stage_plan import StageDirectory
from .staged import PlannedFile, digest_file, planned_bytes
from .templating import Templates

__all__ = [
    "CompiledState",
    "StageLookup",
    "SummaryRow",
    "file_differences",
    "pending_changes",
    "plan_summary",
    "planned_digests",
    "summary_row",
]

SUMMARY = "signatures.sha1"


class SummaryRow(NamedTuple):
    """One stage directory in ``signatures.sha1``."""

    signature_sha1: str
    description_name: str
    key: str


class StageLookup:
    """Mixin of the compiled states: find one stage directory by its summary key."""

    __slots__ = ()
    stage: Sequence[StageDirectory]

    def stage_directory(self, key: str) -> StageDirectory:
        """Return the stage directory ``main``, ``entry_<name>`` or ``group_<name>``."""
        return next(directory for directory in self.stage if directory.key == key)

    def stage_directories(self) -> dict[str, StageDirectory]:
        """Return every stage directory by key: for lookups in a loop over all of them."""
        return {directory.key: directory for directory in self.stage}


class CompiledState(Protocol):
    """Everything one reconfig publishes."""

    @property
    def stage(self) -> Sequence[StageDirectory]:
        """The stage directories, summary order."""
        ...

    @property
    def work_files(self) -> Sequence[PlannedFile]:
        """The work-dir files except the summary."""
        ...

    @property
    def summary(self) -> PlannedFile:
        """``signatures.sha1``, published last."""
        ...

    @property
    def stage_root(self) -> Path:
        """Where the stage directories go."""
        ...

    @property
    def work_root(self) -> Path:
        """Where the work-dir files go."""
        ...


def summary_row(directory: StageDirectory) -> SummaryRow:
    """Return the directory's row of ``signatures.sha1``."""
    return SummaryRow(directory.signature.sha1, directory.description_name, directory.key)


def plan_summary(
    templates: Templates, directories: Iterable[StageDirectory | SummaryRow]
) -> PlannedFile:
    """Plan ``signatures.sha1``: each directory's signature digest, description and key.

    A directory published before and left as it is may be given as its row.
    """
    rows = [item if isinstance(item, SummaryRow) else summary_row(item) for item in directories]
    return planned_bytes(
        SUMMARY, templates.render("summary_file.j2", name=SUMMARY, rows=rows), versioned=False
    )


def _placed(compiled: CompiledState) -> Iterable[tuple[str, Path, PlannedFile]]:
    """Yield ("stage" or "work", its root, file) for every planned file."""
    for directory in compiled.stage:
        for file in directory.files:
            yield "stage", compiled.stage_root, file
    for file in (*compiled.work_files, compiled.summary):
        yield "work", compiled.work_root, file


def pending_changes(compiled: CompiledState) -> list[tuple[str, str]]:
    """Return (``create``/``overwrite``, path) for every planned file not already in place."""
    changes = []
    for _, root, file in _placed(compiled):
        path = root / file.relpath
        if not path.exists():
            changes.append(("create", str(path)))
        elif not file.versioned and file.sha1 != digest_file(path).sha1:
            changes.append(("overwrite", str(path)))
    return changes


def planned_digests(compiled: CompiledState) -> dict[str, str]:
    """Return every planned file as ``stage:``/``work:`` relative path -> SHA-1."""
    files = {f"stage:{file.relpath}": file.sha1 for d in compiled.stage for file in d.files}
    files |= {
        f"work:{file.relpath}": file.sha1 for file in (*compiled.work_files, compiled.summary)
    }
    return files


def file_differences(old: CompiledState, new: CompiledState) -> list[dict[str, str]]:
    """Return the files added, changed and removed between two compiled states."""
    old_files, new_files = planned_digests(old), planned_digests(new)
    return [
        {"path": path, "change": "added" if path not in old_files else "changed"}
        for path, sha1 in new_files.items()
        if old_files.get(path) != sha1
    ] + [{"path": path, "change": "removed"} for path in old_files if path not in new_files]

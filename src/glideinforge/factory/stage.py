"""The factory's stage directories: condor tarballs, and main/entry inputs to the planner."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

from glideinforge.creation.lib.condor_vars import CondorVar
from glideinforge.creation.lib.htchirp import HTCHIRP_KEY, HTCHIRP_UNTAR_DIR
from glideinforge.creation.lib.stage_plan import StageDirectory, StageInputs, plan_stage_directory
from glideinforge.creation.lib.staged import (
    DigestCache,
    FileDigests,
    FileListRow,
    PlannedFile,
    planned_copy,
    versioned_name,
)
from glideinforge.creation.lib.templating import Templates
from glideinforge.frozen import frozen

from .model import CondorTarball, StagedFile

__all__ = [
    "StageDirectory",
    "TarballPlatforms",
    "plan_entry_directory",
    "plan_main_directory",
    "platform_combinations",
    "tarball_platforms",
]


@frozen
class TarballPlatforms:
    """A condor tarball staged once and the platform combinations it serves."""

    staged: PlannedFile
    combinations: tuple[str, ...]


def platform_combinations(tarball: CondorTarball) -> tuple[str, ...]:
    """Return the ``version-os-arch`` combinations a condor tarball serves."""
    return tuple(
        f"{version}-{os_name}-{arch}"
        for version, os_name, arch in itertools.product(tarball.version, tarball.os, tarball.arch)
    )


def tarball_platforms(
    tarballs: Sequence[CondorTarball],
    packed: Mapping[int, tuple[Path, FileDigests]],
    digests: DigestCache,
) -> list[TarballPlatforms]:
    """Plan each condor tarball as ``condor_bin_<idx>.<suffix>.tgz`` with its platforms.

    ``packed`` maps the index of each ``base_dir`` tarball to the file it was
    packed into and its digests; ``tar_file`` tarballs are streamed from where they are.
    """
    planned = []
    for index, tarball in enumerate(tarballs):
        if tarball.tar_file is not None:
            source, found = tarball.tar_file, digests.digests(tarball.tar_file)
        else:
            source, found = packed[index]
        name = versioned_name(f"condor_bin_{index}.tgz", found.suffix)
        staged = planned_copy(name, source, found)
        planned.append(TarballPlatforms(staged, platform_combinations(tarball)))
    return planned


def plan_main_directory(
    *,
    constants: dict[str, str],
    condor_vars: Sequence[CondorVar],
    user_files: Sequence[StagedFile],
    tarballs: Sequence[TarballPlatforms],
    grid_map: Sequence[tuple[str, str]],
    digests: DigestCache,
    templates: Templates,
    htchirp: Path | None = None,
) -> StageDirectory:
    """Plan the factory's main stage directory (``htchirp``: the packed chirp client)."""
    rows: list[FileListRow] = []
    untar: list[tuple[str, str]] = []
    for tarball in tarballs:
        for combination in tarball.combinations:
            key = f"condor_bin_{combination}.tgz"
            rows.append(
                FileListRow(
                    key,
                    tarball.staged.relpath,
                    "untar",
                    condition=f"CONDOR_PLATFORM_{combination}",
                    config_out="CONDOR_DIR",
                )
            )
            untar.append((key, "condor"))
    extra_rows = {"condor_tarballs": rows}
    extra_files = [tarball.staged for tarball in tarballs]
    if htchirp is not None:
        found = digests.digests(htchirp)
        staged = planned_copy(versioned_name(HTCHIRP_KEY, found.suffix), htchirp, found)
        extra_rows["htchirp"] = [FileListRow(HTCHIRP_KEY, staged.relpath, "untar")]
        extra_files.append(staged)
        untar.append((HTCHIRP_KEY, HTCHIRP_UNTAR_DIR))
    inputs = StageInputs(
        constants=constants,
        condor_vars=condor_vars,
        user_files={
            "user_files": [file for file in user_files if not file.after_entry],
            "after_entry_files": [file for file in user_files if file.after_entry],
        },
        extra_rows=extra_rows,
        extra_files=extra_files,
        extra_untar=untar,
        grid_map=grid_map,
        digests=digests,
        templates=templates,
    )
    return plan_stage_directory(key="main", level="main", subdir="", inputs=inputs)


def plan_entry_directory(
    name: str,
    *,
    constants: dict[str, str],
    condor_vars: Sequence[CondorVar],
    user_files: Sequence[StagedFile],
    digests: DigestCache,
    templates: Templates,
) -> StageDirectory:
    """Plan the stage directory ``entry_<name>``."""
    inputs = StageInputs(
        constants,
        condor_vars,
        templates,
        user_files={"user_files": user_files},
        digests=digests,
    )
    key = f"entry_{name}"
    return plan_stage_directory(key=key, level="entry", subdir=key, inputs=inputs)

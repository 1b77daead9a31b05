"""Pack an HTCondor installation (``<condor_tarball base_dir>``) reproducibly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .reproducible_tar import write_reproducible_tarball

__all__ = ["REQUIRED_BINARIES", "pack_condor_base_dir"]

REQUIRED_BINARIES = ("sbin/condor_master", "sbin/condor_startd", "sbin/condor_starter")
_OPTIONAL_FILES = (
    "sbin/condor_procd",
    "sbin/condor_fetchlog",
    "sbin/condor_advertise",
    "bin/condor_nsenter",
    "bin/condor_docker_enter",
)
_OPTIONAL_TREES = (
    ("lib/condor", "lib/condor"),
    ("libexec/condor", "libexec"),
    ("libexec", "libexec"),
)


def _members(base_dir: Path) -> Iterator[tuple[Path, str]]:
    for name in (*REQUIRED_BINARIES, *_OPTIONAL_FILES):
        if (base_dir / name).is_file():
            yield base_dir / name, name
    seen: set[str] = set()
    for tree, stored in _OPTIONAL_TREES:
        root = base_dir / tree
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if tree == "libexec" and relative.startswith("condor/"):
                continue  # RPM layout: already stored flattened from libexec/condor
            arcname = f"{stored}/{relative}"
            if path.is_file() and arcname not in seen and not path.is_symlink():
                seen.add(arcname)
                yield path, arcname


def pack_condor_base_dir(base_dir: Path, target: Path) -> None:
    """Write a gzip tarball of ``base_dir``'s HTCondor files to ``target``.

    The same installation always packs to the same bytes (and so the same
    staged name); see ``write_reproducible_tarball``.

    Raises:
        FileNotFoundError: a required binary is missing.
    """
    for name in REQUIRED_BINARIES:
        if not (base_dir / name).is_file():
            raise FileNotFoundError(f"Cannot find {base_dir / name}")
    write_reproducible_tarball(_members(base_dir), target)

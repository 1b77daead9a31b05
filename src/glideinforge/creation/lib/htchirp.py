"""Pack HTCondor's Python chirp client (the ``htchirp`` package) for the glidein.

GlideinWMS stages ``htchirp.tar.gz`` in the main file list, unpacked into
``main/lib/python/htchirp`` so that jobs run through ``gwms-python`` can
``import htchirp``. glideinforge packs the installed ``htchirp`` distribution
(its modules and licence) at compile time, so ``upgrade`` picks up a new
release under a new content name.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["HTCHIRP_KEY", "HTCHIRP_UNTAR_DIR", "htchirp_members", "pack_htchirp"]

HTCHIRP_KEY = "htchirp.tar.gz"
HTCHIRP_UNTAR_DIR = "lib/python/htchirp"


def htchirp_members() -> list[tuple[Path, str]]:
    """Return the installed htchirp modules and licence as (path, archive name), sorted."""
    # Loaded when the main stage directory is planned, not by every compile.
    from importlib import metadata  # noqa: PLC0415

    distribution = metadata.distribution("htchirp")
    members = []
    for entry in distribution.files or ():
        parts = entry.parts
        if parts[0] == "htchirp" and entry.suffix == ".py" and "__pycache__" not in parts:
            members.append((Path(str(entry.locate())), "/".join(parts[1:])))
        elif parts[-1] == "LICENSE" and parts[0].endswith(".dist-info"):
            members.append((Path(str(entry.locate())), "LICENSE"))
    return sorted(members, key=lambda member: member[1])


def pack_htchirp(target: Path) -> Path:
    """Write the htchirp tarball to ``target``; return it."""
    from .reproducible_tar import write_reproducible_tarball  # noqa: PLC0415 - tarfile, threads

    write_reproducible_tarball(htchirp_members(), target, file_mode=0o644)
    return target

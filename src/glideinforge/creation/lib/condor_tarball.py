"""Pack an HTCondor installation (``<condor_tarball base_dir>``) reproducibly."""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Iterator
from pathlib import Path

__all__ = ["REQUIRED_BINARIES", "pack_condor_base_dir"]

REQUIRED_BINARIES = ("sbin/condor_master", "sbin/condor_startd", "sbin/condor_starter")
_OPTIONAL_FILES = (
    "sbin/condor_procd",
    "sbin/condor_fetchlog",
    "sbin/condor_advertise",
    "bin/condor_nsenter",
    "bin/condor_docker_enter",
    "lib/condor_ssh_to_job_sshd_config_template",
    "lib/CondorJavaInfo.class",
    "lib/CondorJavaWrapper.class",
    "lib/scimark2lib.jar",
    "lib/libgetpwnam.so",
)
_TREES = ("lib/condor", "libexec/condor", "libexec")
"""Packed whole; an RPM layout's ``libexec/condor/X`` is stored as ``libexec/X``."""
_LIBRARY_DIRS = ("lib", "lib/condor")
"""Where a needed library is looked for besides the needing file's own search path."""
_ORIGIN = ("${ORIGIN}", "$ORIGIN")


def _stored_name(relative: str) -> str:
    if relative.startswith("libexec/condor/"):
        return "libexec/" + relative.removeprefix("libexec/condor/")
    return relative


class _Selection:
    """The files of a release to pack, by stored name, with the libraries they need.

    A link stays a link when its target is packed under the name the link points
    at; otherwise the file it leads to is stored under the link's name. A link
    that leaves the release, or leads to no regular file, is left out.
    """

    def __init__(self, base_dir: Path) -> None:
        self._base = base_dir
        self.real_base = base_dir.resolve()
        self.files: dict[str, Path] = {}
        self._to_read: deque[Path] = deque()

    def _relative(self, path: Path) -> str | None:
        for base in (self._base, self.real_base):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return None

    def _real_inside(self, path: Path) -> Path | None:
        """Return the regular file ``path`` leads to, if it is inside the release."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a loop of links
            return None
        return real if real.is_relative_to(self.real_base) and real.is_file() else None

    def add(self, path: Path) -> None:
        """Pack ``path`` (a file or link inside the release) and, for a link, its chain."""
        while True:
            path = Path(posixpath.normpath(path))
            relative = self._relative(path)
            stored = None if relative is None else _stored_name(relative)
            if stored is None or stored in self.files:
                return
            real = self._real_inside(path)
            if real is None:
                return
            self.files[stored] = path
            self._to_read.append(real)
            if not path.is_symlink():
                return
            path = path.parent / path.readlink()

    def add_needed_libraries(self) -> None:
        """Pack the libraries the packed programs need that the release has, and theirs."""
        from .elf_links import dynamic_links  # noqa: PLC0415 - pyelftools, for packing only

        read: set[Path] = set()
        while self._to_read:
            path = self._to_read.popleft()
            if path in read:
                continue
            read.add(path)
            links = dynamic_links(path)
            if links is None:
                continue
            folders = [self._base / folder for folder in _LIBRARY_DIRS]
            for entry in links.search_path:
                expanded = entry
                for origin in _ORIGIN:
                    expanded = expanded.replace(origin, str(path.parent))
                folders.append(Path(posixpath.normpath(expanded)))
            inside = [folder for folder in folders if self._relative(folder) is not None]
            for name in links.needed:
                if "/" in name:
                    continue
                for folder in inside:
                    if (folder / name).exists():
                        self.add(folder / name)

    def members(self) -> Iterator[tuple[Path, str]]:
        """(source, stored name): a link, or the file a link leads to when it must be copied."""
        for stored, path in self.files.items():
            if path.is_symlink():
                target = path.readlink().as_posix()
                pointed = posixpath.normpath(posixpath.join(posixpath.dirname(stored), target))
                if posixpath.normpath(target) != target or pointed not in self.files:
                    yield path.resolve(), stored
                    continue
            yield path, stored


def _select(base_dir: Path) -> _Selection:
    selection = _Selection(base_dir)
    for name in (*REQUIRED_BINARIES, *_OPTIONAL_FILES):
        if (base_dir / name).is_file():
            selection.add(base_dir / name)
    for tree in _TREES:
        root = base_dir / tree
        if root.is_dir() and root.resolve().is_relative_to(selection.real_base):
            for path in sorted(root.rglob("*")):
                selection.add(path)
    selection.add_needed_libraries()
    return selection


def pack_condor_base_dir(base_dir: Path, target: Path) -> None:
    """Write a gzip tarball of ``base_dir``'s HTCondor files to ``target``.

    Packed: the daemons, the optional programs and files GlideinWMS packs, the
    ``lib/condor`` and ``libexec`` trees, and every library a packed program or
    library needs (``DT_NEEDED``) that the release has in ``lib``, ``lib/condor``
    or the program's own search path, with the links leading to it. The same
    installation always packs to the same bytes (and so the same staged name);
    see ``write_reproducible_tarball``.

    Raises:
        FileNotFoundError: a required binary is missing.
    """
    for name in REQUIRED_BINARIES:
        if not (base_dir / name).is_file():
            raise FileNotFoundError(f"Cannot find {base_dir / name}")
    from .reproducible_tar import write_reproducible_tarball  # noqa: PLC0415 - tarfile, threads

    write_reproducible_tarball(_select(base_dir).members(), target)

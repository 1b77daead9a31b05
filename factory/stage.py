"""Plan the staging area: main and entry directories with their signature chain.

Every list, dictionary and description is rendered in memory, named from its
content and signed; shipped and user files are hashed by streaming and copied
at write time. Nothing here touches the stage on disk.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glideinforge.creation.lib.condor_vars import CondorVar
from glideinforge.creation.lib.manifest import MAIN_LISTS, ManifestRow, load_manifest, web_base_file
from glideinforge.creation.lib.staged import (
    FileListRow,
    PlannedFile,
    content_suffix,
    digest_file,
    planned_bytes,
    versioned_name,
)
from glideinforge.creation.lib.templating import render

from .model import CondorTarball, StagedFile

__all__ = ["StageDirectory", "TarballPlatforms", "plan_stage_directory", "tarball_platforms"]


@dataclass(frozen=True, slots=True)
class TarballPlatforms:
    """A condor tarball staged once and the platform combinations it serves."""

    staged: PlannedFile
    combinations: tuple[str, ...]


_NAME_MARK = "\x00"
_NAME_MARK_BYTES = _NAME_MARK.encode("latin-1")


@dataclass(frozen=True, slots=True)
class StageDirectory:
    """One planned stage directory (main or ``entry_<name>``)."""

    key: str
    subdir: str
    files: tuple[PlannedFile, ...]
    lists: dict[str, tuple[FileListRow, ...]]
    description_name: str
    signature: PlannedFile

    @property
    def signature_name(self) -> str:
        """Return the staged name of the signature file."""
        return self.signature.relpath.rsplit("/", 1)[-1]


@dataclass
class _Builder:
    """Collects one directory's files while rows are laid out."""

    subdir: str
    files: dict[str, PlannedFile] = field(default_factory=dict)

    def relpath(self, name: str) -> str:
        return f"{self.subdir}/{name}" if self.subdir else name

    def add(self, planned: PlannedFile) -> None:
        self.files.setdefault(planned.relpath, planned)

    def add_rendered(self, key: str, template: str, **context: object) -> tuple[str, PlannedFile]:
        """Render a headed file named from its body; return its name and plan."""
        # Rendered once with a NUL where the name goes (NUL never occurs in
        # config text): the suffix comes from the body without the name.
        marked = render(template, name=_NAME_MARK, **context)
        name = versioned_name(key, content_suffix(marked.replace(_NAME_MARK_BYTES, b"")))
        content = marked.replace(_NAME_MARK_BYTES, name.encode("latin-1"))
        planned = planned_bytes(self.relpath(name), content, versioned=True)
        self.add(planned)
        return name, planned

    def add_copy(
        self, source: Path, key: str, *, versioned: bool = True
    ) -> tuple[str, PlannedFile]:
        digests = digest_file(source)
        name = versioned_name(key, digests.suffix) if versioned else key
        planned = PlannedFile(self.relpath(name), digests.sha1, source=source, versioned=versioned)
        self.add(planned)
        return name, planned


def _user_file_row(
    builder: _Builder, staged: StagedFile
) -> tuple[FileListRow, tuple[str, str] | None]:
    """Plan one user ``<file>``; return its row and its untar.cfg line, if any."""
    if staged.executable:
        file_type = "exec"
    elif staged.wrapper:
        file_type = "wrapper"
    elif staged.untar:
        file_type = "untar"
    else:
        file_type = "regular" if staged.const else "nocache"
    name, _ = builder.add_copy(staged.absfname, staged.relfname, versioned=file_type != "nocache")
    untar_line = None
    condition, config_out = "TRUE", "FALSE"
    if file_type == "untar":
        options = staged.untar_options
        condition = options.cond_attr
        config_out = options.absdir_outattr or "FALSE"
        untar_line = (staged.relfname, options.dir or staged.relfname.split(".", 1)[0])
    row = FileListRow(
        key=staged.relfname,
        staged_name=name,
        type=file_type,
        period=staged.period,
        prefix=staged.prefix,
        condition=condition,
        config_out=config_out,
    )
    return row, untar_line


def tarball_platforms(
    tarballs: Sequence[CondorTarball], packed: dict[int, Path]
) -> list[TarballPlatforms]:
    """Plan each condor tarball as ``condor_bin_<idx>.<suffix>.tgz`` with its platforms.

    ``packed`` maps the index of each ``base_dir`` tarball to the file it was
    packed into; ``tar_file`` tarballs are streamed from where they are.
    """
    planned = []
    builder = _Builder("")
    for index, tarball in enumerate(tarballs):
        source = tarball.tar_file if tarball.tar_file is not None else packed[index]
        _, staged = builder.add_copy(source, f"condor_bin_{index}.tgz")
        combinations = tuple(
            f"{version}-{os_name}-{arch}"
            for version, os_name, arch in itertools.product(
                tarball.version, tarball.os, tarball.arch
            )
        )
        planned.append(TarballPlatforms(staged, combinations))
    return planned


def plan_stage_directory(
    *,
    key: str,
    level: str,
    constants: dict[str, str],
    condor_vars: Iterable[CondorVar],
    user_files: Sequence[StagedFile],
    tarballs: Sequence[TarballPlatforms] = (),
    grid_map: Sequence[tuple[str, str]] | None = None,
) -> StageDirectory:
    """Plan one stage directory from the manifest layout of its ``level``.

    Args:
        key: ``main`` or ``entry_<name>`` (also the directory name for entries).
        level: ``main`` or ``entry`` (which manifest section applies).
        constants: the routed constants (platform constants included).
        condor_vars: the rows of this level's condor_vars file.
        user_files: the level's ``<files>``, in XML order.
        tarballs: the condor tarballs (main only).
        grid_map: the grid-mapfile lines (main only).
    """
    builder = _Builder("" if level == "main" else key)
    layout = load_manifest().main if level == "main" else load_manifest().entry
    rows: dict[str, list[FileListRow]] = {name: [] for name in layout}
    untar_lines: list[tuple[str, str]] = []
    tarball_rows: list[FileListRow] = []
    for tarball in tarballs:
        name = tarball.staged.relpath
        builder.add(tarball.staged)
        for combination in tarball.combinations:
            row_key = f"condor_bin_{combination}.tgz"
            tarball_rows.append(
                FileListRow(
                    row_key,
                    name,
                    "untar",
                    condition=f"CONDOR_PLATFORM_{combination}",
                    config_out="CONDOR_DIR",
                )
            )
            untar_lines.append((row_key, "condor"))
    file_rows: dict[str, list[FileListRow]] = {"user_files": [], "after_entry_files": []}
    for staged in user_files:
        row, untar_line = _user_file_row(builder, staged)
        file_rows["after_entry_files" if staged.after_entry else "user_files"].append(row)
        if untar_line:
            untar_lines.append(untar_line)

    generated: dict[str, tuple[str, PlannedFile]] = {
        "constants": builder.add_rendered(
            "constants.cfg", "dict_file.j2", rows=list(constants.items())
        ),
        "condor_vars": builder.add_rendered(
            "condor_vars.lst", "vars_file.j2", rows=list(condor_vars)
        ),
        "untar": builder.add_rendered("untar.cfg", "dict_file.j2", rows=untar_lines),
    }
    if level == "main":
        generated["grid-mapfile"] = _grid_mapfile(builder, grid_map or ())
    slots = {"condor_tarballs": tarball_rows, **file_rows}
    for list_name, manifest_rows in layout.items():
        for manifest_row in manifest_rows:
            rows[list_name].extend(_manifest_rows(builder, manifest_row, generated, slots))
    describe = list(load_manifest().main_description) if level == "main" else []
    lists = {name: tuple(list_rows) for name, list_rows in rows.items()}
    list_files = {
        name: builder.add_rendered(f"{name}.lst", "file_list.j2", rows=list(list_rows))
        for name, list_rows in lists.items()
    }
    return _sign(
        builder,
        key=key,
        level=level,
        generated=generated,
        lists=lists,
        list_files=list_files,
        describe=describe,
    )


def _grid_mapfile(
    builder: _Builder, grid_map: Sequence[tuple[str, str]]
) -> tuple[str, PlannedFile]:
    content = render("grid_mapfile.j2", rows=list(grid_map))
    name = versioned_name("grid-mapfile", content_suffix(content))
    planned = planned_bytes(builder.relpath(name), content, versioned=True)
    builder.add(planned)
    return name, planned


def _manifest_rows(
    builder: _Builder,
    manifest_row: ManifestRow,
    generated: dict[str, tuple[str, PlannedFile]],
    slots: dict[str, list[FileListRow]],
) -> list[FileListRow]:
    if manifest_row.kind == "slot":
        return slots[manifest_row.name]
    if manifest_row.kind == "generated":
        name = generated[manifest_row.name][0]
    else:
        source = web_base_file(manifest_row.name)
        name, _ = builder.add_copy(
            source, manifest_row.key, versioned=manifest_row.type != "nocache"
        )
    return [
        FileListRow(
            key=manifest_row.key,
            staged_name=name,
            type=manifest_row.type,
            period=manifest_row.period,
            prefix=manifest_row.prefix,
            condition=manifest_row.condition,
            config_out=manifest_row.config_out,
        )
    ]


def _sign(
    builder: _Builder,
    *,
    key: str,
    level: str,
    generated: dict[str, tuple[str, PlannedFile]],
    lists: dict[str, tuple[FileListRow, ...]],
    list_files: dict[str, tuple[str, PlannedFile]],
    describe: list[tuple[str, str]],
) -> StageDirectory:
    """Write description and signature, which share a suffix derived from the rest."""
    head = [(planned.sha1, name) for name, planned in generated.values()]
    head += [(planned.sha1, name) for name, planned in list_files.values()]
    signed_names = {name for _, name in head}
    tail: list[tuple[str, str]] = []
    for list_rows in lists.values():
        for row in list_rows:
            if row.signed and row.staged_name not in signed_names:
                signed_names.add(row.staged_name)
                planned = builder.files[builder.relpath(row.staged_name)]
                tail.append((planned.sha1, row.staged_name))
    suffix = content_suffix(render("sha1_file.j2", name="", rows=head + tail))
    signature_name = f"signature.{suffix}.sha1"
    description_name = f"description.{suffix}.cfg"
    description_rows = [("signature", signature_name), ("file_list", list_files["file_list"][0])]
    description_rows += describe
    if level == "main":
        description_rows += [(name, list_files[name][0]) for name in MAIN_LISTS[1:]]
    description = planned_bytes(
        builder.relpath(description_name),
        render("dict_file.j2", name=description_name, rows=description_rows),
        versioned=True,
    )
    builder.add(description)
    signature = planned_bytes(
        builder.relpath(signature_name),
        render(
            "sha1_file.j2",
            name=signature_name,
            rows=[*head, (description.sha1, description_name), *tail],
        ),
        versioned=True,
    )
    builder.add(signature)
    return StageDirectory(
        key=key,
        subdir=builder.subdir,
        files=tuple(builder.files.values()),
        lists=lists,
        description_name=description_name,
        signature=signature,
    )

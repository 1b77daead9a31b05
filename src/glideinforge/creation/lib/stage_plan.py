"""Plan one stage directory from its manifest level, with its signature chain.

Both the factory (main, ``entry_<name>``) and the frontend (main,
``group_<name>``) stage directories are planned here. Every list, dictionary
and description is rendered in memory, named from its content and signed;
shipped and user files are hashed by streaming and copied at write time.
Nothing here touches the stage on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glideinforge.frozen import frozen

from .attrs import StagedFile
from .condor_vars import CondorVar
from .manifest import ManifestRow, level_layout, web_base_file
from .staged import (
    DigestCache,
    FileListRow,
    PlannedFile,
    content_suffix,
    planned_bytes,
    planned_copy,
    versioned_name,
)
from .templating import Templates

__all__ = ["StageDirectory", "StageInputs", "plan_stage_directory"]

_NAME_MARK = "\x00"
_NAME_MARK_BYTES = _NAME_MARK.encode("latin-1")


@frozen
class StageDirectory:
    """One planned stage directory (``main``, ``entry_<name>`` or ``group_<name>``)."""

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


@frozen
class StageInputs:
    """What the compiler puts into one stage directory.

    Attributes:
        constants: the routed constants, in order.
        condor_vars: the rows of the directory's condor_vars file.
        templates: the run's templates.
        user_files: per manifest slot, the user ``<file>``s it holds, in XML order.
        extra_rows: per manifest slot, rows the compiler made (condor tarballs).
        extra_files: the files those rows name.
        extra_untar: untar.cfg lines for the extra rows.
        grid_map: the grid-mapfile lines (levels whose manifest has one).
        digests: the run's digests (a file staged in many directories is read once).
    """

    constants: Mapping[str, str]
    condor_vars: Iterable[CondorVar]
    templates: Templates
    user_files: Mapping[str, Sequence[StagedFile]] = field(default_factory=dict)
    extra_rows: Mapping[str, Sequence[FileListRow]] = field(default_factory=dict)
    extra_files: Sequence[PlannedFile] = ()
    extra_untar: Sequence[tuple[str, str]] = ()
    grid_map: Sequence[tuple[str, str]] = ()
    digests: DigestCache = field(default_factory=DigestCache)


@dataclass
class _Builder:
    """Collects one directory's files while rows are laid out."""

    subdir: str
    digests: DigestCache
    templates: Templates
    files: dict[str, PlannedFile] = field(default_factory=dict)

    def relpath(self, name: str) -> str:
        return f"{self.subdir}/{name}" if self.subdir else name

    def add(self, planned: PlannedFile) -> None:
        self.files.setdefault(planned.relpath, planned)

    def add_rendered(self, key: str, template: str, **context: object) -> tuple[str, PlannedFile]:
        """Render a headed file named from its body; return its name and plan."""
        # Rendered once with a NUL where the name goes (NUL never occurs in
        # config text): the suffix comes from the body without the name.
        marked = self.templates.render(template, name=_NAME_MARK, **context)
        name = versioned_name(key, content_suffix(marked.replace(_NAME_MARK_BYTES, b"")))
        content = marked.replace(_NAME_MARK_BYTES, name.encode("latin-1"))
        planned = planned_bytes(self.relpath(name), content, versioned=True)
        self.add(planned)
        return name, planned

    def largest(self, rows: Iterable[FileListRow]) -> int:
        """Return the size of the largest file ``rows`` name (0 for none)."""
        return max((self.files[self.relpath(row.staged_name)].size for row in rows), default=0)

    def add_copy(
        self, source: Path, key: str, *, versioned: bool = True
    ) -> tuple[str, PlannedFile]:
        digests = self.digests.digests(source)
        name = versioned_name(key, digests.suffix) if versioned else key
        planned = planned_copy(self.relpath(name), source, digests, versioned=versioned)
        self.add(planned)
        return name, planned


def user_file_type(staged: StagedFile) -> str:
    """Return the file-list type of a user file (``exec:s`` for a Singularity executable)."""
    if staged.executable:
        return "exec:s" if staged.type.startswith(("run:s", "exec:s")) else "exec"
    if staged.wrapper:
        return "wrapper"
    if staged.untar:
        return "untar"
    return "regular" if staged.const else "nocache"


def _user_file_row(
    builder: _Builder, staged: StagedFile
) -> tuple[FileListRow, tuple[str, str] | None]:
    """Plan one user ``<file>``; return its row and its untar.cfg line, if any."""
    file_type = user_file_type(staged)
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


def plan_stage_directory(
    *, key: str, level: str, subdir: str, inputs: StageInputs
) -> StageDirectory:
    """Plan one stage directory from the manifest layout of ``level``.

    Args:
        key: the directory's key in ``signatures.sha1`` (``main``, ``entry_X``, ``group_X``).
        level: the manifest level (``main``, ``entry``, ``client``, ``client_group``).
        subdir: the directory under the stage root ("" for main).
        inputs: what the compiler puts in.
    """
    builder = _Builder(subdir, inputs.digests, inputs.templates)
    layout = level_layout(level)
    slots: dict[str, list[FileListRow]] = {
        name: list(rows) for name, rows in inputs.extra_rows.items()
    }
    for planned in inputs.extra_files:
        builder.add(planned)
    untar_lines = list(inputs.extra_untar)
    for slot, staged_files in inputs.user_files.items():
        rows = slots.setdefault(slot, [])
        for staged in staged_files:
            row, untar_line = _user_file_row(builder, staged)
            rows.append(row)
            if untar_line:
                untar_lines.append(untar_line)
    generated: dict[str, tuple[str, PlannedFile]] = {
        "constants": builder.add_rendered(
            "constants.cfg", "dict_file.j2", rows=list(inputs.constants.items())
        ),
        "condor_vars": builder.add_rendered(
            "condor_vars.lst", "vars_file.j2", rows=list(inputs.condor_vars)
        ),
        "untar": builder.add_rendered("untar.cfg", "dict_file.j2", rows=untar_lines),
    }
    if layout.uses("grid-mapfile"):
        generated["grid-mapfile"] = _grid_mapfile(builder, inputs.grid_map)
    lists: dict[str, tuple[FileListRow, ...]] = {}
    for list_name, manifest_rows in layout.lists.items():
        rows = []
        for manifest_row in manifest_rows:
            rows.extend(_manifest_rows(builder, manifest_row, generated, slots))
        lists[list_name] = tuple(rows)
    list_files = {
        name: builder.add_rendered(
            f"{name}.lst",
            "file_list.j2",
            rows=list(list_rows),
            largest=builder.largest(list_rows),
        )
        for name, list_rows in lists.items()
    }
    names = list(lists)
    description_rows = [(names[0], list_files[names[0]][0]), *layout.description]
    description_rows += [(name, list_files[name][0]) for name in names[1:]]
    return _sign(
        builder,
        key=key,
        generated=generated,
        lists=lists,
        list_files=list_files,
        description_rows=description_rows,
    )


def _grid_mapfile(
    builder: _Builder, grid_map: Sequence[tuple[str, str]]
) -> tuple[str, PlannedFile]:
    content = builder.templates.render("grid_mapfile.j2", rows=list(grid_map))
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
        return slots.get(manifest_row.name, [])
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
    generated: dict[str, tuple[str, PlannedFile]],
    lists: dict[str, tuple[FileListRow, ...]],
    list_files: dict[str, tuple[str, PlannedFile]],
    description_rows: list[tuple[str, str]],
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
    suffix = content_suffix(builder.templates.render("sha1_file.j2", name="", rows=head + tail))
    signature_name = f"signature.{suffix}.sha1"
    description_name = f"description.{suffix}.cfg"
    description = planned_bytes(
        builder.relpath(description_name),
        builder.templates.render(
            "dict_file.j2",
            name=description_name,
            rows=[("signature", signature_name), *description_rows],
        ),
        versioned=True,
    )
    builder.add(description)
    signature = planned_bytes(
        builder.relpath(signature_name),
        builder.templates.render(
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

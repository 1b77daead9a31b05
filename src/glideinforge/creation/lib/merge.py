"""Read a main XML file plus its ``config.d/*.xml`` drop-ins and merge them.

The rules are GlideinWMS's: drop-ins are read in file-name order; root and
singleton elements merge attribute by attribute; list elements merge by key,
a drop-in's item replacing the whole item of the same key, and a list that
both sides have comes out sorted by key. Duplicates inside one file and
repeated singleton blocks are reported instead of being silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import field
from pathlib import Path

from glideinforge.frozen import frozen

from .config_files import ConfigFiles, find_config_files
from .diagnostics import ConfigError, Diagnostic, Severity, Source
from .language import KindSpec, Language, ListSpec
from .xml_tree import Node, ParsedHook, read_xml_file

__all__ = ["MergedTree", "merge_trees", "read_merged_tree"]

_PRIORITY = re.compile(r"^(\d+)")
_EMPTY_KIND = KindSpec("", {}, {}, (), frozenset(), {}, {})


@frozen
class MergedTree:
    """The merged element tree (None when nothing usable was read).

    ``dropin_globals`` keeps, per drop-in file, the global ``<attrs>`` items it
    wrote, as written: GlideinWMS checks an entry of a drop-in against those
    alone (see the factory's const rule).
    """

    root: Node | None
    files: ConfigFiles
    diagnostics: list[Diagnostic]
    dropin_globals: dict[str, tuple[Node, ...]] = field(default_factory=dict)


def read_merged_tree(
    main: Path, language: Language, *, dropins: bool = True, on_parsed: ParsedHook | None = None
) -> MergedTree:
    """Read every file, report per-file problems, and merge what parsed.

    With ``dropins=False`` only ``main`` is read (the frontend has no ``config.d``);
    ``on_parsed`` is told each file that parses (see ``read_xml_file``).
    """
    try:
        files = find_config_files(main) if dropins else ConfigFiles(main, ())
    except ConfigError as error:
        return MergedTree(None, ConfigFiles(main, ()), error.diagnostics)
    return merge_trees(files, [_read(path, on_parsed) for path in files.all()], language)


def _read(path: Path, on_parsed: ParsedHook | None) -> Node | ConfigError:
    try:
        return read_xml_file(path, on_parsed=on_parsed)
    except ConfigError as error:
        return error


def merge_trees(
    files: ConfigFiles, parsed: Sequence[Node | ConfigError], language: Language
) -> MergedTree:
    """Merge the files' trees (or why each could not be read), in ``files`` order."""
    diagnostics: list[Diagnostic] = []
    trees: list[Node] = []
    for root in parsed:
        if isinstance(root, ConfigError):
            diagnostics.extend(root.diagnostics)
            continue
        if root.tag != language.root_tag:
            diagnostics.append(
                Diagnostic(
                    root.source,
                    f"/{root.tag}",
                    f"root element must be <{language.root_tag}>, found <{root.tag}>",
                    "structure.root",
                )
            )
            continue
        diagnostics.extend(_duplicates(root, language, language.kinds[language.root_kind]))
        trees.append(root)
    if not trees or trees[0].file != str(files.main):
        return MergedTree(None, files, diagnostics)
    merged = trees[0]
    root_spec = language.kinds[language.root_kind]
    dropin_globals = {dropin.file: _own_attrs(dropin) for dropin in trees[1:]}
    for dropin in trees[1:]:
        diagnostics.extend(_merge_element(merged, dropin, root_spec, language, f"/{merged.tag}"))
    return MergedTree(merged, files, diagnostics, dropin_globals)


def _own_attrs(root: Node) -> tuple[Node, ...]:
    """Return the items of a file's (last) top-level ``<attrs>``, before any merge."""
    container = _last_child(root, "attrs")
    return () if container is None else tuple(container.children)


def _duplicates(
    node: Node, language: Language, spec: KindSpec, path: str = ""
) -> Iterator[Diagnostic]:
    """Report items sharing a key in the lists a merge touches.

    Merging keeps one item per key, so these lists are checked file by file
    before merging. Lists inside list items (an entry's attrs) are not merged
    and are checked afterwards with the rest of the shape.
    """
    path = path or f"/{node.tag}"
    for child in node.children:
        tag = child.tag
        child_path = f"{path}/{tag}"
        if tag in spec.singletons:
            kind = language.kinds[spec.singletons[tag]]
            yield from _duplicates(child, language, kind, child_path)
            continue
        list_spec = spec.lists.get(tag)
        if list_spec is None:
            continue
        for item, diagnosis in list_spec.duplicates(child.children):
            yield Diagnostic(
                item.source,
                _item_path(child_path, item, list_spec),
                diagnosis.message,
                "structure.duplicate" if diagnosis.conflicting else "structure.repeated_item",
                Severity.ERROR if diagnosis.conflicting else Severity.WARNING,
            )


def _item_path(container_path: str, item: Node, list_spec: ListSpec) -> str:
    name = list_spec.merge_key[0]
    if len(list_spec.merge_key) == 1 and name in item.attributes:
        return f"{container_path}/{item.tag}[@{name}='{item.attributes[name]}']"
    return f"{container_path}/{item.tag}"


def _key_words(list_spec: ListSpec, key: str) -> str:  # for messages only
    return f'{"/".join(list_spec.merge_key)}="{key}"'


def _last_child(node: Node, tag: str) -> Node | None:
    for child in reversed(node.children):
        if child.tag == tag:
            return child
    return None


def _merge_element(
    target: Node, incoming: Node, spec: KindSpec, language: Language, path: str
) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    if incoming.attributes and target.attribute_sources is None:
        target.attribute_sources = {}
    for name, value in incoming.attributes.items():
        target.attributes[name] = value
        target.attribute_sources[name] = incoming.attribute_source(name)  # type: ignore[index]
    for child in incoming.children:
        existing = _last_child(target, child.tag)
        if existing is None:
            target.children.append(child)
        elif child.tag in spec.lists:
            diagnostics.extend(
                _unkeyed_items(
                    (*existing.children, *child.children),
                    spec.lists[child.tag],
                    f"{path}/{child.tag}",
                )
            )
            existing.attributes.update(child.attributes)
            existing.children = _merge_list(
                existing.children,
                child.children,
                spec.lists[child.tag],
                diagnostics,
                f"{path}/{child.tag}",
            )
        elif child.tag in spec.singletons:
            kind = language.kinds[spec.singletons[child.tag]]
            diagnostics.extend(
                _merge_element(existing, child, kind, language, f"{path}/{child.tag}")
            )
        else:
            diagnostics.extend(
                _merge_element(existing, child, _EMPTY_KIND, language, f"{path}/{child.tag}")
            )
    return diagnostics


def _unkeyed_items(items: Sequence[Node], list_spec: ListSpec, path: str) -> Iterator[Diagnostic]:
    """Report items a merge cannot key: GlideinWMS sorts both lists by the key and stops."""
    container = path.rsplit("/", 1)[-1]
    for item in items:
        missing = [name for name in list_spec.merge_key if name not in item.attributes]
        if missing:
            yield Diagnostic(
                item.source,
                f"{path}/{item.tag}",
                f'missing "{missing[0]}" attribute: GlideinWMS merges <{container}> of several '
                "files by it",
                "structure.merge_key",
            )


def _merge_list(
    current: list[Node],
    incoming: list[Node],
    list_spec: ListSpec,
    diagnostics: list[Diagnostic],
    path: str,
) -> list[Node]:
    key_of = list_spec.key_of
    merged = {key_of(item): item for item in sorted(current, key=key_of)}
    for item in sorted(incoming, key=key_of):
        key = key_of(item)
        replaced = merged.get(key)
        if replaced is not None and replaced.file != item.file:
            diagnostics.append(_replaced(replaced.source, item, list_spec, key, path))
        merged[key] = item
    return sorted(merged.values(), key=key_of)


def _replaced(replaced: Source, item: Node, list_spec: ListSpec, key: str, path: str) -> Diagnostic:
    """Say that ``item`` replaces an item of an earlier file whole.

    A note: drop-ins override on purpose. A warning when both drop-ins have the
    same numeric priority, so that only alphabetical order decides.
    """
    old_name = Path(replaced.file).name
    new_name = Path(item.source.file).name
    old_priority = _PRIORITY.match(old_name)
    new_priority = _PRIORITY.match(new_name)
    what = f"<{item.tag}> {_key_words(list_spec, key)} of {old_name}"
    if (
        Path(replaced.file).parent.name == "config.d"
        and old_priority
        and new_priority
        and old_priority.group(1) == new_priority.group(1)
    ):
        return Diagnostic(
            item.source,
            _item_path(path, item, list_spec),
            f"{what} (line {replaced.line}) is replaced by {new_name}: both have priority "
            f"{old_priority.group(1)}, so only alphabetical order decides",
            "merge.same_priority",
            Severity.WARNING,
        )
    return Diagnostic(
        item.source,
        _item_path(path, item, list_spec),
        f"{what} is replaced whole by this one in {new_name}",
        "merge.replaced",
        Severity.NOTE,
    )

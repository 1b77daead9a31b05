"""The element language of an XML configuration, read from its JSON Schema.

The JSON Schema is the single source of the language. An element kind is a
``$defs`` entry of type ``object``; its ``properties`` are either XML attributes
(string-valued schemas), singleton child elements (a ``$ref`` to another object
kind) or list containers (an ``array`` whose items are one kind, with the child
tag in ``x-item-tag``, the ``config.d`` merge key in ``x-merge-key``, and
other item tags GlideinWMS reads there as another kind in ``x-other-items``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from glideinforge.frozen import frozen

from .xml_tree import Node

__all__ = ["Diagnosis", "KindSpec", "Language", "ListSpec", "node_to_document"]

_DEFS_PREFIX = "#/$defs/"


@frozen
class ListSpec:
    """A list container: ``<attrs>`` holding ``<attr>`` items merged by ``name``."""

    item_tag: str
    item_kind: str
    merge_key: tuple[str, ...]
    other_items: tuple[tuple[str, str, str], ...] = ()
    """(tag, kind, key attribute) of items of another kind, e.g. an <entry> in <entry_sets>."""
    strict_items: bool = False
    """Whether an item of another tag is an error (GlideinWMS cannot read it), not a warning."""

    def kind_of(self, tag: str) -> tuple[str, tuple[str, ...]]:
        """Return the kind an item tag is read as, and the attribute naming such items."""
        for other_tag, kind, key in self.other_items:
            if tag == other_tag:
                return kind, (key,)
        return self.item_kind, self.merge_key

    def key_of(self, node: Node) -> str:
        """Return the merge key of an item, as GlideinWMS builds it."""
        return ",".join(node.attributes.get(name, "None") for name in self.merge_key)

    def duplicates(self, items: list[Node]) -> Iterator[tuple[Node, Diagnosis]]:
        """Yield each item whose key an earlier item already has, with what that means.

        GlideinWMS keeps both copies and refuses them at reconfig only when their
        values conflict; identical copies are one (a warning). Two attrs conflict
        when their value or type differs (flags aside, as in GlideinWMS).
        """
        if len(self.merge_key) == 1:
            name = self.merge_key[0]
            keys = [item.attributes.get(name) for item in items]
            if len(set(keys)) == len(keys):
                return
        first_seen: dict[str, Node] = {}
        for item in items:
            if not all(name in item.attributes for name in self.merge_key):
                continue
            key = self.key_of(item)
            earlier = first_seen.setdefault(key, item)
            if earlier is not item:
                yield item, _diagnosis(item, earlier, f'{"/".join(self.merge_key)}="{key}"')


@frozen
class Diagnosis:
    """What a repeated list item means: its message and whether it is an error."""

    message: str
    conflicting: bool


def _same_tree(first: Node, second: Node) -> bool:
    return (
        first.tag == second.tag
        and first.attributes == second.attributes
        and len(first.children) == len(second.children)
        and all(map(_same_tree, first.children, second.children))
    )


def _attr_value(node: Node) -> tuple[str, str]:
    kind = node.attributes.get("type", "string")
    value = node.attributes.get("value", "")
    if kind == "int" and value.strip().lstrip("+-").isdigit():
        value = str(int(value))
    return kind, value


def _diagnosis(item: Node, earlier: Node, key: str) -> Diagnosis:
    where = f"<{item.tag}> {key} repeats line {earlier.line}"
    if item.tag == "attr" and _attr_value(item) == _attr_value(earlier):
        if item.attributes == earlier.attributes:
            return Diagnosis(f"{where} identically; the copies are read as one", conflicting=False)
        return Diagnosis(
            f"{where} with the same value but other flags; the first copy is used "
            "(GlideinWMS applies both)",
            conflicting=False,
        )
    if item.tag != "attr" and _same_tree(item, earlier):
        return Diagnosis(f"{where} identically; the copies are read as one", conflicting=False)
    return Diagnosis(
        f"{where} with other content; GlideinWMS refuses such a repeat when it publishes",
        conflicting=True,
    )


@frozen
class KindSpec:
    """One element kind: its attributes, defaults and children."""

    name: str
    attributes: Mapping[str, Mapping[str, Any]]
    defaults: Mapping[str, str]
    required: tuple[str, ...]
    deprecated: frozenset[str]
    singletons: Mapping[str, str]
    lists: Mapping[str, ListSpec]


def _ref_target(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
        return ref[len(_DEFS_PREFIX) :]
    return None


class Language:
    """Element kinds derived from a JSON Schema; see the module docstring."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        """Derive every kind reachable from the schema's root ``$ref``."""
        self.schema = schema
        self._definitions: Mapping[str, Mapping[str, Any]] = schema["$defs"]
        self.root_tag: str = schema["x-root-tag"]
        root_kind = _ref_target(schema)
        if root_kind is None:
            raise ValueError("schema root must be a $ref to a $defs kind")
        self.root_kind = root_kind
        self.kinds: dict[str, KindSpec] = {}
        self._derive(root_kind)

    def _is_object_kind(self, name: str) -> bool:
        return self._definitions[name].get("type") == "object"

    def resolved(self, prop: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``prop`` merged over the definitions its ``$ref`` chain names."""
        merged = dict(prop)
        while (target := _ref_target(merged)) is not None:
            del merged["$ref"]
            merged = {**self._definitions[target], **merged}
        return merged

    def _derive(self, kind: str) -> None:
        if kind in self.kinds:
            return
        definition = self._definitions[kind]
        attributes: dict[str, Mapping[str, Any]] = {}
        defaults: dict[str, str] = {}
        singletons: dict[str, str] = {}
        lists: dict[str, ListSpec] = {}
        deprecated: set[str] = set()
        for name, prop in definition.get("properties", {}).items():
            target = _ref_target(prop)
            if target is not None and self._is_object_kind(target):
                singletons[name] = target
            elif prop.get("type") == "array":
                item_kind = _ref_target(prop["items"])
                if item_kind is None:
                    raise ValueError(f"{kind}.{name}: array items must be a $ref")
                key = prop["x-merge-key"]
                others = prop.get("x-other-items", {})
                lists[name] = ListSpec(
                    prop["x-item-tag"],
                    item_kind,
                    tuple(key) if isinstance(key, list) else (key,),
                    tuple((tag, other["kind"], other["key"]) for tag, other in others.items()),
                    bool(prop.get("x-strict-items")),
                )
            else:
                attributes[name] = prop
                resolved = self.resolved(prop)
                if "default" in resolved:
                    defaults[name] = resolved["default"]
                if resolved.get("deprecated"):
                    deprecated.add(name)
        self.kinds[kind] = KindSpec(
            name=kind,
            attributes=attributes,
            defaults=defaults,
            required=tuple(definition.get("required", ())),
            deprecated=frozenset(deprecated),
            singletons=singletons,
            lists=lists,
        )
        for child in (
            *singletons.values(),
            *(spec.item_kind for spec in lists.values()),
            *(kind for spec in lists.values() for _, kind, _ in spec.other_items),
        ):
            self._derive(child)

    def value(self, node: Node, kind: str, name: str) -> str | None:
        """Return attribute ``name`` of ``node`` or its schema default."""
        found = node.attributes.get(name)
        if found is not None:
            return found
        return self.kinds[kind].defaults.get(name)


def node_to_document(node: Node, language: Language, kind: str | None = None) -> dict[str, Any]:
    """Map an element tree to the JSON-like document the schema describes."""
    spec = language.kinds[kind or language.root_kind]
    document: dict[str, Any] = dict(node.attributes)
    for child in node.children:
        if child.tag in spec.singletons:
            document[child.tag] = node_to_document(child, language, spec.singletons[child.tag])
        elif child.tag in spec.lists:
            list_spec = spec.lists[child.tag]
            document[child.tag] = [
                node_to_document(item, language, list_spec.kind_of(item.tag)[0])
                for item in child.children
            ]
        else:
            document[child.tag] = {}
    return document

"""Walk an element tree kind by kind, with lazily built xpath-like paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .language import Language
from .xml_tree import Node

__all__ = ["Visit", "walk"]


@dataclass(slots=True, eq=False)
class Visit:
    """One element reached by :func:`walk`, with its kind and parent."""

    node: Node
    kind: str
    parent: Visit | None
    predicate: str = ""

    @property
    def path(self) -> str:
        """The xpath-like location, e.g. ``/glidein/entries/entry[@name='A']``."""
        parts: list[str] = []
        visit: Visit | None = self
        while visit is not None:
            parts.append(f"{visit.node.tag}{visit.predicate}")
            container = visit.container_tag
            if container:
                parts.append(container)
            visit = visit.parent
        return "/" + "/".join(reversed(parts))

    @property
    def container_tag(self) -> str:
        """Tag of the list container holding this item ('' for non-items)."""
        if self.parent is None or not self.predicate:
            return ""
        for child in self.parent.node.children:
            if self.node in child.children:
                return child.tag
        return ""

    def attribute_path(self, name: str) -> str:
        """Return the path of one attribute of this element."""
        return f"{self.path}/@{name}"

    def ancestor_kinds(self) -> Iterator[str]:
        """Kinds of the enclosing elements, innermost first."""
        visit = self.parent
        while visit is not None:
            yield visit.kind
            visit = visit.parent


def _predicate(item: Node, key: tuple[str, ...], position: int) -> str:
    if len(key) == 1 and key[0] in item.attributes:
        value = item.attributes[key[0]].replace("'", "&apos;")
        return f"[@{key[0]}='{value}']"
    return f"[{position}]"


def walk(root: Node, language: Language) -> Iterator[Visit]:
    """Yield every element of a known kind, parents before children.

    Unknown child elements are not descended into; the shape check reports them.
    """
    stack = [Visit(root, language.root_kind, None)]
    kinds = language.kinds
    while stack:
        visit = stack.pop()
        yield visit
        spec = kinds[visit.kind]
        pending: list[Visit] = []
        for child in visit.node.children:
            tag = child.tag
            singleton_kind = spec.singletons.get(tag)
            if singleton_kind is not None:
                pending.append(Visit(child, singleton_kind, visit))
                continue
            list_spec = spec.lists.get(tag)
            if list_spec is None:
                continue
            item_kind = list_spec.item_kind
            key = list_spec.merge_key
            for position, item in enumerate(child.children, start=1):
                pending.append(Visit(item, item_kind, visit, _predicate(item, key, position)))
        stack.extend(reversed(pending))

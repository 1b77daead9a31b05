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
    position: int = 0
    container: str = ""
    key: tuple[str, ...] = ()

    @property
    def predicate(self) -> str:
        """The ``[@key='value']`` (or ``[position]``) part of a list item's path step."""
        if not self.container:
            return ""
        key = self.key
        if len(key) == 1 and key[0] in self.node.attributes:
            value = self.node.attributes[key[0]].replace("'", "&apos;")
            return f"[@{key[0]}='{value}']"
        return f"[{self.position}]"

    @property
    def path(self) -> str:
        """The xpath-like location, e.g. ``/glidein/entries/entry[@name='A']``."""
        parts: list[str] = []
        visit: Visit | None = self
        while visit is not None:
            parts.append(f"{visit.node.tag}{visit.predicate}")
            if visit.container:
                parts.append(visit.container)
            visit = visit.parent
        return "/" + "/".join(reversed(parts))

    def attribute_path(self, name: str) -> str:
        """Return the path of one attribute of this element."""
        return f"{self.path}/@{name}"

    def ancestor_kinds(self) -> Iterator[str]:
        """Kinds of the enclosing elements, innermost first."""
        visit = self.parent
        while visit is not None:
            yield visit.kind
            visit = visit.parent


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
            for position, item in enumerate(child.children, start=1):
                item_kind, key = list_spec.kind_of(item.tag)
                pending.append(Visit(item, item_kind, visit, position, tag, key))
        stack.extend(reversed(pending))

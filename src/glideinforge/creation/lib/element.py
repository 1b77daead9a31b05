"""Typed, defaulted access to a validated element (used to build the models)."""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Source
from .language import Language
from .paths import absolute
from .xml_tree import Node

__all__ = ["Element"]


class Element:
    """A node seen as an element of a known kind, with typed attribute access."""

    __slots__ = ("attributes", "defaults", "kind", "language", "node")

    def __init__(self, node: Node, kind: str, language: Language) -> None:
        """Wrap ``node`` as an element of ``kind``."""
        self.node = node
        self.kind = kind
        self.language = language
        self.attributes = node.attributes
        self.defaults = language.kinds[kind].defaults

    def text(self, name: str) -> str:
        """Return attribute ``name``, its default, or ""."""
        value = self.attributes.get(name)
        if value is None:
            value = self.defaults.get(name, "")
        return value

    def optional(self, name: str) -> str | None:
        """Return attribute ``name`` or its default (None when neither)."""
        value = self.attributes.get(name)
        return self.defaults.get(name) if value is None else value

    def flag(self, name: str) -> bool:
        """Return a boolean attribute (case-insensitive "true")."""
        return self.text(name).lower() == "true"

    def optional_flag(self, name: str) -> bool | None:
        """Return a boolean attribute, or None when unset without default."""
        value = self.optional(name)
        return None if value is None else value.lower() == "true"

    def integer(self, name: str) -> int:
        """Return an integer attribute."""
        return int(self.text(name))

    def optional_integer(self, name: str) -> int | None:
        """Return an integer attribute, or None."""
        value = self.optional(name)
        return None if value is None else int(value)

    def path(self, name: str) -> Path:
        """Return an attribute as an absolute, normalised path (see ``paths.absolute``).

        GlideinWMS resolves relative paths against the working directory; so do we
        (validation warns about them).
        """
        return absolute(self.text(name))

    def child(self, tag: str) -> Element:
        """Return the (last) singleton child ``tag``, or an empty one."""
        spec = self.language.kinds[self.kind]
        for candidate in reversed(self.node.children):
            if candidate.tag == tag:
                return Element(candidate, spec.singletons[tag], self.language)
        empty = Node(tag, {}, [], self.node.file, self.node.line)
        return Element(empty, spec.singletons[tag], self.language)

    def items(self, tag: str) -> list[Element]:
        """Return the items of list ``tag``; of items repeating a key, the first.

        Validation has made sure repeated items are copies of the first.
        """
        spec = self.language.kinds[self.kind].lists[tag]
        for candidate in reversed(self.node.children):
            if candidate.tag == tag:
                found: list[Element] = []
                seen: set[tuple[str | None, ...]] = set()
                for item in candidate.children:
                    kind, key = spec.kind_of(item.tag)
                    marker = (item.tag, *(item.attributes.get(name) for name in key))
                    if None not in marker:
                        if marker in seen:
                            continue
                        seen.add(marker)
                    found.append(Element(item, kind, self.language))
                return found
        return []

    @property
    def source(self) -> Source:
        """Return where the element is."""
        return self.node.source

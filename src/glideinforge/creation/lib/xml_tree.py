"""Read one XML file into a plain element tree, safely, keeping source lines.

This is the only module that talks to lxml. The parser never expands entities,
never touches the network, never loads a DTD, and refuses DOCTYPE declarations
outright, so entity bombs and external entities fail fast with a clear message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .diagnostics import ConfigError, Diagnostic, Source
from .inputs import MAX_FILE_BYTES, InputError, read_input

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_FILE_BYTES",
    "Node",
    "ParsedHook",
    "convert",
    "node_from_json",
    "node_to_json",
    "parse_xml_bytes",
    "read_xml_file",
]

MAX_ATTRIBUTES = 1000
"""Most attributes one element may carry (real ones carry a few dozen).

lxml reads an element's attribute values in time quadratic in their number, so
an absurdly wide element is refused before they are read."""

_LXML_POSITION = re.compile(r", line \d+, column \d+$")


@dataclass(slots=True, eq=False)
class Node:
    """One XML element: tag, attributes in document order, children, source line.

    ``attribute_sources`` records, sparsely, attributes that a later file
    (a ``config.d`` drop-in) set on this element, so messages point there.
    """

    tag: str
    attributes: dict[str, str]
    children: list[Node]
    file: str
    line: int
    attribute_sources: dict[str, Source] | None = None

    @property
    def source(self) -> Source:
        """Where the element's start tag is."""
        return Source(self.file, self.line)

    def attribute_source(self, name: str) -> Source:
        """Return where attribute ``name`` was written."""
        if self.attribute_sources and name in self.attribute_sources:
            return self.attribute_sources[name]
        return self.source


def _syntax_error(file: str, line: int, column: int | None, message: str) -> ConfigError:
    diagnostic = Diagnostic(Source(file, max(line, 1), column), "/", message, "xml.syntax")
    return ConfigError([diagnostic])


def _reject_doctype(data: bytes, file: str) -> None:
    """Refuse a DOCTYPE in the prolog: DTDs are the door to entity attacks."""
    position = 0
    if data.startswith(b"\xef\xbb\xbf"):
        position = 3
    length = len(data)
    while position < length:
        while position < length and data[position] in b" \t\r\n":
            position += 1
        if data.startswith(b"<?", position):
            end = data.find(b"?>", position)
            position = length if end < 0 else end + 2
        elif data.startswith(b"<!--", position):
            end = data.find(b"-->", position)
            position = length if end < 0 else end + 3
        elif data.startswith(b"<!DOCTYPE", position) or data.startswith(b"<!doctype", position):
            line = data.count(b"\n", 0, position) + 1
            raise _syntax_error(
                file, line, None, "DOCTYPE declarations are not allowed (no DTDs or entities)"
            )
        else:
            return


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def convert(root: etree._Element, file: str) -> Node:
    """Copy the lxml tree into Nodes.

    lxml returns a fresh string for every tag, attribute name and value; real
    configurations repeat the same few thousand strings hundreds of thousands
    of times, so equal strings are shared (this halves the memory of a large
    factory and speeds up everything after).
    """
    shared: dict[str, str] = {}
    share = shared.setdefault

    def attributes(element: etree._Element) -> dict[str, str]:
        count = len(element.attrib)
        if count > MAX_ATTRIBUTES:
            raise _syntax_error(
                file,
                element.sourceline or 1,
                None,
                f"<{element.tag!s}> has {count} attributes, "
                f"more than the limit of {MAX_ATTRIBUTES}",
            )
        return {share(name, name): share(value, value) for name, value in element.items()}

    root_tag = str(root.tag)  # an element's tag: always text once parsed
    top = Node(share(root_tag, root_tag), attributes(root), [], file, root.sourceline or 1)
    stack = [(root, top)]
    while stack:
        element, node = stack.pop()
        children = node.children
        for child in element:
            tag = child.tag
            if tag.__class__ is not str:  # entity references and the like
                continue
            converted = Node(share(tag, tag), attributes(child), [], file, child.sourceline or 1)
            children.append(converted)
            if len(child):
                stack.append((child, converted))
    return top


def node_to_json(node: Node) -> list[object]:
    """Return a converted tree of one file as JSON-ready lists (tag, attributes, line, children).

    Attribute sources (set only by merging) are not kept.
    """
    return [node.tag, node.attributes, node.line, [node_to_json(child) for child in node.children]]


def node_from_json(raw: object, file: str) -> Node:
    """Rebuild a tree stored by :func:`node_to_json` (TypeError/ValueError when malformed)."""
    if not isinstance(raw, list) or len(raw) != 4:
        raise TypeError("not a stored element")
    tag, attributes, line, children = raw
    if not isinstance(attributes, dict) or not isinstance(children, list):
        raise TypeError("not a stored element")
    return Node(
        str(tag),
        {str(name): str(value) for name, value in attributes.items()},
        [node_from_json(child, file) for child in children],
        file,
        int(line),
    )


ParsedHook = Callable[[str, bytes, etree._Element], None]  # noqa: SLF001 - lxml names it so
"""Told each file's name, bytes and parsed element tree (to key it without a second parse)."""


def read_xml_file(
    path: Path, max_bytes: int = MAX_FILE_BYTES, on_parsed: ParsedHook | None = None
) -> Node:
    """Parse ``path`` into a :class:`Node` tree.

    Args:
        path: the XML file.
        max_bytes: files larger than this are refused before parsing.
        on_parsed: told the bytes and element tree once the file parses.

    Returns:
        The root element.

    Raises:
        ConfigError: the file is unreadable, too large or not well-formed XML.
    """
    file = str(path)
    try:
        data = read_input(path, max_bytes)
    except InputError as error:
        message = str(error).removeprefix(f"{path}: ")
        raise _syntax_error(file, 1, None, message) from None
    root = parse_xml_bytes(data, file, max_bytes)
    if on_parsed is not None:
        on_parsed(file, data, root)
    return convert(root, file)


def parse_xml_bytes(data: bytes, file: str, max_bytes: int = MAX_FILE_BYTES) -> etree._Element:
    """Parse the bytes of ``file`` safely (no DTD, entities or network).

    Raises:
        ConfigError: the bytes are too many, empty, or not well-formed XML.
    """
    if len(data) > max_bytes:
        raise _syntax_error(
            file, 1, None, f"file is {len(data)} bytes, more than the limit of {max_bytes}"
        )
    if not data.strip():
        raise _syntax_error(file, 1, None, "file is empty; expected an XML document")
    if b"\x00" in data:
        raise _syntax_error(file, 1, None, "file contains NUL bytes; not an XML document")
    _reject_doctype(data, file)
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line, column = error.position or (error.lineno or 1, None)
        message = _LXML_POSITION.sub("", error.msg or "malformed XML")
        raise _syntax_error(file, line or 1, column, f"XML syntax error: {message}") from None

"""Content keys of a factory configuration: one per entry, one for everything else.

An entry's key covers every ``<entry>`` element of that name in every file,
exactly as written (serialised bytes and the source line of each element,
so a message would point at the same lines), plus the files it names. The
global key covers the rest of every file, the files the global part names and
which entries each file holds, in order. Equal keys, equal compile: the
incremental reconfig (``incremental``) compiles only entries whose key changed.

What keying finds in a file (:class:`FileFacts`) is recorded with the keys, so
a file whose bytes did not change since is neither parsed nor keyed again: its
recorded digests and its tree without the entries (the skeleton) stand in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence

from lxml import etree

from glideinforge.creation.lib.diagnostics import ConfigError
from glideinforge.creation.lib.fingerprint import input_digest
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.creation.lib.xml_tree import (
    MAX_ATTRIBUTES,
    Node,
    convert,
    node_from_json,
    node_to_json,
    parse_xml_bytes,
)
from glideinforge.frozen import frozen

__all__ = [
    "FileFacts",
    "ParsedConfig",
    "ParsedFile",
    "file_facts",
    "inputs_digest",
    "parse_config",
]

_ENTRIES = "entries"


@frozen
class FileFacts:
    """What keying found in one configuration file.

    Attributes:
        name: the file as the loader names it.
        sha256: SHA-256 of its bytes.
        global_digest: SHA-256 of everything outside its ``<entry>`` elements.
        entries: each ``<entry>`` element in order: its name and the SHA-256 of
            its bytes and source lines.
        skeleton: the file converted with its ``<entry>`` elements left out, as
            stored (:func:`node_to_json`).
    """

    name: str
    sha256: str
    global_digest: str
    entries: tuple[tuple[str, str], ...]
    skeleton: list[object]

    def skeleton_tree(self) -> Node:
        """Return a fresh tree of the skeleton (merging changes the trees it is given)."""
        return node_from_json(self.skeleton, self.name)

    def to_json(self) -> list[object]:
        """Return the facts as stored."""
        return [
            self.name,
            self.sha256,
            self.global_digest,
            [list(entry) for entry in self.entries],
            self.skeleton,
        ]

    @classmethod
    def from_json(cls, raw: list[object]) -> FileFacts:
        """Read stored facts (``ValueError``/``TypeError`` when malformed)."""
        name, sha256, global_digest, entries, skeleton = raw
        facts = cls(
            str(name),
            str(sha256),
            str(global_digest),
            tuple((str(entry), str(digest)) for entry, digest in entries),  # type: ignore[attr-defined]
            skeleton,  # type: ignore[arg-type]
        )
        facts.skeleton_tree()  # malformed: raise now, not when it is needed
        return facts


@frozen
class ParsedFile:
    """One configuration file: its facts, bytes, and lxml root (None: not parsed)."""

    facts: FileFacts
    data: bytes
    root: etree._Element | None

    def element_tree(self) -> etree._Element | None:
        """Return the lxml root, parsing the bytes when needed (None when they do not parse)."""
        if self.root is not None:
            return self.root
        try:
            return parse_xml_bytes(self.data, self.facts.name)
        except ConfigError:
            return None


@frozen
class ParsedConfig:
    """The configuration files with their keys.

    Attributes:
        files: each file, in reading order.
        global_digest: SHA-256 of everything outside ``<entries>`` (input files apart).
        entry_digests: per entry name, SHA-256 of its elements (input files apart).
    """

    files: tuple[ParsedFile, ...]
    global_digest: str
    entry_digests: dict[str, str]


def _element_bytes(element: etree._Element) -> bytes:
    lines = ",".join(str(item.sourceline) for item in element.iter())
    return etree.tostring(element, with_tail=False) + b"\x00" + lines.encode()


def _skeleton(root: etree._Element, name: str) -> Node:
    """Return what :func:`convert` makes of ``root`` once its entries are removed."""
    top = Node(str(root.tag), dict(root.items()), [], name, root.sourceline or 1)
    for child in root:
        if child.tag.__class__ is not str:
            continue
        if child.tag == _ENTRIES:
            top.children.append(
                Node(_ENTRIES, dict(child.items()), [], name, child.sourceline or 1)
            )
        else:
            top.children.append(convert(child, name))
    return top


def file_facts(name: str, data: bytes, root: etree._Element) -> FileFacts | None:
    """Key a file the loader parsed (its name, bytes and element tree): no second parse.

    None when it cannot be keyed (see ``parse_config``).
    """
    return _file_facts(name, hashlib.sha256(data).hexdigest(), root)


def _file_facts(name: str, sha256: str, root: etree._Element) -> FileFacts | None:
    """Key one parsed file (None when too wide, or not one block of named entries)."""
    if any(len(element.attrib) > MAX_ATTRIBUTES for element in (root, *root)):
        return None  # too wide to read quickly: the full run refuses it
    digest = hashlib.sha256(f"{root.tag!s}\x00{root.sourceline}".encode())
    digest.update(repr(root.items()).encode())
    blocks = [child for child in root if child.tag == _ENTRIES]
    if len(blocks) > 1:
        return None
    entries = []
    for child in root:
        if child.tag != _ENTRIES:
            digest.update(b"\x00child\x00" + _element_bytes(child))
            continue
        digest.update(f"\x00entries\x00{child.sourceline}".encode())
        digest.update(repr(child.items()).encode())
        for item in child:
            entry = item.get("name") if item.tag == "entry" else None
            if entry is None:
                return None
            # Which entries each file holds, in order, is part of the global key.
            digest.update(f"\x00entry\x00{entry}".encode())
            entries.append((entry, hashlib.sha256(_element_bytes(item)).hexdigest()))
    return FileFacts(
        name, sha256, digest.hexdigest(), tuple(entries), node_to_json(_skeleton(root, name))
    )


def parse_config(
    files: Sequence[tuple[str, bytes, str]], known: Mapping[str, FileFacts] | None = None
) -> ParsedConfig | None:
    """Parse and key the configuration files (name, bytes, SHA-256 of the bytes), main first.

    A file whose name and bytes match ``known`` facts is not parsed: those stand in.

    Returns None when a file does not parse, has more than one ``<entries>``
    block or an ``<entries>`` child that is not a named ``<entry>``: the full
    run reports those.
    """
    global_digest = hashlib.sha256()
    entries: dict[str, hashlib._Hash] = {}
    parsed = []
    for name, data, sha256 in files:
        facts = (known or {}).get(name)
        root = None
        if facts is None or facts.sha256 != sha256:
            try:
                root = parse_xml_bytes(data, name)
            except ConfigError:
                return None
            facts = _file_facts(name, sha256, root)
            if facts is None:
                return None
        parsed.append(ParsedFile(facts, data, root))
        global_digest.update(f"\x00file\x00{name}\x00{facts.global_digest}".encode())
        for entry, digest in facts.entries:
            entries.setdefault(entry, hashlib.sha256()).update(f"\x00{name}\x00{digest}".encode())
    return ParsedConfig(
        tuple(parsed),
        global_digest.hexdigest(),
        {entry: digest.hexdigest() for entry, digest in entries.items()},
    )


def inputs_digest(paths: Iterable[str], digests: DigestCache) -> str:
    """Return a SHA-256 over the named input files' content and mode (missing ones too).

    A directory (an HTCondor release) counts by its tree's stamps.
    """
    digest = hashlib.sha256()
    for path in paths:
        digest.update(b"\x00" + path.encode() + b"\x00")
        try:
            mode = os.stat(path).st_mode  # noqa: PTH116
            digest.update(f"{mode:o} {input_digest(path, digests)}".encode())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()

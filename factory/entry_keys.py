"""Content keys of a factory configuration: one per entry, one for everything else.

An entry's key covers every ``<entry>`` element of that name in every file,
exactly as written (serialised bytes and the source line of each element,
so a message would point at the same lines), plus the files it names. The
global key covers the rest of every file, the files the global part names and
which entries each file holds, in order. Equal keys, equal compile: the
incremental reconfig (``incremental``) compiles only entries whose key changed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from glideinforge.creation.lib.diagnostics import ConfigError
from glideinforge.creation.lib.staged import digest_file
from glideinforge.creation.lib.xml_tree import parse_xml_bytes

__all__ = ["ParsedConfig", "inputs_digest", "parse_config"]

_ENTRIES = "entries"


@dataclass(frozen=True, slots=True)
class ParsedConfig:
    """The configuration files parsed (lxml), with their keys.

    Attributes:
        files: each file as the loader names it, and its parsed root.
        global_digest: SHA-256 of everything outside ``<entries>`` (input files apart).
        entry_digests: per entry name, SHA-256 of its elements (input files apart).
    """

    files: tuple[tuple[str, etree._Element], ...]
    global_digest: str
    entry_digests: dict[str, str]


def _element_bytes(element: etree._Element) -> bytes:
    lines = ",".join(str(item.sourceline) for item in element.iter())
    return etree.tostring(element, with_tail=False) + b"\x00" + lines.encode()


def parse_config(files: Sequence[tuple[str, bytes]]) -> ParsedConfig | None:
    """Parse and key the configuration files (name, bytes), main first.

    Returns None when a file does not parse, has more than one ``<entries>``
    block or an ``<entries>`` child that is not a named ``<entry>``: the full
    run reports those.
    """
    global_digest = hashlib.sha256()
    entries: dict[str, hashlib._Hash] = {}
    parsed = []
    for name, data in files:
        try:
            root = parse_xml_bytes(data, name)
        except ConfigError:
            return None
        parsed.append((name, root))
        global_digest.update(f"\x00file\x00{name}\x00{root.tag}\x00{root.sourceline}".encode())
        global_digest.update(repr(root.items()).encode())
        blocks = [child for child in root if child.tag == _ENTRIES]
        if len(blocks) > 1:
            return None
        for child in root:
            if child.tag != _ENTRIES:
                global_digest.update(b"\x00child\x00" + _element_bytes(child))
                continue
            global_digest.update(f"\x00entries\x00{child.sourceline}".encode())
            global_digest.update(repr(child.items()).encode())
            for item in child:
                entry = item.get("name") if item.tag == "entry" else None
                if entry is None:
                    return None
                # Which entries each file holds, in order, is part of the global key.
                global_digest.update(f"\x00entry\x00{entry}".encode())
                entries.setdefault(entry, hashlib.sha256()).update(
                    f"\x00{name}\x00".encode() + _element_bytes(item)
                )
    return ParsedConfig(
        tuple(parsed),
        global_digest.hexdigest(),
        {entry: digest.hexdigest() for entry, digest in entries.items()},
    )


def inputs_digest(paths: Iterable[str]) -> str:
    """Return a SHA-256 over the named input files' content and mode (missing ones too)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(b"\x00" + path.encode() + b"\x00")
        try:
            mode = os.stat(path).st_mode  # noqa: PTH116
            digest.update(f"{mode:o} {digest_file(Path(path)).sha1}".encode())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()

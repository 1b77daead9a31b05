"""Per-element rules both configuration languages share: attr values, files, node names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .classad import CLASSAD_EVALUATED, classad_error, unbalanced_macro
from .condor_vars import ENTRY_VARS, MAIN_VARS
from .diagnostics import Severity
from .names import SAFE_NAME
from .shape import Finding, Values

__all__ = ["INTEGER", "attr_value", "collector_node", "file_names", "file_time"]

ERROR = Severity.ERROR
WARNING = Severity.WARNING

INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_NODE = re.compile(
    r"^(?P<host>[^:?,;\s]+)(:(?P<port>\d+)(-(?P<high>\d+))?)?(\?(?P<query>[^?\s]*))?$"
)
_MAX_PORT = 65535


_INTEGER_VARIABLES = frozenset(row.name for row in (*MAIN_VARS, *ENTRY_VARS) if row.type == "I")
"""The glidein variables typed I in the shipped condor_vars tables."""


def attr_value(value: Values) -> Iterator[Finding]:
    """Check that an int attr is an integer and an evaluated expr parses as a ClassAd.

    An attr naming an integer glidein variable (``GLIDEIN_Max_Idle``, ...) needs an
    integer value whatever its type (or none: empty means unset to the glidein).
    """
    attr_type, text, name = value("type"), value("value"), value("name") or ""
    if text is None:
        return
    if attr_type == "int" and not INTEGER.match(text):
        yield (
            "value",
            f'"value" is "{text}": an int attr needs an integer value',
            ("attr.int"),
            ERROR,
        )
    elif name in _INTEGER_VARIABLES and text.strip() and not INTEGER.match(text):
        yield (
            "value",
            (
                f'"value" is "{text}": {name} is an integer glidein variable (condor_vars '
                "type I); the glidein refuses anything else"
            ),
            "attr.var_type",
            ERROR,
        )
    if attr_type != "expr":
        return
    if name in CLASSAD_EVALUATED:
        problem = classad_error(text)
        if problem:
            yield (
                "value",
                (f'"value" {problem}: HTCondor evaluates {name} as a ClassAd expression'),
                "attr.classad",
                ERROR,
            )
    elif unbalanced_macro(text):
        yield (
            "value",
            f'"value" has a "$(" macro reference that is never closed: {text}',
            ("attr.macro"),
            WARNING,
        )


def file_names(value: Values) -> Iterator[Finding]:
    """Check that the source names a file whose staged name is safe."""
    absfname = value("absfname")
    if absfname is None:
        return
    basename = Path(absfname).name
    if not basename or absfname.endswith("/"):
        yield "absfname", f'"absfname" is "{absfname}": it names no file', "file.absfname", ERROR
    elif value("relfname") is None and not SAFE_NAME.match(basename):
        yield (
            "absfname",
            (
                f'file name "{basename}" would be staged as is but is not a safe name '
                "(letters, digits and . _ + -); set relfname"
            ),
            "file.relfname",
            ERROR,
        )


def file_time(value: Values) -> Iterator[Finding]:
    """Check that each ``time`` item is setup, cleanup, periodic..., prejob or postjob."""
    time = value("time") or "setup"
    for token in (part.strip() for part in time.split(",")):
        if token in ("prejob", "postjob") or token.startswith(("setup", "cleanup", "periodic")):
            continue
        yield (
            "time",
            (
                f'"time" has "{token}": each item must be setup, cleanup, periodic (optionally '
                "with a suffix), prejob or postjob"
            ),
            "file.time",
            ERROR,
        )


def collector_node(value: Values) -> Iterator[Finding]:
    """Check that a node is host[:port][?sock=name] with valid ports."""
    node = value("node")
    if node is None:
        return
    match = _NODE.match(node)
    if match is None:
        yield (
            "node",
            (f'"node" is "{node}": expected host[:port][?sock=name], without "," or ";"'),
            "collector.node",
            ERROR,
        )
        return
    for port in (match.group("port"), match.group("high")):
        if port is not None and not 1 <= int(port) <= _MAX_PORT:
            yield (
                "node",
                f'"node" has port {port}: ports are 1 to {_MAX_PORT}',
                ("collector.port"),
                ERROR,
            )
    query = match.group("query")
    if query is not None and query.count("sock=") > 1:
        yield "node", f'"node" is "{node}": at most one sock= is allowed', "collector.sock", ERROR

"""Diagnostics: what validation reports, and the project's exception root."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import NamedTuple

from glideinforge.errors import GlideinforgeError
from glideinforge.frozen import frozen

__all__ = [
    "ConfigError",
    "Diagnostic",
    "GlideinforgeError",
    "Severity",
    "Source",
    "sort_diagnostics",
]


class Severity(enum.Enum):
    """How bad a diagnostic is."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    """Worth knowing, never wrong: ``--strict`` leaves it a note."""


class Source(NamedTuple):
    """Where something was written: file, 1-based line, and column where known.

    A named tuple rather than a frozen dataclass: one is made per element of
    configurations with hundreds of thousands of elements.
    """

    file: str
    line: int
    column: int | None = None

    def __str__(self) -> str:
        """Render as ``file:line[:col]``."""
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@frozen
class Diagnostic:
    """One problem found in a configuration.

    Attributes:
        source: file and line the problem points at.
        path: xpath-like location of the element or attribute.
        message: what is wrong, in words an operator understands.
        code: a short stable identifier of the rule (for tests and --json).
        severity: error or warning.
    """

    source: Source
    path: str
    message: str
    code: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        """Render as ``file:line[:col]: path: message``."""
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{self.source}: {self.path}: {prefix}{self.message}"

    def as_error(self) -> Diagnostic:
        """Return this diagnostic raised to an error (used by --strict); a note stays one."""
        return self if self.severity is Severity.NOTE else replace(self, severity=Severity.ERROR)

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> Diagnostic:
        """Read back what :meth:`to_json` wrote (``KeyError``/``ValueError`` when malformed)."""
        column = raw["column"]
        return cls(
            Source(
                str(raw["file"]),
                int(str(raw["line"])),
                None if column is None else int(str(column)),
            ),
            str(raw["path"]),
            str(raw["message"]),
            str(raw["code"]),
            Severity(raw["severity"]),
        )

    def to_json(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "file": self.source.file,
            "line": self.source.line,
            "column": self.source.column,
            "path": self.path,
            "message": self.message,
            "code": self.code,
            "severity": self.severity.value,
        }


def sort_diagnostics(
    diagnostics: Iterable[Diagnostic], file_order: Sequence[str] = ()
) -> list[Diagnostic]:
    """Sort by file (in ``file_order``, then by name), line, column, path, message.

    Exact repeats are dropped.
    """
    rank = {file: index for index, file in enumerate(file_order)}
    unranked = len(rank)
    return sorted(
        dict.fromkeys(diagnostics),
        key=lambda d: (
            rank.get(d.source.file, unranked),
            d.source.file,
            d.source.line,
            d.source.column or 0,
            d.path,
            d.message,
        ),
    )


class ConfigError(GlideinforgeError, ValueError):
    """A configuration could not be loaded; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        """Keep the diagnostics; the message is the first of them."""
        self.diagnostics = diagnostics
        first = str(diagnostics[0]) if diagnostics else "invalid configuration"
        super().__init__(first)


class DiagnosticsSummary:
    """Mixin for results holding ``diagnostics`` and ``root``: errors, warnings, validity."""

    __slots__ = ()
    diagnostics: tuple[Diagnostic, ...]
    root: object | None

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that make the configuration invalid."""
        return [item for item in self.diagnostics if item.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics that do not."""
        return [item for item in self.diagnostics if item.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Diagnostic]:
        """The diagnostics that only inform (an entry a later drop-in replaces, ...)."""
        return [item for item in self.diagnostics if item.severity is Severity.NOTE]

    @property
    def valid(self) -> bool:
        """Return True when the tree was read and has no error."""
        return self.root is not None and not self.errors

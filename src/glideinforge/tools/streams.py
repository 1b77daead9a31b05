"""A command's stderr as ``--json`` and ``--quiet`` need it: kept for the document, or filtered."""

from __future__ import annotations

import io
import re
from typing import TextIO

from glideinforge.creation.lib.diagnostics import Diagnostic, Severity

__all__ = ["ErrorLog", "NullOutput"]

_NOT_AN_ERROR = re.compile(
    r"^(?:\S.*?: )?(?:warning|note): |^  \.\.\. and \d+ more (?:warning|note)"
)
"""A warning or note line (``file:line: path: warning: ...``, ``gfactory: warning: ...``)."""


class ErrorLog(io.TextIOBase):
    """A command's stderr, written through as plain text.

    Kept for the document of ``--json``; errors only under ``--quiet``.
    """

    def __init__(self, target: TextIO, *, keep: bool = True, quiet: bool = False) -> None:
        """Write through to ``target``; ``keep`` what is written; with ``quiet``, errors only."""
        super().__init__()
        self._target = target
        self.keep = keep
        self.quiet = quiet
        self.messages: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    def _through(self, text: str) -> None:
        if self.quiet:
            text = "".join(
                line for line in text.splitlines(keepends=True) if not _NOT_AN_ERROR.match(line)
            )
        self._target.write(text)

    def write(self, text: str) -> int:
        """Write ``text`` through; keep each line as a message."""
        self._through(text)
        if self.keep:
            self.messages.extend(line for line in text.splitlines() if line.strip())
        return len(text)

    def write_diagnostic(self, diagnostic: Diagnostic) -> None:
        """Write ``diagnostic``'s line through; keep the diagnostic itself."""
        self._through(f"{diagnostic}\n")
        self.diagnostics.append(diagnostic)

    def isatty(self) -> bool:
        """Plain text: a ``--json`` run is read by a program; a ``--quiet`` one filtered."""
        return False

    def document(self, exit_code: int) -> dict[str, object]:
        """Return the answer of a command that printed no document of its own."""
        errors: list[dict[str, object]] = [
            item.to_json() for item in self.diagnostics if item.severity is Severity.ERROR
        ]
        errors += [{"message": message} for message in self.messages]
        warnings = [
            item.to_json() for item in self.diagnostics if item.severity is not Severity.ERROR
        ]
        ok = exit_code == 0
        return {"ok": ok, "exit_code": exit_code, "errors": errors, "warnings": warnings}


class NullOutput(io.StringIO):
    """Standard output under ``--quiet``: what a command prints on success goes nowhere."""

    def write(self, text: str) -> int:
        """Drop ``text``."""
        return len(text)

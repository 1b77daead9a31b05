"""``--json``: every command answers with exactly one document, its failures included.

A command that prints its own document (``validate``, ``verify``, a reconfig's summary)
keeps it. One that ends before it has one to print (an unreadable file, an invalid
configuration, an unknown entry, a usage error, a lock held) is answered with
``{"ok": false, "exit_code": N, "errors": [...]}``: each diagnostic with its file,
line, column and path, each other message as ``{"message": ...}``. The messages still
go to stderr as text, as they do without ``--json``.
"""

from __future__ import annotations

import io
import json
from typing import TextIO

from glideinforge.creation.lib.diagnostics import Diagnostic, Severity

__all__ = ["ErrorLog", "answer"]


class ErrorLog(io.TextIOBase):
    """A command's stderr under ``--json``: written through as plain text, and kept."""

    def __init__(self, target: TextIO) -> None:
        """Write through to ``target``."""
        super().__init__()
        self._target = target
        self._messages: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    def write(self, text: str) -> int:
        """Write ``text`` through; keep each line as a message."""
        self._target.write(text)
        self._messages.extend(line for line in text.splitlines() if line.strip())
        return len(text)

    def write_diagnostic(self, diagnostic: Diagnostic) -> None:
        """Write ``diagnostic``'s line through; keep the diagnostic itself."""
        self._target.write(f"{diagnostic}\n")
        self.diagnostics.append(diagnostic)

    def isatty(self) -> bool:
        """Plain text: a ``--json`` run is read by a program."""
        return False

    def document(self, exit_code: int) -> dict[str, object]:
        """Return the answer of a command that printed no document of its own."""
        errors: list[dict[str, object]] = [
            item.to_json() for item in self.diagnostics if item.severity is Severity.ERROR
        ]
        errors += [{"message": message} for message in self._messages]
        warnings = [
            item.to_json() for item in self.diagnostics if item.severity is Severity.WARNING
        ]
        return {
            "ok": exit_code == 0,
            "exit_code": exit_code,
            "errors": errors,
            "warnings": warnings,
        }


def answer(printed: str, errors: ErrorLog, exit_code: int, stdout: TextIO) -> None:
    """Write the one document: what the command printed, else ``errors``' answer."""
    if printed.strip():
        stdout.write(printed)
        return
    stdout.write(json.dumps(errors.document(exit_code), indent=2) + "\n")

"""``--json``: every command answers with exactly one document, its failures included.

A command that prints its own document (``validate``, ``verify``, a reconfig's summary)
keeps it. One that ends before it has one to print (an unreadable file, an invalid
configuration, an unknown entry, a usage error, a lock held) is answered with
``{"ok": false, "exit_code": N, "errors": [...]}``: each diagnostic with its file,
line, column and path, each other message as ``{"message": ...}``. The messages still
go to stderr as text, as they do without ``--json``.
"""

from __future__ import annotations

import json
from typing import TextIO

from .streams import ErrorLog

__all__ = ["answer"]


def answer(printed: str, errors: ErrorLog, exit_code: int, stdout: TextIO) -> None:
    """Write the one document: what the command printed, else ``errors``' answer."""
    if printed.strip():
        stdout.write(printed)
        return
    stdout.write(json.dumps(errors.document(exit_code), indent=2) + "\n")

"""The root of every error glideinforge raises on purpose, and the one exit-code mapping.

Each error class says which exit code a command ends with when that error ends it; the
command line (``main_guard``) prints the error and returns that code, so no command needs
a table of its own.
"""

from __future__ import annotations

__all__ = ["EXIT_INVALID", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE", "GlideinforgeError"]

EXIT_OK = 0
EXIT_INVALID = 1
"""Invalid configuration, refused change, failed verification or check."""
EXIT_USAGE = 2
"""Bad command line or unreadable input."""
EXIT_LOCKED = 3
"""Another reconfig/upgrade/gc/rollback holds the work dir's lock."""


class GlideinforgeError(Exception):
    """Root of every error glideinforge raises on purpose."""

    exit_code: int = EXIT_INVALID
    """The exit code of a command this error ends."""

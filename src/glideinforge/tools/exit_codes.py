"""Exit codes of gfactory and gfrontend."""

__all__ = ["EXIT_INVALID", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE"]

EXIT_OK = 0
EXIT_INVALID = 1
"""Invalid configuration, failed verification or check."""
EXIT_USAGE = 2
"""Bad command line or unreadable file."""
EXIT_LOCKED = 3
"""Another reconfig/upgrade/gc holds the work dir's lock."""

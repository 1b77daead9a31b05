"""Exit codes of gfactory and gfrontend (set by the errors, in ``glideinforge.errors``)."""

from glideinforge.errors import EXIT_INVALID, EXIT_LOCKED, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_INVALID", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE"]

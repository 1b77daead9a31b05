"""Exit codes of gfactory and gfrontend (set by the errors, in ``glideinforge.errors``)."""

from glideinforge.errors import EXIT_INVALID, EXIT_LOCKED, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_INVALID", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE", "diff_exit_code"]


def diff_exit_code(differ: bool) -> int:
    """Return ``diff``'s exit code: 1 when the configurations differ, as diff(1) does."""
    return EXIT_INVALID if differ else EXIT_OK

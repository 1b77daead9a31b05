"""One message for a name the command line gives that the configuration does not have."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

__all__ = ["LISTED_NAMES", "unknown_name"]

LISTED_NAMES = 8
"""Up to this many known names are listed in full; beyond, only the close ones."""


def unknown_name(name: str, kind: str, known: Sequence[str], listing: str) -> str:
    """Return ``NAME: no such KIND`` with a did-you-mean, never a dump of every name.

    ``listing`` is the command that lists them all (named when they are too many to show).
    """
    folded = {item.casefold(): item for item in known}
    close = [folded[name.casefold()]] if name.casefold() in folded else []
    close += [
        item
        for item in difflib.get_close_matches(name, known, n=3, cutoff=0.75)
        if item not in close
    ]
    message = f"{name}: no such {kind}"
    if close:
        message += "; did you mean " + " or ".join(repr(item) for item in close) + "?"
    if len(known) <= LISTED_NAMES:
        return message + f" ({kind} names: {', '.join(known) or 'none'})"
    return message + f" ({len(known):,} {kind} names; '{listing}' lists them)"

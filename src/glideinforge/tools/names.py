"""One message for a name the command line gives that the configuration does not have."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TextIO

__all__ = ["LISTED_NAMES", "entry_known", "unknown_name"]

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


def entry_known(entry: str, known: Sequence[str], config: object, stderr: TextIO) -> bool:
    """Return whether ``entry`` is one of the ``known`` entry names; else say so on ``stderr``."""
    if entry in known:
        return True
    stderr.write(unknown_name(entry, "entry", known, f"gfactory inspect {config}") + "\n")
    return False

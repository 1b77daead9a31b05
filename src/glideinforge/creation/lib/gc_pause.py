"""Pause Python's cyclic garbage collector around allocation-heavy phases."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block, restoring its previous state.

    Loading a large configuration allocates hundreds of thousands of small,
    acyclic objects; every collector pass would rescan all of them, making the
    load superlinear. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

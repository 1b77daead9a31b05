"""The orders ``gfactory inspect --sort`` lists entries in (kept light: the parser needs them)."""

from __future__ import annotations

__all__ = ["SORT_KEYS"]

SORT_KEYS = ("name", "gridtype", "site", "gatekeeper", "schedd", "attrs", "files", "bytes")
"""Entry row fields to sort by; numbers sort largest first."""

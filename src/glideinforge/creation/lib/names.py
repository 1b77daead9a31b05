"""Names that become paths or shell words: the one pattern every check uses."""

from __future__ import annotations

import re

__all__ = ["SAFE_NAME"]

SAFE_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
"""Letters, digits and ``. _ + -``; no leading dot, no ``..``, no ``/``, blanks or shell characters.

The schema's ``safe_name`` definition carries the same pattern (a test keeps them equal).
"""

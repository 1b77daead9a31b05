"""Which glidein_config names the shipped glidein scripts write at run time.

``explain`` shows the value configuration gives an attr; a few names
(``GLIDEIN_Collector``, ``GLIDEIN_CPUS``, ``GLIDEIN_MaxMemMBs`` ...) are then
rewritten on the worker node by a web_base script. This scans the shipped
scripts for ``gconfig_add NAME`` calls so explain can say so.
"""

from __future__ import annotations

import re

from glideinforge.creation.web_base import WEB_BASE

__all__ = ["script_writers"]

_WRITE = re.compile(r"\bgconfig_add(?:_safe)?\s+\"?([A-Z][A-Za-z0-9_]*[A-Za-z0-9])\"?\s")


def script_writers() -> dict[str, tuple[str, ...]]:
    """Return {glidein_config name: shipped scripts that write it}."""
    writers: dict[str, list[str]] = {}
    for item in sorted(WEB_BASE.iterdir()):
        if not item.name.endswith(".sh"):
            continue
        for line in item.read_text(encoding="utf-8").splitlines():
            match = None if line.lstrip().startswith("#") else _WRITE.search(line)
            if match and item.name not in writers.setdefault(match.group(1), []):
                writers[match.group(1)].append(item.name)
    return {name: tuple(scripts) for name, scripts in writers.items()}

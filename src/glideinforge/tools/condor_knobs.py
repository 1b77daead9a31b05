"""Print condor_config knobs as HTCondor itself reads them, as one JSON object.

Run in its own process (HTCondor's configuration is process-wide):
``python -m glideinforge.tools.condor_knobs CONDOR_CONFIG [NAME...]``. Without
names, every knob the file itself sets is printed (macros expanded, includes
followed). Used by ``gfactory try-glidein`` and by the end-to-end tests' stand-in
``condor_master``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

__all__ = ["knob_names", "main"]

_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=")
_INCLUDE = re.compile(r"^\s*include\s*:\s*(\S+)\s*$", re.IGNORECASE)


def knob_names(text: str) -> list[str]:
    """Return the knob names assigned in a condor_config text, in first-seen order."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match:
            seen.setdefault(match.group(1), None)
    return list(seen)


def _config_text(path: Path) -> str:
    """Return the text of a config file and of the files it includes."""
    text = path.read_text(encoding="utf-8", errors="replace")
    parts = [text]
    for line in text.splitlines():
        match = _INCLUDE.match(line)
        if match and Path(match.group(1)).is_file():
            parts.append(Path(match.group(1)).read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Print the knobs of the config named by the first argument; exit 2 on misuse."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.stderr.write("usage: condor_knobs CONDOR_CONFIG [NAME...]\n")
        return 2
    config = Path(args[0]).resolve()
    names = args[1:] or knob_names(_config_text(config))
    os.environ["CONDOR_CONFIG"] = str(config)
    import htcondor2  # noqa: PLC0415 - must come after CONDOR_CONFIG is set

    htcondor2.reload_config()
    values = {name: htcondor2.param.get(name) for name in names}
    json.dump(values, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

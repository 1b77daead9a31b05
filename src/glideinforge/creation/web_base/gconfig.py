#!/bin/sh
''''command -v python3 >/dev/null 2>&1 && exec python3 "$0" "$@"; exit 0 # '''
"""gconfig: read and write glidein_config from Python jobs and scripts.

glidein_config holds "KEY value" lines; the last occurrence of a key wins. Run at
glidein startup ("gconfig.py glidein_config ID") it only checks that it imports.
"""

import os
import sys
import tempfile


def gconfig_get(key, path="glidein_config"):
    """Return the value of KEY, or None when it is not set."""
    value = None
    with open(path, encoding="utf-8") as config:
        for line in config:
            name, _, rest = line.rstrip("\n").partition(" ")
            if name == key:
                value = rest
    return value


def gconfig_add(key, value, path="glidein_config"):
    """Set KEY to VALUE (one line per key; written atomically)."""
    if not key or any(c.isspace() for c in key) or "\n" in str(value):
        raise ValueError("keys have no blanks and values no newlines")
    with open(path, encoding="utf-8") as config:
        kept = [line for line in config if not line.startswith(key + " ")]
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, encoding="utf-8") as new:
        new.writelines(kept)
        new.write(f"{key} {value}\n")
    os.replace(new.name, path)
    with open(path + ".history", "a", encoding="utf-8") as history:
        history.write(f"REG{os.getpid()} {key} {value}\n")


if __name__ == "__main__":
    sys.exit(0)

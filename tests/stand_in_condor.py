"""A stand-in HTCondor tarball for glideins run in tests.

Its ``condor_master`` loads the generated condor_config with HTCondor's own config
reader (htcondor2 through CONDOR_CONFIG), dumps the effective knobs (``knobs.json``) and
the environment it was started with (``environment.json``) next to it, then exits 99 (a
normal DAEMON_SHUTDOWN), so every glidein runs to its very end. Its ``condor_advertise``
records each ad a failed glidein advertises, with its arguments (``advertised.jsonl``).
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

__all__ = ["stand_in_tarball"]

CONDOR_MASTER = f"""#!{sys.executable}
import json, os, subprocess, sys
config = os.environ["CONDOR_CONFIG"]
knobs = subprocess.run(
    [sys.executable, "-m", "glideinforge.tools.condor_knobs", config],
    capture_output=True, text=True, check=True,
).stdout
directory = os.path.dirname(config)
with open(os.path.join(directory, "knobs.json"), "w") as out:
    out.write(knobs)
with open(os.path.join(directory, "environment.json"), "w") as out:
    json.dump(dict(os.environ), out)
sys.exit(99)
"""

CONDOR_ADVERTISE = f"""#!{sys.executable}
import json, os, sys
directory = os.path.dirname(os.environ["CONDOR_CONFIG"])
with open(sys.argv[-1]) as ad, open(os.path.join(directory, "advertised.jsonl"), "a") as out:
    out.write(json.dumps({{"arguments": sys.argv[1:-1], "ad": ad.read()}}) + "\\n")
"""


def stand_in_tarball(path: Path) -> None:
    """Write the stand-in HTCondor tarball to ``path``."""
    with tarfile.open(path, "w:gz") as tar:
        for directory in ("condor", "condor/sbin"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, text in (
            ("condor_master", CONDOR_MASTER),
            ("condor_advertise", CONDOR_ADVERTISE),
        ):
            data = text.encode()
            info = tarfile.TarInfo(f"condor/sbin/{name}")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))

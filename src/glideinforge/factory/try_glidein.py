"""Run one entry's glidein on this machine against the published staging area.

The stage is served by a real HTTP server on a free 127.0.0.1 port; the work
dir's ``glidein_startup.sh`` runs in a scratch directory with the argument list
the factory would submit (``--web`` pointing at the local server). Used by
``gfactory try-glidein`` and by the end-to-end tests.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glideinforge.frontend.request import frontend_request, requested_args
from glideinforge.frozen import frozen

from .glidein_args import GlideinArgs

__all__ = [
    "ClientStage",
    "GlideinRun",
    "condor_knobs",
    "read_glidein_config",
    "run_glidein",
    "serve",
    "serving",
]

STAND_IN_TOKEN = "credential_try-glidein.idtoken"  # noqa: S105 - a file name, not a secret
"""The placeholder credential put in the start dir (setup_x509.sh needs one)."""


class _MountsHandler(http.server.SimpleHTTPRequestHandler):
    """Serves each directory of ``mounts`` under ``/<its name>/``; nothing else."""

    mounts: Mapping[str, Path] = {}
    empty_dir = ""

    def translate_path(self, path: str) -> str:
        """Map ``/<mount>/rest`` into that mount's directory (the base class refuses ``..``)."""
        mount, _, rest = path.lstrip("/").partition("/")
        directory = self.mounts.get(mount)
        # An unknown mount maps into an empty directory, so it is a plain 404.
        self.directory = str(directory) if directory is not None else self.empty_dir
        return super().translate_path("/" + rest)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep the request log off the operator's terminal."""


@contextlib.contextmanager
def serve(mounts: Mapping[str, Path]) -> Iterator[str]:
    """Serve each directory of ``mounts`` at ``/<name>/`` on 127.0.0.1; yield the base URL."""
    with tempfile.TemporaryDirectory(prefix="glideinforge-serve-") as empty:
        handler = type("Handler", (_MountsHandler,), {"mounts": dict(mounts), "empty_dir": empty})
        with serving(handler) as url:
            yield url


@contextlib.contextmanager
def serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run ``handler`` on a free 127.0.0.1 port in a thread; yield the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@frozen
class ClientStage:
    """A frontend group whose stages the glidein downloads after the factory's."""

    work_dir: Path
    stage_dir: Path
    group: str


@dataclass
class GlideinRun:
    """What one glidein run did."""

    exit_code: int
    seconds: float
    stdout: str
    stderr: str
    start_dir: Path
    glidein_dir: Path | None
    arguments: tuple[str, ...]
    verified: list[str] = field(default_factory=list)
    glidein_config: dict[str, str] = field(default_factory=dict)
    condor_config: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """Return the run as a JSON-ready document."""
        return {
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "start_dir": str(self.start_dir),
            "glidein_dir": str(self.glidein_dir) if self.glidein_dir else None,
            "arguments": list(self.arguments),
            "verified": self.verified,
            "glidein_config": self.glidein_config,
            "condor_config": self.condor_config,
        }


_VERIFIED = re.compile(r"^Signature OK for (\S+?)\.$", re.MULTILINE)


def read_glidein_config(path: Path) -> dict[str, str]:
    """Return glidein_config as a dict (the last value of each key wins)."""
    values: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                values[key] = value
    return values


def condor_knobs(condor_config: Path, names: Sequence[str] = ()) -> dict[str, object]:
    """Read ``condor_config`` through HTCondor's own config reader (in a subprocess)."""
    completed = subprocess.run(  # noqa: S603 - fixed interpreter and module, no shell
        [sys.executable, "-m", "glideinforge.tools.condor_knobs", str(condor_config), *names],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip()}
    knobs: dict[str, object] = json.loads(completed.stdout)
    return knobs


def _glidein_environment(extra: Mapping[str, str]) -> dict[str, str]:
    # A local run must not go through the caller's web proxy.
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    env.pop("X509_USER_PROXY", None)
    env.update(extra)
    return env


def _arguments(
    work_dir: Path, entry: str, url: str, client: ClientStage | None, params: Mapping[str, str]
) -> GlideinArgs:
    request = None
    if client is not None:
        request = frontend_request(client.work_dir, client.group, web_url=f"{url}/client")
    return requested_args(
        work_dir, entry, request, web_url=f"{url}/factory", params=params, cluster="1", process="0"
    )


def run_glidein(
    work_dir: Path,
    stage_dir: Path,
    entry: str,
    start_dir: Path,
    *,
    params: Mapping[str, str] | None = None,
    stop_before_condor: bool = True,
    environment: Mapping[str, str] | None = None,
    adjust_words: Callable[[list[str], str], list[str]] | None = None,
    client: ClientStage | None = None,
    startup: Path | None = None,
) -> GlideinRun:
    """Serve ``stage_dir`` and run ``entry``'s glidein in ``start_dir``.

    With ``client`` the frontend's stage is served too and the glidein gets that
    group's request: its client name, stage arguments and params (over the
    factory's; ``params`` override both). The glidein dir is kept
    (``nocleanup``) and the failure wait shortened (``nowait``). With
    ``stop_before_condor`` condor_startup.sh stops once condor_config is
    written. ``adjust_words`` (called with the words and the server URL) lets
    tests tamper with the arguments. ``startup`` runs another ``glidein_startup.sh``
    (GlideinWMS's own, in the tests) instead of the work dir's.
    """
    start_dir.mkdir(parents=True, exist_ok=True)
    token = start_dir / STAND_IN_TOKEN
    if not any(start_dir.glob("credential_*.idtoken")):
        token.write_text("stand-in IDTOKEN written by gfactory try-glidein\n", encoding="utf-8")
    options = ["nocleanup", "nowait", *(["nocondor"] if stop_before_condor else [])]
    env = _glidein_environment(
        {
            "GLIDEIN_DEBUG_OPTIONS": ",".join(options),
            "_CONDOR_SCRATCH_DIR": str(start_dir),
            # A batch system gives each job a TMPDIR (work_dir="TMPDIR" entries use it).
            "TMPDIR": str(start_dir),
            **(environment or {}),
        }
    )
    mounts = {"factory": stage_dir}
    if client is not None:
        mounts["client"] = client.stage_dir
    with serve(mounts) as url:
        arguments = _arguments(work_dir, entry, url, client, params or {})
        words = list(arguments.words)
        if adjust_words is not None:
            words = adjust_words(words, url)
        started = time.perf_counter()
        completed = subprocess.run(  # noqa: S603 - bash and our own script, argument list
            ["bash", str(startup or work_dir / "glidein_startup.sh"), *words],  # noqa: S607
            cwd=start_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
    glidein_dirs = sorted(start_dir.glob("glide_*"), key=lambda path: path.stat().st_mtime)
    glidein_dir = glidein_dirs[-1] if glidein_dirs else None
    run = GlideinRun(
        exit_code=completed.returncode,
        seconds=seconds,
        stdout=completed.stdout,
        stderr=completed.stderr,
        start_dir=start_dir,
        glidein_dir=glidein_dir,
        arguments=tuple(words),
        verified=_VERIFIED.findall(completed.stderr),
    )
    if glidein_dir is not None:
        run.glidein_config = read_glidein_config(glidein_dir / "glidein_config")
        if (glidein_dir / "condor_config").is_file():
            run.condor_config = condor_knobs(glidein_dir / "condor_config")
    # This glidein's and, with -multiglidein, its copies' (in glidein_dir<N>/).
    for config in (
        *start_dir.glob("glide_*/glidein_config"),
        *start_dir.glob("glidein_dir*/glide_*/glidein_config"),
    ):
        _remove_local_tmp_dir(read_glidein_config(config).get("GLIDEIN_LOCAL_TMP_DIR", ""))
    return run


_SCRATCH_PARENT = Path("/tmp")  # noqa: S108 - where glidein_startup.sh makes its scratch dir


def _remove_local_tmp_dir(reported: str) -> None:
    """Remove the glidein's scratch dir in /tmp, which ``nocleanup`` leaves behind.

    The glidein dir under the start dir is kept for inspection; the
    ``/tmp/glide_<user>_XXXXXX`` scratch dir holds nothing to inspect and
    would otherwise pile up, one per run. Only a directory of that shape,
    owned by this user, is removed.
    """
    path = Path(reported)
    if not (path.parent == _SCRATCH_PARENT and path.name.startswith("glide_")):
        return
    with contextlib.suppress(OSError):
        status = path.lstat()
        if stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid():
            shutil.rmtree(path)

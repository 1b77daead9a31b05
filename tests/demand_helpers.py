"""Helpers for the demand tests: ``gfactory serve`` run as the operator runs it."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["GFACTORY", "demand_server", "server_status"]

GFACTORY = Path(sys.executable).with_name("gfactory")


@contextlib.contextmanager
def demand_server(config: Path, jobs: Path, *options: str | Path) -> Iterator[str]:
    """Run ``gfactory serve`` on a free 127.0.0.1 port; yield its URL; stop it with SIGTERM."""
    server = subprocess.Popen(
        [str(GFACTORY), "serve", str(config), "--jobs", str(jobs), "--listen", "127.0.0.1:0",
         *map(str, options)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split("127.0.0.1:")[1].split("/")[0])
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def server_status(url: str) -> dict[str, object]:
    """The server's ``/status.json``."""
    with urllib.request.urlopen(f"{url}/status.json") as answer:  # noqa: S310 - loopback
        status: dict[str, object] = json.load(answer)
    return status

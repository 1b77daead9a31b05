"""Run one read-only check in a forked child, beside the parent's own work.

``verify`` hashes the stage and the work dir's files: two halves of about equal
cost that share nothing. On two cores, hashing the work files in a child while the
parent hashes the stage takes a sixth off the whole command. The child only reads
files and sends back JSON; anything unexpected (no ``fork``, other threads running,
a child that dies or answers garbage) makes the caller run the check itself.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["start_in_child"]


def _child(check: Callable[[], Any], write: int) -> None:
    """Run ``check`` and write its JSON result; never return."""
    code = 0
    try:
        data = json.dumps(check()).encode()
        with os.fdopen(write, "wb") as out:
            out.write(data)
    except BaseException:  # noqa: BLE001 - the parent runs the check itself
        code = 1
    os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def start_in_child(check: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``check`` (returning JSON-ready data) in a child; return how to get its result.

    The returned function waits for the child and returns the data, or runs ``check``
    here when the child could not be used (or when it is asked again after it failed).
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return check
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError:
        return check
    if pid == 0:
        os.close(read)
        _child(check, write)
    os.close(write)

    asked: list[bool] = []

    def result() -> Any:
        if asked:  # asked before, and that failed: the child is gone, the pipe closed
            return check()
        asked.append(True)
        try:
            with os.fdopen(read, "rb") as source:
                data = source.read()
        finally:
            _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return check()
        try:
            return json.loads(data)
        except ValueError:
            return check()

    return result

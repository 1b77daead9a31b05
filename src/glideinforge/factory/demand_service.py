"""pyglidein's server side: the demand as its clients ask for it, over JSON-RPC 2.0.

``get_state`` answers the idle jobs grouped by request (``job_demand``); ``monitoring``
takes a client's ``uuid``, ``timestamp`` and ``metrics``. Every malformed request gets a
JSON-RPC error object, never an exception.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_REQUEST_BYTES", "PARSE_ERROR", "DemandService"]

MAX_REQUEST_BYTES = 1 << 20
"""The largest request body read."""

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


@dataclass
class DemandService:
    """The latest demand and the clients' reports, shared by the server's threads."""

    refresh: Callable[[], list[dict[str, Any]]]
    """Return the current demand: pyglidein's ``get_state`` list."""
    groups: list[dict[str, Any]] = field(default_factory=list)
    updated: float | None = None
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def update(self) -> None:
        """Read the demand again."""
        groups = self.refresh()
        with self._lock:
            self.groups, self.updated = groups, time.time()

    def status(self) -> dict[str, Any]:
        """Return what ``/status.json`` shows: the demand and the clients' last reports."""
        with self._lock:
            return {
                "updated": self.updated,
                "groups": list(self.groups),
                "clients": dict(self.clients),
            }

    def answer(self, body: bytes) -> dict[str, Any]:
        """Return the JSON-RPC response to the request ``body``."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(None, PARSE_ERROR, "Parse error")
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
            return _error(None, INVALID_REQUEST, "Invalid Request")
        ident = request.get("id")
        method = request.get("method")
        params = request.get("params", {})
        if not isinstance(method, str) or not isinstance(params, list | dict):
            return _error(ident, INVALID_REQUEST, "Invalid Request")
        if method == "get_state":
            with self._lock:
                return _result(ident, result=list(self.groups))
        if method == "monitoring":
            return self._monitoring(ident, params)
        return _error(ident, METHOD_NOT_FOUND, f"Method not found: {method}")

    def _monitoring(self, ident: object, params: list[Any] | Mapping[str, Any]) -> dict[str, Any]:
        if isinstance(params, list):
            named = dict(zip(("uuid", "timestamp", "metrics"), params, strict=False))
        else:
            named = dict(params)
        uuid, timestamp, metrics = (named.get(key) for key in ("uuid", "timestamp", "metrics"))
        if (
            not isinstance(uuid, str)
            or not uuid
            or not isinstance(timestamp, int | float)
            or isinstance(timestamp, bool)
            or not isinstance(metrics, dict)
        ):
            return _error(ident, INVALID_PARAMS, "Invalid params: uuid, timestamp, metrics")
        with self._lock:
            self.clients[uuid] = {"timestamp": timestamp, "metrics": metrics}
        return _result(ident, result=True)


def _result(ident: object, *, result: object) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def _error(ident: object, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}

"""pyglidein's site client: ask a server for the demand, decide how many glideins to submit.

Every cycle the client reads the server's ``get_state`` (JSON-RPC 2.0 over HTTP), keeps
the request groups a glidein of its entry can run (the same classad2 matching as
``gfactory demand``: a job ad made of the group's request against the entry's machine
ad), counts its own glideins in the local queue and submits what is missing, within
its caps: never more than ``limit_per_submit`` at once, ``max_idle`` idle or
``max_total`` in the queue.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Sequence

import classad2

from glideinforge.errors import GlideinforgeError
from glideinforge.frozen import frozen

from .batch_queue import QueueCount
from .job_demand import DEFAULT_REQUEST, Request, RequestGroup, jobs_per_glidein
from .machine_ad import Offer

__all__ = [
    "ClientLimits",
    "ServerError",
    "fetch_state",
    "glideins_to_submit",
    "glideins_wanted",
    "report_metrics",
]

MAX_ANSWER_BYTES = 16 << 20
"""The largest answer read from a server."""
TIMEOUT_SECONDS = 30.0


class ServerError(GlideinforgeError):
    """A server that cannot be reached or answers what is not pyglidein's state."""


@frozen
class ClientLimits:
    """pyglidein's client caps; the per-job ones are ``None`` when not set."""

    max_idle: int
    max_total: int
    limit_per_submit: int
    max_job_cpus: int | None = None
    max_job_memory: int | None = None
    max_job_disk: int | None = None
    max_job_gpus: int | None = None

    def admits(self, request: Request) -> bool:
        """Return True when no per-job cap refuses ``request``."""
        caps = (
            (request.cpus, self.max_job_cpus),
            (request.memory, self.max_job_memory),
            (request.disk, self.max_job_disk),
            (request.gpus, self.max_job_gpus),
        )
        return all(cap is None or value <= cap for value, cap in caps)


def _call(url: str, method: str, params: dict[str, object]) -> object:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator's --server URL, http(s) checked
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    if not url.startswith(("http://", "https://")):
        raise ServerError(f"{url}: not an http(s) URL")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            data = answer.read(MAX_ANSWER_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ServerError(f"{url}: {method}: {reason}") from error
    if len(data) > MAX_ANSWER_BYTES:
        raise ServerError(f"{url}: {method}: an answer of more than {MAX_ANSWER_BYTES} bytes")
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise ServerError(f"{url}: {method}: the answer is not JSON") from error
    if not isinstance(document, dict):
        raise ServerError(f"{url}: {method}: the answer is not a JSON-RPC response")
    if "error" in document:
        raise ServerError(f"{url}: {method}: the server answered an error: {document['error']}")
    if "result" not in document:
        raise ServerError(f"{url}: {method}: the answer has no result")
    return document["result"]


def _count(item: dict[str, object], key: str, default: int) -> int:
    value = item.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ServerError(f"get_state: {key} {value!r} is not a count")
    return math.ceil(value)


def fetch_state(url: str) -> list[RequestGroup]:
    """Return the request groups a pyglidein server's ``get_state`` answers.

    Raises:
        ServerError: the server cannot be reached, or answers garbage.
    """
    result = _call(url, "get_state", {})
    if not isinstance(result, list) or not all(isinstance(item, dict) for item in result):
        raise ServerError(f"{url}: get_state: the result is not a list of requests")
    groups = []
    for item in result:
        system = item.get("os")
        if system is not None and not isinstance(system, str):
            raise ServerError(f"get_state: os {system!r} is not a name")
        request = Request(
            cpus=_count(item, "cpus", DEFAULT_REQUEST.cpus),
            memory=_count(item, "memory", DEFAULT_REQUEST.memory),
            disk=_count(item, "disk", DEFAULT_REQUEST.disk),
            gpus=_count(item, "gpus", DEFAULT_REQUEST.gpus),
            os=system or None,
        )
        groups.append(RequestGroup(request, _count(item, "count", 0)))
    return groups


def report_metrics(url: str, uuid: str, timestamp: float, metrics: dict[str, object]) -> None:
    """Send the client's ``monitoring`` report.

    Raises:
        ServerError: the server cannot be reached or refused the report.
    """
    _call(url, "monitoring", {"uuid": uuid, "timestamp": timestamp, "metrics": metrics})


def _request_ad(request: Request) -> classad2.ClassAd:
    """Return a job ad asking what ``request`` asks (disk in KiB, as HTCondor counts it)."""
    ad = classad2.ClassAd()
    ad["MyType"] = "Job"
    ad["JobStatus"] = 1
    ad["RequestCpus"] = request.cpus
    ad["RequestMemory"] = request.memory
    ad["RequestDisk"] = request.disk * 1024
    ad["RequestGPUs"] = request.gpus
    if request.os is not None:
        ad["OpSysAndVer"] = request.os
    ad["Requirements"] = True
    return ad


def glideins_wanted(groups: Sequence[RequestGroup], offer: Offer, limits: ClientLimits) -> int:
    """Return the glideins of ``offer``'s entry the groups it can run would fill."""
    wanted = 0
    for group in groups:
        fits = jobs_per_glidein(group.request, offer)
        admitted = group.count and fits and limits.admits(group.request)
        if admitted and _request_ad(group.request).symmetricMatch(offer.ad):
            wanted += math.ceil(group.count / fits)
    return wanted


def glideins_to_submit(wanted: int, queued: QueueCount, limits: ClientLimits) -> int:
    """Return how many glideins to submit now: what is missing, within every cap."""
    return max(
        0,
        min(
            wanted - queued.idle,
            limits.limit_per_submit,
            limits.max_idle - queued.idle,
            limits.max_total - queued.total,
        ),
    )

"""Idle jobs as demand: job ClassAds read with classad2, grouped by what they request.

The first step of demand-driven glideins (issue 22): the queue's idle jobs, from a file
of ``condor_q -long`` or ``condor_q -json`` output, grouped by request as pyglidein's
server reports them to its clients (``get_state``): CPUs, memory and disk in MB, GPUs
and OS, with a count. An unset request counts as pyglidein counts it: 1 CPU, 2000 MB
of memory, 10000 MB of disk, 0 GPUs. Every expression is evaluated by classad2, in
the job's own ad (``RequestMemory = ifThenElse(...)`` included).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import classad2

from glideinforge.creation.lib.inputs import InputError, read_input
from glideinforge.errors import GlideinforgeError
from glideinforge.frozen import frozen

from .machine_ad import Offer

__all__ = [
    "DEFAULT_REQUEST",
    "EntryShare",
    "GroupDemand",
    "JobAdsError",
    "QueueSource",
    "Request",
    "RequestGroup",
    "group_requests",
    "idle_jobs",
    "jobs_per_glidein",
    "match_demand",
    "read_job_ads",
    "request_of",
]

IDLE = 1
"""``JobStatus`` of an idle job."""

MAX_JOB_ADS_BYTES = 512 << 20
"""The largest job-ad file read: a queue of about a million jobs."""


class JobAdsError(GlideinforgeError):
    """Job ClassAds that cannot be read or a constraint that cannot be parsed."""


@dataclass(frozen=True, slots=True, order=True)
class Request:
    """What a job asks for, in pyglidein's units."""

    cpus: int
    memory: int
    """MB."""
    disk: int
    """MB (HTCondor's ``RequestDisk`` is in KiB)."""
    gpus: int
    os: str | None
    """The job's ``OpSysAndVer``, when it names one."""

    def to_json(self) -> dict[str, object]:
        """Return the request as pyglidein's ``get_state`` lists it (without the count)."""
        return {
            "cpus": self.cpus,
            "memory": self.memory,
            "disk": self.disk,
            "gpus": self.gpus,
            "os": self.os,
        }


DEFAULT_REQUEST = Request(cpus=1, memory=2000, disk=10000, gpus=0, os=None)
"""What pyglidein assumes of a job that requests nothing."""


@frozen
class RequestGroup:
    """Idle jobs that request the same, and how many there are."""

    request: Request
    count: int

    def to_json(self) -> dict[str, object]:
        """Return the group as one element of pyglidein's ``get_state`` answer."""
        return {**self.request.to_json(), "count": self.count}


def read_job_ads(path: Path) -> list[classad2.ClassAd]:
    """Read the job ClassAds of ``condor_q -long`` (blank-line separated) or ``-json`` output.

    Raises:
        JobAdsError: the file cannot be read, or is not ClassAds.
    """
    try:
        data = read_input(path, MAX_JOB_ADS_BYTES)
    except (OSError, InputError) as error:
        raise JobAdsError(f"{path}: cannot read job ads: {error}") from error
    text = data.decode("utf-8", "replace")
    try:
        if text.lstrip().startswith("["):
            return _json_ads(text)
        return list(classad2.parseAds(text, classad2.ParserType.Old))
    except (classad2.ClassAdException, ValueError, RuntimeError, TypeError) as error:
        raise JobAdsError(f"{path}: not job ClassAds: {error}") from error


@frozen
class QueueSource:
    """Where the idle jobs are read: a file of job ads, one schedd, or a whole pool."""

    jobs: Path | None = None
    schedd: str | None = None
    pool: str | None = None
    collector: str | None = None
    """The collector that locates ``schedd`` (None: the local one)."""

    def read(self) -> tuple[list[classad2.ClassAd], list[str]]:
        """Return the job ads of the source, and a warning per schedd of the pool left out.

        As ``condor_q -global`` does, a schedd that does not answer is named and the
        others are read.

        Raises:
            JobAdsError: the file cannot be read, or no schedd can be queried.
        """
        if self.jobs is not None:
            return read_job_ads(self.jobs), []
        return _query_schedds(self)


def _query_schedds(source: QueueSource) -> tuple[list[classad2.ClassAd], list[str]]:
    """Query the idle jobs of ``source``'s schedd, or of every schedd of its pool."""
    import htcondor2  # noqa: PLC0415 - only a live queue needs it

    failures = (htcondor2.HTCondorException, RuntimeError, ValueError)
    where = f"schedd {source.schedd}" if source.schedd else f"pool {source.pool or 'local'}"
    try:
        if source.schedd is not None:
            collector = htcondor2.Collector(source.collector)
            schedds = [collector.locate(htcondor2.DaemonType.Schedd, source.schedd)]
        else:
            schedds = htcondor2.Collector(source.pool).locateAll(htcondor2.DaemonType.Schedd)
    except failures as error:
        raise JobAdsError(f"{where}: cannot read the queue: {error}") from error
    ads: list[classad2.ClassAd] = []
    left_out: list[str] = []
    for location in schedds:
        name = location.get("Name", "?")
        try:
            ads.extend(htcondor2.Schedd(location).query(constraint=f"JobStatus == {IDLE}"))
        except failures as error:
            left_out.append(f"schedd {name}: cannot read its queue ({error}); left out")
    if schedds and len(left_out) == len(schedds):
        raise JobAdsError(f"{where}: no schedd answered: " + "; ".join(left_out))
    return ads, left_out


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _expression_escaped(token: re.Match[str]) -> str:
    """Write an ``/Expr(...)/`` string back with HTCondor's escaped slashes."""
    text = token[0]
    if text.startswith('"/Expr(') and text.endswith(')/"'):
        return '"\\/' + text[2:-2] + '\\/"'
    return text


def _json_ads(text: str) -> list[classad2.ClassAd]:
    """Read ``condor_q -json`` output: a JSON array of ads, expressions as ``/Expr(...)/``.

    classad2 reads one ad's JSON at a time; each is written back as HTCondor writes it.
    """
    items = json.loads(text)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError("expected a JSON array of objects")
    return [
        classad2.parseOne(
            _JSON_STRING.sub(_expression_escaped, json.dumps(item)), classad2.ParserType.JSON
        )
        for item in items
    ]


def idle_jobs(
    ads: Iterable[classad2.ClassAd], constraint: str | None = None
) -> list[classad2.ClassAd]:
    """Return the idle jobs (``JobStatus == 1``) for which ``constraint`` is true.

    Raises:
        JobAdsError: the constraint is not a ClassAd expression.
    """
    test = None
    if constraint is not None:
        try:
            test = classad2.ExprTree(constraint)
        except (classad2.ClassAdException, ValueError, RuntimeError, SyntaxError) as error:
            raise JobAdsError(f"--constraint {constraint!r}: not a ClassAd expression") from error
    return [
        ad
        for ad in ads
        if _number(ad, "JobStatus") == IDLE and (test is None or test.eval(ad) is True)
    ]


def _number(ad: classad2.ClassAd, name: str) -> float | None:
    """Evaluate ``name`` in ``ad``; None when unset, undefined, an error or not a number."""
    if name not in ad:
        return None
    try:
        value = ad.eval(name)
    except (classad2.ClassAdException, ValueError, RuntimeError):
        return None
    # Undefined and error evaluate to classad2.Value members, which are ints too.
    if isinstance(value, bool | classad2.Value) or not isinstance(value, int | float):
        return None
    return value


def _whole(value: float | None, default: int, scale: float = 1) -> int:
    return default if value is None or value < 0 else math.ceil(value / scale)


def request_of(ad: classad2.ClassAd) -> Request:
    """Return what the job ``ad`` requests, defaults where it requests nothing."""
    os_name = None
    if "OpSysAndVer" in ad:
        try:
            value = ad.eval("OpSysAndVer")
        except (classad2.ClassAdException, ValueError, RuntimeError):
            value = None
        os_name = value if isinstance(value, str) and value else None
    return Request(
        cpus=_whole(_number(ad, "RequestCpus"), DEFAULT_REQUEST.cpus),
        memory=_whole(_number(ad, "RequestMemory"), DEFAULT_REQUEST.memory),
        disk=_whole(_number(ad, "RequestDisk"), DEFAULT_REQUEST.disk, scale=1024),
        gpus=_whole(_number(ad, "RequestGPUs"), DEFAULT_REQUEST.gpus),
        os=os_name,
    )


def group_requests(jobs: Sequence[classad2.ClassAd]) -> list[RequestGroup]:
    """Return the jobs grouped by request: the most wanted first, then by request."""
    return _most_wanted_first(Counter(request_of(ad) for ad in jobs))


def _most_wanted_first(counts: Counter[Request]) -> list[RequestGroup]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], _order(item[0])))
    return [RequestGroup(request, count) for request, count in ordered]


def _order(request: Request) -> tuple[int, int, int, int, str]:
    return (request.cpus, request.memory, request.disk, request.gpus, request.os or "")


@frozen
class EntryShare:
    """Idle jobs of a group an entry can run, and the glideins that would take."""

    entry: str
    jobs: int
    glideins: int


@frozen
class GroupDemand:
    """A request group and the entries that can run its jobs."""

    group: RequestGroup
    entries: tuple[EntryShare, ...]

    def to_json(self) -> dict[str, object]:
        """Return the group with its matching entries."""
        shares = [{"entry": s.entry, "jobs": s.jobs, "glideins": s.glideins} for s in self.entries]
        return {**self.group.to_json(), "entries": shares}


def jobs_per_glidein(request: Request, offer: Offer) -> int:
    """Return how many jobs of ``request`` one glidein holds (0: none fits)."""
    if request.cpus > offer.cpus or request.gpus > offer.gpus:
        return 0
    fits = offer.cpus // request.cpus
    if request.gpus:
        fits = min(fits, offer.gpus // request.gpus)
    if offer.memory is not None:
        fits = min(fits, offer.memory // request.memory if request.memory else fits)
    return fits


def match_demand(jobs: Sequence[classad2.ClassAd], offers: Sequence[Offer]) -> list[GroupDemand]:
    """Return each request group with the entries whose glideins can run its jobs.

    A job and a glidein match as HTCondor's matchmaking decides (classad2's symmetric
    match: the job's ``Requirements`` against the machine ad, the glidein's ``START``
    against the job), and the job's request must fit in the glidein. Jobs of a group
    with the same ``Requirements`` are matched once, through the first of them.
    """
    by_request: dict[Request, dict[str, tuple[classad2.ClassAd, int]]] = {}
    totals: Counter[Request] = Counter()
    for ad in jobs:
        request = request_of(ad)
        totals[request] += 1
        kinds = by_request.setdefault(request, {})
        requirements = str(ad.lookup("Requirements")) if "Requirements" in ad else ""
        first, count = kinds.get(requirements, (ad, 0))
        kinds[requirements] = (first, count + 1)
    demand = []
    for group in _most_wanted_first(totals):
        kinds = by_request[group.request]
        shares = []
        for offer in offers:
            fits = jobs_per_glidein(group.request, offer)
            count = fits and sum(n for ad, n in kinds.values() if ad.symmetricMatch(offer.ad))
            if count:
                shares.append(EntryShare(offer.entry, count, math.ceil(count / fits)))
        demand.append(GroupDemand(group, tuple(shares)))
    return demand

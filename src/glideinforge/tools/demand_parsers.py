"""The options of the demand-driven commands: ``demand``, ``serve``, ``submit``, ``site-client``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from glideinforge.factory.batch_systems import SYSTEMS

from .cli_common import Builder, Commands, add_root

__all__ = ["demand_builders"]


def _listen_address(text: str) -> tuple[str, int]:
    """Parse ``--listen HOST:PORT``."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def _positive_seconds(text: str) -> float:
    """Parse a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text}: expected a positive number of seconds")
    return value


def _http_url(text: str) -> str:
    """Parse an http(s) URL."""
    if not text.startswith(("http://", "https://")) or len(text.split("/", 3)[2]) == 0:
        raise argparse.ArgumentTypeError(f"{text}: expected an http:// or https:// URL")
    return text


def _count(minimum: int) -> Callable[[str], int]:
    """Return a parser of whole numbers of at least ``minimum``."""

    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < minimum:
            raise argparse.ArgumentTypeError(f"{text}: expected a whole number >= {minimum}")
        return int(text)

    return parse


def _add_queue_source(parser: argparse.ArgumentParser, jobs_help: str) -> None:
    """Add where idle jobs are read: ``--jobs FILE``, ``--schedd NAME`` or ``--pool HOST``."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jobs", type=Path, metavar="FILE", help=jobs_help)
    source.add_argument(
        "--schedd", metavar="NAME", help="query this schedd (located through --collector)"
    )
    source.add_argument(
        "--pool", metavar="HOST", help="query every schedd of this pool (like condor_q -global)"
    )
    parser.add_argument(
        "--collector", metavar="HOST", help="the collector that locates --schedd (default: local)"
    )
    parser.add_argument(
        "--constraint", metavar="EXPR", help="a ClassAd expression the jobs must satisfy too"
    )


def _add_submission_options(parser: argparse.ArgumentParser) -> None:
    """Add how glideins are submitted: ``--to``, ``--web``, templates, credentials, ..."""
    parser.add_argument("config", type=Path, metavar="CONFIG", help="main factory XML file")
    parser.add_argument("entry", metavar="ENTRY", help="the entry whose glideins are submitted")
    add_root(parser)
    parser.add_argument(
        "--to", required=True, choices=SYSTEMS, help="the batch system glideins are submitted to"
    )
    parser.add_argument(
        "--web", metavar="URL", help="the stage's URL the glideins use (default: web_base_url)"
    )
    parser.add_argument(
        "--walltime",
        type=_count(60),
        metavar="SECONDS",
        help="the walltime asked for (default: GLIDEIN_Max_Walltime, else the glidein's lifetime)",
    )
    parser.add_argument(
        "--credential",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a file every glidein gets in its start directory, such as "
        "credential_site.idtoken (repeatable)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        metavar="DIR",
        help="a directory whose <system>.j2 replaces the shipped script template",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="render what would be submitted; submit nothing"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def demand_builders(config_help: str) -> dict[str, Builder]:
    """Return the builders of ``demand``, ``serve``, ``submit`` and ``site-client``."""
    return {
        "demand": lambda commands: _add_demand(commands, config_help),
        "serve": lambda commands: _add_serve(commands, config_help),
        "submit": _add_submit,
        "site-client": _add_site_client,
    }


def _add_demand(commands: Commands, config_help: str) -> None:
    demand = commands.add_parser(
        "demand", help="group a queue's idle jobs by request and match them to the entries"
    )
    demand.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_root(demand)
    _add_queue_source(demand, "job ClassAds: the output of condor_q -long or condor_q -json")
    demand.add_argument("--json", action="store_true", help="print one JSON document")


def _add_serve(commands: Commands, config_help: str) -> None:
    serve = commands.add_parser(
        "serve", help="serve the demand to pyglidein clients (JSON-RPC), as JSON and as a page"
    )
    serve.add_argument("config", type=Path, metavar="CONFIG", help=config_help)
    add_root(serve)
    _add_queue_source(serve, "job ClassAds, read every interval")
    serve.add_argument(
        "--listen",
        type=_listen_address,
        default=("127.0.0.1", 8080),
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:8080; port 0 picks a free one)",
    )
    serve.add_argument(
        "--interval",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how often the demand is read again (default 300)",
    )
    serve.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document when stopped: the URL, the last demand, the clients' "
        "reports (the 'serving on' line goes to stderr)",
    )


def _add_submit(commands: Commands) -> None:
    submit = commands.add_parser(
        "submit", help="submit an entry's glideins to a batch system (condor, slurm, pbs, lsf, uge)"
    )
    _add_submission_options(submit)
    submit.add_argument(
        "--count", type=_count(1), required=True, metavar="N", help="how many glideins"
    )


def _add_site_client(commands: Commands) -> None:
    client = commands.add_parser(
        "site-client", help="pyglidein's site client: submit what a server's demand wants"
    )
    _add_submission_options(client)
    client.add_argument(
        "--server",
        required=True,
        type=_http_url,
        metavar="URL",
        help="the server's JSON-RPC URL (.../jsonrpc)",
    )
    client.add_argument("--once", action="store_true", help="run one cycle, then stop")
    client.add_argument(
        "--delay",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="time between cycles (default 300)",
    )
    client.add_argument(
        "--max-idle", type=_count(0), default=10, metavar="N", help="idle glideins at most (10)"
    )
    client.add_argument(
        "--max-total",
        type=_count(0),
        default=100,
        metavar="N",
        help="glideins queued at most (100)",
    )
    client.add_argument(
        "--limit-per-submit",
        type=_count(0),
        default=10,
        metavar="N",
        help="glideins submitted per cycle at most (10)",
    )
    for resource, unit in (("cpus", ""), ("memory", " MB"), ("disk", " MB"), ("gpus", "")):
        client.add_argument(
            f"--max-job-{resource}",
            type=_count(0),
            metavar="N",
            help=f"ignore jobs requesting more {resource}{unit} than this",
        )
    client.add_argument(
        "--retries",
        type=_count(0),
        default=3,
        metavar="N",
        help="tries again this many times when the server fails (3)",
    )
    client.add_argument(
        "--retry-delay",
        type=_positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="time between tries (default 30)",
    )
    client.add_argument(
        "--uuid", metavar="ID", help="this client's name in its reports (default HOST:ENTRY)"
    )

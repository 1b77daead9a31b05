"""``gfactory serve CONFIG --jobs FILE``: pyglidein's server, over the factory's demand.

It reads the idle jobs every ``--interval`` seconds and serves ``POST /jsonrpc``
(pyglidein's ``get_state`` and ``monitoring``), ``GET /status.json``, a page for people
(``GET /``) and the factory's report page (``GET /report``). SIGTERM or SIGINT stop it
cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import gc
import json
import threading
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from glideinforge.factory.demand_service import MAX_REQUEST_BYTES, DemandService
from glideinforge.factory.job_demand import JobAdsError, group_requests, idle_jobs

from .demand_command import queue_source
from .exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .report import print_json
from .report_page import REPORT_NAME, html_environment, utc
from .stop_signals import stop_signals_caught

__all__ = ["serve_command"]


class _Handler(BaseHTTPRequestHandler):
    """One request to the demand server."""

    server_version = "glideinforge"

    def __init__(
        self, *args: Any, service: DemandService, page: Any, report: Path, **kwargs: Any
    ) -> None:
        self.service = service
        self.page = page
        self.report = report
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Keep quiet: the operator's terminal is not a web log."""

    def _send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        """Answer ``/jsonrpc``."""
        if self.path != "/jsonrpc":
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
            return
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_REQUEST_BYTES:
            refusal = b"a Content-Length of 1 MiB at most is required\n"
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, refusal, "text/plain")
            return
        answer = self.service.answer(self.rfile.read(int(length)))
        self._send(HTTPStatus.OK, json.dumps(answer).encode(), "application/json")

    def do_GET(self) -> None:
        """Answer ``/status.json``, ``/`` and ``/report``."""
        if self.path == "/status.json":
            body = json.dumps(self.service.status()).encode()
            self._send(HTTPStatus.OK, body, "application/json")
        elif self.path in {"/", "/index.html"}:
            self._send(HTTPStatus.OK, self.page(self.service.status()), "text/html; charset=utf-8")
        elif self.path == "/report" and self.report.is_file():
            body = self.report.read_bytes()
            self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")


def _page(name: str, interval: float, report: Path) -> Any:
    template = html_environment().get_template("demand.html.j2")

    def render(status: dict[str, Any]) -> bytes:
        clients = [
            (uuid, {"when": utc(report["timestamp"]), "metrics": sorted(report["metrics"].items())})
            for uuid, report in sorted(status["clients"].items())
        ]
        updated = "never" if status["updated"] is None else utc(status["updated"])
        return template.render(
            name=name,
            updated=updated,
            interval=interval,
            report=report.is_file(),
            groups=status["groups"],
            clients=clients,
        ).encode("utf-8")

    return render


def serve_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Serve the demand until SIGTERM or SIGINT."""
    from .factory_commands import load_for_command  # noqa: PLC0415 - loaded when needed

    factory = load_for_command(args, stderr)
    if factory is None:
        return EXIT_INVALID

    source = queue_source(args)

    def refresh() -> list[dict[str, Any]]:
        ads, left_out = source.read()
        stderr.writelines(f"gfactory serve: warning: {item}\n" for item in left_out)
        jobs = idle_jobs(ads, args.constraint)
        return [group.to_json() for group in group_requests(jobs)]

    service = DemandService(refresh)
    try:
        service.update()
    except JobAdsError as error:
        stderr.write(f"gfactory serve: {error}\n")
        return EXIT_USAGE
    host, port = args.listen
    report = factory.monitor.base_dir / REPORT_NAME
    page = _page(f"{factory.factory_name}/{factory.glidein_name}", args.interval, report)
    try:
        server = ThreadingHTTPServer(
            (host, port), partial(_Handler, service=service, page=page, report=report)
        )
    except OSError as error:
        stderr.write(f"gfactory serve: cannot listen on {host}:{port}: {error.strerror}\n")
        return EXIT_USAGE
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    url = f"http://{bound_host}:{bound_port}/"
    # With --json, stdout holds one document, written at the end: the line goes to stderr.
    said = stderr if args.json else stdout
    _serve_until_stopped(server, service, args.interval, (url, said), stderr)
    if args.json:
        print_json({"url": url, **service.status()}, stdout)
    return EXIT_OK


def _serve_until_stopped(
    server: ThreadingHTTPServer,
    service: DemandService,
    interval: float,
    announce: tuple[str, TextIO],
    stderr: TextIO,
) -> None:
    """Serve and refresh in threads until SIGTERM or SIGINT; a failed listener is raised here.

    The main thread only waits for the stop signal: its handler then interrupts nothing
    that holds a lock (a request thread's start, an event's wait).
    """
    stop_refreshing = threading.Event()
    refresher = threading.Thread(
        target=_keep_fresh, args=(service, interval, stop_refreshing, stderr), daemon=True
    )
    failures: list[Exception] = []

    def listen() -> None:
        try:
            server.serve_forever(poll_interval=0.2)
        except Exception as error:  # noqa: BLE001 - raised again in the main thread
            failures.append(error)

    listener = threading.Thread(target=listen, daemon=True)
    # A command pauses the cyclic collector for its one burst of work; a server runs for
    # days, so it collects as usual (the command's end restores the pause's state).
    gc.enable()
    with stop_signals_caught() as stop_request:
        refresher.start()
        listener.start()
        url, said = announce
        said.write(f"serving on {url} (SIGTERM stops)\n")
        said.flush()
        try:
            while listener.is_alive() and not stop_request.wait(0.2):
                pass
        finally:
            stop_refreshing.set()
            if listener.is_alive():
                server.shutdown()
            server.server_close()
    if failures:
        raise failures[0]


def _keep_fresh(
    service: DemandService, interval: float, stopping: threading.Event, stderr: TextIO
) -> None:
    """Read the demand every ``interval`` seconds until stopped; a failed read keeps the last."""
    while not stopping.wait(interval):
        try:
            service.update()
        except JobAdsError as error:
            stderr.write(f"gfactory serve: {error}; the demand stays as last read\n")

"""gfactory serve: pyglidein's JSON-RPC protocol, status.json, the page, and a clean stop."""

from __future__ import annotations

import gc
import io
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from glideinforge.factory.demand_service import DemandService
from glideinforge.tools import gfactory, serve_command

from conftest import EXAMPLE_FACTORY

GFACTORY = Path(sys.executable).with_name("gfactory")
ONE_JOB = 'MyType = "Job"\nClusterId = 1\nProcId = 0\nJobStatus = 1\nRequestCpus = 2\n'
TWO_JOBS = ONE_JOB + "\n" + ONE_JOB.replace("ProcId = 0", "ProcId = 1")
STATE = [{"cpus": 2, "memory": 2000, "disk": 10000, "gpus": 0, "os": None, "count": 1}]


def _service() -> DemandService:
    service = DemandService(lambda: list(STATE))
    service.update()
    return service


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (
            b'{"jsonrpc": "2.0", "id": 7, "method": "get_state"}',
            {"jsonrpc": "2.0", "id": 7, "result": STATE},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 8, "method": "monitoring", '
            b'"params": {"uuid": "u1", "timestamp": 1.5, "metrics": {"idle": 2}}}',
            {"jsonrpc": "2.0", "id": 8, "result": True},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 9, "method": "monitoring", "params": ["u2", 2, {}]}',
            {"jsonrpc": "2.0", "id": 9, "result": True},
        ),
        (b"{not json", {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}),
        (
            b'{"jsonrpc": "1.0", "id": 1, "method": "get_state"}',
            {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid Request"}},
        ),
        (
            b'[{"jsonrpc": "2.0", "id": 1, "method": "get_state"}]',
            {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid Request"}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}',
            {"jsonrpc": "2.0", "id": 3, "error": {"code": -32601, "message": "Method not found: shutdown"}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 4, "method": "monitoring", "params": {"uuid": "u", "timestamp": "x"}}',
            {"jsonrpc": "2.0", "id": 4,
             "error": {"code": -32602, "message": "Invalid params: uuid, timestamp, metrics"}},
        ),
    ],
)  # fmt: skip
def test_the_protocol_answers_every_request(body, answer):
    assert _service().answer(body) == answer


def test_monitoring_reports_are_kept_per_client():
    service = _service()
    service.answer(
        b'{"jsonrpc": "2.0", "id": 1, "method": "monitoring", "params": ["a", 5, {"x": 1}]}'
    )
    service.answer(
        b'{"jsonrpc": "2.0", "id": 2, "method": "monitoring", "params": ["a", 6, {"x": 2}]}'
    )

    assert service.status()["clients"] == {"a": {"timestamp": 6, "metrics": {"x": 2}}}


def _post(port: int, payload: bytes) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/jsonrpc", data=payload, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback http
        return json.loads(response.read())


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read()


def test_the_server_collects_cyclic_garbage_while_it_serves(tmp_path, monkeypatch):
    jobs = tmp_path / "jobs.long"
    jobs.write_text(ONE_JOB)
    seen = []
    monkeypatch.setattr(
        serve_command.ThreadingHTTPServer,
        "serve_forever",
        lambda *_args, **_kwargs: seen.append(gc.isenabled()),
    )
    args = ["serve", str(EXAMPLE_FACTORY), "--jobs", str(jobs), "--listen", "127.0.0.1:0"]

    assert gfactory.run(args, io.StringIO(), io.StringIO()) == 0
    assert seen == [True]


def test_a_listener_that_fails_fails_the_command(tmp_path, monkeypatch):
    jobs = tmp_path / "jobs.long"
    jobs.write_text(ONE_JOB)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the listener broke")

    monkeypatch.setattr(serve_command.ThreadingHTTPServer, "serve_forever", broken)
    args = ["serve", str(EXAMPLE_FACTORY), "--jobs", str(jobs), "--listen", "127.0.0.1:0"]

    stdout, stderr = io.StringIO(), io.StringIO()
    assert gfactory.run(args, stdout, stderr) == 1
    assert stderr.getvalue() == "gfactory: internal error: RuntimeError: the listener broke\n"


def test_the_server_refreshes_serves_and_stops_cleanly(tmp_path):
    jobs = tmp_path / "jobs.long"
    jobs.write_text(ONE_JOB)
    server = subprocess.Popen(
        [str(GFACTORY), "serve", str(EXAMPLE_FACTORY), "--jobs", str(jobs),
         "--listen", "127.0.0.1:0", "--interval", "0.3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = server.stdout.readline()
        port = int(first.split("127.0.0.1:")[1].split("/")[0])
        assert _post(port, b'{"jsonrpc": "2.0", "id": 1, "method": "get_state"}')["result"] == STATE
        jobs.write_text(TWO_JOBS)
        deadline = time.monotonic() + 10
        while (
            _post(port, b'{"jsonrpc": "2.0", "id": 2, "method": "get_state"}')["result"][0]["count"]
            != 2
        ):
            assert time.monotonic() < deadline, "the demand was not read again"
            time.sleep(0.1)
        hostile = b'{"jsonrpc": "2.0", "id": 3, "method": "monitoring", "params": ["<b>x</b>", 1, {"idle": 1}]}'
        assert _post(port, hostile)["result"] is True
        status = json.loads(_get(port, "/status.json"))
        assert status["groups"][0]["count"] == 2
        assert status["clients"] == {"<b>x</b>": {"timestamp": 1, "metrics": {"idle": 1}}}
        page = _get(port, "/").decode()
        assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
        with pytest.raises(urllib.error.HTTPError):
            _get(port, "/nothing")
        jobs.write_text("[not json")  # a bad read keeps the last demand
        time.sleep(1)
        assert (
            _post(port, b'{"jsonrpc": "2.0", "id": 4, "method": "get_state"}')["result"][0]["count"]
            == 2
        )
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
        assert "the demand stays as last read" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_with_json_the_server_prints_one_document_when_stopped(tmp_path):
    jobs = tmp_path / "jobs.long"
    jobs.write_text(ONE_JOB)
    server = subprocess.Popen(
        [str(GFACTORY), "serve", str(EXAMPLE_FACTORY), "--jobs", str(jobs),
         "--listen", "127.0.0.1:0", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = server.stderr.readline()
        port = int(first.split("127.0.0.1:")[1].split("/")[0])
        report = (
            b'{"jsonrpc": "2.0", "id": 1, "method": "monitoring", "params": ["c", 3, {"idle": 2}]}'
        )
        assert _post(port, report)["result"] is True
        server.send_signal(signal.SIGTERM)
        stdout, _ = server.communicate(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0
    document = json.loads(stdout)
    assert document["url"] == f"http://127.0.0.1:{port}/"
    assert document["groups"] == STATE
    assert document["clients"] == {"c": {"timestamp": 3, "metrics": {"idle": 2}}}

"""gfactory site-client: pyglidein's client, its caps, its queue counts and its failures.

The server is a real HTTP server on 127.0.0.1 (``gfactory serve``'s own service, or one
that answers garbage); the batch system is stand-in ``squeue``/``sbatch`` commands on
PATH whose queue is a file the stand-in ``sbatch`` appends to, so several cycles see
what the earlier ones submitted. The real SLURM run is in ``test_slurm_e2e``.
"""

from __future__ import annotations

import http.server
import json
import os
import shlex
import signal
import stat
import subprocess
from pathlib import Path

import pytest
from demand_helpers import GFACTORY, demand_server, server_status

from glideinforge.factory.batch_queue import BatchError, QueueCount, count_queued
from glideinforge.factory.demand_service import DemandService
from glideinforge.factory.job_demand import Request, RequestGroup
from glideinforge.factory.site_client import ClientLimits, glideins_to_submit
from glideinforge.factory.try_glidein import serving

from conftest import run_gfactory

ENTRY = "SITE_B_slurm"  # one CPU per glidein; START wants Memory >= 2048
RUNNABLE = {"cpus": 1, "memory": 2048, "disk": 10000, "gpus": 0, "os": None}


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """Stand-in squeue and sbatch sharing a queue file (one state per line)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    queue = tmp_path / "queue"
    queue.write_text("")
    submitted = tmp_path / "submitted"
    _executable(bin_dir / "squeue", f"#!/bin/bash\ncat {shlex.quote(str(queue))}\n")
    _executable(
        bin_dir / "sbatch",
        "#!/bin/bash\n"
        'count=$(grep -oP "(?<=^#SBATCH --array=0-)[0-9]+" "${@: -1}")\n'
        f'for _ in $(seq 0 "$count"); do echo PD >> {shlex.quote(str(queue))}; done\n'
        f"echo $((count + 1)) >> {shlex.quote(str(submitted))}\n"
        "echo 555\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return queue, submitted


def _demand_server(groups):
    service = DemandService(lambda: groups)
    service.update()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            data = json.dumps(service.answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return service, serving(Handler)


def _garbage_server(body: bytes, status: int = 200):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return serving(Handler)


def _client(published, url, *options):
    config, out = published
    return run_gfactory(
        "site-client", config, ENTRY, "--root", out, "--server", f"{url}/jsonrpc",
        "--to", "slurm", "--once", "--json", "--uuid", "test-client", *options,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("wanted", "idle", "running", "limits", "submit"),
    [
        (20, 0, 0, (10, 100, 10), 10),  # max idle
        (20, 3, 4, (5, 10, 10), 2),  # idle room 2, total room 3
        (20, 0, 9, (10, 10, 10), 1),  # total room 1
        (20, 0, 0, (10, 100, 4), 4),  # limit per submit
        (3, 2, 0, (10, 100, 10), 1),  # only what is missing
        (3, 5, 0, (10, 100, 10), 0),  # more idle than wanted
        (20, 12, 0, (10, 100, 10), 0),  # over a lowered cap: never negative
    ],
)
def test_what_is_submitted_is_what_is_missing_within_every_cap(
    wanted, idle, running, limits, submit
):
    queued = QueueCount(idle, running)
    assert glideins_to_submit(wanted, queued, ClientLimits(*limits)) == submit


def test_per_job_caps_leave_out_bigger_requests():
    limits = ClientLimits(10, 10, 10, max_job_cpus=2, max_job_memory=4000, max_job_gpus=0)
    assert limits.admits(Request(2, 4000, 10000, 0, None))
    assert not limits.admits(Request(3, 100, 10000, 0, None))
    assert not limits.admits(Request(1, 4001, 10000, 0, None))
    assert not limits.admits(Request(1, 100, 10000, 1, None))


def test_a_cycle_submits_what_the_demand_wants_and_reports_it(published, batch):
    queue, submitted = batch
    queue.write_text("PD\nPD\nPD\nR\nR\nR\nR\n")
    groups = [
        {**RUNNABLE, "count": 20},
        {**RUNNABLE, "memory": 1024, "count": 50},  # START refuses: Memory >= 2048
        {**RUNNABLE, "cpus": 4, "count": 50},  # does not fit in a one-CPU glidein
    ]
    service, server = _demand_server(groups)
    with server as url:
        result = _client(published, url, "--max-idle", "5", "--max-total", "10")
    assert result.code == 0, result.stderr
    (cycle,) = json.loads(result.stdout)["cycles"]
    assert {key: cycle[key] for key in ("wanted", "idle", "running", "submitted", "job_id")} == {
        "wanted": 20, "idle": 3, "running": 4, "submitted": 2, "job_id": "555",
    }  # fmt: skip
    assert submitted.read_text() == "2\n"
    report = service.status()["clients"]["test-client"]
    assert report["metrics"] == {
        "entry": ENTRY, "wanted": 20, "idle": 3, "running": 4, "submitted": 2,
    }  # fmt: skip


def test_per_job_caps_and_a_full_queue_submit_nothing(published, batch):
    queue, submitted = batch
    _, server = _demand_server([{**RUNNABLE, "count": 20}])
    with server as url:
        capped = _client(published, url, "--max-job-memory", "2000")
        queue.write_text("PD\n" * 10)
        full = _client(published, url)
    assert json.loads(capped.stdout)["cycles"][0]["wanted"] == 0
    assert json.loads(full.stdout)["cycles"][0]["submitted"] == 0
    assert not submitted.exists()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html>proxy error</html>", "get_state: the answer is not JSON"),
        (b'{"jsonrpc": "2.0", "id": 1, "result": {"cpus": 1}}', "is not a list of requests"),
        (b'{"jsonrpc": "2.0", "id": 1, "result": [{"cpus": -1, "count": 2}]}', "cpus -1 is not"),
        (b'{"jsonrpc": "2.0", "id": 1, "error": {"code": -32601}}', "answered an error"),
        (b"[1, 2]", "the answer is not a JSON-RPC response"),
    ],
)
def test_a_server_answering_garbage_is_retried_then_a_failed_cycle(published, batch, body, said):
    _, submitted = batch
    with _garbage_server(body) as url:
        result = _client(published, url, "--retries", "2", "--retry-delay", "0.01")
    assert result.code == 1
    (cycle,) = json.loads(result.stdout)["cycles"]
    assert said in cycle["error"] and cycle["submitted"] == 0
    assert result.stderr.count("retrying in 0.01 s") == 2
    assert not submitted.exists()


def test_a_server_that_is_down_is_retried(published):
    with _garbage_server(b"") as url:
        pass  # the port is closed again
    result = _client(published, url, "--retries", "1", "--retry-delay", "0.01")
    assert result.code == 1
    assert "Connection refused" in json.loads(result.stdout)["cycles"][0]["error"]


def test_a_queue_that_cannot_be_counted_submits_nothing(published, batch, tmp_path):
    _, submitted = batch
    _executable(
        tmp_path / "bin" / "squeue", "#!/bin/bash\necho 'slurm_load_jobs error' >&2\nexit 1\n"
    )
    _, server = _demand_server([{**RUNNABLE, "count": 5}])
    with server as url:
        result = _client(published, url)
    assert result.code == 1
    cycle = json.loads(result.stdout)["cycles"][0]
    assert cycle["error"] == "nothing submitted: squeue exited 1: slurm_load_jobs error"
    assert not submitted.exists()


def test_the_loop_never_exceeds_its_caps_and_stops_on_sigterm(published, batch):
    queue, submitted = batch
    config, out = published
    _, server = _demand_server([{**RUNNABLE, "count": 100}])
    with server as url:
        client = subprocess.Popen(
            [str(GFACTORY), "site-client", str(config), ENTRY, "--root", str(out),
             "--server", f"{url}/jsonrpc", "--to", "slurm", "--delay", "0.1",
             "--max-idle", "7", "--limit-per-submit", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ,
        )  # fmt: skip
        lines = [client.stdout.readline() for _ in range(5)]
        client.send_signal(signal.SIGTERM)
        assert client.wait(timeout=30) == 0
    assert [line.split(":")[0] for line in lines] == [f"cycle {n}" for n in range(1, 6)]
    # 3, 3, then the one idle slot left, then nothing: never more than 7 idle.
    assert submitted.read_text().split() == ["3", "3", "1"]
    assert queue.read_text().count("PD") == 7
    assert lines[3] == "cycle 4: 100 glidein(s) wanted; queue: 7 idle, 0 running; submitted 0\n"


def test_queue_counts_of_each_batch_system(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _executable(bin_dir / "squeue", "#!/bin/bash\nprintf 'PD\\nPD\\nR\\nCG\\nCD\\n'\n")
    _executable(bin_dir / "bjobs", "#!/bin/bash\nprintf 'PEND\\nRUN\\nPSUSP\\nDONE\\n'\n")
    _executable(
        bin_dir / "qselect",
        '#!/bin/bash\ncase "${*: -1}" in QHW) printf "1[1].s\\n1[2].s\\n" ;; RE) echo 2.s ;; esac\n',
    )
    _executable(
        bin_dir / "qstat",
        """#!/bin/bash
cat <<'XML'
<?xml version='1.0'?>
<job_info>
  <queue_info>
    <job_list state="running"><JB_job_number>7</JB_job_number><JB_name>gf_E</JB_name>
      <tasks>1</tasks></job_list>
    <job_list state="running"><JB_job_number>8</JB_job_number><JB_name>other</JB_name>
      </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending"><JB_job_number>7</JB_job_number><JB_name>gf_E</JB_name>
      <tasks>2-10:2,15</tasks></job_list>
  </job_info>
</job_info>
XML
""",
    )
    assert count_queued("slurm", "gf_E", "E") == QueueCount(2, 2)
    assert count_queued("lsf", "gf_E", "E") == QueueCount(2, 1)
    assert count_queued("pbs", "gf_E", "E") == QueueCount(2, 1)
    assert count_queued("uge", "gf_E", "E") == QueueCount(6, 1)
    _executable(bin_dir / "qstat", "#!/bin/bash\necho '<job_info'\n")
    with pytest.raises(BatchError, match="qstat -xml: not XML"):
        count_queued("uge", "gf_E", "E")


@pytest.mark.usefixtures("batch")
def test_the_demand_reaches_a_site_client_through_gfactory_serve(published, tmp_path):
    """The real server: job ads in, pyglidein's state out, the client's report back in."""
    config, out = published
    jobs = tmp_path / "jobs.long"
    jobs.write_text(
        "".join(
            f'MyType = "Job"\nClusterId = 1\nProcId = {n}\nJobStatus = 1\n'
            "RequestCpus = 1\nRequestMemory = 2048\n\n"
            for n in range(4)
        )
    )
    with demand_server(config, jobs, "--root", out) as url:
        result = _client(published, url)
        assert result.code == 0, result.stderr
        assert json.loads(result.stdout)["cycles"][0]["submitted"] == 4
        status = server_status(url)
    assert status["clients"]["test-client"]["metrics"]["submitted"] == 4


def test_request_groups_from_any_pyglidein_server_default_as_pyglidein_does():
    from glideinforge.factory import site_client  # noqa: PLC0415

    with _garbage_server(
        b'{"jsonrpc": "2.0", "id": 1, "result": [{"count": 3, "os": "sl7"}]}'
    ) as url:
        assert site_client.fetch_state(f"{url}/jsonrpc") == [
            RequestGroup(Request(1, 2000, 10000, 0, "sl7"), 3)
        ]


@pytest.mark.parametrize("server", ["ftp://host/jsonrpc", "http://", "host:8080/jsonrpc"])
def test_a_server_that_is_not_an_http_url_is_a_usage_error(published, server):
    config, out = published
    result = run_gfactory(
        "site-client", config, ENTRY, "--root", out, "--server", server, "--to", "slurm"
    )
    assert result.code == 2
    assert f"argument --server: {server}: expected an http:// or https:// URL" in result.stderr

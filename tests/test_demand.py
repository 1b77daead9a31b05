"""gfactory demand: idle jobs matched to entries by HTCondor's own matchmaking (classad2)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import classad2
import pytest

from glideinforge.factory.compile import compile_factory
from glideinforge.factory.entry_rows import entry_levels
from glideinforge.factory.load import load_factory
from glideinforge.factory.machine_ad import offer

from conftest import EXAMPLE_FACTORY, run_gfactory


def _job(cluster: int, status: int = 1, procs: int = 1, **attrs: str) -> str:
    lines = [f'MyType = "Job"\nClusterId = {cluster}\nJobStatus = {status}']
    lines += [f"{name} = {value}" for name, value in attrs.items()]
    return "".join("\n".join([*lines, f"ProcId = {proc}"]) + "\n\n" for proc in range(procs))


JOBS = "".join(
    [
        # GPUs: only SITE_A_ce1 has one (GLIDEIN_Resource_Slots "GPUs,type=main").
        _job(1, RequestCpus="1", RequestMemory="4000", RequestGPUs="1",
             Requirements="(TARGET.GPUs >= RequestGPUs) && (TARGET.Memory >= RequestMemory)"),
        # =?= on a published attr: the entries whose GLIDEIN_Site is SiteB.
        _job(2, procs=3, RequestCpus="1", RequestMemory="4000",
             Requirements='TARGET.GLIDEIN_Site =?= "SiteB"'),
        # No entry publishes OpSysAndVer: undefined, so no match.
        _job(3, RequestCpus="1", RequestMemory="4000",
             Requirements='TARGET.OpSysAndVer == "AlmaLinux9"'),
        # An undefined attribute tested with =?=, and four CPUs.
        _job(4, procs=10, RequestCpus="2", RequestMemory="4000",
             Requirements="(TARGET.NoSuchAttribute =?= undefined) && (TARGET.Cpus >= RequestCpus)"),
        # The glideins' START (GLIDEIN_Custom_Start) refuses this owner.
        _job(5, RequestCpus="1", RequestMemory="4000", Owner='"bad"', Requirements="true"),
        # Running, not idle: not demand.
        _job(6, status=2, RequestCpus="1", Requirements="true"),
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def offers():
    factory = load_factory(EXAMPLE_FACTORY).factory
    with tempfile.TemporaryDirectory() as scratch:
        compiled = compile_factory(factory, Path(scratch))
    return {
        entry.name: offer(entry.name, entry_levels(compiled, entry.name))
        for entry in factory.entries
    }


def test_the_machine_ad_is_what_a_glidein_of_the_entry_advertises(offers):
    site_a = offers["SITE_A_ce1"]
    assert (site_a.cpus, site_a.memory, site_a.gpus) == (8, 16000, 1)
    ad = site_a.ad
    assert (ad["Cpus"], ad["Memory"], ad["GPUs"], ad["GLIDEIN_Site"]) == (8, 16000, 1, "SiteA")
    assert str(ad.lookup("Requirements")) == "START"
    assert str(ad.lookup("START")).startswith("(true) && (true) && ((Memory >= 2048)")
    # GLIDEIN_CPUS="auto": the frontend's estimate, GLIDEIN_ESTIMATED_CPUS (1 here).
    site_b = offers["SITE_B_slurm"]
    assert (site_b.cpus, site_b.memory) == (1, None)
    # Memory the node decides: the ad offers what the job asks for.
    job = classad2.ClassAd({"RequestMemory": 3000})
    assert site_b.ad.lookup("Memory").eval(scope=site_b.ad, target=job) == 3000


def test_idle_jobs_are_matched_with_htcondors_rules(tmp_path):
    jobs = tmp_path / "jobs.long"
    jobs.write_text(JOBS)

    result = run_gfactory("demand", EXAMPLE_FACTORY, "--jobs", jobs, "--json")

    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["idle_jobs"] == 16
    groups = {
        (group["cpus"], group["gpus"], group["count"]): group["entries"]
        for group in document["groups"]
    }
    assert groups[(2, 0, 10)] == [
        {"entry": "CLOUD_ec2_east", "jobs": 10, "glideins": 5},  # 4 CPUs: two 2-CPU jobs each
        {"entry": "SITE_A_ce1", "jobs": 10, "glideins": 3},  # 8 CPUs, 16000 MB: four jobs each
    ]
    assert groups[(1, 1, 1)] == [{"entry": "SITE_A_ce1", "jobs": 1, "glideins": 1}]
    # Clusters 2, 3 and 5 share a request: only cluster 2's three jobs match, and on SiteB.
    assert groups[(1, 0, 5)] == [{"entry": "SITE_B_slurm", "jobs": 3, "glideins": 3}]
    assert document["entries"] == [
        {"entry": "CLOUD_ec2_east", "jobs": 10, "glideins": 5},
        {"entry": "SITE_A_ce1", "jobs": 11, "glideins": 4},
        {"entry": "SITE_B_slurm", "jobs": 3, "glideins": 3},
    ]


def test_a_bad_job_file_or_constraint_is_a_usage_error(tmp_path):
    jobs = tmp_path / "jobs.long"
    jobs.write_text(JOBS)

    missing = run_gfactory("demand", EXAMPLE_FACTORY, "--jobs", tmp_path / "none")
    bad = run_gfactory("demand", EXAMPLE_FACTORY, "--jobs", jobs, "--constraint", "RequestCpus >")

    assert missing.code == 2
    assert missing.stderr.startswith(f"gfactory demand: {tmp_path}/none: cannot read job ads: ")
    assert (bad.code, bad.stderr) == (
        2,
        "gfactory demand: --constraint 'RequestCpus >': not a ClassAd expression\n",
    )


@pytest.mark.parametrize(
    ("source", "said"),
    [
        (["--pool", "127.0.0.1:1"], "pool 127.0.0.1:1: cannot read the queue: "),
        (["--schedd", "s1", "--collector", "127.0.0.1:1"], "schedd s1: cannot read the queue: "),
    ],
)
def test_a_pool_or_schedd_that_cannot_be_queried_is_named(source, said):
    # htcondor2 itself tries the collector; nothing listens on port 1.
    result = run_gfactory("demand", EXAMPLE_FACTORY, *source)
    assert result.code == 2
    assert result.stderr.startswith(f"gfactory demand: {said}")


def test_one_queue_source_is_required():
    result = run_gfactory("demand", EXAMPLE_FACTORY)
    assert result.code == 2
    assert "one of the arguments --jobs --schedd --pool is required" in result.stderr


def _stand_in_pool(monkeypatch, queues, asked):
    """Replace htcondor2's Collector and Schedd: a pool of ``queues`` (None: a schedd down)."""
    import htcondor2  # noqa: PLC0415

    class Collector:
        def __init__(self, pool=None):
            asked.append(("collector", pool))

        def locateAll(self, daemon_type):  # noqa: N802 - htcondor2's name
            assert daemon_type == htcondor2.DaemonType.Schedd
            return [classad2.ClassAd({"Name": name}) for name in queues]

    class Schedd:
        def __init__(self, location):
            self.name = location["Name"]

        def query(self, constraint):
            asked.append((self.name, constraint))
            if queues[self.name] is None:
                raise htcondor2.HTCondorException("Failed to connect to schedd")
            return queues[self.name]

    monkeypatch.setattr(htcondor2, "Collector", Collector)
    monkeypatch.setattr(htcondor2, "Schedd", Schedd)


def _idle_job(cluster):
    return classad2.parseOne(_job(cluster, procs=1, RequestCpus="1", RequestMemory="4000"))


def test_a_pool_is_read_schedd_by_schedd(monkeypatch):
    """The wiring to htcondor2 (no collector runs here): every schedd located, idle jobs only."""
    asked = []
    _stand_in_pool(monkeypatch, {"schedd1": [_idle_job(1)], "schedd2": [_idle_job(2)]}, asked)
    result = run_gfactory("demand", EXAMPLE_FACTORY, "--pool", "cm.example.org", "--json")
    assert result.code == 0, result.stderr
    assert asked == [
        ("collector", "cm.example.org"),
        ("schedd1", "JobStatus == 1"),
        ("schedd2", "JobStatus == 1"),
    ]
    assert json.loads(result.stdout)["idle_jobs"] == 2


def test_a_schedd_that_does_not_answer_is_named_and_the_others_are_read(monkeypatch):
    _stand_in_pool(monkeypatch, {"schedd1": [_idle_job(1)], "down": None}, [])
    result = run_gfactory("demand", EXAMPLE_FACTORY, "--pool", "cm", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["idle_jobs"] == 1
    assert result.stderr == (
        "gfactory demand: warning: schedd down: cannot read its queue "
        "(Failed to connect to schedd); left out\n"
    )
    _stand_in_pool(monkeypatch, {"down": None}, [])
    result = run_gfactory("demand", EXAMPLE_FACTORY, "--pool", "cm")
    assert result.code == 2
    assert result.stderr.startswith("gfactory demand: pool cm: no schedd answered: schedd down: ")

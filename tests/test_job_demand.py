"""Idle jobs as demand: real job ClassAds (condor_q -long and -json), grouped as pyglidein does."""

from __future__ import annotations

import pytest

from glideinforge.factory.job_demand import (
    DEFAULT_REQUEST,
    JobAdsError,
    Request,
    group_requests,
    idle_jobs,
    read_job_ads,
)

LONG = """MyType = "Job"
ClusterId = 10
ProcId = 0
JobStatus = 1
RequestCpus = 4
RequestMemory = ifThenElse(MemoryUsage =!= undefined, MemoryUsage, 8000)
RequestDisk = 4194304
RequestGPUs = 1
OpSysAndVer = "AlmaLinux9"
Requirements = (TARGET.OpSysAndVer == "AlmaLinux9") && (TARGET.GPUs >= RequestGPUs)

MyType = "Job"
ClusterId = 10
ProcId = 1
JobStatus = 1
RequestCpus = 4
RequestMemory = ifThenElse(MemoryUsage =!= undefined, MemoryUsage, 8000)
RequestDisk = 4194304
RequestGPUs = 1
OpSysAndVer = "AlmaLinux9"

MyType = "Job"
ClusterId = 11
ProcId = 0
JobStatus = 1
Owner = "alice"

MyType = "Job"
ClusterId = 12
ProcId = 0
JobStatus = 2
RequestCpus = 16

MyType = "Job"
ClusterId = 13
ProcId = 0
JobStatus = 1
RequestMemory = 1500.5
RequestDisk = 1000
RequestCpus = undefined
"""


@pytest.fixture
def long_file(tmp_path):
    path = tmp_path / "jobs.long"
    path.write_text(LONG)
    return path


def test_idle_jobs_are_grouped_by_request_with_pyglideins_defaults(long_file):
    jobs = idle_jobs(read_job_ads(long_file))

    groups = group_requests(jobs)

    assert [group.to_json() for group in groups] == [
        {"cpus": 4, "memory": 8000, "disk": 4096, "gpus": 1, "os": "AlmaLinux9", "count": 2},
        {"cpus": 1, "memory": 1501, "disk": 1, "gpus": 0, "os": None, "count": 1},
        {"cpus": 1, "memory": 2000, "disk": 10000, "gpus": 0, "os": None, "count": 1},
    ]
    assert groups[2].request == DEFAULT_REQUEST  # a job that requests nothing


def test_condor_q_json_is_read_alike(tmp_path):
    path = tmp_path / "jobs.json"
    # As condor_q -json writes it: one object per line group, expressions as \/Expr(...)\/.
    path.write_text(
        "[\n"
        '{\n  "ClusterId": 1,\n  "ProcId": 0,\n  "JobStatus": 1,\n  "RequestCpus": 2,\n'
        '  "RequestMemory": "\\/Expr(1000 * 3)\\/",\n'
        '  "Requirements": "\\/Expr(TARGET.Cpus >= 2 && TARGET.Memory >= RequestMemory)\\/"\n}\n'
        ",\n"
        '{\n  "ClusterId": 1,\n  "ProcId": 1,\n  "JobStatus": 1,\n  "RequestCpus": 2,\n'
        '  "RequestMemory": 3000,\n  "Owner": "a \\/ b"\n}\n'
        "]\n"
    )
    ads = read_job_ads(path)
    assert (
        str(ads[0].lookup("Requirements")) == "TARGET.Cpus >= 2 && TARGET.Memory >= RequestMemory"
    )
    assert ads[1]["Owner"] == "a / b"

    groups = group_requests(idle_jobs(read_job_ads(path)))

    assert [(group.request, group.count) for group in groups] == [
        (Request(cpus=2, memory=3000, disk=10000, gpus=0, os=None), 2)
    ]


def test_a_constraint_is_a_classad_expression(long_file):
    ads = read_job_ads(long_file)

    assert [ad["ClusterId"] for ad in idle_jobs(ads, 'Owner == "alice"')] == [11]
    assert [ad["ClusterId"] for ad in idle_jobs(ads, "RequestGPUs > 0")] == [10, 10]
    with pytest.raises(
        JobAdsError, match=r"--constraint 'RequestGPUs >': not a ClassAd expression"
    ):
        idle_jobs(ads, "RequestGPUs >")


def test_unreadable_or_garbage_input_is_an_error(tmp_path):
    with pytest.raises(JobAdsError, match="cannot read job ads"):
        read_job_ads(tmp_path / "missing")
    garbage = tmp_path / "garbage"
    garbage.write_text("[this is not json")
    with pytest.raises(JobAdsError, match="not job ClassAds"):
        read_job_ads(garbage)

"""Talking to a batch system: submit a glidein script, count an entry's glideins in the queue.

SLURM, PBS, LSF and UGE through their own commands (``sbatch``, ``qsub``, ``bsub``,
``squeue``, ``qselect``, ``bjobs``, ``qstat -xml``), each run with an argument list, never
a shell; HTCondor through htcondor2 (the local schedd). The glideins of an entry are
recognised by their job name (HTCondor: ``GlideinforgeEntry`` and the batch name).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from lxml import etree

from glideinforge.errors import GlideinforgeError
from glideinforge.frozen import frozen

__all__ = ["BatchError", "QueueCount", "count_queued", "submit_script"]

COMMAND_SECONDS = 120
"""How long a batch command may take before it counts as failed."""


class BatchError(GlideinforgeError):
    """A batch command that failed or answered what cannot be read."""


@frozen
class QueueCount:
    """An entry's glideins in the local queue."""

    idle: int
    running: int

    @property
    def total(self) -> int:
        """Every glidein in the queue, idle or running."""
        return self.idle + self.running


def _run(words: list[str], stdin: Path | None = None) -> str:
    try:
        with Path(stdin or os.devnull).open("rb") as source:
            completed = subprocess.run(  # noqa: S603 - fixed commands, argument lists
                words,
                stdin=source,
                capture_output=True,
                text=True,
                timeout=COMMAND_SECONDS,
                check=False,
            )
    except FileNotFoundError as error:
        raise BatchError(f"{words[0]}: not found on PATH") from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BatchError(f"{words[0]}: {error}") from error
    if completed.returncode != 0:
        said = (completed.stderr or completed.stdout).strip()
        raise BatchError(f"{words[0]} exited {completed.returncode}: {said}")
    return completed.stdout


def _job_id(pattern: str, answer: str) -> str:
    """Return the job id in a batch command's answer, else the answer itself.

    The command succeeded: the jobs are queued, so their submission must stay (its
    directory holds their script) even when the answer is not the expected one.
    """
    found = re.search(pattern, answer)
    return found[1] if found is not None else answer.strip()[:200]


def submit_script(system: str, script: Path, description: object | None = None) -> str:
    """Submit ``script`` to ``system``; return the job id the system gave.

    ``description`` is the ``htcondor2.Submit`` of an HTCondor submission.

    Raises:
        BatchError: the submission failed.
    """
    if system == "condor":
        return _submit_condor(description)
    if system == "slurm":
        answer = _run(["sbatch", "--parsable", str(script)])
        return _job_id(r"^\s*(\d+)", answer)
    if system == "pbs":
        return _job_id(r"^\s*(\S+)", _run(["qsub", str(script)]))
    if system == "uge":
        answer = _run(["qsub", "-terse", str(script)])
        return _job_id(r"^\s*(\d+)", answer)
    if system == "lsf":
        return _job_id(r"Job <(\d+)>", _run(["bsub"], stdin=script))
    raise BatchError(f"unknown batch system {system!r}")


def _submit_condor(description: object | None) -> str:
    import htcondor2  # noqa: PLC0415 - only HTCondor submissions need the schedd

    if not isinstance(description, htcondor2.Submit):
        raise BatchError("an HTCondor submission needs its htcondor2.Submit description")
    try:
        result = htcondor2.Schedd().submit(description)
    except (htcondor2.HTCondorException, RuntimeError, ValueError) as error:
        raise BatchError(f"the local schedd refused the submission: {error}") from error
    return str(result.cluster())


_SLURM_IDLE = frozenset({"PD", "CF", "RQ", "RF", "RH", "S"})
_LSF_IDLE = frozenset({"PEND", "PSUSP", "WAIT"})


def count_queued(system: str, name: str, entry: str) -> QueueCount:
    """Count the glideins of ``entry`` (job name ``name``) in ``system``'s queue.

    Raises:
        BatchError: the queue cannot be read.
    """
    if system == "slurm":
        states = _run(["squeue", "--noheader", "--array", "--name", name, "--format", "%t"])
        return _tally(states.split(), _SLURM_IDLE, {"R", "CG"})
    if system == "pbs":
        idle = len(_run(["qselect", "-J", "-N", name, "-s", "QHW"]).split())
        running = len(_run(["qselect", "-J", "-N", name, "-s", "RE"]).split())
        return QueueCount(idle, running)
    if system == "lsf":
        states = _run(["bjobs", "-noheader", "-J", name, "-o", "stat"])
        return _tally(states.split(), _LSF_IDLE, {"RUN", "USUSP", "SSUSP"})
    if system == "uge":
        return _uge_count(_run(["qstat", "-xml", "-s", "pr"]), name)
    if system == "condor":
        return _condor_count(entry)
    raise BatchError(f"unknown batch system {system!r}")


def _tally(states: list[str], idle: frozenset[str], running: set[str]) -> QueueCount:
    return QueueCount(
        sum(state in idle for state in states), sum(state in running for state in states)
    )


def _uge_count(xml: str, name: str) -> QueueCount:
    """Count ``name``'s tasks in ``qstat -xml`` (a pending array line counts each task)."""
    try:
        root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        raise BatchError(f"qstat -xml: not XML: {error}") from error
    idle = running = 0
    for job in root.iter("job_list"):
        if job.findtext("JB_name") != name:
            continue
        tasks = _task_count(job.findtext("tasks") or "")
        if job.get("state") == "pending":
            idle += tasks
        elif job.get("state") == "running":
            running += tasks
    return QueueCount(idle, running)


def _task_count(tasks: str) -> int:
    """Count the tasks of a UGE range list such as ``1-10:1,12`` (1 when there is none)."""
    total = 0
    for part in filter(None, tasks.split(",")):
        found = re.fullmatch(r"(\d+)(?:-(\d+)(?::(\d+))?)?", part.strip())
        if found is None:
            raise BatchError(f"qstat -xml: unreadable task range {part!r}")
        first, last, step = int(found[1]), int(found[2] or found[1]), int(found[3] or 1)
        total += (last - first) // step + 1 if last >= first and step > 0 else 0
    return total or 1


def _condor_count(entry: str) -> QueueCount:
    import classad2  # noqa: PLC0415
    import htcondor2  # noqa: PLC0415

    try:
        ads = htcondor2.Schedd().query(
            constraint=f"GlideinforgeEntry == {classad2.quote(entry)}", projection=["JobStatus"]
        )
    except (htcondor2.HTCondorException, RuntimeError, ValueError) as error:
        raise BatchError(f"the local schedd cannot be queried: {error}") from error
    statuses = [ad.get("JobStatus") for ad in ads]
    return QueueCount(statuses.count(1), statuses.count(2))

"""Submit an entry's glideins to a batch system and record what was submitted.

Each submission gets its own directory under the factory's log dir,
``<base_log_dir>/glidein_<name>/entry_<entry>/submissions/<UTC time>-<system>-<random>/``,
holding the script (or submit description), the credentials the glideins get, the
glideins' output, and ``record.json``: when, what, how many, the job id, the arguments.
A submission the batch system refuses leaves nothing behind.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from glideinforge.creation.lib.atomic_files import make_directory, write_atomically
from glideinforge.creation.lib.containment import Trees
from glideinforge.creation.lib.inputs import InputError, read_input
from glideinforge.frozen import frozen

from .batch_job import SCRIPT_NAMES, BatchJob, batch_job, render_submission
from .batch_queue import BatchError, submit_script

__all__ = [
    "MAX_CREDENTIAL_BYTES",
    "RECORD_NAME",
    "Submission",
    "SubmitOptions",
    "job_name",
    "submit_glideins",
]

RECORD_NAME = "record.json"
MAX_CREDENTIAL_BYTES = 1 << 20
"""The largest credential copied next to the glideins (a proxy or token is a few KB)."""

_PLAIN_PATH = re.compile(r"[^\s'\"\\$`]+")
"""A directory batch directives can name without quoting (``#SBATCH --output=...``)."""


@frozen
class SubmitOptions:
    """How to submit: where to, how many, and what the operator overrides."""

    system: str
    count: int
    web_url: str | None = None
    walltime: int | None = None
    credentials: tuple[Path, ...] = ()
    templates: Path | None = None
    dry_run: bool = False


@frozen
class Submission:
    """One submission: the job, its rendered script, and what the batch system said."""

    job: BatchJob
    script: str
    script_path: Path
    job_id: str | None
    submitted_at: float

    def to_json(self) -> dict[str, object]:
        """Return the submission as ``record.json`` holds it."""
        shape = self.job.shape
        return {
            "entry": self.job.entry,
            "system": self.job.system,
            "count": self.job.count,
            "name": self.job.name,
            "job_id": self.job_id,
            "submitted_at": self.submitted_at,
            "cpus": shape.cpus,
            "memory": shape.memory,
            "gpus": shape.gpus,
            "walltime": shape.walltime,
            "startup": str(self.job.startup),
            "arguments": list(self.job.arguments),
            "script": str(self.script_path),
            "directory": str(self.job.submit_dir),
        }


def job_name(glidein_name: str, entry: str) -> str:
    """Return the job name the glideins of ``entry`` carry in the batch queue."""
    return f"{glidein_name}_{entry}"


def _submissions_dir(log_dir: Path, glidein_name: str, entry: str) -> Path:
    """Return the directory that holds ``entry``'s submissions."""
    return log_dir / f"glidein_{glidein_name}" / f"entry_{entry}" / "submissions"


def submit_glideins(
    work_dir: Path, log_dir: Path, glidein_name: str, entry: str, options: SubmitOptions
) -> Submission:
    """Render ``entry``'s glideins for ``options.system`` and submit them (not when dry).

    Raises:
        ArgsError: nothing is published for ``entry``.
        TemplateError: the template cannot be rendered, or HTCondor refuses it.
        BatchError: the directory cannot be written or the batch system refused.
    """
    parent = _submissions_dir(log_dir, glidein_name, entry)
    if not _PLAIN_PATH.fullmatch(str(parent)):
        raise BatchError(f"{parent}: batch directives cannot name a path with spaces or quotes")
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    if options.dry_run:
        directory = parent / f"{stamp}-{options.system}-DRYRUN"
    else:
        try:
            Trees([log_dir]).check_directory(str(parent))
            make_directory(parent)
            directory = Path(tempfile.mkdtemp(prefix=f"{stamp}-{options.system}-", dir=parent))
        except OSError as error:
            raise BatchError(f"{parent}: cannot make a submission directory: {error}") from error
    try:
        submission = _submit_in(directory, work_dir, entry, glidein_name, options, now=now)
    except BaseException:
        if not options.dry_run:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    if not options.dry_run:
        _write_record(submission)
    return submission


def _write_record(submission: Submission) -> None:
    record = submission.job.submit_dir / RECORD_NAME
    try:
        write_atomically(record, json.dumps(submission.to_json(), indent=1).encode() + b"\n")
    except OSError as error:
        raise BatchError(
            f"submitted as job {submission.job_id}, but {record} cannot be written: {error}"
        ) from error


def _submit_in(
    directory: Path,
    work_dir: Path,
    entry: str,
    glidein_name: str,
    options: SubmitOptions,
    *,
    now: float,
) -> Submission:
    job = batch_job(
        options.system,
        work_dir,
        entry,
        count=options.count,
        submit_dir=directory,
        name=job_name(glidein_name, entry),
        web_url=options.web_url,
        walltime=options.walltime,
        credentials=[path.name for path in options.credentials],
    )
    script, description = render_submission(job, options.templates)
    script_path = directory / SCRIPT_NAMES[options.system]
    if options.dry_run:
        return Submission(job, script, script_path, None, now)
    try:
        for credential in options.credentials:
            content = read_input(credential, MAX_CREDENTIAL_BYTES)
            write_atomically(directory / credential.name, content, 0o600)
        write_atomically(script_path, script.encode(), 0o700)
    except (OSError, InputError) as error:
        raise BatchError(f"cannot write the submission in {directory}: {error}") from error
    job_id = submit_script(job.system, script_path, description)
    return Submission(job, script, script_path, job_id, now)

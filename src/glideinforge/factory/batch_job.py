"""One submission of an entry's glideins to a batch system: its script, from jinja2 templates.

The glideins run the work dir's ``glidein_startup.sh`` with the arguments ``glidein-args``
gives (the batch system's job and task ids as ``-cluster`` and ``-subcluster``), and ask
the batch system for what a glidein of the entry offers, as published (``attributes.cfg``
and ``params.cfg``, the entry's over the main ones):

- CPUs: ``GLIDEIN_CPUS`` (``GLIDEIN_ESTIMATED_CPUS`` with ``auto``, ``slot`` or ``node``);
- memory: ``GLIDEIN_MaxMemMBs``, when set (otherwise the batch system's default);
- GPUs: the ``GPUs`` resource of ``GLIDEIN_Resource_Slots``;
- walltime: ``GLIDEIN_Max_Walltime``; else the glidein's own lifetime,
  ``GLIDEIN_Retire_Time + GLIDEIN_Job_Max_Time + GLIDEIN_Graceful_Shutdown``.

An operator overrides a system's script with ``<system>.j2`` in a directory of theirs
(pyglidein's customisable submit files); the shipped ones are under
``creation/lib/templates/batch/``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path

import classad2
import htcondor2
import jinja2

from glideinforge.creation.lib.condor_vars import MAIN_VARS
from glideinforge.creation.lib.templating import TEMPLATES
from glideinforge.errors import GlideinforgeError
from glideinforge.frozen import frozen

from .batch_systems import SCRIPT_NAMES, SYSTEMS
from .glidein_args import ArgsError, glidein_args, read_params
from .machine_ad import glidein_cpus, glidein_gpus, glidein_memory, whole_number

__all__ = [
    "SCRIPT_NAMES",
    "SYSTEMS",
    "BatchJob",
    "GlideinShape",
    "TemplateError",
    "batch_job",
    "published_shape",
    "render_script",
    "render_submission",
]

_LIFETIME = ("GLIDEIN_Retire_Time", "GLIDEIN_Job_Max_Time", "GLIDEIN_Graceful_Shutdown")
"""The parts of a glidein's lifetime without ``GLIDEIN_Max_Walltime``."""


class TemplateError(GlideinforgeError):
    """A batch template that cannot be rendered, or a submit description HTCondor refuses."""


@frozen
class GlideinShape:
    """What one glidein asks its batch system for."""

    cpus: int
    memory: int | None
    """MB; None leaves it to the batch system."""
    gpus: int
    walltime: int
    """Seconds."""


@frozen
class BatchJob:
    """Everything a batch template is rendered with."""

    system: str
    entry: str
    name: str
    """The job name every glidein of this entry carries (the site client counts by it)."""
    count: int
    shape: GlideinShape
    startup: Path
    arguments: tuple[str, ...]
    """``glidein_startup.sh``'s words, without ``-cluster`` and ``-subcluster``."""
    submit_dir: Path
    credentials: tuple[str, ...]
    """File names in ``submit_dir`` each glidein gets in its start directory."""


def published_shape(work_dir: Path, entry: str, walltime: int | None = None) -> GlideinShape:
    """Return what a glidein of ``entry`` asks for, from the published work dir.

    Raises:
        ArgsError: nothing is published for ``entry``.
    """
    entry_dir = work_dir / f"entry_{entry}"
    if not (entry_dir / "job.descript").is_file():
        raise ArgsError(f"{work_dir}: no entry '{entry}' (no entry_{entry}/job.descript)")
    # The condor_vars defaults, then what is published over them.
    values = {row.name: row.default or "" for row in MAIN_VARS}
    for directory in (work_dir, entry_dir):
        for name in ("attributes.cfg", "params.cfg"):
            values.update(read_params(directory / name))
    if walltime is None:
        walltime = whole_number(values.get("GLIDEIN_Max_Walltime")) or sum(
            whole_number(values.get(name)) or 0 for name in _LIFETIME
        )
    return GlideinShape(
        cpus=glidein_cpus(values),
        memory=glidein_memory(values),
        gpus=glidein_gpus(values),
        walltime=walltime,
    )


def batch_job(
    system: str,
    work_dir: Path,
    entry: str,
    *,
    count: int,
    submit_dir: Path,
    name: str,
    web_url: str | None = None,
    walltime: int | None = None,
    credentials: Iterable[str] = (),
) -> BatchJob:
    """Return the submission of ``count`` glideins of ``entry`` as published in ``work_dir``.

    Raises:
        ArgsError: nothing is published for ``entry``.
    """
    words = glidein_args(work_dir, entry, web_url=web_url).words
    if words[-4:-3] != ("-cluster",) or words[-2:-1] != ("-subcluster",):
        raise ArgsError(f"{entry}: the glidein's arguments do not end with -cluster, -subcluster")
    return BatchJob(
        system=system,
        entry=entry,
        name=name,
        count=count,
        shape=published_shape(work_dir, entry, walltime),
        startup=work_dir / "glidein_startup.sh",
        arguments=tuple(words[:-4]),
        submit_dir=submit_dir,
        credentials=tuple(credentials),
    )


def _hms(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _slurm_time(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    return f"{days}-{_hms(rest)}"


def _lsf_time(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _condor_argument(word: str) -> str:
    """Quote one word in HTCondor's new arguments syntax (inside its double quotes)."""
    word = word.replace('"', '""')
    if not word or any(char in word for char in " \t'"):
        return "'" + word.replace("'", "''") + "'"
    return word


def _environment(templates: Path | None) -> jinja2.Environment:
    shipped = jinja2.FileSystemLoader(TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [shipped]
    if templates is not None:
        loaders.insert(0, jinja2.PrefixLoader({"batch": jinja2.FileSystemLoader(templates)}))
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - batch scripts, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["shell"] = lambda value: shlex.quote(str(value))
    environment.filters.update(
        hms=_hms,
        slurm_time=_slurm_time,
        lsf_time=_lsf_time,
        condor_arguments=lambda words: " ".join(_condor_argument(word) for word in words),
        condor_path=lambda name, directory: f"{directory}/{name}",
        classad_string=classad2.quote,
    )
    return environment


def render_script(job: BatchJob, templates: Path | None = None) -> str:
    """Render ``job``'s script or submit description (``templates``: the operator's own).

    Raises:
        TemplateError: the template cannot be read or rendered, or HTCondor refuses it.
    """
    return render_submission(job, templates)[0]


def render_submission(
    job: BatchJob, templates: Path | None = None
) -> tuple[str, htcondor2.Submit | None]:
    """Render ``job`` as ``render_script`` does; also the ``htcondor2.Submit`` it was checked as.

    Raises:
        TemplateError: the template cannot be read or rendered, or HTCondor refuses it.
    """
    try:
        template = _environment(templates).get_template(f"batch/{job.system}.j2")
        text = template.render(
            system=job.system,
            entry=job.entry,
            name=job.name,
            count=job.count,
            cpus=job.shape.cpus,
            memory=job.shape.memory,
            gpus=job.shape.gpus,
            walltime=job.shape.walltime,
            startup=str(job.startup),
            arguments=list(job.arguments),
            submit_dir=str(job.submit_dir),
            credentials=list(job.credentials),
        )
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"{job.system} template: no template {error.name}") from error
    except jinja2.TemplateError as error:
        where = (
            f"{error.filename}:{error.lineno}: "
            if isinstance(error, jinja2.TemplateSyntaxError)
            else ""
        )
        raise TemplateError(f"{where}{job.system} template: {error}") from error
    except OSError as error:
        raise TemplateError(f"{job.system} template: {error}") from error
    checked = _check_condor_description(text, job.count) if job.system == "condor" else None
    return text, checked


_EXPRESSIONS = frozenset({"periodic_remove", "periodic_hold", "periodic_release", "requirements"})


def _check_condor_description(text: str, count: int) -> htcondor2.Submit:
    """Parse ``text`` with ``htcondor2.Submit``; check its queue count and expressions.

    Raises:
        TemplateError: HTCondor cannot read it, it queues another count, or one of its
            ClassAd expressions (``+attr``/``MY.attr``, ``periodic_*``, ``requirements``)
            does not parse.
    """
    try:
        description = htcondor2.Submit(text)
        queued = description.getQArgs().strip()
    except (htcondor2.HTCondorException, ValueError, RuntimeError) as error:
        raise TemplateError(f"HTCondor cannot read the submit description: {error}") from error
    if queued != str(count):
        raise TemplateError(f"the submit description queues {queued!r}, not {count}")
    for key, value in description.items():
        if key.lower() in _EXPRESSIONS or key.startswith(("MY.", "+")):
            try:
                classad2.ExprTree(value)
            except (classad2.ClassAdException, ValueError, RuntimeError, SyntaxError) as error:
                raise TemplateError(f"{key} = {value}: not a ClassAd expression") from error
    return description

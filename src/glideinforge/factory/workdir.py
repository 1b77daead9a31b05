"""Plan the work directory: descript files, cfg files and submit files."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from glideinforge.creation.lib.condor_submit import ExpressionChecks, submit_file_errors
from glideinforge.creation.lib.dict_files import RenderedDicts, plan_dict_file
from glideinforge.creation.lib.staged import PlannedFile, planned_bytes
from glideinforge.creation.lib.templating import Templates
from glideinforge.errors import GlideinforgeError

from .model import Entry, Factory, JobLimits, SubEntry, SubmitAttr
from .routing import RoutedAttrs

__all__ = [
    "SubmitFileError",
    "plan_entry_work_files",
    "plan_main_work_files",
    "server_credentials",
    "submit_file_name",
]

_ALWAYS_SUBMITTED = ("condor", "gce", "ec2", "arc")


class SubmitFileError(GlideinforgeError):
    """A generated submit file that HTCondor rejects."""

    def __init__(self, entry: str, problems: list[str]) -> None:
        """Keep the entry and HTCondor's complaints."""
        self.entry = entry
        self.problems = problems
        super().__init__(f"entry {entry}: " + "; ".join(problems))


def _work_file(relpath: str, content: bytes) -> PlannedFile:
    return planned_bytes(relpath, content, versioned=False)


def plan_main_work_files(
    templates: Templates,
    factory: Factory,
    routed: RoutedAttrs,
    tarball_dirs: Mapping[str, str],
    enabled_entries: Sequence[str],
) -> list[PlannedFile]:
    """Plan glidein.descript, frontend.descript and the main cfg files.

    ``enabled_entries`` are the names glidein.descript serves, in configuration order.
    """
    retention = factory.log_retention
    collectors = factory.monitoring_collectors
    rows: list[tuple[str, object]] = [
        ("CondorTarballDirMap", str(dict(tarball_dirs))),
        ("FactoryCollector", factory.factory_collector),
        ("FactoryName", factory.factory_name),
        ("GlideinName", factory.glidein_name),
        ("WebURL", factory.stage.web_base_url),
        ("PubKeyType", factory.security.pub_key),
        ("OldPubKeyGraceTime", factory.security.reuse_oldkey_onstartup_gracetime),
        ("MonitorUpdateThreadCount", factory.monitor.update_thread_count),
        ("RemoveOldCredFreq", factory.security.remove_old_cred_freq),
        ("RemoveOldCredAge", factory.security.remove_old_cred_age),
        ("Entries", ",".join(enabled_entries)),
        ("AdvertiseWithTCP", factory.advertise_with_tcp),
        ("AdvertiseWithMultiple", factory.advertise_with_multiple),
        ("LoopDelay", factory.loop_delay),
        ("AdvertisePilotAccounting", factory.advertise_pilot_accounting),
        ("AdvertiseDelay", factory.advertise_delay),
        ("RestartAttempts", factory.restart_attempts),
        ("RestartInterval", factory.restart_interval),
        ("EntryParallelWorkers", factory.entry_parallel_workers),
        ("RecoverableExitcodes", factory.recoverable_exitcodes),
        ("LogDir", factory.submit.base_log_dir),
        ("ClientLogBaseDir", factory.submit.base_client_log_dir),
        ("ClientProxiesBaseDir", factory.submit.base_client_proxies_dir),
        ("DowntimesFile", factory.submit.base_dir / "glideinWMS.downtimes"),
        ("MonitorDisplayText", factory.monitor_footer.display_txt),
        ("MonitorLink", factory.monitor_footer.href_link),
    ]
    if collectors:
        primaries = [collector.node for collector in collectors if not collector.secondary]
        rows.append(("PrimaryMonitoringCollectors", ",".join(primaries)))
    for prefix, limits in (
        ("JobLog", retention.job_logs),
        ("SummaryLog", retention.summary_logs),
        ("CondorLog", retention.condor_logs),
    ):
        rows += [
            (f"{prefix}RetentionMaxDays", limits.max_days),
            (f"{prefix}RetentionMinDays", limits.min_days),
            (f"{prefix}RetentionMaxMBs", limits.max_mbytes),
        ]
    rows.append(("ProcessLogs", str([dict(log.settings) for log in retention.process_logs])))
    frontends = [
        (
            frontend.name,
            {
                "ident": frontend.identity,
                "usermap": {klass.name: klass.username for klass in frontend.security_classes},
            },
        )
        for frontend in factory.security.frontends
    ]
    distro = factory.cvmfsexec_distro
    return [
        plan_dict_file(templates, "glidein.descript", rows, as_repr=False),
        plan_dict_file(templates, "frontend.descript", frontends, as_repr=True),
        plan_dict_file(templates, "attributes.cfg", list(routed.attributes.items()), as_repr=True),
        plan_dict_file(templates, "params.cfg", list(routed.params.items()), as_repr=True),
        plan_dict_file(
            templates,
            "submit_attrs.cfg",
            _submit_attr_rows(factory.submit.submit_attrs),
            as_repr=True,
        ),
        plan_dict_file(
            templates,
            "cvmfsexec.cfg",
            [("sources", ",".join(distro.sources)), ("platforms", ",".join(distro.platforms))],
            as_repr=True,
        ),
    ]


def _submit_attr_rows(attrs: tuple[SubmitAttr, ...]) -> list[tuple[str, object]]:
    return [(attr.name, attr.value) for attr in attrs]


def _divided(limits: JobLimits, factories: int) -> JobLimits:
    return JobLimits(
        limits.glideins // factories, limits.idle // factories, limits.held // factories
    )


def _job_descript_rows(factory: Factory, entry: Entry, schedd: str) -> list[tuple[str, object]]:
    config = entry.config
    factories = config.max_jobs.num_factories or factory.submit.num_factories
    per_entry = _divided(config.max_jobs.per_entry, factories)
    default = _divided(config.max_jobs.default_per_frontend, factories)
    per_frontends = [
        (limit.name, _divided(limit.limits, factories)) for limit in config.max_jobs.per_frontends
    ]
    rows: list[tuple[str, object]] = [
        ("EntryName", entry.name),
        ("GridType", entry.gridtype),
        ("Gatekeeper", entry.gatekeeper),
        ("AuthMethod", entry.auth_method),
        ("TrustDomain", entry.trust_domain),
    ]
    for key, value in (
        ("EntryVMId", entry.vm_id),
        ("EntryVMType", entry.vm_type),
        ("GlobusRSL", entry.rsl),
        ("BoscoDir", entry.bosco_dir),
    ):
        if value is not None:
            rows.append((key, value))
    rows += [("Schedd", schedd), ("StartupDir", entry.work_dir)]
    if entry.proxy_url is not None:
        rows.append(("ProxyURL", entry.proxy_url))
    rows += [
        ("Verbosity", entry.verbosity),
        ("DowntimesFile", f"{factory.submit.base_dir}/entry_{entry.name}/glideinWMS.downtimes"),
        ("PerEntryMaxGlideins", per_entry.glideins),
        ("PerEntryMaxIdle", per_entry.idle),
        ("PerEntryMaxHeld", per_entry.held),
        ("DefaultPerFrontendMaxGlideins", default.glideins),
        ("DefaultPerFrontendMaxIdle", default.idle),
        ("DefaultPerFrontendMaxHeld", default.held),
        ("StaleAgeIdle", config.stale_age.idle),
        ("StaleAgeRunning", config.stale_age.running),
        ("StaleAgeUnclaimed", config.stale_age.unclaimed),
        ("MaxSubmitRate", config.submit.max_per_cycle),
        ("SubmitCluster", config.submit.cluster_size),
        ("SubmitSlotsLayout", config.submit.slots_layout),
        ("SubmitSleep", config.submit.sleep),
        ("MaxRemoveRate", config.remove.max_per_cycle),
        ("RemoveSleep", config.remove.sleep),
        ("MaxReleaseRate", config.release.max_per_cycle),
        ("ReleaseSleep", config.release.sleep),
        ("RequireVomsProxy", config.require_voms_proxy),
    ]
    if config.entry_selection is not None:
        rows.append(("EntrySelectionAlgorithm", config.entry_selection))
    rows += [
        (
            "PerFrontendMaxGlideins",
            ",".join(f"{name};{lim.glideins}" for name, lim in per_frontends),
        ),
        ("PerFrontendMaxHeld", ",".join(f"{name};{lim.held}" for name, lim in per_frontends)),
        ("PerFrontendMaxIdle", ",".join(f"{name};{lim.idle}" for name, lim in per_frontends)),
        ("WhitelistMode", "On" if entry.allow_frontends else "Off"),
        (
            "AllowedVOs",
            ",".join(f"{item.name}:{item.security_class}" for item in entry.allow_frontends),
        ),
    ]
    return rows


def submit_file_name(member: SubEntry | None) -> str:
    """Return ``job.condor``, or ``job.<member>.condor`` for an entry-set member."""
    return "job.condor" if member is None else f"job.{member.name}.condor"


def _render_submit_file(
    templates: Templates,
    factory: Factory,
    entry: Entry,
    member: SubEntry | None,
    credentials: Sequence[tuple[str, str]],
) -> tuple[str, bytes]:
    source: Entry | SubEntry = member or entry
    gridtype = source.gridtype
    name = submit_file_name(member)
    environment = ["IDTOKENS_FILE=$ENV(IDTOKENS_FILE:)"]
    input_files = ["$ENV(IDTOKENS_FILE:)"]
    for credential, path in credentials:
        input_files.append(path)
        if credential == "tokens.tgz":
            environment.append(f"JOB_TOKENS='{path}'")
    recipients = next(
        (attr.value for attr in entry.attrs if attr.name == "GLIDEIN_LOG_RECIPIENTS_FACTORY"), None
    )
    if recipients:
        environment.append(f"LOG_RECIPIENTS='{' '.join(recipients.split())}'")
    grid_resource = f"{gridtype} {source.gatekeeper}"
    if gridtype == "gce":
        grid_resource = f"gce {source.gatekeeper} $ENV(GRID_RESOURCE_OPTIONS)"
    elif gridtype.startswith("batch "):
        bosco = f"--rgahp-glite ~/{source.bosco_dir}/glite" if source.bosco_dir else ""
        host = source.gatekeeper.rsplit("@", 1)[-1]
        grid_resource = (
            f"{gridtype} $ENV(GRID_RESOURCE_OPTIONS) {bosco} $ENV(GLIDEIN_REMOTE_USERNAME)@{host}"
        )
        input_files.append("$ENV(X509_USER_PROXY:/dev/null)")
        environment.append("X509_USER_PROXY=$ENV(X509_USER_PROXY_BASENAME)")
    if gridtype == "ec2":
        input_files = []
    scitokens = not (
        gridtype in ("ec2", "gce") or (gridtype == "arc" and source.auth_method == "grid_proxy")
    )
    submitted = gridtype.startswith("batch ") or gridtype in _ALWAYS_SUBMITTED
    submit_attrs = [
        attr for attr in entry.config.submit.submit_attrs if submitted or attr.all_grid_types
    ]
    log_dir = (
        f"{factory.submit.base_client_log_dir}/user_$ENV(GLIDEIN_USER)/"
        f"glidein_{factory.glidein_name}/entry_{entry.name}"
    )
    content = templates.render(
        "job.condor.j2",
        name=name,
        environment=environment,
        scitokens=scitokens,
        grid_resource=grid_resource,
        gridtype=gridtype,
        rsl=source.rsl,
        auth_method=source.auth_method,
        input_files=input_files,
        submit_attrs=submit_attrs,
        proxy_url=source.proxy_url,
        pilot_accounting=factory.advertise_pilot_accounting,
        max_walltime=any(attr.name == "GLIDEIN_Max_Walltime" for attr in entry.attrs),
        log_dir=log_dir,
    )
    return name, content


_CREDENTIALS = ("url_dirs.desc", "tokens.tgz")
"""Server credential files a submit file sends along when present and not empty, in order."""


def server_credentials(work_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Return, per entry, its non-empty server credential files (name, path).

    One listing of ``<work_dir>/../server-credentials``; only entry
    directories found there are looked into.
    """
    root = work_dir.parent / "server-credentials"
    found: dict[str, list[tuple[str, str]]] = {}
    try:
        names = os.listdir(root)  # noqa: PTH208 - one listing for every entry
    except OSError:
        return found
    for directory in names:
        if not directory.startswith("entry_"):
            continue
        for credential in _CREDENTIALS:
            path = f"{root}/{directory}/{credential}"
            try:
                status = os.stat(path)  # noqa: PTH116
            except OSError:
                continue
            if stat.S_ISREG(status.st_mode) and status.st_size > 0:
                found.setdefault(directory.removeprefix("entry_"), []).append((credential, path))
    return found


def plan_entry_work_files(
    templates: Templates,
    factory: Factory,
    entry: Entry,
    routed: RoutedAttrs,
    schedd: str,
    *,
    credentials: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    rendered: RenderedDicts | None = None,
    accepted: Collection[bytes] = (),
    expressions: ExpressionChecks | None = None,
) -> list[PlannedFile]:
    """Plan one entry's job.descript, cfg files, infosys, monitor.xml and submit files.

    ``credentials``: :func:`server_credentials` of the work dir, when the caller
    plans many entries (looked up for this entry alone otherwise); ``rendered``:
    the run's dictionary files, when it does (identical ones render once);
    ``accepted``: submit descriptions HTCondor accepted before (published ones),
    which are not checked again; ``expressions``: the run's ClassAd checks.

    Raises:
        SubmitFileError: HTCondor rejects a generated submit file.
    """
    directory = f"entry_{entry.name}"
    files = [
        plan_dict_file(
            templates,
            f"{directory}/job.descript",
            _job_descript_rows(factory, entry, schedd),
            as_repr=False,
            rendered=rendered,
        ),
        plan_dict_file(
            templates,
            f"{directory}/attributes.cfg",
            list(routed.attributes.items()),
            as_repr=True,
            rendered=rendered,
        ),
        plan_dict_file(
            templates,
            f"{directory}/params.cfg",
            list(routed.params.items()),
            as_repr=True,
            rendered=rendered,
        ),
        plan_dict_file(
            templates,
            f"{directory}/submit_attrs.cfg",
            _submit_attr_rows(entry.config.submit.submit_attrs),
            as_repr=True,
            rendered=rendered,
        ),
        _work_file(
            f"{directory}/infosys.descript",
            templates.render("infosys.j2", name="infosys.descript", rows=list(entry.infosys_refs)),
        ),
        _work_file(
            f"{directory}/monitor.xml",
            templates.render("monitor_groups.j2", groups=list(entry.monitorgroups)),
        ),
    ]
    if credentials is None:
        credentials = server_credentials(factory.submit.base_dir)
    entry_credentials = credentials.get(entry.name, ())
    members: list[SubEntry | None] = list(entry.members) or [None]
    for member in members:
        name, content = _render_submit_file(templates, factory, entry, member, entry_credentials)
        if content not in accepted:
            problems = submit_file_errors(content.decode("latin-1"), expressions)
            if problems:
                raise SubmitFileError(entry.name, problems)
        files.append(_work_file(f"{directory}/{name}", content))
    return files

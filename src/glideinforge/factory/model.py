"""The typed model of a merged, defaulted factory configuration.

Every later step (compile, inspect, diff) sees only these frozen values. Numbers
that GlideinWMS copies verbatim into its descript files (sleep times, log
retention days) stay strings exactly as written; everything else is typed.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from glideinforge.creation.lib.attrs import Attr, AttrType, StagedFile, UntarOptions
from glideinforge.creation.lib.diagnostics import Source
from glideinforge.frozen import frozen

__all__ = [
    "AllowFrontend",
    "Attr",
    "AttrType",
    "CondorTarball",
    "CvmfsexecDistro",
    "CycleLimits",
    "Entry",
    "EntryConfig",
    "EntrySubmit",
    "Factory",
    "FrontendLimits",
    "InfosysRef",
    "JobLimits",
    "LogLimits",
    "LogRetention",
    "MaxJobs",
    "Monitor",
    "MonitorFooter",
    "MonitoringCollector",
    "ProcessLog",
    "Security",
    "SecurityClass",
    "Stage",
    "StagedFile",
    "StaleAge",
    "SubEntry",
    "Submit",
    "SubmitAttr",
    "TrustedFrontend",
    "UntarOptions",
]


@frozen
class SubmitAttr:
    """A ``<submit_attr>``: a line for the submit file."""

    name: str
    value: str
    all_grid_types: bool | None


@frozen
class JobLimits:
    """Glidein limits: total, idle and held."""

    glideins: int
    idle: int
    held: int


@frozen
class FrontendLimits:
    """Limits for one ``<frontend>:<security class>``."""

    name: str
    limits: JobLimits
    source: Source = field(compare=False, repr=False)


@frozen
class MaxJobs:
    """All limits of an entry, before division by ``num_factories``."""

    num_factories: int | None
    per_entry: JobLimits
    default_per_frontend: JobLimits
    per_frontends: tuple[FrontendLimits, ...]


@frozen
class StaleAge:
    """Seconds after which glideins count as stale."""

    idle: int
    running: int
    unclaimed: int


@frozen
class CycleLimits:
    """Per-cycle rate for release or remove; ``sleep`` verbatim."""

    max_per_cycle: int
    sleep: str


@frozen
class EntrySubmit:
    """How glideins of an entry are submitted."""

    cluster_size: int
    max_per_cycle: int
    sleep: str
    slots_layout: str
    submit_attrs: tuple[SubmitAttr, ...]


@frozen
class EntryConfig:
    """The ``<config>`` of an entry."""

    max_jobs: MaxJobs
    stale_age: StaleAge
    release: CycleLimits
    remove: CycleLimits
    require_voms_proxy: bool
    submit: EntrySubmit
    entry_selection: str | None


@frozen
class AllowFrontend:
    """A frontend security class allowed on an entry."""

    name: str
    security_class: str
    source: Source = field(compare=False, repr=False)


@frozen
class InfosysRef:
    """A reference to an information system record."""

    ref: str
    server: str
    type: str


@frozen
class SubEntry:
    """A member of an entry set."""

    name: str
    gatekeeper: str
    enabled: bool
    gridtype: str
    auth_method: str
    trust_domain: str
    work_dir: str
    verbosity: str
    rsl: str | None
    bosco_dir: str | None
    proxy_url: str | None
    vm_id: str | None
    vm_type: str | None
    source: Source


@frozen
class Entry:
    """An entry, or an entry set (then ``members`` is not empty).

    For an entry set, ``name`` is the alias and attributes the set does not
    define itself come from its first member, as in GlideinWMS.
    """

    name: str
    gatekeeper: str
    enabled: bool
    gridtype: str
    auth_method: str
    trust_domain: str
    work_dir: str
    verbosity: str
    rsl: str | None
    bosco_dir: str | None
    proxy_url: str | None
    vm_id: str | None
    vm_type: str | None
    config: EntryConfig
    allow_frontends: tuple[AllowFrontend, ...]
    attrs: tuple[Attr, ...]
    files: tuple[StagedFile, ...]
    infosys_refs: tuple[InfosysRef, ...]
    monitorgroups: tuple[str, ...]
    source: Source
    members: tuple[SubEntry, ...] = ()

    @property
    def is_set(self) -> bool:
        """True for an entry set."""
        return bool(self.members)


@frozen
class CondorTarball:
    """HTCondor binaries serving every arch x os x version listed."""

    arch: tuple[str, ...]
    os: tuple[str, ...]
    version: tuple[str, ...]
    tar_file: Path | None
    base_dir: Path | None
    source: Source


@frozen
class SecurityClass:
    """A frontend security class and the UNIX user it maps to."""

    name: str
    username: str


@frozen
class TrustedFrontend:
    """A frontend the factory trusts."""

    name: str
    identity: str
    security_classes: tuple[SecurityClass, ...]
    source: Source = field(compare=False, repr=False)


@frozen
class Security:
    """Factory key settings and trusted frontends."""

    pub_key: str
    key_length: int
    reuse_oldkey_onstartup_gracetime: int
    remove_old_cred_freq: int
    remove_old_cred_age: int
    frontends: tuple[TrustedFrontend, ...]


@frozen
class Stage:
    """The web-served staging area."""

    base_dir: Path
    web_base_url: str
    use_symlink: bool


@frozen
class Submit:
    """Work directory, log directories and global submit attrs."""

    base_dir: Path
    base_log_dir: Path
    base_client_log_dir: Path
    base_client_proxies_dir: Path
    num_factories: int
    submit_attrs: tuple[SubmitAttr, ...]


@frozen
class Monitor:
    """Monitoring output settings."""

    base_dir: Path
    javascript_rrd_dir: Path
    flot_dir: Path
    jquery_dir: Path
    update_thread_count: int


@frozen
class MonitorFooter:
    """Footer of the monitoring pages."""

    display_txt: str
    href_link: str


@frozen
class LogLimits:
    """Retention of one log family; numbers verbatim."""

    max_days: str
    max_mbytes: str
    min_days: str


@frozen
class ProcessLog:
    """One process log; ``settings`` keeps every attribute as GlideinWMS lists it.

    GlideinWMS writes process logs as the element's own attributes in document
    order followed by the defaulted ones, so that order is part of the model.
    """

    extension: str
    msg_types: str
    structured: bool
    max_days: str
    min_days: str
    max_mbytes: str
    backup_count: int
    compression: str
    settings: tuple[tuple[str, str], ...]


@frozen
class LogRetention:
    """Log retention of the factory."""

    condor_logs: LogLimits
    job_logs: LogLimits
    summary_logs: LogLimits
    process_logs: tuple[ProcessLog, ...]


@frozen
class CvmfsexecDistro:
    """cvmfsexec distributions to build."""

    sources: tuple[str, ...]
    platforms: tuple[str, ...]


@frozen
class MonitoringCollector:
    """A collector receiving glidein monitoring."""

    dn: str
    node: str
    group: str
    secondary: bool


@frozen
class Factory:
    """A whole factory configuration, merged and defaulted.

    ``entries`` lists plain entries first, then entry sets, as GlideinWMS does.
    """

    factory_name: str
    glidein_name: str
    schedd_names: tuple[str, ...]
    factory_collector: str | None
    factory_versioning: bool
    loop_delay: int
    advertise_delay: int
    advertise_with_tcp: bool
    advertise_with_multiple: bool
    advertise_pilot_accounting: bool
    entry_parallel_workers: int
    restart_attempts: int
    restart_interval: int
    recoverable_exitcodes: str
    enable_attribute_expansion: bool
    log_retention: LogRetention
    monitor: Monitor
    monitor_footer: MonitorFooter
    security: Security
    stage: Stage
    submit: Submit
    attrs: tuple[Attr, ...]
    entries: tuple[Entry, ...]
    condor_tarballs: tuple[CondorTarball, ...]
    files: tuple[StagedFile, ...]
    cvmfsexec_distro: CvmfsexecDistro
    monitoring_collectors: tuple[MonitoringCollector, ...]
    config_files: tuple[Path, ...]

    @property
    def enabled_entries(self) -> tuple[Entry, ...]:
        """Entries and entry sets that are enabled, in order."""
        return tuple(entry for entry in self.entries if entry.enabled)

    def entry(self, name: str) -> Entry:
        """Return the entry called ``name``.

        Raises:
            KeyError: there is no such entry.
        """
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(name)

"""Plan the frontend work dir: frontend.descript, group.descript, params.cfg, attrs.cfg."""

from __future__ import annotations

from glideinforge.creation.lib.attrs import AttrType
from glideinforge.creation.lib.dict_files import plan_dict_file
from glideinforge.creation.lib.routing import RoutedAttrs
from glideinforge.creation.lib.staged import PlannedFile, planned_bytes
from glideinforge.creation.lib.templating import Templates

from .model import Frontend, Group, Match, MatchAttr, Security

__all__ = ["MULTICORE_CLAUSE", "plan_group_work_files", "plan_main_work_files"]

MULTICORE_CLAUSE = "getGlideinCpusNum(glidein) >= int(job.get('RequestCpus', 1))"
"""What the frontend daemon ANDs to MatchExpr: a glidein must have the CPUs a job asks for."""

_FACTORY_EXTRA_ATTRS = (
    ("GLIDEIN_CPUS", "s"),
    ("GLIDEIN_ESTIMATED_CPUS", "s"),
    ("GLIDEIN_NODES", "s"),
)
_JOB_EXTRA_ATTRS = (("RequestCpus", "i"),)


def _match_attrs(
    declared: tuple[MatchAttr, ...], extra: tuple[tuple[str, str], ...]
) -> list[tuple[str, str]]:
    attrs = [(attr.name, attr.letter) for attr in declared]
    names = {name for name, _ in attrs}
    return attrs + [(name, letter) for name, letter in extra if name not in names]


def _match_rows(match: Match, match_expr: str) -> list[tuple[str, object]]:
    return [
        ("FactoryQueryExpr", match.factory_query),
        ("FactoryMatchAttrs", repr(_match_attrs(match.factory_attrs, _FACTORY_EXTRA_ATTRS))),
        ("JobQueryExpr", match.job_query),
        ("JobMatchAttrs", repr(_match_attrs(match.job_attrs, _JOB_EXTRA_ATTRS))),
        (
            "FactoryCollectors",
            repr(
                [
                    (item.node, item.factory_identity, item.my_identity)
                    for item in match.factory_collectors
                ]
            ),
        ),
        ("JobSchedds", ",".join(item.fullname for item in match.schedds)),
        ("MatchExpr", match_expr),
    ]


def _security_rows(security: Security, security_name: str) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("SecurityName", security_name)]
    for key, value in (
        ("ProxySelectionPlugin", security.proxy_selection_plugin),
        ("IDTokenLifetime", security.idtoken_lifetime),
        ("IDTokenKeyname", security.idtoken_keyname),
    ):
        if value is not None:
            rows.append((key, value))
    credentials = security.credentials
    rows += [
        ("Proxies", repr([credential.key for credential in credentials])),
        ("ProxySecurityClasses", repr({c.key: c.security_class for c in credentials})),
        ("ProxyTrustDomains", repr({c.key: c.trust_domain for c in credentials})),
        ("ProxyTypes", repr({c.key: c.type for c in credentials})),
    ]
    detail_names = dict.fromkeys(name for c in credentials for name, _ in c.details)
    for name in detail_names:
        values = {c.key: dict(c.details)[name] for c in credentials if name in dict(c.details)}
        rows.append((f"Proxy{_camel(name)}", repr(values)))
    return rows


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _params_file(
    templates: Templates, relpath: str, routed: RoutedAttrs, types: dict[str, AttrType]
) -> PlannedFile:
    rows = [
        (name, "EXPR" if types.get(name) is AttrType.EXPR else "CONST", repr(value))
        for name, value in routed.params.items()
    ]
    name = relpath.rsplit("/", 1)[-1]
    return planned_bytes(
        relpath, templates.render("frontend_params.j2", name=name, rows=rows), versioned=False
    )


def _attrs_file(templates: Templates, relpath: str, routed: RoutedAttrs) -> PlannedFile:
    values: dict[str, object] = dict(routed.params)
    values.update(routed.constants)
    return plan_dict_file(templates, relpath, list(values.items()), as_repr=True)


def plan_main_work_files(
    templates: Templates, frontend: Frontend, routed: RoutedAttrs
) -> list[PlannedFile]:
    """Plan frontend.descript, params.cfg and attrs.cfg."""
    settings = frontend.settings
    limits = frontend.limits
    rows: list[tuple[str, object]] = [
        ("DowntimesFile", settings["downtimes_file"]),
        ("FrontendName", frontend.name),
        ("WebURL", frontend.web_url),
        ("MonitoringWebURL", frontend.monitor_url),
        ("ClassAdProxy", frontend.classad_proxy or ""),
        ("SymKeyType", frontend.sym_key),
        ("Groups", ",".join(group.name for group in frontend.enabled_groups)),
        ("LoopDelay", settings["loop_delay"]),
        ("AdvertiseDelay", settings["advertise_delay"]),
        ("GroupParallelWorkers", settings["group_parallel_workers"]),
        ("RestartAttempts", settings["restart_attempts"]),
        ("RestartInterval", settings["restart_interval"]),
        ("AdvertiseWithTCP", settings["advertise_with_tcp"]),
        ("AdvertiseWithMultiple", settings["advertise_with_multiple"]),
        ("MonitorDisplayText", frontend.monitor_footer[0]),
        ("MonitorLink", frontend.monitor_footer[1]),
        ("CondorConfig", frontend.work_dir / "frontend.condor_config"),
        ("LogDir", frontend.log_dir),
        ("ProcessLogs", repr(list(frontend.process_logs))),
        ("IgnoreDownEntries", frontend.ignore_down_entries),
        ("RampUpAttenuation", frontend.ramp_up_attenuation),
        ("MaxIdleVMsTotal", limits["idle_vms_total"].get("max")),
        ("CurbIdleVMsTotal", limits["idle_vms_total"].get("curb")),
        ("MaxIdleVMsTotalGlobal", limits["idle_vms_total_global"].get("max")),
        ("CurbIdleVMsTotalGlobal", limits["idle_vms_total_global"].get("curb")),
        ("MaxRunningTotal", limits["running_glideins_total"].get("max")),
        ("CurbRunningTotal", limits["running_glideins_total"].get("curb")),
        ("MaxRunningTotalGlobal", limits["running_glideins_total_global"].get("max")),
        ("CurbRunningTotalGlobal", limits["running_glideins_total_global"].get("curb")),
        ("HighAvailability", repr(frontend.high_availability)),
    ]
    match_expr = f"(({frontend.match.match_expr}) and ({MULTICORE_CLAUSE}))"
    rows += _match_rows(frontend.match, match_expr)
    rows += _security_rows(frontend.security, frontend.security_name)
    types = {attr.name: attr.type for attr in frontend.attrs}
    return [
        plan_dict_file(templates, "frontend.descript", rows, as_repr=False),
        _params_file(templates, "params.cfg", routed, types),
        _attrs_file(templates, "attrs.cfg", routed),
    ]


def plan_group_work_files(
    templates: Templates, frontend: Frontend, group: Group, routed: RoutedAttrs
) -> list[PlannedFile]:
    """Plan ``group_<name>/``: group.descript, params.cfg and attrs.cfg."""
    directory = f"group_{group.name}"
    limits = group.limits
    removal = limits["glideins_removal"]
    rows: list[tuple[str, object]] = [
        ("GroupName", group.name),
        ("MapFile", frontend.work_dir / directory / "group.mapfile"),
        ("MapFileWPilots", frontend.work_dir / directory / "group_wpilots.mapfile"),
        ("PartGlideinMinMemory", limits["partitionable_glidein"].get("min_memory")),
        ("IgnoreDownEntries", group.ignore_down_entries),
        ("RampUpAttenuation", group.ramp_up_attenuation),
        ("MaxRunningPerEntry", limits["running_glideins_per_entry"].get("max")),
        ("MinRunningPerEntry", limits["running_glideins_per_entry"].get("min")),
        ("FracRunningPerEntry", limits["running_glideins_per_entry"].get("relative_to_queue")),
        ("MaxIdlePerEntry", limits["idle_glideins_per_entry"].get("max")),
        ("ReserveIdlePerEntry", limits["idle_glideins_per_entry"].get("reserve")),
        ("IdleLifetime", limits["idle_glideins_lifetime"].get("max")),
        ("MaxIdleVMsPerEntry", limits["idle_vms_per_entry"].get("max")),
        ("CurbIdleVMsPerEntry", limits["idle_vms_per_entry"].get("curb")),
        ("MaxIdleVMsTotal", limits["idle_vms_total"].get("max")),
        ("CurbIdleVMsTotal", limits["idle_vms_total"].get("curb")),
        ("MaxRunningTotal", limits["running_glideins_total"].get("max")),
        ("CurbRunningTotal", limits["running_glideins_total"].get("curb")),
        ("MaxMatchmakers", limits["processing_workers"].get("matchmakers")),
        ("RemovalType", removal.get("type")),
        ("RemovalWait", removal.get("wait")),
        ("RemovalRequestsTracking", removal.get("requests_tracking")),
        ("RemovalMargin", removal.get("margin")),
    ]
    rows += _match_rows(group.match, group.match.match_expr)
    rows += _security_rows(group.security, group.security.security_name or frontend.security_name)
    types = {attr.name: attr.type for attr in group.attrs}
    return [
        plan_dict_file(templates, f"{directory}/group.descript", rows, as_repr=False),
        _params_file(templates, f"{directory}/params.cfg", routed, types),
        _attrs_file(templates, f"{directory}/attrs.cfg", routed),
    ]

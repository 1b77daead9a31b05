"""Factory attr routing: the shared rules of ``creation.lib.routing`` plus the factory's own.

Entry standard attributes override user attrs; the built-in main params and the
factory collector param are the factory's.
"""

from __future__ import annotations

from glideinforge.creation.lib.routing import (
    Destinations,
    RoutedAttrs,
    collector_list_param,
    destinations,
    new_condor_var,
    publish_conflict,
    route_attrs,
)

from .model import Entry, Factory

__all__ = [
    "BUILTIN_MAIN_PARAMS",
    "Destinations",
    "RoutedAttrs",
    "destinations",
    "factory_collector_param",
    "new_condor_var",
    "publish_conflict",
    "route_attrs",
    "standard_entry_constants",
]

BUILTIN_MAIN_PARAMS: tuple[tuple[str, str], ...] = (
    ("GLIDEIN_Report_Failed", "NEVER"),
    ("CONDOR_OS", "default"),
    ("CONDOR_ARCH", "default"),
    ("CONDOR_VERSION", "default"),
    ("GLIDEIN_Collector", "Fake"),
)


def standard_entry_constants(entry: Entry) -> list[tuple[str, str]]:
    """Return the entry constants GlideinWMS derives from the entry element, in order."""
    standard = [
        ("GLIDEIN_Gatekeeper", entry.gatekeeper),
        ("GLIDEIN_GridType", entry.gridtype),
        ("GLIDEIN_REQUIRE_VOMS", str(entry.config.require_voms_proxy)),
        ("GLIDEIN_TrustDomain", entry.trust_domain),
        ("GLIDEIN_SupportedAuthenticationMethod", entry.auth_method),
    ]
    if entry.rsl is not None:
        standard.append(("GLIDEIN_GlobusRSL", entry.rsl))
    if entry.bosco_dir is not None:
        standard.append(("GLIDEIN_BoscoDir", entry.bosco_dir))
    standard += [
        ("GLIDEIN_SlotsLayout", entry.config.submit.slots_layout),
        ("GLIDEIN_WorkDir", entry.work_dir),
        ("GLIDEIN_Verbosity", entry.verbosity),
    ]
    if entry.proxy_url is not None:
        standard.append(("GLIDEIN_ProxyURL", entry.proxy_url))
    return standard


def factory_collector_param(factory: Factory) -> str | None:
    """Return GLIDEIN_Factory_Collector from the monitoring collectors."""
    return collector_list_param(factory.monitoring_collectors)

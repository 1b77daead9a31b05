"""Where each attr goes: constants, attributes.cfg, params.cfg, condor_vars.

The single owner of GlideinWMS's routing rules:

========= ===== ========= ================= ============ ===========
publish   const parameter attributes.cfg    constants    params.cfg
========= ===== ========= ================= ============ ===========
True      True  any       yes               yes          no
True      False True      no                no           yes
False     True  True      no                yes          no
========= ===== ========= ================= ============ ===========

``glidein_publish``/``job_publish`` add a condor_vars row unless the level's
defaults already list the name, in which case the row stays and the attr must
be compatible with it. Entry standard attributes override user attrs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from glideinforge.frozen import frozen

from .attrs import Attr, AttrType
from .condor_vars import CondorVar

__all__ = [
    "CollectorLike",
    "Destinations",
    "RoutedAttrs",
    "collector_list_param",
    "destinations",
    "new_condor_var",
    "publish_conflict",
    "route_attrs",
]

_VAR_TYPES = {AttrType.STRING: "S", AttrType.EXPR: "C", AttrType.INT: "I"}


@frozen
class Destinations:
    """Where one attr lands (for inspect and explain)."""

    constant: bool
    attribute: bool
    parameter: bool
    condor_var: CondorVar | None
    new_condor_var: bool

    @property
    def published_to_startd(self) -> bool:
        """Return whether the glidein's startd publishes it."""
        return self.condor_var is not None and self.condor_var.published

    @property
    def job_environment(self) -> str | None:
        """Return the job environment variable it is exported as, if any."""
        var = self.condor_var
        if var is None or var.job_env == "-":
            return None
        return {"+": var.name, "@": var.condor_name}.get(var.job_env, var.job_env)


@frozen
class RoutedAttrs:
    """One level's compiled attrs, in GlideinWMS insertion order."""

    constants: dict[str, str]
    attributes: dict[str, int | str]
    params: dict[str, int | str]
    condor_vars: tuple[CondorVar, ...]


def new_condor_var(attr: Attr) -> CondorVar:
    """Return the row a published attr adds: no default, same name, not required."""
    return CondorVar(
        name=attr.name,
        type=_VAR_TYPES[attr.type],
        default=None,
        condor_name=attr.name,
        required=False,
        published=attr.glidein_publish,
        job_env="+" if attr.job_publish else "-",
    )


def publish_conflict(attr: Attr, existing: CondorVar) -> str | None:
    """Return why a published attr cannot use an existing condor_vars row, or None."""
    if (attr.type is AttrType.INT) != (existing.type == "I"):
        return f"Types not compatible ({attr.type.value},{existing.type})"
    if attr.glidein_publish and not existing.published:
        return "Cannot force glidein publishing"
    if attr.job_publish and existing.job_env == "-":
        return "Cannot force job publishing"
    return None


def destinations(attr: Attr, defaults: Sequence[CondorVar] = ()) -> Destinations:
    """Return where ``attr`` lands at a level whose condor_vars start as ``defaults``."""
    existing = {var.name: var for var in defaults}.get(attr.name)
    var = None
    if attr.glidein_publish or attr.job_publish:
        var = existing or new_condor_var(attr)
    return Destinations(
        constant=attr.const,
        attribute=attr.publish and attr.const,
        parameter=attr.publish and not attr.const and attr.parameter,
        condor_var=var,
        new_condor_var=var is not None and existing is None,
    )


def _formatted(attr: Attr) -> int | str:
    return int(attr.value) if attr.type is AttrType.INT else attr.value


def route_attrs(
    attrs: Iterable[Attr],
    defaults: Sequence[CondorVar],
    *,
    constants: Iterable[tuple[str, str]] = (),
    params: Iterable[tuple[str, str]] = (),
    overrides: Iterable[tuple[str, str]] = (),
) -> RoutedAttrs:
    """Route one level's attrs.

    Args:
        attrs: the level's attrs in XML order.
        defaults: the level's condor_vars defaults (main table or entry table).
        constants: constants written before the attrs (condor platforms).
        params: params written before the attrs (built-in main params).
        overrides: standard attributes that override user attrs in constants
            and attributes.cfg, keeping the position of a name already there.

    Conflicts with existing condor_vars rows are not checked here: validation
    reports them (``publish_conflict``) before anything is compiled.
    """
    routed_constants: dict[str, str] = dict(constants)
    routed_attributes: dict[str, int | str] = {}
    routed_params: dict[str, int | str] = dict(params)
    rows = {var.name: var for var in defaults}
    for attr in attrs:
        value = _formatted(attr)
        where = destinations(attr, defaults)
        if where.constant:
            routed_constants[attr.name] = str(value)
        if where.attribute:
            routed_attributes[attr.name] = value
        if where.parameter:
            routed_params[attr.name] = value
        if where.condor_var is not None and attr.name not in rows:
            rows[attr.name] = where.condor_var
    for name, value in overrides:
        routed_constants[name] = value
        routed_attributes[name] = value
    return RoutedAttrs(routed_constants, routed_attributes, routed_params, tuple(rows.values()))


class CollectorLike(Protocol):
    """A collector as the list params see it."""

    @property
    def node(self) -> str:
        """host[:port]."""
        ...

    @property
    def group(self) -> str:
        """Its collector group."""
        ...

    @property
    def secondary(self) -> bool:
        """Whether it is a secondary of its group."""
        ...


def collector_list_param(collectors: Iterable[CollectorLike]) -> str | None:
    """Return a collector list param (GLIDEIN_Collector, GLIDEIN_CCB, ...), or None.

    Per group its secondaries, else its primaries, ``,``-joined; groups ``;``-joined.
    """
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for collector in collectors:
        primaries, secondaries = groups.setdefault(collector.group, ([], []))
        (secondaries if collector.secondary else primaries).append(collector.node)
    if not groups:
        return None
    return ";".join(
        ",".join(secondaries or primaries) for primaries, secondaries in groups.values()
    )

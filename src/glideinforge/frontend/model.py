"""The typed model of a defaulted frontend configuration.

Numbers the frontend copies verbatim into its descript files stay strings as
written (GlideinWMS writes them as it read them); directories are the
effective ones, with the ``frontend_<name>`` suffix when versioning is on.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from glideinforge.creation.lib.attrs import Attr, StagedFile
from glideinforge.creation.lib.diagnostics import Source
from glideinforge.frozen import frozen

__all__ = [
    "Credential",
    "FactoryCollector",
    "Frontend",
    "Group",
    "Limits",
    "Match",
    "MatchAttr",
    "PoolCollector",
    "Schedd",
    "Security",
]


@frozen
class MatchAttr:
    """An attribute ``match_expr`` reads, with its type letter (s, i, r, b)."""

    name: str
    type: str

    @property
    def letter(self) -> str:
        """Return GlideinWMS's one-letter type code."""
        return self.type[0]


@frozen
class FactoryCollector:
    """A factory collector and the identities used with it."""

    node: str
    dn: str
    factory_identity: str
    my_identity: str
    source: Source = field(compare=False, repr=False)


@frozen
class Schedd:
    """A schedd whose jobs are served."""

    fullname: str
    dn: str


@frozen
class Match:
    """Matching policy of the frontend or of one group."""

    match_expr: str
    start_expr: str
    policy_file: Path | None
    factory_query: str
    factory_attrs: tuple[MatchAttr, ...]
    factory_collectors: tuple[FactoryCollector, ...]
    job_query: str
    job_attrs: tuple[MatchAttr, ...]
    schedds: tuple[Schedd, ...]


@frozen
class Credential:
    """A credential sent to factories (the key is ``absfname``, or ``generator``)."""

    absfname: str | None
    type: str
    trust_domain: str
    security_class: str
    generator: str | None
    name: str | None
    details: tuple[tuple[str, str], ...]
    """The other attributes as written (keyabsfname, vm_id, pool_idx_list, ...)."""
    source: Source = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        """Return what GlideinWMS keys the Proxy* dicts by."""
        return self.absfname or self.generator or ""

    @property
    def types(self) -> tuple[str, ...]:
        """Return the ``+``-separated type tokens."""
        return tuple(self.type.split("+"))


@frozen
class Security:
    """Security settings of the frontend or a group (group values override)."""

    security_name: str | None
    proxy_selection_plugin: str | None
    idtoken_lifetime: str | None
    idtoken_keyname: str | None
    credentials: tuple[Credential, ...]


@frozen
class PoolCollector:
    """A user pool collector or CCB."""

    node: str
    dn: str
    secondary: bool
    group: str


@frozen
class Limits:
    """A limit pair as written (``max`` and ``curb``, or the per-entry triples)."""

    values: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        """Return one value as written."""
        return dict(self.values)[name]


@frozen
class Group:
    """A ``<group>``."""

    name: str
    enabled: bool
    ramp_up_attenuation: str
    ignore_down_entries: str
    limits: dict[str, Limits]
    match: Match
    security: Security
    attrs: tuple[Attr, ...]
    files: tuple[StagedFile, ...]
    source: Source


@frozen
class Frontend:
    """The whole frontend configuration."""

    name: str
    settings: dict[str, str]
    """Root attributes as written or defaulted (loop_delay, advertise_delay, ...)."""
    work_dir: Path
    log_dir: Path
    stage_dir: Path
    web_url: str
    monitor_dir: Path
    monitor_url: str
    monitor_footer: tuple[str, str]
    process_logs: tuple[dict[str, str], ...]
    high_availability: dict[str, object]
    ramp_up_attenuation: str
    ignore_down_entries: str
    limits: dict[str, Limits]
    classad_proxy: str | None
    proxy_dn: str | None
    sym_key: str
    security: Security
    collectors: tuple[PoolCollector, ...]
    ccbs: tuple[PoolCollector, ...]
    match: Match
    attrs: tuple[Attr, ...]
    files: tuple[StagedFile, ...]
    groups: tuple[Group, ...]
    config_file: Path
    source: Source

    @property
    def enabled_groups(self) -> list[Group]:
        """Return the groups that are served (``Groups`` in frontend.descript)."""
        return [group for group in self.groups if group.enabled]

    def group(self, name: str) -> Group:
        """Return the group called ``name``."""
        return next(group for group in self.groups if group.name == name)

    @property
    def security_name(self) -> str:
        """Return the name the factory knows this frontend by."""
        return self.security.security_name or self.name

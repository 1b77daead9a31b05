"""Cross-config consistency of a frontend and a factory it requests glideins from.

GlideinWMS checks none of this; a mismatch shows up at run time as requests the
factory silently ignores. Every problem is reported at once:

- security names: each security name the frontend uses (global and group
  overrides) must be a ``security/frontends/frontend`` of the factory;
- identities: that factory frontend's ``identity`` must be the frontend's
  ``my_identity`` at the factory's collector, and with ``factory_identity``
  given, the frontend's ``factory_identity`` must be it;
- security classes: every credential's ``security_class`` must be one of that
  factory frontend's classes;
- ``allow_frontend`` and ``per_frontend`` entries that name the frontend must
  use its classes (``per_frontend`` is ``<frontend>:<security class>``);
- credentials against entries: a credential fits an entry when every ``+``
  token of the entry's ``auth_method`` is in its type (an entry asking for
  ``grid_proxy`` also takes a ``scitoken``) and the trust domains are equal.
  An entry that allows the frontend but that none of its groups can use is an
  error; groups that cannot use it, and open entries the frontend cannot use
  at all, are warnings.
"""

from __future__ import annotations

from collections.abc import Iterable

from glideinforge.creation.lib.diagnostics import Diagnostic, Severity, Source
from glideinforge.factory.model import Entry, Factory, TrustedFrontend
from glideinforge.frozen import frozen

from .model import Credential, FactoryCollector, Frontend, Group

__all__ = ["credential_fits", "factory_problems"]

_SHOWN = 5
"""How many entry names one aggregated warning lists."""


def credential_fits(credential: Credential, auth_method: str, trust_domain: str) -> bool:
    """Return whether ``credential`` can be used on an entry with these settings."""
    types = set(credential.types)
    for method in auth_method.split("+"):
        if method not in types and not (method == "grid_proxy" and "scitoken" in types):
            return False
    return credential.trust_domain == trust_domain


@frozen
class _GroupView:
    """What one enabled group sends the factory."""

    group: Group
    security_name: str
    credentials: tuple[Credential, ...]
    collectors: tuple[FactoryCollector, ...]


def _group_views(frontend: Frontend) -> list[_GroupView]:
    return [
        _GroupView(
            group,
            group.security.security_name or frontend.security_name,
            (*frontend.security.credentials, *group.security.credentials),
            (*frontend.match.factory_collectors, *group.match.factory_collectors),
        )
        for group in frontend.enabled_groups
    ]


def _describe(credential: Credential) -> str:
    name = credential.name or credential.key
    return f"{name} ({credential.type}, {credential.trust_domain}, {credential.security_class})"


class _Checker:
    """Collects the diagnostics of one frontend/factory pair."""

    def __init__(self, frontend: Frontend, factory: Factory, factory_identity: str | None) -> None:
        self.frontend = frontend
        self.factory = factory
        self.factory_identity = factory_identity
        self.trusted = {item.name: item for item in factory.security.frontends}
        self.views = _group_views(frontend)
        self.problems: list[Diagnostic] = []

    def report(
        self, source: Source, path: str, message: str, code: str, *, warning: bool = False
    ) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Diagnostic(source, path, message, f"cross.{code}", severity))

    # --- frontend side ---------------------------------------------------------------------

    def security_names(self) -> None:
        known = ", ".join(self.trusted) or "none"
        seen = set()
        for view in self.views:
            if view.security_name in self.trusted or view.security_name in seen:
                continue
            seen.add(view.security_name)
            if view.group.security.security_name:
                source = view.group.source
                path = f"/frontend/groups/group[@name='{view.group.name}']/security/@security_name"
            else:
                source, path = self.frontend.source, "/frontend/security/@security_name"
            self.report(
                source,
                path,
                f"security_name '{view.security_name}' (group {view.group.name}) is not a "
                f"frontend the factory trusts (security/frontends: {known})",
                "security_name",
            )

    def identities(self) -> None:
        checked: set[FactoryCollector] = set()
        for view in self.views:
            trusted = self.trusted.get(view.security_name)
            if trusted is None:
                continue
            mine = {collector.my_identity for collector in view.collectors}
            if trusted.identity not in mine:
                self.report(
                    trusted.source,
                    f"/glidein/security/frontends/frontend[@name='{trusted.name}']/@identity",
                    f"the factory expects frontend '{trusted.name}' as '{trusted.identity}', but "
                    f"group {view.group.name} authenticates as {_listed(mine)} "
                    "(match/factory/collectors/collector@my_identity)",
                    "identity",
                )
            if self.factory_identity is None:
                continue
            for collector in view.collectors:
                if collector in checked:
                    continue
                checked.add(collector)
                if collector.factory_identity != self.factory_identity:
                    self.report(
                        collector.source,
                        f"/frontend/match/factory/collectors/collector[@node='{collector.node}']"
                        "/@factory_identity",
                        f"factory_identity '{collector.factory_identity}' is not the factory's "
                        f"identity '{self.factory_identity}'",
                        "factory_identity",
                    )

    def security_classes(self) -> None:
        checked = set()
        for view in self.views:
            trusted = self.trusted.get(view.security_name)
            if trusted is None:
                continue
            classes = _class_names(trusted)
            for credential in view.credentials:
                key = (credential.key, trusted.name)
                if key in checked or credential.security_class in classes:
                    continue
                checked.add(key)
                self.report(
                    credential.source,
                    f"/frontend/security/credentials/credential[@absfname='{credential.key}']"
                    "/@security_class",
                    f"security_class '{credential.security_class}' is not a class of frontend "
                    f"'{trusted.name}' in the factory (classes: {', '.join(sorted(classes))})",
                    "security_class",
                )

    # --- factory side ----------------------------------------------------------------------

    def _ours(self) -> dict[str, TrustedFrontend]:
        names = {view.security_name for view in self.views}
        return {name: item for name, item in self.trusted.items() if name in names}

    def entry_references(self) -> None:
        ours = self._ours()
        for entry in self.factory.entries:
            path = f"/glidein/entries/entry[@name='{entry.name}']"
            for allowed in entry.allow_frontends:
                trusted = ours.get(allowed.name)
                if trusted is not None and allowed.security_class not in _class_names(trusted):
                    self.report(
                        allowed.source,
                        f"{path}/allow_frontends/allow_frontend[@name='{allowed.name}']",
                        f"allow_frontend '{allowed.name}' names security class "
                        f"'{allowed.security_class}', which frontend '{allowed.name}' does not "
                        f"have (classes: {', '.join(sorted(_class_names(trusted)))})",
                        "allow_frontend",
                    )
            for limit in entry.config.max_jobs.per_frontends:
                self._per_frontend(entry, limit.name, limit.source, ours)

    def _per_frontend(
        self, entry: Entry, name: str, source: Source, ours: dict[str, TrustedFrontend]
    ) -> None:
        path = (
            f"/glidein/entries/entry[@name='{entry.name}']/config/max_jobs/per_frontends"
            f"/per_frontend[@name='{name}']"
        )
        frontend, sep, klass = name.partition(":")
        if not sep or not frontend or not klass or ":" in klass:
            self.report(
                source, path, f"per_frontend name '{name}' is not <frontend>:<security class>",
                "per_frontend",
            )  # fmt: skip
            return
        trusted = ours.get(frontend)
        if trusted is not None and klass not in _class_names(trusted):
            self.report(
                source,
                path,
                f"per_frontend '{name}': frontend '{frontend}' has no security class '{klass}' "
                f"(classes: {', '.join(sorted(_class_names(trusted)))})",
                "per_frontend",
            )

    def credential_fit(self) -> None:
        ours = self._ours()
        unusable_open: list[str] = []
        for entry in self.factory.enabled_entries:
            allowed = {(item.name, item.security_class) for item in entry.allow_frontends}
            names_us = any(name in ours for name, _ in allowed)
            usable = {}
            for view in self.views:
                if view.security_name not in ours:
                    continue
                usable[view.group.name] = [
                    credential
                    for credential in view.credentials
                    if (not allowed or (view.security_name, credential.security_class) in allowed)
                    and credential_fits(credential, entry.auth_method, entry.trust_domain)
                ]
            if not usable:
                continue
            fitting = [group for group, credentials in usable.items() if credentials]
            if names_us and not fitting:
                self._no_fit(entry, allowed, ours)
            elif names_us and len(fitting) < len(usable):
                missing = [group for group in usable if group not in fitting]
                self.report(
                    entry.source,
                    f"/glidein/entries/entry[@name='{entry.name}']",
                    f"entry {entry.name} (auth_method {entry.auth_method}, trust_domain "
                    f"{entry.trust_domain}) allows this frontend, but group(s) "
                    f"{', '.join(missing)} have no credential it takes",
                    "credential_fit",
                    warning=True,
                )
            elif not allowed and not fitting:
                unusable_open.append(entry.name)
        if unusable_open:
            shown = ", ".join(unusable_open[:_SHOWN])
            more = f" and {len(unusable_open) - _SHOWN} more" if len(unusable_open) > _SHOWN else ""
            credentials = [item for view in self.views for item in view.credentials]
            self.report(
                credentials[0].source if credentials else self.frontend.source,
                "/frontend/security/credentials",
                f"no credential of this frontend fits {len(unusable_open)} enabled entr"
                f"{'y' if len(unusable_open) == 1 else 'ies'} of the factory: {shown}{more}",
                "credential_fit",
                warning=True,
            )

    def _no_fit(
        self, entry: Entry, allowed: set[tuple[str, str]], ours: dict[str, TrustedFrontend]
    ) -> None:
        credentials = {
            credential.key: credential for view in self.views for credential in view.credentials
        }
        allowed_ours = [f"{name}:{klass}" for name, klass in sorted(allowed) if name in ours]
        self.report(
            entry.source,
            f"/glidein/entries/entry[@name='{entry.name}']",
            f"entry {entry.name} allows {', '.join(allowed_ours)}, but no credential of this "
            f"frontend fits it (auth_method {entry.auth_method}, trust_domain "
            f"{entry.trust_domain}; credentials: "
            f"{'; '.join(_describe(item) for item in credentials.values())})",
            "credential_fit",
        )


def _class_names(trusted: TrustedFrontend) -> set[str]:
    return {klass.name for klass in trusted.security_classes}


def _listed(values: Iterable[str]) -> str:
    items = sorted(values)
    return ", ".join(f"'{item}'" for item in items) if items else "nothing (no factory collectors)"


def factory_problems(
    frontend: Frontend, factory: Factory, factory_identity: str | None = None
) -> list[Diagnostic]:
    """Return every inconsistency between ``frontend`` and ``factory``."""
    checker = _Checker(frontend, factory, factory_identity)
    checker.security_names()
    checker.identities()
    checker.security_classes()
    checker.entry_references()
    checker.credential_fit()
    return checker.problems

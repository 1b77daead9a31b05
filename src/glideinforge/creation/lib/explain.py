"""What value a glidein finally gets for an attr, and why.

The glidein writes every ``-param_`` into glidein_config first, then applies the
constants files in its file-list order, each write replacing the one before;
names nobody set take their ``condor_vars`` default when condor_config is
built. For one entry (and optionally one frontend group) that makes:

- params, lowest to highest: factory main < factory entry < frontend main <
  frontend group (the factory fills in what the frontend did not send; an empty
  value is not passed at all);
- constants, lowest to highest: factory main < frontend main < frontend group <
  factory entry, every constant beating every param;
- otherwise the default of the last ``condor_vars`` row the glidein reads (it
  reads group, client, entry, then main).

This module is pure: it works on the routed attrs a compile produced.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from glideinforge.frozen import frozen

from .condor_vars import CondorVar
from .routing import RoutedAttrs

__all__ = [
    "AttrLevel",
    "Explanation",
    "LevelRole",
    "Setting",
    "configured_names",
    "effective_value",
    "effective_values",
    "explain_attrs",
    "explained_names",
]


class LevelRole(enum.Enum):
    """The four levels a glidein combines."""

    FACTORY_MAIN = "factory main"
    FACTORY_ENTRY = "factory entry"
    FRONTEND_MAIN = "frontend main"
    FRONTEND_GROUP = "frontend group"

    @property
    def from_factory(self) -> bool:
        """Return whether the level is the factory's."""
        return self in (LevelRole.FACTORY_MAIN, LevelRole.FACTORY_ENTRY)


_CHAIN_ORDER = (
    LevelRole.FACTORY_MAIN,
    LevelRole.FACTORY_ENTRY,
    LevelRole.FRONTEND_MAIN,
    LevelRole.FRONTEND_GROUP,
)
"""How a provenance chain is shown (and the order params are overlaid in)."""

_CONST_ORDER = (
    LevelRole.FACTORY_MAIN,
    LevelRole.FRONTEND_MAIN,
    LevelRole.FRONTEND_GROUP,
    LevelRole.FACTORY_ENTRY,
)
"""The order the glidein applies constants files in."""

_VARS_ORDER = (
    LevelRole.FRONTEND_GROUP,
    LevelRole.FRONTEND_MAIN,
    LevelRole.FACTORY_ENTRY,
    LevelRole.FACTORY_MAIN,
)
"""The order condor_startup.sh reads the condor_vars files in."""


@frozen
class AttrLevel:
    """One level's compiled attrs."""

    role: LevelRole
    label: str
    """How the level is named to the operator, e.g. ``entry SITE_A`` or ``group gpu``."""
    routed: RoutedAttrs


@frozen
class Setting:
    """One place that sets a value for the attr, and what became of it."""

    label: str
    kind: str
    """``param``, ``const`` or ``default``."""
    value: str
    status: str
    """``effective``, ``overridden``, ``blocked`` (a frontend value beaten by a
    factory const), ``not passed`` (an empty param) or ``unused`` (a default
    while some level sets a value)."""
    by: str | None = None
    """The setting that replaced this one (its ``title``)."""

    @property
    def title(self) -> str:
        """Return how the setting is named, e.g. ``group gpu param``."""
        return setting_title(self.label, self.kind)

    def to_json(self) -> dict[str, str | None]:
        """Return the setting as a JSON-ready document."""
        return {
            "level": self.label,
            "kind": self.kind,
            "value": self.value,
            "status": self.status,
            "by": self.by,
        }


@frozen
class Explanation:
    """The effective value of one attr and where it comes from and goes."""

    name: str
    value: str | None
    """What the glidein ends with; None when nothing sets it."""
    source: str | None
    """The winning setting, as ``<label> <kind>``."""
    chain: tuple[Setting, ...]
    """Defaults first, then factory main, entry, frontend main, group."""
    knobs: tuple[tuple[str, str], ...]
    """condor_config knobs written from it: (HTCondor name, vars type letter)."""
    published: tuple[str, ...]
    """Names it is published under in the startd (and master) ClassAd."""
    job_environment: tuple[str, ...]
    """Job environment variables it is exported as."""
    required: bool = False
    """A condor_vars row requires it: the glidein stops when nothing sets it."""
    rewritten_by: tuple[str, ...] = ()
    """Shipped glidein scripts that may write a new value on the worker node."""

    def to_json(self) -> dict[str, object]:
        """Return the explanation as a JSON-ready document."""
        return {
            "name": self.name,
            "value": self.value,
            "source": self.source,
            "chain": [setting.to_json() for setting in self.chain],
            "knobs": [{"name": name, "type": kind} for name, kind in self.knobs],
            "published": list(self.published),
            "job_environment": list(self.job_environment),
            "required": self.required,
            "rewritten_by": list(self.rewritten_by),
        }


def explained_names(levels: Sequence[AttrLevel]) -> list[str]:
    """Return every name a level sets, or that has a condor_vars default, sorted."""
    names: set[str] = set()
    for level in levels:
        names.update(level.routed.params)
        names.update(level.routed.constants)
        names.update(var.name for var in level.routed.condor_vars if var.default is not None)
    return sorted(names)


def setting_title(label: str, kind: str) -> str:
    """Return how a setting of ``kind`` at the level ``label`` is named."""
    if kind == "default":
        return f"{label} condor_vars default"
    return f"{label} {kind}"


@dataclass(slots=True)
class _Candidate:
    level: AttrLevel
    kind: str
    value: str
    status: str = "effective"
    by: str | None = None

    @property
    def title(self) -> str:
        return setting_title(self.level.label, self.kind)

    def setting(self) -> Setting:
        return Setting(self.level.label, self.kind, self.value, self.status, self.by)


_VarsIndex = dict[str, list[tuple[AttrLevel, CondorVar]]]
"""Per name, its condor_vars rows in ``_VARS_ORDER``, with their level."""


@frozen
class _Ordered:
    """The levels of one explanation in each order the rules read them, looked up once."""

    chain: tuple[AttrLevel, ...]
    constants: tuple[AttrLevel, ...]
    vars_levels: tuple[AttrLevel, ...]
    vars_index: _VarsIndex | None
    """Every name's condor_vars rows; None: looked up by name (for a few names)."""

    @classmethod
    def of(cls, levels: Sequence[AttrLevel], *, indexed: bool = True) -> _Ordered:
        """Order ``levels``; with ``indexed``, index the condor_vars rows of every name."""
        by_role = {level.role: level for level in levels}
        vars_levels = tuple(by_role[role] for role in _VARS_ORDER if role in by_role)
        index: _VarsIndex | None = None
        if indexed:
            index = {}
            for level in vars_levels:
                for var in level.routed.condor_vars:
                    index.setdefault(var.name, []).append((level, var))
        return cls(
            tuple(by_role[role] for role in _CHAIN_ORDER if role in by_role),
            tuple(by_role[role] for role in _CONST_ORDER if role in by_role),
            vars_levels,
            index,
        )

    def vars_rows(self, name: str) -> list[tuple[AttrLevel, CondorVar]]:
        """Return the condor_vars rows of ``name``, with their level."""
        if self.vars_index is not None:
            return self.vars_index.get(name, [])
        return [
            (level, var)
            for level in self.vars_levels
            for var in level.routed.condor_vars
            if var.name == name
        ]


def _job_env_name(var: CondorVar) -> str | None:
    if var.job_env == "-":
        return None
    return {"+": var.name, "@": var.condor_name}.get(var.job_env, var.job_env)


def _winner(
    params: list[_Candidate], constants: list[_Candidate], defaults: list[_Candidate]
) -> _Candidate | None:
    """Pick the value the glidein ends with; mark what it beat."""
    winner: _Candidate | None = None
    if constants:
        winner = constants[-1]
        if params:
            param = params[-1]
            blocked = not param.level.role.from_factory and winner.level.role.from_factory
            param.status, param.by = ("blocked" if blocked else "overridden"), winner.title
    elif params and params[-1].value.strip():
        winner = params[-1]
    elif params:
        params[-1].status = "not passed"
    if winner is None:
        return defaults[-1] if defaults else None
    for default in defaults:
        default.status, default.by = "unused", winner.title
    return winner


def _candidates(
    ordered: _Ordered, name: str, *, winner_only: bool = False
) -> tuple[list[_Candidate], list[_Candidate], list[_Candidate], _Candidate | None]:
    """Return the params, constants and defaults that set ``name``, and the winner.

    With ``winner_only`` the defaults are not looked up when they cannot win (a
    constant, or a param that is passed, sets the name): only the winner is right.
    """
    params = [
        _Candidate(level, "param", str(level.routed.params[name]))
        for level in ordered.chain
        if name in level.routed.params
    ]
    constants = [
        _Candidate(level, "const", str(level.routed.constants[name]))
        for level in ordered.constants
        if name in level.routed.constants
    ]
    decided = bool(constants) or bool(params and params[-1].value.strip())
    defaults = (
        []
        if winner_only and decided
        else [
            _Candidate(level, "default", var.default)
            for level, var in ordered.vars_rows(name)
            if var.default is not None
        ]
    )
    if not winner_only:  # what each setting lost to
        for candidates in (params, constants, defaults):
            for earlier, later in itertools.pairwise(candidates):
                earlier.status, earlier.by = "overridden", later.title
    return params, constants, defaults, _winner(params, constants, defaults)


def _explain_one(
    ordered: _Ordered, name: str, writers: Mapping[str, tuple[str, ...]]
) -> Explanation:
    params, constants, defaults, winner = _candidates(ordered, name)
    rows = ordered.vars_rows(name)
    chain = [*defaults]
    for role in _CHAIN_ORDER:
        chain += [item for item in (*params, *constants) if item.level.role is role]
    # A variable nothing sets writes no knob (unless required: then the glidein stops).
    written = [var for _, var in rows] if winner is not None else []
    return Explanation(
        name=name,
        value=None if winner is None else winner.value,
        source=None if winner is None else winner.title,
        chain=tuple(item.setting() for item in chain),
        knobs=tuple(dict.fromkeys((var.condor_name, var.type) for var in written)),
        published=tuple(dict.fromkeys(var.condor_name for var in written if var.published)),
        job_environment=tuple(
            dict.fromkeys(env for var in written if (env := _job_env_name(var)) is not None)
        ),
        required=any(var.required for _, var in rows),
        rewritten_by=writers.get(name, ()),
    )


def explain_attrs(
    levels: Sequence[AttrLevel],
    names: Iterable[str] | None = None,
    writers: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Explanation]:
    """Explain ``names`` (every name of ``explained_names`` when None) over ``levels``.

    ``writers`` maps names to the glidein scripts that rewrite them on the node.
    """
    ordered = _Ordered.of(levels)
    return [
        _explain_one(ordered, name, writers or {}) for name in (names or explained_names(levels))
    ]


def effective_values(levels: Sequence[AttrLevel]) -> list[tuple[str, str, str]]:
    """Return (name, value, winning setting) of each name a level sets itself, sorted.

    What ``explain_attrs`` says of the value and its source, without the knobs and
    the chain: the report lists this for every entry.
    """
    ordered = _Ordered.of(levels, indexed=False)
    found = []
    for name in configured_names(levels):
        winner = _candidates(ordered, name, winner_only=True)[3]
        if winner is not None:
            found.append((name, winner.value, winner.title))
    return found


def effective_value(levels: Sequence[AttrLevel], name: str) -> str | None:
    """Return the value a glidein gets for ``name`` (None: nothing sets it)."""
    winner = _candidates(_Ordered.of(levels, indexed=False), name, winner_only=True)[3]
    return None if winner is None else winner.value


def configured_names(levels: Sequence[AttrLevel]) -> list[str]:
    """Return every name a level sets itself (no condor_vars default alone), sorted."""
    names: set[str] = set()
    for level in levels:
        names.update(level.routed.params)
        names.update(level.routed.constants)
    return sorted(names)

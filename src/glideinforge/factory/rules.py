"""Cross-element rules of the factory language, and the rule runner.

``DOCUMENT_RULES`` look across elements: global versus entry attrs, tarball
coverage, name clashes, collectors. Per-element rules live in
``element_rules``; the runner here runs the context rules and these.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from glideinforge.creation.lib.condor_vars import MAIN_VARS
from glideinforge.creation.lib.diagnostics import Diagnostic, Severity
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.paths import absolute, rerooted
from glideinforge.creation.lib.rule_runner import diagnostic_at, run_context_rules
from glideinforge.creation.lib.shared_rules import INTEGER
from glideinforge.creation.lib.walk import Visit
from glideinforge.creation.lib.xml_tree import Node

from .element_rules import CONTEXT_RULES, ELEMENT_RULES, ENTRY_KINDS
from .model import Attr, AttrType
from .routing import publish_conflict

__all__ = ["ELEMENT_RULES", "check_rules"]

ERROR = Severity.ERROR
WARNING = Severity.WARNING

_BUILTIN_MAIN_PARAMS = {
    "CONDOR_OS": "default",
    "CONDOR_ARCH": "default",
    "CONDOR_VERSION": "default",
    "GLIDEIN_Collector": "Fake",
    "GLIDEIN_Report_Failed": "NEVER",
}


# --- document rules ----------------------------------------------------------------------


class _Document:
    """The visited elements grouped for cross-element rules."""

    def __init__(
        self,
        visits: Iterable[Visit],
        language: Language,
        dropin_globals: Mapping[str, tuple[Node, ...]],
        root: Path | None,
    ) -> None:
        self.language = language
        self.dropin_globals = dropin_globals
        self.root = root
        self._entry_attrs: dict[Node, dict[str, Node]] = {}
        self.by_kind: dict[str, list[Visit]] = defaultdict(list)
        for visit in visits:
            self.by_kind[visit.kind].append(visit)
        tops = self.by_kind[language.root_kind]
        self.main_file = tops[0].node.file if tops else ""

    def value(self, visit: Visit, name: str) -> str | None:
        return self.language.value(visit.node, visit.kind, name)

    @functools.cached_property
    def global_attrs(self) -> dict[str, Visit]:
        """The global attrs by name (the last of a repeated name), found once."""
        return {
            self.value(visit, "name") or "": visit
            for visit in self.by_kind["attr"]
            if visit.parent is not None and visit.parent.kind == "glidein"
        }

    def entry_attrs(self, entry: Visit) -> dict[str, Node]:
        """Return the entry's attrs by name (built once per entry)."""
        found = self._entry_attrs.get(entry.node)
        if found is None:
            found = self._entry_attrs[entry.node] = self._collect_attrs(entry)
        return found

    @staticmethod
    def _collect_attrs(entry: Visit) -> dict[str, Node]:
        return {
            item.attributes.get("name", ""): item
            for container in entry.node.children
            if container.tag == "attrs"
            for item in container.children
        }

    @staticmethod
    def attr_visit(entry: Visit, attr: Node) -> Visit:
        return Visit(attr, "attr", entry, 0, "attrs", ("name",))

    def entries(self) -> list[Visit]:
        return [visit for kind in ENTRY_KINDS for visit in self.by_kind[kind]]


def _place(node: Node, here: Node) -> str:
    """Where ``node`` is, as seen from ``here``: ``line N`` in the same file, else file:line."""
    if node.file == here.file:
        return f"line {node.line}"
    return f"{node.file}:{node.line}"


def _home_file(attr: Visit) -> str:
    """Return the file GlideinWMS checks an attr in: its entry's, or its own for a global."""
    owner = attr.parent
    if owner is not None and owner.kind in ENTRY_KINDS:
        return owner.node.file
    return attr.node.file


def _const_consistency(document: _Document) -> Iterator[Diagnostic]:
    """Check const flags across same-named attrs the way GlideinWMS's validation does.

    GlideinWMS compares each attr with the global attrs of the file its entry
    (or, for a global, the attr itself) was written in: the merged global
    attrs for the main file, a drop-in's own global attrs for a drop-in (and
    none when it has none). A differing const is refused; so is a global attr
    it reaches before filling in its defaults (one that leaves const unset).
    Entry attrs it does not check against the merged globals get a warning.
    """
    default_const = document.language.kinds["attr"].defaults["const"]
    merged = [visit.node for visit in document.by_kind["attr"] if _is_global(visit)]
    position = {node: index for index, node in enumerate(merged)}
    main_file = document.main_file
    for attr in document.by_kind["attr"]:
        owner = attr.parent
        if owner is None or owner.kind not in ("glidein", *ENTRY_KINDS):
            continue
        name = attr.node.attributes.get("name")
        const = attr.node.attributes.get("const", default_const)
        home = _home_file(attr)
        candidates = merged if home == main_file else document.dropin_globals.get(home, ())
        in_entry = owner.kind != "glidein"
        problem = None
        for other in candidates:
            if other.attributes.get("name") != name:
                continue
            defaulted = other in position and (in_entry or position[other] <= position[attr.node])
            other_const = other.attributes.get("const", default_const if defaulted else None)
            if other_const is None:
                problem = (
                    f"attr {name} is also a global attr at {_place(other, attr.node)}, which "
                    "leaves const unset: GlideinWMS cannot compare the two (it stops with "
                    "KeyError 'const'); write const on it"
                )
            elif other_const != const:
                problem = (
                    f'attr {name} is const="{const}" here but const="{other_const}" in the '
                    f"global attr at {_place(other, attr.node)}; GlideinWMS refuses a const "
                    "flag that differs"
                )
            if problem:
                yield diagnostic_at(attr, "const", problem, "attr.const_mismatch")
                break
        if problem is None and in_entry:
            yield from _unchecked_const(document, attr, name, const, default_const)


def _is_global(visit: Visit) -> bool:
    return visit.parent is not None and visit.parent.kind == "glidein"


def _unchecked_const(
    document: _Document, attr: Visit, name: str | None, const: str, default_const: str
) -> Iterator[Diagnostic]:
    """Warn about an entry attr whose const differs from the merged global one."""
    global_attr = document.global_attrs.get(name or "")
    if global_attr is None:
        return
    global_const = global_attr.node.attributes.get("const", default_const)
    if global_const != const:
        yield diagnostic_at(
            attr,
            "const",
            (
                f'attr {name} is const="{const}" here but const="{global_const}" in the global '
                f"attr at {_place(global_attr.node, attr.node)}; GlideinWMS does not compare "
                "them for an entry of a drop-in, and the entry's attr wins"
            ),
            "attr.const_differs",
            WARNING,
        )


def _reserved_params(document: _Document) -> Iterator[Diagnostic]:
    for name, attr in document.global_attrs.items():
        builtin = _BUILTIN_MAIN_PARAMS.get(name)
        if (
            builtin is not None
            and document.value(attr, "const") == "False"
            and document.value(attr, "value") != builtin
        ):
            yield diagnostic_at(
                attr,
                "value",
                (
                    f"{name} is a built-in factory parameter (value {builtin}); a global "
                    'const="False" attr cannot give it another value'
                ),
                "attr.reserved",
            )


def attr_name_and_type(language: Language, attr: Node) -> tuple[str, str]:
    """Return an ``<attr>``'s name and type (``string`` unless it says otherwise)."""
    return (
        language.value(attr, "attr", "name") or "",
        language.value(attr, "attr", "type") or "string",
    )


def mixed_attr_types(attrs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Return the types of each attr name given more than one (name, type) pair's type.

    GlideinWMS keeps one type per attr name: the others are a warning here, and an
    incremental reconfig that would mix types gives way to the full run.
    """
    types: dict[str, set[str]] = defaultdict(set)
    for name, kind in attrs:
        types[name].add(kind)
    return {name: kinds for name, kinds in types.items() if len(kinds) > 1}


def _type_consistency(document: _Document) -> Iterator[Diagnostic]:
    attrs = [
        (*attr_name_and_type(document.language, attr.node), attr)
        for attr in document.by_kind["attr"]
    ]
    mixed = mixed_attr_types((name, kind) for name, kind, _ in attrs)
    for name in sorted(mixed):
        seen: dict[str, Visit] = {}
        for other_name, kind, attr in attrs:
            if other_name == name:
                seen.setdefault(kind, attr)
        first, *others = sorted(seen.values(), key=lambda visit: visit.node.source.line)
        shown = ", ".join(sorted(seen))
        for other in others:
            yield diagnostic_at(
                other,
                "type",
                (
                    f"attr {name} has type {document.value(other, 'type')} here but other "
                    f"attrs of that name have other types ({shown}; first at line "
                    f"{first.node.source.line})"
                ),
                "attr.type_mismatch",
                WARNING,
            )


def _tarball_coverage(document: _Document) -> Iterator[Diagnostic]:
    tarballs = [
        tuple(
            frozenset(part.strip() for part in (document.value(visit, field) or "").split(","))
            for field in ("version", "os", "arch")
        )
        for visit in document.by_kind["condor_tarball"]
    ]
    global_attrs = document.global_attrs

    def resolved(attrs: Mapping[str, Node], name: str) -> str:
        if name in attrs:
            return attrs[name].attributes.get("value") or "default"
        if name in global_attrs:
            return document.value(global_attrs[name], "value") or "default"
        return "default"

    for entry in document.entries():
        attrs = document.entry_attrs(entry)
        version = resolved(attrs, "CONDOR_VERSION")
        os_name = resolved(attrs, "CONDOR_OS")
        arch = resolved(attrs, "CONDOR_ARCH")
        if not any(
            version in versions
            and (os_name == "auto" or os_name in oses)
            and (arch == "auto" or arch in arches)
            for versions, oses, arches in tarballs
        ):
            yield diagnostic_at(
                entry,
                None,
                (
                    f"no <condor_tarball> serves HTCondor version={version}, os={os_name}, "
                    f"arch={arch} (from CONDOR_VERSION/CONDOR_OS/CONDOR_ARCH)"
                ),
                "tarball.unresolved",
            )


_AUTO_CPUS = frozenset({"auto", "slot", "node", "-1", "0"})
"""GLIDEIN_CPUS values that discover the CPUs on the node."""


def _estimated_cpus(document: _Document) -> Iterator[Diagnostic]:
    """Warn about GLIDEIN_ESTIMATED_CPUS next to a fixed GLIDEIN_CPUS (the page: an error).

    GlideinWMS publishes it and nothing breaks, so it is a warning (an error with --strict).
    """
    global_attrs = document.global_attrs
    for entry in document.entries():
        attrs = document.entry_attrs(entry)
        estimated = attrs.get("GLIDEIN_ESTIMATED_CPUS")
        estimated_visit = (
            document.attr_visit(entry, estimated)
            if estimated is not None
            else global_attrs.get("GLIDEIN_ESTIMATED_CPUS")
        )
        cpus_node = attrs.get("GLIDEIN_CPUS")
        if cpus_node is None and "GLIDEIN_CPUS" in global_attrs:
            cpus_node = global_attrs["GLIDEIN_CPUS"].node
        if estimated_visit is None or cpus_node is None:
            continue
        cpus = (cpus_node.attributes.get("value") or "").strip()
        if cpus.lower() in _AUTO_CPUS or not INTEGER.match(cpus):
            continue
        yield diagnostic_at(
            estimated_visit if estimated is not None else entry,
            "value" if estimated is not None else None,
            (
                f"GLIDEIN_ESTIMATED_CPUS is set but GLIDEIN_CPUS is {cpus} "
                f"(at {_place(cpus_node, entry.node)}): the estimate is only for GLIDEIN_CPUS "
                "auto, slot or node, and setting it otherwise is a configuration error"
            ),
            "attr.estimated_cpus",
            WARNING,
        )


def _entry_names(document: _Document) -> Iterator[Diagnostic]:
    """Report an entry, entry set or <entry> in <entry_sets> reusing another's name.

    Repeats inside <entries> are checked as duplicates of that list.
    """
    seen: dict[str, Visit] = {}
    for visit in document.entries():
        attribute = "alias" if visit.kind == "entry_set" else "name"
        name = document.value(visit, attribute) or ""
        first = seen.setdefault(name, visit)
        if first is visit or first.kind == visit.kind == "entry":
            continue
        yield diagnostic_at(
            visit,
            attribute,
            (
                f'"{name}" already names an entry at {_place(first.node, visit.node)}; '
                "GlideinWMS refuses the second when it publishes"
            ),
            "entry.name_clash",
        )


def _primary_collectors(document: _Document) -> Iterator[Diagnostic]:
    primaries: dict[str, Visit] = {}
    for collector in document.by_kind["monitoring_collector"]:
        if document.value(collector, "secondary") == "True":
            continue
        group = document.value(collector, "group") or "default"
        first = primaries.setdefault(group, collector)
        if first is not collector:
            yield diagnostic_at(
                collector,
                "secondary",
                (
                    f'collector group "{group}" already has a primary collector (line '
                    f'{first.node.source.line}); mark this one secondary="True"'
                ),
                "collector.primary",
            )


def _publish_conflicts(document: _Document) -> Iterator[Diagnostic]:
    """Report global published attrs that clash with their condor_vars.lst row."""
    rows = {row.name: row for row in MAIN_VARS}
    for name, visit in document.global_attrs.items():
        row = rows.get(name)
        flags = {flag: document.value(visit, flag) for flag in ("glidein_publish", "job_publish")}
        attr_type = document.value(visit, "type")
        if (
            row is None
            or "True" not in flags.values()
            or attr_type not in ("string", "int", "expr")
        ):
            continue
        attr = Attr(
            name=name,
            value="",
            type=AttrType(attr_type),
            const=True,  # const/publish/parameter play no part in the check
            publish=True,
            parameter=True,
            glidein_publish=flags["glidein_publish"] == "True",
            job_publish=flags["job_publish"] == "True",
            source=visit.node.source,
        )
        problem = publish_conflict(attr, row)
        if problem:
            yield diagnostic_at(
                visit,
                None,
                (
                    f"{problem}: {name} is in condor_vars.lst as type {row.type}, published "
                    f"{'Y' if row.published else 'N'}, job environment {row.job_env}"
                ),
                "attr.condor_vars",
            )


def _requests_cvmfsexec(attr: Node) -> bool:
    """Return whether an attr's typed value differs from 0, as GlideinWMS compares it."""
    value = attr.attributes.get("value", "")
    if attr.attributes.get("type", "string") != "int":
        return True  # GlideinWMS compares the string with the integer 0
    return not INTEGER.match(value) or int(value) != 0


def _built_distributions(document: _Document) -> Path:
    """Return where GlideinWMS keeps cvmfsexec distributions of earlier builds."""
    submits = document.by_kind["submit"]
    base = document.value(submits[-1], "base_dir") if submits else None
    base = base or document.language.kinds["submit"].defaults["base_dir"]
    work = absolute(base)
    if document.root is not None:
        work = rerooted(work, document.root)
    return work / "cvmfsexec" / "tarballs"


def _cvmfsexec_available(document: _Document) -> Iterator[Diagnostic]:
    """Report entries asking for on-demand CVMFS when no distributions can be staged.

    GlideinWMS refuses such an entry unless distributions of an earlier build are
    in the work dir; it does not stage those either, so then it is a warning.
    """
    distros = document.by_kind["cvmfsexec_distro"]
    if distros and document.value(distros[-1], "sources"):
        return
    requesting = [
        (entry, attr)
        for entry in document.entries()
        if (attr := document.entry_attrs(entry).get("GLIDEIN_USE_CVMFSEXEC")) is not None
        and _requests_cvmfsexec(attr)
    ]
    if not requesting:
        return
    built = _built_distributions(document)
    earlier = built.is_dir() and any(built.iterdir())
    for entry, attr in requesting:
        message = (
            "GLIDEIN_USE_CVMFSEXEC asks for on-demand CVMFS but <cvmfsexec_distro> names no "
            "sources to build distributions from"
        )
        if earlier:
            message += (
                f"; the distributions of an earlier build in {built} are not staged either, so "
                "this entry's glideins get no cvmfsexec"
            )
        yield diagnostic_at(
            document.attr_visit(entry, attr),
            "value",
            message,
            "cvmfsexec.unavailable",
            WARNING if earlier else ERROR,
        )


DOCUMENT_RULES: tuple[Callable[[_Document], Iterator[Diagnostic]], ...] = (
    _const_consistency,
    _reserved_params,
    _type_consistency,
    _tarball_coverage,
    _estimated_cpus,
    _entry_names,
    _primary_collectors,
    _cvmfsexec_available,
    _publish_conflicts,
)


# --- runner ------------------------------------------------------------------------------


def check_rules(
    visits: list[Visit],
    language: Language,
    dropin_globals: Mapping[str, tuple[Node, ...]] | None = None,
    *,
    root: Path | None = None,
) -> Iterator[Diagnostic]:
    """Run the context and document rules (element rules run in the shape check).

    ``dropin_globals``: each drop-in's own global attrs, as written (see ``MergedTree``);
    ``root``: the ``--root`` outputs go under (checks of the work dir look there).
    """
    yield from run_context_rules(visits, language, CONTEXT_RULES)
    document = _Document(visits, language, dropin_globals or {}, root)
    for document_rule in DOCUMENT_RULES:
        yield from document_rule(document)

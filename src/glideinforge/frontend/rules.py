"""Rules of the frontend language that JSON Schema cannot express, and their runner.

* ``ELEMENT_RULES`` read only one element's attributes (run by the shape check);
* ``CONTEXT_RULES`` also need the element's place or input files;
* ``HOST_RULES`` need the host or the network (``--host-checks`` only);
* document rules look across elements (groups against globals, match_expr
  against match_attrs, collectors, schedds).

GlideinWMS's messages are kept where it has one; its gaps (checks it defers to
run time, checks its logic slips skip) are closed.
"""

from __future__ import annotations

import ast
import re
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping

from glideinforge.creation.lib.classad import classad_error
from glideinforge.creation.lib.diagnostics import Diagnostic, Severity
from glideinforge.creation.lib.inputs import read_input
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.rule_runner import (
    ContextRule,
    diagnostic_at,
    input_file_findings,
    resolve_input,
    run_context_rules,
)
from glideinforge.creation.lib.shape import ElementRule, Finding, Values
from glideinforge.creation.lib.shared_rules import (
    attr_value,
    collector_node,
    file_names,
    file_time,
)
from glideinforge.creation.lib.walk import Visit

from .match_expr import MatchContext, match_expr_problems

__all__ = ["ELEMENT_RULES", "check_rules"]

ERROR = Severity.ERROR
WARNING = Severity.WARNING
_MAX_POLICY_BYTES = 16 * 1024 * 1024

SINGULARITY_USE = ("DISABLE_GWMS", "NEVER", "OPTIONAL", "PREFERRED", "REQUIRED")
SINGULARITY_ALLOWED = ("OPTIONAL", "PREFERRED", "REQUIRED", "REQUIRED_GWMS")
FAKE_IDENTITIES = {"factory_identity": "factory@fake.org", "my_identity": "me@fake.org"}
_NAME_CHARACTERS = re.compile(r"^[A-Za-z0-9_-]+$")
_TYPE_MODIFIERS = {
    "vm_id": "vm_id",
    "vm_type": "vm_type",
    "username": "remote_username",
    "project_id": "project_id",
}
_DOUBLE_MACRO = re.compile(r"\$\$\(([^()]*)\)")
_RESERVED_ATTRS = {
    "GLIDEIN_Collector": "the frontend sets it from <collectors>",
    "GLIDEIN_CCB": "the frontend sets it from <ccbs>",
}


def _is_true(text: str | None) -> bool:
    return (text or "").lower() == "true"


# --- names -------------------------------------------------------------------------------


def _name_findings(kind: str, name: str | None, attribute: str) -> Iterator[Finding]:
    if name is None:
        return
    if " " in name:
        message = f"Invalid {kind} name '{name}', contains a space."
    elif "." in name:
        message = f"Invalid {kind} name '{name}', contains a point."
    elif not _NAME_CHARACTERS.match(name):
        message = f"Invalid {kind} name '{name}', contains invalid characters."
    else:
        return
    yield attribute, message, f"{kind}.name", ERROR


def _frontend_name(value: Values) -> Iterator[Finding]:
    yield from _name_findings("frontend", value("frontend_name"), "frontend_name")


def _group_name(value: Values) -> Iterator[Finding]:
    name = value("name")
    yield from _name_findings("group", name, "name")
    if name is not None and name.startswith("XPVO"):
        yield (
            "name",
            f"Invalid group name '{name}', starts with reserved sequence 'XPVO'",
            "group.name",
            ERROR,
        )


# --- attrs -------------------------------------------------------------------------------


def _attr_singularity(value: Values) -> Iterator[Finding]:
    if value("name") == "GLIDEIN_Singularity_Use" and value("value") not in SINGULARITY_USE:
        yield (
            "value",
            f'"value" is "{value("value")}": GLIDEIN_Singularity_Use must be one of '
            + ", ".join(SINGULARITY_USE),
            "attr.singularity_use",
            ERROR,
        )


def _attr_published_name(value: Values) -> Iterator[Finding]:
    name = value("name") or ""
    published = _is_true(value("glidein_publish")) or _is_true(value("job_publish"))
    if published and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        yield (
            "name",
            (
                f"attr {name!r} is published to the startd or the job environment, so its name "
                "must be a variable name (letters, digits, '_')"
            ),
            "attr.published_name",
            ERROR,
        )


# --- files -------------------------------------------------------------------------------


def _file_kind(value: Values) -> Iterator[Finding]:
    executable, wrapper, untar = (
        _is_true(value(name)) for name in ("executable", "wrapper", "untar")
    )
    const = _is_true(value("const"))
    if executable and not const:
        yield "const", "A file cannot be executable if it is not constant", "file.const", ERROR
    if (wrapper or untar) and not const:
        yield "const", "wrapper and untar files must be constant", "file.const", ERROR
    if sum((executable, wrapper, untar)) > 1:
        yield (
            None,
            "a file can be only one of executable, wrapper or untar",
            "file.kind",
            ERROR,
        )
    file_type = value("type")
    if executable and file_type is not None and not file_type.startswith("run"):
        yield (
            "type",
            f'"type" is "{file_type}": the type of an executable file must start with "run"',
            "file.type",
            ERROR,
        )
    if (
        executable
        and file_type in ("run:s", "run:singularity")
        and not _is_true(value("after_entry"))
    ):
        yield (
            "type",
            f'"type" is "{file_type}": running in Singularity needs after_entry="True"',
            "file.type",
            ERROR,
        )
    period = value("period") or "0"
    if period.strip().isdigit() and int(period) > 0 and not executable:
        yield (
            "period",
            f'"period" is {period.strip()}: only executables run periodically',
            "file.period",
            ERROR,
        )


def _input_file(visit: Visit, value: Values) -> Iterator[Finding]:
    del visit  # input files depend on the host, not on where the element sits
    absfname = value("absfname")
    if absfname:
        yield from input_file_findings("absfname", absfname)


def _policy_file(visit: Visit, value: Values) -> Iterator[Finding]:
    del visit
    written = value("policy_file")
    if not written:
        return
    path = resolve_input(written)
    try:
        source = read_input(path, _MAX_POLICY_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        yield (
            "policy_file",
            f'"policy_file" {path} cannot be read: {error}',
            "match.policy_file",
            ERROR,
        )
        return
    try:
        ast.parse(source, filename=str(path))
    except SyntaxError as error:
        yield (
            "policy_file",
            f'"policy_file" {path} is not valid Python: {error.msg} at line {error.lineno}',
            "match.policy_file",
            ERROR,
        )


# --- credentials -------------------------------------------------------------------------


def _credential(value: Values) -> Iterator[Finding]:
    if value("absfname") is None and value("generator") is None:
        yield (
            None,
            "All credentials without generator need a absfname!",
            "credential.absfname",
            ERROR,
        )
    credential_type = value("type") or ""
    for modifier, attribute in _TYPE_MODIFIERS.items():
        if modifier in credential_type.split("+") and value(attribute) is None:
            yield (
                None,
                (
                    f"Required attribute '{attribute}' ('{modifier}') missing in credential "
                    f"type '{credential_type}'"
                ),
                "credential.modifier",
                ERROR,
            )
    if (value("pool_idx_len") is None) != (value("pool_idx_list") is None):
        yield None, "pool_idx_len and pool_idx_list go together", "credential.pool", ERROR


# --- collectors, schedds -----------------------------------------------------------------


def _dn_required(what: str, key: str) -> ElementRule:
    def rule(value: Values) -> Iterator[Finding]:
        if not (value("DN") or "").strip() and value(key) != "ALL":
            yield None, f"DN not defined for {what} {value(key)}", "dn.missing", ERROR

    return rule


def _pool_collector(value: Values) -> Iterator[Finding]:
    node = value("node") or ""
    if not _is_true(value("secondary")) and (
        re.search(r":\d+-\d+", node) or re.search(r"sock=[^&]*\d+-\d+", node)
    ):
        yield "node", f"Port range not allowed for this end-point: {node}", "collector.range", ERROR


def _factory_identities(value: Values) -> Iterator[Finding]:
    for attribute, fake in FAKE_IDENTITIES.items():
        if value(attribute) == fake:
            yield (
                attribute,
                f"{attribute} for {value('node')} not set! (i.e. it is fake)",
                "factory_collector.identity",
                ERROR,
            )


# --- expressions -------------------------------------------------------------------------


def _classad(attribute: str) -> ElementRule:
    def rule(value: Values) -> Iterator[Finding]:
        text = value(attribute)
        problem = None if text is None else classad_error(text)
        if problem:
            yield attribute, f'"{attribute}" {problem}: {text}', "classad.syntax", ERROR

    return rule


ELEMENT_RULES: Mapping[str, tuple[ElementRule, ...]] = {
    "frontend": (_frontend_name,),
    "ha_frontend": (_frontend_name,),
    "group": (_group_name,),
    "attr": (attr_value, _attr_singularity, _attr_published_name),
    "global_file": (file_names, file_time, _file_kind),
    "group_file": (file_names, file_time, _file_kind),
    "credential": (_credential,),
    "pool_collector": (
        collector_node,
        _dn_required("pool collector or CCB", "node"),
        _pool_collector,
    ),
    "ccb": (collector_node, _dn_required("pool collector or CCB", "node")),
    "factory_collector": (collector_node, _dn_required("factory", "node"), _factory_identities),
    "schedd": (_dn_required("schedd", "fullname"),),
    "global_match": (_classad("start_expr"),),
    "group_match": (_classad("start_expr"),),
    "match_factory": (_classad("query_expr"),),
    "global_match_job": (_classad("query_expr"),),
    "group_match_job": (_classad("query_expr"),),
}

CONTEXT_RULES: Mapping[str, tuple[ContextRule, ...]] = {
    "global_file": (_input_file,),
    "group_file": (_input_file,),
    "global_match": (_policy_file,),
    "group_match": (_policy_file,),
}


# --- host checks (--host-checks) ---------------------------------------------------------


def _host_file(attribute: str, what: str) -> ContextRule:
    def rule(visit: Visit, value: Values) -> Iterator[Finding]:
        del visit
        written = value(attribute)
        if written and not resolve_input(written).is_file():
            yield attribute, f"{what}({written}) is not a file", "host.missing_file", ERROR

    return rule


def _resolvable(attribute: str) -> ContextRule:
    def rule(visit: Visit, value: Values) -> Iterator[Finding]:
        del visit
        text = value(attribute) or ""
        host = re.split(r"[:?]", text, maxsplit=1)[0]
        if not host or text == "ALL":
            return
        if "@" in host:
            host = host.rsplit("@", 1)[1]
        try:
            socket.getaddrinfo(host, None)
        except OSError:
            yield attribute, f'"{attribute}" host {host!r} is unknown to DNS', "host.dns", ERROR

    return rule


HOST_RULES: Mapping[str, tuple[ContextRule, ...]] = {
    "global_security": (_host_file("classad_proxy", "security.classad_proxy"),),
    "credential": (_host_file("absfname", "credential absfname"),),
    "pool_collector": (_resolvable("node"),),
    "ccb": (_resolvable("node"),),
    "factory_collector": (_resolvable("node"),),
    "schedd": (_resolvable("fullname"),),
}


# --- document rules ----------------------------------------------------------------------


class _Document:
    """The visited elements, grouped for rules that look across elements."""

    def __init__(self, visits: Iterable[Visit], language: Language) -> None:
        self.language = language
        self.by_kind: dict[str, list[Visit]] = defaultdict(list)
        for visit in visits:
            self.by_kind[visit.kind].append(visit)
        self.root = self.by_kind["frontend"][0]

    def value(self, visit: Visit, name: str) -> str | None:
        return self.language.value(visit.node, visit.kind, name)

    def of_kind(self, kind: str, under: Visit | None = None) -> list[Visit]:
        """Visits of ``kind`` whose nearest group (or the root) is ``under``."""
        visits = self.by_kind.get(kind, [])
        if under is None:
            return list(visits)
        return [visit for visit in visits if self.group_of(visit) is under]

    @staticmethod
    def group_of(visit: Visit) -> Visit | None:
        parent = visit.parent
        while parent is not None:
            if parent.kind == "group":
                return parent
            parent = parent.parent
        return None

    def global_of_kind(self, kind: str) -> list[Visit]:
        return [visit for visit in self.by_kind.get(kind, []) if self.group_of(visit) is None]

    def groups(self) -> list[Visit]:
        return list(self.by_kind.get("group", []))

    def names(self, kind: str, group: Visit | None) -> set[str]:
        """Names of ``kind`` items (attrs, match_attrs) global and in ``group``."""
        found = {self.value(visit, "name") or "" for visit in self.global_of_kind(kind)}
        if group is not None:
            found |= {self.value(visit, "name") or "" for visit in self.of_kind(kind, group)}
        return found

    def match_attr_names(self, container: str, group: Visit | None) -> set[str]:
        names = set()
        for visit in self.of_kind("match_attr"):
            owner = self.group_of(visit)
            parent = visit.parent
            if (owner is None or owner is group) and parent and parent.kind.endswith(container):
                names.add(self.value(visit, "name") or "")
        return names


def _required_sections(document: _Document) -> Iterator[Diagnostic]:
    present = {child.tag for child in document.root.node.children}
    for section, why in (
        ("work", "base_dir and base_log_dir"),
        ("stage", "base_dir and web_base_url"),
        ("monitor", "base_dir"),
    ):
        if section not in present:
            yield diagnostic_at(
                document.root,
                None,
                f"missing <{section}> ({why}); GlideinWMS would guess from $HOME and the host name",
                "structure.missing",
            )


def _groups_defined(document: _Document) -> Iterator[Diagnostic]:
    if not document.groups():
        yield diagnostic_at(document.root, None, "No groups defined!", "group.none")


def _reserved_attrs(document: _Document) -> Iterator[Diagnostic]:
    for visit in document.of_kind("attr"):
        name = document.value(visit, "name") or ""
        if name in _RESERVED_ATTRS:
            yield diagnostic_at(
                visit,
                "name",
                f"Attribute {name} cannot be defined by the user ({_RESERVED_ATTRS[name]})",
                "attr.reserved",
            )


def _pool_collectors(document: _Document) -> Iterator[Diagnostic]:
    collectors = document.global_of_kind("pool_collector")
    if not collectors:
        yield diagnostic_at(
            document.root, None, "At least one pool collector is needed", "collector.none"
        )
    elif all(_is_true(document.value(visit, "secondary")) for visit in collectors):
        yield diagnostic_at(
            collectors[0],
            None,
            "Need at least one non-secondary pool collector",
            "collector.primary",
        )


def _high_availability(document: _Document) -> Iterator[Diagnostic]:
    for visit in document.of_kind("high_availability"):
        if _is_true(document.value(visit, "enabled")) and len(document.of_kind("ha_frontend")) != 1:
            yield diagnostic_at(
                visit,
                "enabled",
                "Exactly one master ha_frontend information is needed when running this "
                "frontend in high_availability slave mode.",
                "ha.master",
            )


def _schedds(document: _Document) -> Iterator[Diagnostic]:
    global_schedds = document.global_of_kind("schedd")
    names = [document.value(visit, "fullname") for visit in global_schedds]
    for visit in document.of_kind("schedd"):
        if document.value(visit, "fullname") != "ALL":
            continue
        if document.group_of(visit) is not None:
            yield diagnostic_at(
                visit,
                "fullname",
                'fullname="ALL" is allowed only in the global schedds',
                "schedd.all",
            )
        elif len(names) > 1:
            yield diagnostic_at(
                visit, "fullname", 'fullname="ALL" must be the only global schedd', "schedd.all"
            )
        elif any(document.group_of(other) is not None for other in document.of_kind("schedd")):
            yield diagnostic_at(
                visit,
                "fullname",
                'fullname="ALL" needs every group\'s schedd list to be empty',
                "schedd.all",
            )
    for group in document.groups():
        if not global_schedds and not document.of_kind("schedd", group):
            yield diagnostic_at(
                group,
                None,
                f"group {document.value(group, 'name')} has no schedds (global or its own); "
                "GlideinWMS fails at run time with 'Found empty JobSchedds!'",
                "schedd.none",
            )
        if not document.global_of_kind("factory_collector") and not document.of_kind(
            "factory_collector", group
        ):
            yield diagnostic_at(
                group,
                None,
                f"group {document.value(group, 'name')} has no factory collectors (global or "
                "its own); GlideinWMS fails at run time with 'Found empty FactoryCollectors!'",
                "factory_collector.none",
            )


def _match_context(document: _Document, group: Visit | None) -> MatchContext:
    return MatchContext(
        factory_attrs=document.match_attr_names("match_factory", group),
        job_attrs=document.match_attr_names("match_job", group),
        attrs=document.names("attr", group),
    )


def _match_exprs(document: _Document) -> Iterator[Diagnostic]:
    groups = document.groups()
    for visit in document.of_kind("global_match") + document.of_kind("group_match"):
        expression = document.value(visit, "match_expr") or "True"
        owner = document.group_of(visit)
        contexts: list[Visit | None] = [owner] if owner is not None else [*groups] or [None]
        problems: dict[str, None] = {}
        for group in contexts:
            for problem in match_expr_problems(expression, _match_context(document, group)):
                where = (
                    ""
                    if owner is not None or group is None
                    else (f" (with group {document.value(group, 'name')})")
                )
                problems[problem + where] = None
        label = "global" if owner is None else f"group {document.value(owner, 'name')}"
        for problem in problems:
            yield diagnostic_at(
                visit, "match_expr", f"Invalid {label} match_expr: {problem}", "match.expr"
            )


def _expression_references(document: _Document) -> Iterator[Diagnostic]:
    for kind, attribute in (
        ("match_factory", "query_expr"),
        ("global_match_job", "query_expr"),
        ("group_match_job", "query_expr"),
        ("global_match", "start_expr"),
        ("group_match", "start_expr"),
    ):
        for visit in document.of_kind(kind):
            text = visit.node.attributes.get(attribute, "")
            owner = document.group_of(visit)
            scopes: list[Visit | None] = (
                [owner] if owner is not None else [*document.groups()] or [None]
            )
            for reference in dict.fromkeys(_DOUBLE_MACRO.findall(text)):
                name = reference.split(":", 1)[0]
                missing = [g for g in scopes if name not in document.names("attr", g)]
                if missing:
                    yield diagnostic_at(
                        visit,
                        attribute,
                        f'"{attribute}" refers to $$({reference}) but no attr {name} is defined '
                        "for every group that uses it",
                        "expr.reference",
                    )


def _singularity_wrapper(document: _Document) -> Iterator[Diagnostic]:
    def use(group: Visit | None) -> str | None:
        value = None
        for visit in document.global_of_kind("attr"):
            if document.value(visit, "name") == "GLIDEIN_Singularity_Use":
                value = document.value(visit, "value")
        if group is not None:
            for visit in document.of_kind("attr", group):
                if document.value(visit, "name") == "GLIDEIN_Singularity_Use":
                    value = document.value(visit, "value")
        return value

    def wrapped(visits: list[Visit]) -> bool:
        return any(_is_true(document.value(visit, "wrapper")) for visit in visits)

    global_wrapper = wrapped(document.global_of_kind("global_file"))
    for group in document.groups():
        policy = use(group)
        if policy in SINGULARITY_ALLOWED and not (
            global_wrapper or wrapped(document.of_kind("group_file", group))
        ):
            yield diagnostic_at(
                group,
                None,
                f"Error: group {document.value(group, 'name')} allows Singularity ({policy}) "
                "but has no wrapper file in the files list",
                "group.singularity_wrapper",
            )


_DOCUMENT_RULES: tuple[Callable[[_Document], Iterator[Diagnostic]], ...] = (
    _required_sections,
    _groups_defined,
    _reserved_attrs,
    _pool_collectors,
    _high_availability,
    _schedds,
    _match_exprs,
    _expression_references,
    _singularity_wrapper,
)


def check_rules(
    visits: list[Visit], language: Language, *, host_checks: bool = False
) -> Iterator[Diagnostic]:
    """Run the context rules, the document rules and, if asked, the host checks."""
    yield from run_context_rules(visits, language, CONTEXT_RULES)
    if host_checks:
        yield from run_context_rules(visits, language, HOST_RULES)
    if not visits:
        return
    document = _Document(visits, language)
    for rule in _DOCUMENT_RULES:
        yield from rule(document)

"""Element checks: the JSON Schema shape plus per-element semantic rules.

Values are validated with ``jsonschema`` against each attribute's property
schema. The required/known attribute sets come straight from the same
schema's ``required``, ``properties`` and ``additionalProperties: false``.
The language's per-element rules (those that read only the element's own
attributes) run here too. Results are cached per distinct element and per
value: real factories repeat the same elements thousands of times, and this
keeps validation linear and cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Severity
from .language import KindSpec, Language, ListSpec
from .walk import Visit
from .xml_tree import Node

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["ElementRule", "Finding", "ShapeChecker", "Values", "suggest"]

_ANNOTATIONS = frozenset(
    {
        "description",
        "default",
        "title",
        "deprecated",
        "x-message",
        "x-severity",
        "x-code",
        "$comment",
        "type",
    }
)
_SHOWN_VALUE_LENGTH = 60

Finding = tuple[str | None, str, str, Severity]
"""(attribute name or None, message, code, severity) of one problem of an element."""

Values = Callable[[str], "str | None"]
"""An element's attribute value, or its schema default."""

ElementRule = Callable[[Values], Iterator[Finding]]
"""A rule that reads only its element's attributes."""


WARNING = Severity.WARNING

_PropertyCheck = tuple[Callable[[str], bool] | None, bool]
"""(quick acceptance test or None when any string passes, legacy attribute?)."""


def _never(value: str) -> bool:
    del value
    return False


def _text_problems(name: str, value: str) -> Iterator[Finding]:
    """Problems any attribute value can have: line breaks, non-latin-1 text."""
    if "\n" in value or "\r" in value:
        yield (
            name,
            (
                f'value of "{name}" contains a line break, which would break the '
                "line-based staged files"
            ),
            "value.newline",
            Severity.ERROR,
        )
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        yield (
            name,
            (f'value of "{name}" has characters outside latin-1, the encoding of the staged files'),
            "value.encoding",
            Severity.ERROR,
        )


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate ``name`` most likely misspells (any case), or None."""
    options = list(candidates)
    lowered = {option.lower(): option for option in options}
    match = lowered.get(name.lower())
    if match is None:
        import difflib  # noqa: PLC0415 - only a misspelt name needs it

        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        match = close[0] if close else None
    return match


def suggest(name: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean "x"?)`` for the closest candidate, or ''."""
    match = closest(name, candidates)
    return f' (did you mean "{match}"?)' if match else ""


def _shown(value: str) -> str:
    if len(value) > _SHOWN_VALUE_LENGTH:
        value = value[: _SHOWN_VALUE_LENGTH - 3] + "..."
    return value.replace("\n", "\\n").replace("\r", "\\r")


class ShapeChecker:
    """Checks elements against the schema; one instance per language."""

    def __init__(
        self, language: Language, element_rules: Mapping[str, tuple[ElementRule, ...]]
    ) -> None:
        """Start with empty caches; the jsonschema validator is built when first needed."""
        self._language = language
        self._element_rules = element_rules
        schema = language.schema
        self._validator: Validator | None = None
        self._element_cache: dict[tuple[Any, ...], tuple[Finding, ...]] = {}
        self._value_cache: dict[tuple[str, str, str], tuple[Finding, ...]] = {}
        self._checks: dict[str, dict[str, _PropertyCheck]] = {}
        # GlideinWMS's frontend refuses what it does not know; its factory ignores it.
        refused = schema.get("x-unknown") == "error"
        self._unknown_severity = Severity.ERROR if refused else Severity.WARNING
        self._unknown_note = ": GlideinWMS refuses unknown parameters" if refused else ""
        # Tags GlideinWMS reads with a class of their own wherever they are, and list tags.
        self._unreadable_tags = frozenset(
            (
                *schema.get("x-classed-tags", ()),
                *(tag for kind in language.kinds.values() for tag in kind.lists),
            )
        )

    def check(self, visits: Iterable[Visit]) -> Iterator[Diagnostic]:
        """Yield every shape problem of the visited elements."""
        kinds = self._language.kinds
        for visit in visits:
            spec = kinds[visit.kind]
            node = visit.node
            key = (visit.kind, tuple(node.attributes.items()))
            problems = self._element_cache.get(key)
            if problems is None:
                problems = (
                    *self._attribute_problems(spec, node.attributes),
                    *self._rule_findings(spec, node.attributes),
                )
                self._element_cache[key] = problems
            for attribute, message, code, severity in problems:
                if attribute is None:
                    yield Diagnostic(node.source, visit.path, message, code, severity)
                else:
                    yield Diagnostic(
                        node.attribute_source(attribute),
                        visit.attribute_path(attribute),
                        message,
                        code,
                        severity,
                    )
            if node.children:
                yield from self._child_problems(visit, spec)

    def _rule_findings(self, spec: KindSpec, attributes: Mapping[str, str]) -> Iterator[Finding]:
        rules = self._element_rules.get(spec.name, ())
        if not rules:
            return
        defaults = spec.defaults

        def value(name: str) -> str | None:
            found = attributes.get(name)
            return defaults.get(name) if found is None else found

        for rule in rules:
            yield from rule(value)

    def _attribute_problems(
        self, spec: KindSpec, attributes: Mapping[str, str]
    ) -> Iterator[Finding]:
        checks = self._property_checks(spec)
        for name in spec.required:
            if name not in attributes:
                yield (
                    None,
                    f'missing required attribute "{name}"',
                    "schema.required",
                    Severity.ERROR,
                )
        for name, value in attributes.items():
            check = checks.get(name)
            if check is None:
                yield self._unknown_attribute(spec, name, attributes)
                continue
            if not value.isascii() or "\n" in value or "\r" in value:
                yield from _text_problems(name, value)
            accept, deprecated = check
            if deprecated:
                yield name, f'legacy attribute "{name}" is ignored', "legacy.attribute", WARNING
            if accept is None or accept(value):
                continue
            yield from self._value_errors(spec, name, value)

    def _unknown_attribute(
        self, spec: KindSpec, name: str, attributes: Mapping[str, str]
    ) -> Finding:
        """Report an unknown attribute; an error when it stands for an unset defaulted one.

        ``gridtyp="batch slurm"`` beside no ``gridtype`` would publish the default
        (``condor``) without a word: what the operator meant silently loses.
        """
        meant = closest(name, spec.attributes)
        if meant is not None and meant not in attributes and meant in spec.defaults:
            message = (
                f'unknown attribute "{name}" (did you mean "{meant}"?): "{meant}" is not set, '
                f'so its default "{spec.defaults[meant]}" would be used instead'
            )
            return (
                name,
                message,
                "unknown.attribute_shadows_default",
                Severity.ERROR,
            )
        hint = "" if meant is None else f' (did you mean "{meant}"?)'
        message = f'unknown attribute "{name}"{hint}{self._unknown_note}'
        return name, message, "unknown.attribute", self._unknown_severity

    def _property_checks(self, spec: KindSpec) -> dict[str, _PropertyCheck]:
        """Return, per attribute of ``spec``, its quick acceptance test and legacy flag."""
        checks = self._checks.get(spec.name)
        if checks is None:
            checks = {
                name: (self._quick_accept(prop), name in spec.deprecated)
                for name, prop in spec.attributes.items()
            }
            self._checks[spec.name] = checks
        return checks

    def _jsonschema(self) -> Validator:
        """Return the jsonschema validator, built (and jsonschema loaded) on first use.

        Values the quick checks accept never need it: a valid edit of one entry
        is checked without loading jsonschema.
        """
        if self._validator is None:
            from jsonschema import validators  # noqa: PLC0415 - loaded when a value needs it

            schema = self._language.schema
            self._validator = validators.validator_for(schema)(schema)
        return self._validator

    def _value_errors(self, spec: KindSpec, name: str, value: str) -> tuple[Finding, ...]:
        """Validate one value with jsonschema, caching the findings."""
        key = (spec.name, name, value)
        cached = self._value_cache.get(key)
        if cached is not None:
            return cached
        prop = spec.attributes[name]
        found: list[Finding] = []
        for error in self._jsonschema().evolve(schema=prop).iter_errors(value):
            sub = error.schema if isinstance(error.schema, Mapping) else {}
            explanation = prop.get("x-message") or sub.get("x-message")
            # The property may soften (or name) what the definition it uses reports.
            level = prop.get("x-severity", sub.get("x-severity"))
            severity = Severity.WARNING if level == "warning" else Severity.ERROR
            code = prop.get("x-code") or sub.get("x-code") or f"schema.{error.validator}"
            hint = ""
            if error.validator == "enum":
                values = error.validator_value
                choices = [str(choice) for choice in values] if isinstance(values, list) else []
                explanation = explanation or "must be one of " + ", ".join(
                    f'"{choice}"' for choice in choices
                )
                hint = suggest(value, choices)
            message = f'"{name}" is "{_shown(value)}": {explanation or error.message}{hint}'
            found.append((name, message, code, severity))
        result = tuple(found)
        self._value_cache[key] = result
        return result

    def _quick_accept(self, prop: Mapping[str, Any]) -> Callable[[str], bool] | None:
        """Return a quick acceptance test of a property, or None when any string passes.

        For properties made only of ``pattern``, ``enum`` and ``maxLength`` (and
        ``allOf`` lists of such) it applies exactly those keywords' JSON Schema
        meaning (``re.search``, membership, length); other schemas always go
        through jsonschema. A value it rejects goes through jsonschema too, which
        then produces the message.
        """
        tests = self._simple_tests(prop)
        if tests is None:
            return _never
        if not tests:
            return None

        def accept(value: str) -> bool:
            return all(test(value) for test in tests)

        return accept

    def _simple_tests(self, prop: Mapping[str, Any]) -> list[Callable[[str], bool]] | None:
        """Return the tests a simple string schema makes (None: the schema is not simple)."""
        resolved = self._language.resolved(prop)
        if resolved.get("type", "string") != "string":
            return None
        extra = set(resolved) - _ANNOTATIONS
        if extra - {"pattern", "enum", "maxLength", "allOf"}:
            return None
        tests: list[Callable[[str], bool]] = []
        if "pattern" in resolved:
            tests.append(re.compile(resolved["pattern"]).search)  # type: ignore[arg-type]
        if "enum" in resolved:
            tests.append(frozenset(resolved["enum"]).__contains__)
        if "maxLength" in resolved:
            limit = int(resolved["maxLength"])
            tests.append(lambda value: len(value) <= limit)
        for sub in resolved.get("allOf", ()):
            found = self._simple_tests(sub)
            if found is None:
                return None
            tests.extend(found)
        return tests

    def _child_problems(self, visit: Visit, spec: KindSpec) -> Iterator[Diagnostic]:
        node = visit.node
        seen: set[str] = set()
        for child in node.children:
            tag = child.tag
            if tag in spec.singletons or tag in spec.lists:
                if tag in seen:
                    count = sum(1 for other in node.children if other.tag == tag)
                    yield Diagnostic(
                        child.source,
                        f"{visit.path}/{tag}",
                        f"<{tag}> appears {count} times in <{node.tag}>; only the last is "
                        "read, as GlideinWMS reads it",
                        "structure.repeated",
                        Severity.WARNING,
                    )
                seen.add(tag)
                if tag in spec.lists:
                    yield from self._list_problems(visit, child, spec.lists[tag])
                continue
            hint = suggest(tag, spec.singletons.keys() | spec.lists.keys())
            if tag in spec.attributes:
                message = f"<{tag}> is an attribute of <{node.tag}>, not an element"
            else:
                message = f"unknown element <{tag}> in <{node.tag}>{hint}"
            yield Diagnostic(
                child.source,
                f"{visit.path}/{tag}",
                message + self._unknown_note,
                "unknown.element",
                self._unknown_severity,
            )

    def _list_problems(
        self, visit: Visit, container: Node, list_spec: ListSpec
    ) -> Iterator[Diagnostic]:
        # The frontend's XML reader pairs plural and singular tags (see its schema).
        heuristic = bool(self._language.schema.get("x-plural-heuristic"))
        path = f"{visit.path}/{container.tag}"
        yield from _container_attribute_problems(container, path, heuristic=heuristic)
        if heuristic and list_spec.merge_key != ("name",):
            yield from _named_item_problems(container, path)
        yield from _item_tag_problems(container, path, list_spec, self._unreadable_tags)
        if visit.container:  # lists inside list items are not merged; check them here
            key_name = list_spec.merge_key[0]
            for item, diagnosis in list_spec.duplicates(container.children):
                step = f"[@{key_name}='{item.attributes[key_name]}']"
                yield Diagnostic(
                    item.source,
                    f"{path}/{item.tag}{step}",
                    diagnosis.message,
                    "structure.duplicate" if diagnosis.conflicting else "structure.repeated_item",
                    Severity.ERROR if diagnosis.conflicting else Severity.WARNING,
                )


def _container_attribute_problems(
    container: Node, path: str, *, heuristic: bool
) -> Iterator[Diagnostic]:
    """Attributes on a list container: ignored by the factory, refused by the frontend."""
    for name in container.attributes:
        if name == "comment" and not heuristic:
            continue  # documentation; GlideinWMS ignores it there
        if heuristic:
            message = (
                f'attribute "{name}" on list <{container.tag}>: GlideinWMS then reads the list '
                "as a dictionary and refuses it (... not a list); put a comment in <!-- -->"
            )
        else:
            message = f'unknown attribute "{name}" on list <{container.tag}>; it is ignored'
        yield Diagnostic(
            container.source,
            f"{path}/@{name}",
            message,
            "structure.container_attribute" if heuristic else "unknown.attribute",
            Severity.ERROR if heuristic else Severity.WARNING,
        )


def _named_item_problems(container: Node, path: str) -> Iterator[Diagnostic]:
    """Report a ``name`` on items of a list the frontend reads as a list (not keyed by name)."""
    for item in container.children:
        if "name" in item.attributes:
            yield Diagnostic(
                item.source,
                f"{path}/{item.tag}/@name",
                (
                    f'<{item.tag}> in <{container.tag}> may not have a "name": GlideinWMS '
                    "then reads the list as a dictionary and refuses it (... not a list)"
                ),
                "structure.item_name",
            )


def _item_tag_problems(
    container: Node, path: str, list_spec: ListSpec, unreadable: frozenset[str]
) -> Iterator[Diagnostic]:
    """Items of another tag: read as the list's item kind, or as their own (x-other-items).

    An item GlideinWMS reads with its own tag's class (``unreadable`` tags) or in
    a list whose items it reads so (``strict_items``) is an error.
    """
    other_tags = {tag: key for tag, _, key in list_spec.other_items}
    for item in container.children:
        key = other_tags.get(item.tag)
        if key is not None:
            step = f"[@{key}='{item.attributes[key]}']" if key in item.attributes else ""
            yield Diagnostic(
                item.source,
                f"{path}/{item.tag}{step}",
                (
                    f"<{item.tag}> directly in <{container.tag}> is read as a plain "
                    f"{item.tag}, as GlideinWMS reads it; move it to its own list"
                ),
                "structure.other_item",
                Severity.WARNING,
            )
        elif item.tag != list_spec.item_tag and (list_spec.strict_items or item.tag in unreadable):
            yield Diagnostic(
                item.source,
                f"{path}/{item.tag}",
                f"<{container.tag}> holds <{list_spec.item_tag}> elements; GlideinWMS cannot "
                f"publish an <{item.tag}> there{suggest(item.tag, [list_spec.item_tag])}",
                "structure.item_tag",
            )
        elif item.tag != list_spec.item_tag:
            yield Diagnostic(
                item.source,
                f"{path}/{item.tag}",
                f"<{container.tag}> holds <{list_spec.item_tag}> elements; <{item.tag}> is read "
                "as one",
                "structure.item_tag",
                Severity.WARNING,
            )

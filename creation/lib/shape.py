"""Shape checks of an element tree against its JSON Schema.

Values are validated with ``jsonschema`` against each attribute's property
schema. The required/known attribute sets come straight from the same
schema's ``required``, ``properties`` and ``additionalProperties: false``.
Results are cached per element and per value: real factories repeat the same
elements thousands of times, and this keeps validation linear and cheap.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jsonschema import validators

from .diagnostics import Diagnostic, Severity
from .language import KindSpec, Language
from .walk import Visit
from .xml_tree import Node

__all__ = ["ShapeChecker", "suggest"]

_ANNOTATIONS = frozenset(
    {"description", "default", "title", "deprecated", "x-message", "x-severity", "$comment", "type"}
)
_SHOWN_VALUE_LENGTH = 60

_Problem = tuple[str | None, str, str, Severity]
"""(attribute name or None, message, code, severity) of one cached finding."""


def suggest(name: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean "x"?)`` for the closest candidate, or ''."""
    options = list(candidates)
    lowered = {option.lower(): option for option in options}
    match = lowered.get(name.lower())
    if match is None:
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        match = close[0] if close else None
    return f' (did you mean "{match}"?)' if match else ""


def _shown(value: str) -> str:
    if len(value) > _SHOWN_VALUE_LENGTH:
        value = value[: _SHOWN_VALUE_LENGTH - 3] + "..."
    return value.replace("\n", "\\n").replace("\r", "\\r")


class ShapeChecker:
    """Checks elements against the schema; one instance per language."""

    def __init__(self, language: Language) -> None:
        """Build the jsonschema validator once; caches start empty."""
        self._language = language
        schema = language.schema
        self._validator = validators.validator_for(schema)(schema)
        self._element_cache: dict[tuple[Any, ...], tuple[_Problem, ...]] = {}
        self._value_cache: dict[tuple[str, str, str], tuple[_Problem, ...]] = {}
        self._trivial: dict[tuple[str, str], bool] = {}

    def check(self, visits: Iterable[Visit]) -> Iterator[Diagnostic]:
        """Yield every shape problem of the visited elements."""
        kinds = self._language.kinds
        for visit in visits:
            spec = kinds[visit.kind]
            node = visit.node
            key = (visit.kind, tuple(node.attributes.items()))
            problems = self._element_cache.get(key)
            if problems is None:
                problems = tuple(self._attribute_problems(spec, node.attributes))
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

    def _attribute_problems(
        self, spec: KindSpec, attributes: Mapping[str, str]
    ) -> Iterator[_Problem]:
        for name in spec.required:
            if name not in attributes:
                yield (
                    None,
                    f'missing required attribute "{name}"',
                    "schema.required",
                    Severity.ERROR,
                )
        for name, value in attributes.items():
            prop = spec.attributes.get(name)
            if prop is None:
                hint = suggest(name, spec.attributes)
                yield (
                    name,
                    f'unknown attribute "{name}"{hint}',
                    "unknown.attribute",
                    Severity.WARNING,
                )
                continue
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
            if not value.isascii():
                try:
                    value.encode("latin-1")
                except UnicodeEncodeError:
                    yield (
                        name,
                        (
                            f'value of "{name}" has characters outside latin-1, the encoding of '
                            "the staged files"
                        ),
                        "value.encoding",
                        Severity.ERROR,
                    )
            if name in spec.deprecated:
                yield (
                    name,
                    (f'legacy attribute "{name}" is ignored'),
                    "legacy.attribute",
                    Severity.WARNING,
                )
            yield from self._value_problems(spec, name, value)

    def _value_problems(self, spec: KindSpec, name: str, value: str) -> tuple[_Problem, ...]:
        if self._is_trivial(spec, name):
            return ()
        key = (spec.name, name, value)
        cached = self._value_cache.get(key)
        if cached is not None:
            return cached
        prop = spec.attributes[name]
        severity = Severity.WARNING if prop.get("x-severity") == "warning" else Severity.ERROR
        found: list[_Problem] = []
        for error in self._validator.evolve(schema=prop).iter_errors(value):
            sub = error.schema if isinstance(error.schema, Mapping) else {}
            explanation = sub.get("x-message") or prop.get("x-message")
            hint = ""
            if error.validator == "enum":
                choices = [str(choice) for choice in error.validator_value]
                explanation = explanation or "must be one of " + ", ".join(
                    f'"{choice}"' for choice in choices
                )
                hint = suggest(value, choices)
            message = f'"{name}" is "{_shown(value)}": {explanation or error.message}{hint}'
            found.append((name, message, f"schema.{error.validator}", severity))
        result = tuple(found)
        self._value_cache[key] = result
        return result

    def _is_trivial(self, spec: KindSpec, name: str) -> bool:
        """Return True when the property accepts any string (nothing to validate)."""
        key = (spec.name, name)
        trivial = self._trivial.get(key)
        if trivial is None:
            prop = self._resolve(spec.attributes[name])
            trivial = prop.get("type") == "string" and not (set(prop) - _ANNOTATIONS)
            self._trivial[key] = trivial
        return trivial

    def _resolve(self, prop: Mapping[str, Any]) -> Mapping[str, Any]:
        merged = dict(prop)
        while "$ref" in merged:
            target = merged.pop("$ref").rsplit("/", 1)[-1]
            merged = {**self._language.schema["$defs"][target], **merged}
        return merged

    def _child_problems(self, visit: Visit, spec: KindSpec) -> Iterator[Diagnostic]:
        node = visit.node
        counts = Counter(child.tag for child in node.children)
        seen: set[str] = set()
        for child in node.children:
            tag = child.tag
            child_path = f"{visit.path}/{tag}"
            if tag in spec.singletons or tag in spec.lists:
                if counts[tag] > 1 and tag in seen:
                    yield Diagnostic(
                        child.source,
                        child_path,
                        f"<{tag}> appears {counts[tag]} times in <{node.tag}>; "
                        "it may appear once (GlideinWMS would silently keep only the last)",
                        "structure.repeated",
                    )
                seen.add(tag)
                if tag in spec.lists:
                    yield from self._list_problems(child, child_path, spec.lists[tag].item_tag)
                continue
            hint = suggest(tag, spec.singletons.keys() | spec.lists.keys())
            if tag in spec.attributes:
                message = f"<{tag}> is an attribute of <{node.tag}>, not an element"
            else:
                message = f"unknown element <{tag}> in <{node.tag}>{hint}"
            yield Diagnostic(child.source, child_path, message, "unknown.element", Severity.WARNING)

    @staticmethod
    def _list_problems(container: Node, path: str, item_tag: str) -> Iterator[Diagnostic]:
        for name in container.attributes:
            yield Diagnostic(
                container.source,
                f"{path}/@{name}",
                f'unknown attribute "{name}" on list <{container.tag}>',
                "unknown.attribute",
                Severity.WARNING,
            )
        for item in container.children:
            if item.tag != item_tag:
                yield Diagnostic(
                    item.source,
                    f"{path}/{item.tag}",
                    f"<{container.tag}> holds <{item_tag}> elements; <{item.tag}> is read as one",
                    "structure.item_tag",
                    Severity.WARNING,
                )

"""Running a language's context rules, and helpers rules of both languages share.

A context rule reads one element's attributes (with schema defaults) and its
place in the tree; it yields findings ``(attribute or None, message, code,
severity)``, which become diagnostics pointing at the element or attribute.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from .diagnostics import Diagnostic, Severity
from .inputs import input_problem
from .language import Language
from .paths import absolute
from .shape import Finding, Values
from .walk import Visit

__all__ = ["ContextRule", "diagnostic_at", "input_file_findings", "run_context_rules"]

ContextRule = Callable[[Visit, Values], Iterator[Finding]]
"""A rule that also needs the element's place in the tree or the host."""


def diagnostic_at(
    visit: Visit,
    attribute: str | None,
    message: str,
    code: str,
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    """Return a diagnostic located at ``visit``'s element, or at one of its attributes."""
    if attribute is None:
        return Diagnostic(visit.node.source, visit.path, message, code, severity)
    return Diagnostic(
        visit.node.attribute_source(attribute),
        visit.attribute_path(attribute),
        message,
        code,
        severity,
    )


def run_context_rules(
    visits: Iterable[Visit],
    language: Language,
    rules: Mapping[str, tuple[ContextRule, ...]],
) -> Iterator[Diagnostic]:
    """Run each visited element's context rules."""
    for visit in visits:
        context_rules = rules.get(visit.kind)
        if not context_rules:
            continue
        attributes = visit.node.attributes
        defaults = language.kinds[visit.kind].defaults

        def value(
            name: str,
            attributes: Mapping[str, str] = attributes,
            defaults: Mapping[str, str] = defaults,
        ) -> str | None:
            found = attributes.get(name)
            return defaults.get(name) if found is None else found

        for context_rule in context_rules:
            for attribute, message, code, severity in context_rule(visit, value):
                yield diagnostic_at(visit, attribute, message, code, severity)


def resolve_input(written: str) -> Path:
    """Return the input path an attribute names; a relative one starts at the working dir.

    That is where GlideinWMS looks for it (validation warns about relative paths).
    """
    return absolute(written)


def input_file_findings(attribute: str, written: str) -> Iterator[Finding]:
    """Report a staged input file (``absfname``, ``tar_file``) that cannot be read as one.

    Staged files are served by the web server to anyone: one that others may not
    read (``/etc/shadow``, a private key) is a warning.
    """
    path = resolve_input(written)
    if not path.exists():
        yield (
            attribute,
            f'"{attribute}" file {path} does not exist or is not a file',
            "host.missing_file",
            Severity.ERROR,
        )
        return
    problem = input_problem(path)
    if problem is not None:
        yield attribute, f'"{attribute}" file {problem}', "host.input_file", Severity.ERROR
    elif not path.stat().st_mode & stat.S_IROTH:
        mode = stat.S_IMODE(path.stat().st_mode)
        yield (
            attribute,
            (
                f'"{attribute}" file {path} is not readable by others (mode {mode:04o}): '
                "staging it publishes it on the web server, readable by anyone"
            ),
            "host.private_file",
            Severity.WARNING,
        )

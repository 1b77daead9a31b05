"""Load a factory configuration: read, merge, check, and build the model."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from glideinforge.creation.lib.config_files import ConfigFiles
from glideinforge.creation.lib.diagnostics import (
    Diagnostic,
    DiagnosticsSummary,
    sort_diagnostics,
)
from glideinforge.creation.lib.gc_pause import paused_gc
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.merge import MergedTree, read_merged_tree
from glideinforge.creation.lib.positions import pinpoint
from glideinforge.creation.lib.shape import ShapeChecker
from glideinforge.creation.lib.walk import walk
from glideinforge.creation.lib.xml_tree import Node, ParsedHook
from glideinforge.frozen import frozen
from glideinforge.schemas import load_schema

from .build import build_factory
from .element_rules import ENTRY_KINDS
from .model import Factory
from .rules import ELEMENT_RULES, check_rules

__all__ = [
    "CheckResult",
    "LoadResult",
    "build_checked",
    "check_factory",
    "check_merged",
    "factory_language",
    "load_factory",
]


def factory_language() -> Language:
    """Return the factory language, derived from ``factory.schema.json`` (about a millisecond)."""
    return Language(load_schema("factory"))


@frozen
class CheckResult(DiagnosticsSummary):
    """What checking found: every diagnostic, sorted, the merged tree and its language."""

    diagnostics: tuple[Diagnostic, ...]
    files: ConfigFiles
    root: Node | None
    entry_count: int
    language: Language = field(compare=False, repr=False)


@frozen
class LoadResult:
    """A check result plus the model (None when the configuration is invalid)."""

    check: CheckResult
    factory: Factory | None

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic, sorted."""
        return self.check.diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that make the configuration invalid."""
        return self.check.errors

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics that do not."""
        return self.check.warnings

    @property
    def valid(self) -> bool:
        """Return True when the model was built."""
        return self.factory is not None


def check_factory(
    path: Path,
    strict: bool = False,
    *,
    root: Path | None = None,
    on_parsed: ParsedHook | None = None,
) -> CheckResult:
    """Read ``path`` and its ``config.d`` drop-ins and report every problem.

    Args:
        path: the main factory XML file.
        strict: report warnings (legacy and unknown things) as errors.
        root: the ``--root`` the outputs will be re-rooted under (checks of the
            work dir's state look there).
        on_parsed: told each file that parses, with its bytes and element tree.

    Returns:
        Every diagnostic, sorted by file and line, and the merged tree.
    """
    with paused_gc():
        language = factory_language()
        merged = read_merged_tree(path, language, on_parsed=on_parsed)
        return check_merged(merged, strict, root=root, language=language)


def check_merged(
    merged: MergedTree,
    strict: bool = False,
    *,
    root: Path | None = None,
    language: Language | None = None,
) -> CheckResult:
    """Report every problem of an already merged configuration (see ``check_factory``)."""
    with paused_gc():
        language = language or factory_language()
        diagnostics = list(merged.diagnostics)
        entry_count = 0
        if merged.root is not None:
            visits = list(walk(merged.root, language))
            diagnostics.extend(ShapeChecker(language, ELEMENT_RULES).check(visits))
            diagnostics.extend(check_rules(visits, language, merged.dropin_globals, root=root))
            entry_count = sum(1 for visit in visits if visit.kind in ENTRY_KINDS)
        if strict:
            diagnostics = [item.as_error() for item in diagnostics]  # notes stay notes
        return CheckResult(
            tuple(sort_diagnostics(pinpoint(diagnostics), [str(f) for f in merged.files.all()])),
            merged.files,
            merged.root,
            entry_count,
            language,
        )


def load_factory(
    path: Path,
    strict: bool = False,
    *,
    root: Path | None = None,
    on_parsed: ParsedHook | None = None,
) -> LoadResult:
    """Check a factory configuration and, when it is valid, build its model.

    Args:
        path: the main factory XML file.
        strict: report warnings (legacy and unknown things) as errors.
        root: the ``--root`` outputs go under (see ``check_factory``).
        on_parsed: told each file that parses (see ``check_factory``).

    Returns:
        The check result and the model (None when there is an error).
    """
    return build_checked(check_factory(path, strict, root=root, on_parsed=on_parsed))


def build_checked(check: CheckResult) -> LoadResult:
    """Build the model of a checked configuration (None when it has an error)."""
    if not check.valid or check.root is None:
        return LoadResult(check, None)
    with paused_gc():
        factory = build_factory(check.root, check.language, check.files.all())
    return LoadResult(check, factory)

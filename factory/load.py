"""Load a factory configuration: read, merge, check, and build the model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from glideinforge.creation.lib.diagnostics import Diagnostic, Severity, sort_diagnostics
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.merge import ConfigFiles, read_merged_tree
from glideinforge.creation.lib.shape import ShapeChecker
from glideinforge.creation.lib.walk import walk
from glideinforge.schemas import load_schema

from .build import build_factory
from .model import Factory
from .rules import check_rules

__all__ = ["LoadResult", "factory_language", "load_factory"]


@cache
def factory_language() -> Language:
    """Return the factory language, derived once from ``factory.schema.json``."""
    return Language(load_schema("factory"))


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading found: the model (None when there are errors) and diagnostics."""

    factory: Factory | None
    diagnostics: tuple[Diagnostic, ...]
    files: ConfigFiles

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that make the configuration invalid."""
        return [item for item in self.diagnostics if item.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics that do not."""
        return [item for item in self.diagnostics if item.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        """True when there is no error."""
        return self.factory is not None


def load_factory(path: Path, strict: bool = False) -> LoadResult:
    """Read ``path`` and its ``config.d`` drop-ins and validate everything.

    Args:
        path: the main factory XML file.
        strict: report warnings (legacy and unknown things) as errors.

    Returns:
        The model when there is no error, and every diagnostic, sorted.
    """
    language = factory_language()
    merged = read_merged_tree(path, language)
    diagnostics = list(merged.diagnostics)
    if merged.root is not None:
        visits = list(walk(merged.root, language))
        diagnostics.extend(ShapeChecker(language).check(visits))
        diagnostics.extend(check_rules(visits, language))
    if strict:
        diagnostics = [item.as_error() for item in diagnostics]
    ordered = sort_diagnostics(diagnostics)
    factory = None
    if merged.root is not None and not any(item.severity is Severity.ERROR for item in ordered):
        factory = build_factory(merged.root, language, merged.files.all())
    return LoadResult(factory, tuple(ordered), merged.files)

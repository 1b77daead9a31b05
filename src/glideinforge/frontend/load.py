"""Load a frontend configuration: read, check, and build the model."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from glideinforge.creation.lib.config_files import ConfigFiles
from glideinforge.creation.lib.diagnostics import (
    Diagnostic,
    DiagnosticsSummary,
    sort_diagnostics,
)
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.merge import read_merged_tree
from glideinforge.creation.lib.positions import pinpoint
from glideinforge.creation.lib.shape import ShapeChecker
from glideinforge.creation.lib.walk import walk
from glideinforge.creation.lib.xml_tree import Node
from glideinforge.frozen import frozen
from glideinforge.schemas import load_schema

from .build import build_frontend
from .model import Frontend
from .rules import ELEMENT_RULES, check_rules

__all__ = ["FrontendCheck", "FrontendLoad", "check_frontend", "frontend_language", "load_frontend"]


def frontend_language() -> Language:
    """Return the frontend language, derived from ``frontend.schema.json`` (about a millisecond)."""
    return Language(load_schema("frontend"))


@frozen
class FrontendCheck(DiagnosticsSummary):
    """Every diagnostic of a frontend configuration, sorted, and its tree."""

    diagnostics: tuple[Diagnostic, ...]
    files: ConfigFiles
    root: Node | None
    group_count: int
    language: Language = field(compare=False, repr=False)


@frozen
class FrontendLoad:
    """A check plus the model (None when the configuration is invalid)."""

    check: FrontendCheck
    frontend: Frontend | None

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that make the configuration invalid."""
        return self.check.errors


def check_frontend(path: Path, *, strict: bool = False, host_checks: bool = False) -> FrontendCheck:
    """Read ``path`` and report every problem.

    Args:
        path: the frontend XML file.
        strict: report warnings as errors.
        host_checks: also run the checks that need this host or the network
            (credential and proxy files, DNS).
    """
    language = frontend_language()
    tree = read_merged_tree(path, language, dropins=False)
    diagnostics = list(tree.diagnostics)
    groups = 0
    if tree.root is not None:
        visits = list(walk(tree.root, language))
        diagnostics.extend(ShapeChecker(language, ELEMENT_RULES).check(visits))
        diagnostics.extend(check_rules(visits, language, host_checks=host_checks))
        groups = sum(1 for visit in visits if visit.kind == "group")
    if strict:
        diagnostics = [item.as_error() for item in diagnostics]  # notes stay notes
    return FrontendCheck(
        tuple(sort_diagnostics(pinpoint(diagnostics), [str(path)])),
        tree.files,
        tree.root,
        groups,
        language,
    )


def load_frontend(path: Path, *, strict: bool = False, host_checks: bool = False) -> FrontendLoad:
    """Check a frontend configuration and, when it is valid, build its model."""
    check = check_frontend(path, strict=strict, host_checks=host_checks)
    if not check.valid or check.root is None:
        return FrontendLoad(check, None)
    return FrontendLoad(check, build_frontend(check.root, check.language, path))

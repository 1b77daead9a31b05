"""Turn a loaded configuration into a command's model, or into the errors it prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

from glideinforge.creation.lib.diagnostics import Diagnostic, Severity

from .cli_common import output_root
from .report import print_diagnostics, print_line

__all__ = ["loaded_for_command"]

Model = TypeVar("Model")


def loaded_for_command(
    args: argparse.Namespace,
    stderr: TextIO,
    loaded: tuple[Model | None, Sequence[Diagnostic]],
    reroot: Callable[[Model, Path], Model],
    *,
    report_warnings: bool = False,
) -> Model | None:
    """Return a loaded model (re-rooted under ``--root``), or print every error and return None.

    ``loaded`` is the model (None when the configuration is invalid) and its
    diagnostics. With ``report_warnings`` the warnings are shown as ``validate``
    shows them (on stderr; with ``--json`` the caller puts them in its document).
    """
    model, diagnostics = loaded
    verbose = getattr(args, "verbose", False)
    errors = [item for item in diagnostics if item.severity is Severity.ERROR]
    if model is None:
        print_diagnostics(diagnostics if report_warnings else errors, stderr, verbose=verbose)
        print_line(f"{args.config}: invalid: {len(errors)} error(s)", stderr, "bold red")
        return None
    if report_warnings and not getattr(args, "json", False):
        print_diagnostics(diagnostics, stderr, verbose=verbose)
    root = output_root(args)
    if root is not None:
        model = reroot(model, root)
    return model

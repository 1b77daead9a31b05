"""Handler of ``gfrontend check-factory``: a frontend and a factory, checked against each other."""

from __future__ import annotations

import argparse
from typing import TextIO

from glideinforge.creation.lib.diagnostics import Severity
from glideinforge.creation.lib.positions import pinpoint
from glideinforge.factory.load import load_factory
from glideinforge.frontend.factory_check import factory_problems
from glideinforge.frontend.load import load_frontend

from .exit_codes import EXIT_INVALID, EXIT_OK
from .report import print_diagnostics, print_json, print_line

__all__ = ["check_factory_command"]


def check_factory_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Report every inconsistency between FRONTEND_CONFIG and FACTORY_CONFIG."""
    frontend_load = load_frontend(args.config)
    factory_load = load_factory(args.factory_config)
    invalid = [*frontend_load.errors, *factory_load.errors]
    if frontend_load.frontend is None or factory_load.factory is None:
        print_diagnostics(invalid, stderr)
        print_line(
            f"cannot compare: {len(invalid)} error(s) in the configurations themselves "
            "(run validate on each)",
            stderr,
            "bold red",
        )
        return EXIT_INVALID
    problems = pinpoint(
        factory_problems(frontend_load.frontend, factory_load.factory, args.factory_identity)
    )
    errors = [item for item in problems if item.severity is Severity.ERROR]
    warnings = [item for item in problems if item.severity is Severity.WARNING]
    consistent = not errors and not (args.strict and warnings)
    if args.json:
        print_json(
            {
                "consistent": consistent,
                "errors": [item.to_json() for item in errors],
                "warnings": [item.to_json() for item in warnings],
            },
            stdout,
        )
    else:
        print_diagnostics(problems, stderr, verbose=args.verbose)
        counts = f"{len(errors)} error(s), {len(warnings)} warning(s)"
        pair = f"{args.config} and {args.factory_config}"
        if consistent:
            print_line(f"{pair}: consistent: {counts}", stdout, "green")
        else:
            print_line(f"{pair}: inconsistent: {counts}", stderr, "bold red")
    return EXIT_OK if consistent else EXIT_INVALID

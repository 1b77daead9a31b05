"""Submit-file checks through HTCondor's own parser (htcondor2), behind one module."""

from __future__ import annotations

from .classad import classad_error

__all__ = ["ExpressionChecks", "submit_file_errors"]


ExpressionChecks = dict[str, str | None]
"""A run's ClassAd checks: each ``+Attribute`` value checked, and its problem (None: fine).
The entries' submit files share most values."""


def submit_file_errors(text: str, checks: ExpressionChecks | None = None) -> list[str]:
    """Return every problem HTCondor finds in a submit description (empty when fine).

    ``htcondor2.Submit`` parses the commands; the value of every ``+Attribute``
    must also be a ClassAd expression once ``$(...)``/``$ENV(...)`` macros are
    expanded, which the submit parser itself leaves for later. ``checks``: the
    run's, when it checks many descriptions (each value is parsed once).
    """
    if checks is None:
        checks = {}
    import htcondor2  # noqa: PLC0415 - 30 ms to load; an edit often checks no submit file

    try:
        submit = htcondor2.Submit(text)
    except (ValueError, RuntimeError) as error:
        return [f"HTCondor cannot parse the submit description: {error}"]
    problems = []
    for key in submit.keys():  # noqa: SIM118 - htcondor2 iterates keys by lookup otherwise
        if key[:3].upper() == "MY.":
            value = submit[key]
            if value not in checks:
                checks[value] = classad_error(value)
            problem = checks[value]
            if problem:
                problems.append(f"+{key[3:]} = {value}: the value {problem}")
    return problems

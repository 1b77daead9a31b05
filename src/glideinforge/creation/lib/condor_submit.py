"""Submit-file checks through HTCondor's own parser (htcondor2), behind one module."""

from __future__ import annotations

from .classad import classad_error

__all__ = ["submit_file_errors"]


def submit_file_errors(text: str) -> list[str]:
    """Return every problem HTCondor finds in a submit description (empty when fine).

    ``htcondor2.Submit`` parses the commands; the value of every ``+Attribute``
    must also be a ClassAd expression once ``$(...)``/``$ENV(...)`` macros are
    expanded, which the submit parser itself leaves for later.
    """
    import htcondor2  # noqa: PLC0415 - 30 ms to load; an edit often checks no submit file

    try:
        submit = htcondor2.Submit(text)
    except (ValueError, RuntimeError) as error:
        return [f"HTCondor cannot parse the submit description: {error}"]
    problems = []
    for key in submit.keys():  # noqa: SIM118 - htcondor2 iterates keys by lookup otherwise
        if key[:3].upper() == "MY.":
            value = submit[key]
            problem = classad_error(value)
            if problem:
                problems.append(f"+{key[3:]} = {value}: the value {problem}")
    return problems

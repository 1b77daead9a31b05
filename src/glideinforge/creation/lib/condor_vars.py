r"""condor_vars files: the seven-column variable tables that become condor_config.

The shipped tables live in ``creation/web_base`` (``condor_vars.lst`` and
``condor_vars.lst.entry``); compiled stages carry the same rows in the staged
vars format (``NAME \\tT \\tDEFAULT \\t\\tCONDORNAME \\tREQ \\tEXPORT \\tUSERNAME``).
"""

from __future__ import annotations

import re

from glideinforge.creation.web_base import WEB_BASE
from glideinforge.frozen import frozen

from .diagnostics import ConfigError, Diagnostic, Source

__all__ = ["ENTRY_VARS", "MAIN_VARS", "CondorVar", "parse_condor_vars"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
TYPES = ("I", "S", "C")
JOB_ENV_KEYWORDS = ("-", "+", "@")


@frozen
class CondorVar:
    """One row: a glidein variable and how it reaches HTCondor and the job.

    Attributes:
        name: the glidein_config name.
        type: ``I`` integer, ``S`` quoted string, ``C`` unquoted expression.
        default: the default value, or None (``-``) for none.
        condor_name: the HTCondor macro name (``+`` in files means ``name``).
        required: the glidein fails when the variable has no value.
        published: the startd publishes it in its ClassAd.
        job_env: ``-`` not exported, ``+`` under ``name``, ``@`` under
            ``condor_name``, or an explicit variable name.
    """

    name: str
    type: str
    default: str | None
    condor_name: str
    required: bool
    published: bool
    job_env: str

    def staged_line(self) -> str:
        """Return the row in the staged vars format (double tab before CondorName)."""
        condor_name = "+" if self.condor_name == self.name else self.condor_name
        return (
            f"{self.name} \t{self.type} \t{self.default or '-'} \t\t{condor_name} "
            f"\t{'Y' if self.required else 'N'} \t{'Y' if self.published else 'N'} \t{self.job_env}"
        )


def _row_problems(fields: list[str]) -> list[str]:
    name, var_type, default, condor_name, required, published, job_env = fields
    problems = []
    if not _NAME.match(name):
        problems.append(f'"{name}" is not a variable name')
    if var_type not in TYPES:
        problems.append(f'type "{var_type}" must be I, S or C')
    elif var_type == "I" and default != "-" and not _INTEGER.match(default):
        problems.append(f'default "{default}" of an I variable must be an integer or -')
    if condor_name != "+" and not _NAME.match(condor_name):
        problems.append(f'HTCondor name "{condor_name}" must be a name or +')
    for column, value in (("required", required), ("published", published)):
        if value not in ("Y", "N"):
            problems.append(f'{column} column is "{value}"; it must be Y or N')
    if job_env not in JOB_ENV_KEYWORDS and not _NAME.match(job_env):
        problems.append(f'job environment column "{job_env}" must be -, +, @ or a name')
    return problems


def parse_condor_vars(text: str, file: str) -> list[CondorVar]:
    """Parse a vars table (shipped or staged layout: fields split on blanks).

    Raises:
        ConfigError: with one diagnostic per bad line, all of them.
    """
    rows: list[CondorVar] = []
    diagnostics: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split()
        where = Source(file, number)
        if len(fields) != 7:
            message = f"expected 7 columns, found {len(fields)}"
            diagnostics.append(Diagnostic(where, "/", message, "vars.columns"))
            continue
        problems = _row_problems(fields)
        name = fields[0]
        if name in seen:
            problems.append(f'"{name}" is already defined at line {seen[name]}')
        seen.setdefault(name, number)
        if problems:
            diagnostics.extend(
                Diagnostic(where, f"/{name}", problem, "vars.row") for problem in problems
            )
            continue
        _, var_type, default, condor_name, required, published, job_env = fields
        rows.append(
            CondorVar(
                name=name,
                type=var_type,
                default=None if default == "-" else default,
                condor_name=name if condor_name == "+" else condor_name,
                required=required == "Y",
                published=published == "Y",
                job_env=job_env,
            )
        )
    if diagnostics:
        raise ConfigError(diagnostics)
    return rows


def _shipped_vars(file_name: str) -> tuple[CondorVar, ...]:
    """Return the rows of a vars table shipped in ``creation/web_base``."""
    text = (WEB_BASE / file_name).read_text(encoding="latin-1")
    return tuple(parse_condor_vars(text, file_name))


MAIN_VARS = _shipped_vars("condor_vars.lst")
"""The shipped defaults of the glidein variables (``condor_vars.lst``, the main level's)."""
ENTRY_VARS = _shipped_vars("condor_vars.lst.entry")
"""The shipped entry-level defaults (``condor_vars.lst.entry``: none; an entry's published
attrs get their own rows when it compiles)."""

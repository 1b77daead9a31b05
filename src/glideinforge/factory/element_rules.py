"""Per-element rules of the factory language (those JSON Schema cannot express).

* ``ELEMENT_RULES``: per element kind, rules that read only the element's own
  attributes; the shape checker runs them, cached per distinct element.
* ``CONTEXT_RULES``: per element kind, rules that also need where the element
  sits or what the host has (input files).

A rule yields findings ``(attribute or None, message, code, severity)``; the
runner adds file, line and path.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from glideinforge.creation.lib.diagnostics import Severity
from glideinforge.creation.lib.rule_runner import ContextRule, input_file_findings, resolve_input
from glideinforge.creation.lib.shape import ElementRule, Finding, Values, suggest
from glideinforge.creation.lib.shared_rules import attr_value, collector_node, file_names, file_time
from glideinforge.creation.lib.walk import Visit

__all__ = ["CONTEXT_RULES", "ELEMENT_RULES", "ENTRY_KINDS", "GRIDTYPES", "ContextRule"]


ERROR = Severity.ERROR
WARNING = Severity.WARNING

_INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_SINGULARITY_REQUIRE = ("REQUIRED_GWMS", "NEVER", "OPTIONAL", "PREFERRED", "REQUIRED")
_AUTH_TOKENS = (
    "grid_proxy",
    "voms_proxy",
    "key_pair",
    "cert_pair",
    "username_password",
    "auth_file",
    "scitoken",
    "idtoken",
    "vm_id",
    "vm_type",
    "project_id",
)
_AUTH_SHAPE = re.compile(r"^[A-Za-z_]+([+;][A-Za-z_]+)*$")
_RETIRED_GRIDTYPES = ("gt2", "gt5")
GRIDTYPES = (
    "condor",
    "batch condor",
    "batch slurm",
    "batch pbs",
    "batch lsf",
    "batch sge",
    "arc",
    "nordugrid",
    "cream",
    "ec2",
    "gce",
    *_RETIRED_GRIDTYPES,
)
_CONDOR_MACRO = re.compile(r"^[A-Za-z0-9_.]+$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENTRY_KINDS = ("entry", "entry_in_sets", "entry_set")
"""Kinds that are an entry of the factory (an <entry> in <entry_sets> is one too)."""


# --- attr --------------------------------------------------------------------------------


def _attr_flags(value: Values) -> Iterator[Finding]:
    publish, const, parameter = value("publish"), value("const"), value("parameter")
    if not {publish, const, parameter} <= {"True", "False"}:
        return
    if publish == "True" and const == "False" and parameter == "False":
        yield (
            None,
            (
                'a published attr must be a const or a parameter; const="False" with '
                'parameter="False" sends it nowhere'
            ),
            "attr.flags",
            ERROR,
        )
    if publish == "False" and not (const == "True" and parameter == "True"):
        yield (
            None,
            (
                'an unpublished attr can only be a glidein constant: it needs const="True" '
                'and parameter="True"'
            ),
            "attr.flags",
            ERROR,
        )


def _attr_name(value: Values) -> Iterator[Finding]:
    name = value("name")
    if name is None or _VARIABLE.match(name):
        return
    if not name or any(character.isspace() for character in name):
        yield (
            "name",
            (
                f'"name" is "{name}": an attr name must be one word: it is the key of a line in '
                "the staged and work-dir files, which the glidein and the factory daemon split at "
                "the first blank"
            ),
            "name.blank",
            ERROR,
        )
        return
    published = "True" in (value("glidein_publish"), value("job_publish"))
    if not published or _CONDOR_MACRO.match(name):
        yield (
            "name",
            (
                f'"name" is "{name}": should be a variable name: a letter or \'_\' followed by '
                "letters, digits or '_'"
            ),
            "name.variable",
            WARNING,
        )
    else:
        yield (
            "name",
            (
                f'"name" is "{name}": a published attr becomes an HTCondor macro, and HTCondor '
                "refuses the whole condor_config over a name that is not letters, digits, '_' "
                "and '.'"
            ),
            "attr.macro_name",
            ERROR,
        )


def _attr_known_names(value: Values) -> Iterator[Finding]:
    name, text = value("name"), value("value") or ""
    if name == "GLIDEIN_SINGULARITY_REQUIRE" and text not in _SINGULARITY_REQUIRE:
        yield (
            "value",
            (
                f'"value" is "{text}": GLIDEIN_SINGULARITY_REQUIRE must be one of '
                + ", ".join(_SINGULARITY_REQUIRE)
                + suggest(text, _SINGULARITY_REQUIRE)
            ),
            "attr.singularity_require",
            ERROR,
        )
    if (
        name == "GLIDEIN_OVERLOAD_ENABLED"
        and text.endswith("%")
        and not (value("const") == "False" and value("parameter") == "True")
    ):
        yield (
            None,
            ('GLIDEIN_OVERLOAD_ENABLED with a percentage needs const="False" parameter="True"'),
            "attr.overload",
            ERROR,
        )


# --- file --------------------------------------------------------------------------------


def _file_kind(value: Values) -> Iterator[Finding]:
    file_type = value("type") or "regular"
    executable = value("executable") == "True" or file_type.startswith("exec")
    wrapper = value("wrapper") == "True" or file_type == "wrapper"
    untar = value("untar") == "True" or file_type == "untar"
    config = file_type.startswith("config")
    if sum((executable, wrapper, untar, config)) > 1:
        yield (
            None,
            ("a file can be only one of executable, config, wrapper or untar"),
            "file.kind",
            ERROR,
        )
    if (executable or wrapper or untar) and value("const") == "False":
        yield (
            "const",
            ('executable, wrapper and untar files must be const="True"'),
            "file.const",
            ERROR,
        )
    period = value("period") or "0"
    if _INTEGER.match(period) and int(period) > 0 and not executable:
        yield (
            "period",
            (f'"period" is {period.strip()}: only executable files run periodically'),
            "file.period",
            ERROR,
        )


def _file_context(visit: Visit, value: Values) -> Iterator[Finding]:
    in_entry = any(kind in ENTRY_KINDS for kind in visit.ancestor_kinds())
    if in_entry and value("after_entry") == "True":
        yield (
            "after_entry",
            ('after_entry="True" is only allowed on global files'),
            "file.after_entry",
            ERROR,
        )
    absfname = value("absfname")
    if absfname:
        yield from input_file_findings("absfname", absfname)


# --- entries -----------------------------------------------------------------------------


def _entry_gridtype(value: Values) -> Iterator[Finding]:
    gridtype = value("gridtype") or ""
    enabled = value("enabled") != "False"
    if gridtype in _RETIRED_GRIDTYPES and enabled:
        yield (
            "gridtype",
            (f'grid type "{gridtype}" is no longer supported; disable the entry or change it'),
            "entry.gridtype",
            ERROR,
        )
    elif gridtype not in GRIDTYPES:
        consequence = (
            "HTCondor cannot submit glideins there" if enabled else "the entry is disabled"
        )
        yield (
            "gridtype",
            (
                f'"gridtype" is "{gridtype}": not a grid type GlideinWMS can submit to '
                f"({consequence}){suggest(gridtype, GRIDTYPES[:-2])}"
            ),
            "entry.gridtype",
            ERROR if enabled else WARNING,
        )


def _entry_gatekeeper(value: Values) -> Iterator[Finding]:
    gatekeeper = value("gatekeeper")
    if gatekeeper is not None and not gatekeeper.strip():
        enabled = value("enabled") != "False"
        yield (
            "gatekeeper",
            (
                '"gatekeeper" is empty: '
                + ("no glidein can be submitted" if enabled else "the entry is disabled")
            ),
            "entry.gatekeeper",
            ERROR if enabled else WARNING,
        )


def _entry_auth_method(value: Values) -> Iterator[Finding]:
    method = value("auth_method") or ""
    if not _AUTH_SHAPE.match(method):
        return  # the schema reports a malformed list
    for token in re.split(r"[+;]", method):
        if token and token not in _AUTH_TOKENS:
            yield (
                "auth_method",
                (
                    f'"auth_method" has unknown method "{token}"{suggest(token, _AUTH_TOKENS)}: '
                    "no frontend credential will match it"
                ),
                "entry.auth_method",
                WARNING,
            )
    if ";" in method:
        yield (
            "auth_method",
            (
                f'"auth_method" is "{method}": join methods with "+" ('
                f'"{method.replace(";", "+")}"), not ";"'
            ),
            "entry.auth_separator",
            WARNING,
        )


def _entry_set_members(visit: Visit, value: Values) -> Iterator[Finding]:
    del value
    members = [
        child
        for container in visit.node.children
        if container.tag == "entries"
        for child in container.children
    ]
    if not members:
        yield None, "an entry set needs at least one member in <entries>", "entry_set.empty", ERROR
        return
    for setting in ("auth_method", "gridtype", "trust_domain"):
        seen = {member.attributes.get(setting) for member in members}
        if len(seen) > 1:
            shown = ", ".join(sorted(str(item) for item in seen))
            yield (
                None,
                (f"members of an entry set must share {setting}; found {shown}"),
                "entry_set.mixed",
                WARNING,
            )


def _per_frontend_name(value: Values) -> Iterator[Finding]:
    name = value("name")
    if name is not None and ":" not in name:
        yield (
            "name",
            (f'"name" is "{name}": per_frontend limits are named <frontend>:<security class>'),
            "limits.per_frontend",
            WARNING,
        )


# --- factory-wide elements ---------------------------------------------------------------


def _is_python_integer(token: str) -> bool:
    """Whether ``int(token)`` succeeds, the test GlideinWMS applies to exit codes."""
    try:
        int(token)
    except ValueError:
        return False
    return True


def _glidein_settings(value: Values) -> Iterator[Finding]:
    # GlideinWMS skips empty comma parts and splits the others on single blanks,
    # so " " or "1  2" carry an empty code it refuses.
    codes = value("recoverable_exitcodes") or ""
    for group in (part for part in codes.split(",") if part):
        for token in group.split(" "):
            if not _is_python_integer(token):
                found = f'"{token}"' if token else "an empty code (a blank too many)"
                yield (
                    "recoverable_exitcodes",
                    (
                        f'"recoverable_exitcodes" has {found}: it is a comma list of integer '
                        "codes, each optionally followed by subcodes, separated by single blanks"
                    ),
                    "glidein.exitcodes",
                    ERROR,
                )
    if value("factory_versioning") == "True":
        yield (
            "factory_versioning",
            ('factory_versioning="True" is not supported (GlideinWMS cannot run with it either)'),
            "glidein.versioning",
            ERROR,
        )


def _tarball_source(value: Values) -> Iterator[Finding]:
    if value("tar_file") is None and value("base_dir") is None:
        yield None, 'a condor_tarball needs "tar_file" or "base_dir"', "tarball.source", ERROR
    elif value("tar_file") is not None and value("base_dir") is not None:
        yield (
            None,
            ('a condor_tarball has both "tar_file" and "base_dir"; tar_file is used'),
            "tarball.both",
            WARNING,
        )


def _gzip_tar_findings(path: Path) -> Iterator[Finding]:
    """Refuse a tarball the glidein cannot unpack (it runs ``tar -xz``); reads one header."""
    try:
        with tarfile.open(path, "r:gz"):
            pass
    except (tarfile.TarError, OSError, EOFError):
        yield (
            "tar_file",
            (
                f'"tar_file" file {path} is not a gzip-compressed tar archive: the glidein '
                "unpacks HTCondor from it with tar -xz"
            ),
            "tarball.not_tar",
            ERROR,
        )


def _tarball_host(visit: Visit, value: Values) -> Iterator[Finding]:
    del visit
    tar_file = value("tar_file")
    if tar_file:
        findings = list(input_file_findings("tar_file", tar_file))
        yield from findings
        if not any(severity == ERROR for *_, severity in findings):
            yield from _gzip_tar_findings(resolve_input(tar_file))
        return
    base_dir = value("base_dir")
    if base_dir:
        missing = [
            name
            for name in ("condor_master", "condor_startd", "condor_starter")
            if not (Path(base_dir) / "sbin" / name).is_file()
        ]
        if missing:
            yield (
                "base_dir",
                (
                    f'"base_dir" {base_dir} is not an HTCondor installation: missing sbin/'
                    + ", sbin/".join(missing)
                ),
                "host.condor_base_dir",
                ERROR,
            )


def _cvmfsexec(value: Values) -> Iterator[Finding]:
    if value("platforms") and not value("sources"):
        yield (
            "platforms",
            ('"platforms" needs "sources": name the cvmfsexec sources (osg, egi, default)'),
            "cvmfsexec.platforms",
            ERROR,
        )


ELEMENT_RULES: Mapping[str, tuple[ElementRule, ...]] = {
    "attr": (_attr_flags, attr_value, _attr_known_names, _attr_name),
    "file": (file_names, _file_kind, file_time),
    "entry": (_entry_gridtype, _entry_gatekeeper, _entry_auth_method),
    "entry_in_sets": (_entry_gridtype, _entry_gatekeeper, _entry_auth_method),
    "entry_set": (_entry_gridtype, _entry_auth_method),
    "subentry": (_entry_gridtype, _entry_gatekeeper, _entry_auth_method),
    "per_frontend": (_per_frontend_name,),
    "glidein": (_glidein_settings,),
    "condor_tarball": (_tarball_source,),
    "cvmfsexec_distro": (_cvmfsexec,),
    "monitoring_collector": (collector_node,),
}

CONTEXT_RULES: Mapping[str, tuple[ContextRule, ...]] = {
    "file": (_file_context,),
    "entry_set": (_entry_set_members,),
    "condor_tarball": (_tarball_host,),
}

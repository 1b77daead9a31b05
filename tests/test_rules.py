"""One test per validation rule: its code, where it points, and its message text."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from glideinforge.creation.lib.diagnostics import Severity

from conftest import ENTRY, factory_xml


@dataclass(frozen=True)
class Case:
    """A config fragment that breaks exactly one rule, and what must be reported."""

    parts: dict[str, str]
    code: str
    path: str
    message: str
    severity: Severity = Severity.ERROR


def entry(attributes: str = "", body: str = "") -> str:
    """An entry with extra XML attributes and body."""
    return f"""
      <entry name="E1" gatekeeper="ce.example.org" {attributes}>{body}
      </entry>"""


E1 = "/glidein/entries/entry[@name='E1']"

CASES = {
    # --- shape (JSON Schema) ---------------------------------------------------------------
    "required attribute": Case(
        {"entries": '<entry name="E1"/>'},
        "schema.required",
        E1,
        'missing required attribute "gatekeeper"',
    ),
    "strict boolean": Case(
        {"attrs": '<attr name="A" value="1" const="true"/>'},
        "value.bool",
        "/glidein/attrs/attr[@name='A']/@const",
        '"const" is "true": must be "True" or "False" (GlideinWMS reads it with eval()) '
        '(did you mean "True"?)',
    ),
    "integer": Case(
        {"root_attrs": 'restart_attempts="3.5"'},
        "value.integer",
        "/glidein/@restart_attempts",
        '"restart_attempts" is "3.5": must be an integer (the factory daemon reads it with int())',
    ),
    "negative count is a warning (GlideinWMS takes it)": Case(
        {"root_attrs": 'restart_attempts="-1"'},
        "value.negative",
        "/glidein/@restart_attempts",
        '"restart_attempts" is "-1": expected 0 or more (GlideinWMS takes a negative number as '
        "it is)",
        Severity.WARNING,
    ),
    "cluster size of zero stops the daemon": Case(
        {"entries": entry(body='<config><submit cluster_size="0"/></config>')},
        "value.positive",
        f"{E1}/config/submit/@cluster_size",
        '"cluster_size" is "0": must be 1 or more',
    ),
    "attr type enum": Case(
        {"attrs": '<attr name="A" value="1" type="float"/>'},
        "schema.enum",
        "/glidein/attrs/attr[@name='A']/@type",
        '"type" is "float": must be "int", "string", or "expr"',
    ),
    "entry name with slash": Case(
        {"entries": '<entry name="../evil" gatekeeper="g"/>'},
        "name.unsafe",
        "/glidein/entries/entry[@name='../evil']/@name",
        '"name" is "../evil": must be a non-empty name of letters, digits and . _ + - '
        "(no '/', '..', blanks or shell characters)",
    ),
    "entry name with shell character": Case(
        {"entries": '<entry name="a$(id)" gatekeeper="g"/>'},
        "name.unsafe",
        "/glidein/entries/entry[@name='a$(id)']/@name",
        '"name" is "a$(id)": must be a non-empty name of letters, digits and . _ + - '
        "(no '/', '..', blanks or shell characters)",
    ),
    "unpublished attr name is a warning": Case(
        {"attrs": '<attr name="MY-ATTR" value="1"/>'},
        "name.variable",
        "/glidein/attrs/attr[@name='MY-ATTR']/@name",
        '"name" is "MY-ATTR": should be a variable name: a letter or \'_\' followed by '
        "letters, digits or '_'",
        Severity.WARNING,
    ),
    "published attr name HTCondor refuses": Case(
        {"attrs": '<attr name="MY:ATTR" value="1" glidein_publish="True"/>'},
        "attr.macro_name",
        "/glidein/attrs/attr[@name='MY:ATTR']/@name",
        '"name" is "MY:ATTR": a published attr becomes an HTCondor macro, and HTCondor refuses '
        "the whole condor_config over a name that is not letters, digits, '_' and '.'",
    ),
    "relfname traversal": Case(
        {"files": '<file absfname="condor.tgz" relfname="../up.tgz"/>'},
        "name.unsafe",
        "/glidein/files/file[@absfname='condor.tgz']/@relfname",
        '"relfname" is "../up.tgz": must be a non-empty name of letters, digits and '
        ". _ + - (no '/', '..', blanks or shell characters)",
    ),
    "unknown grid type": Case(
        {"entries": entry('gridtype="batch slurn"')},
        "entry.gridtype",
        f"{E1}/@gridtype",
        '"gridtype" is "batch slurn": not a grid type GlideinWMS can submit to (HTCondor cannot '
        'submit glideins there) (did you mean "batch slurm"?)',
    ),
    "unknown grid type of a disabled entry is a warning": Case(
        {"entries": entry('gridtype="globus" enabled="False"')},
        "entry.gridtype",
        f"{E1}/@gridtype",
        '"gridtype" is "globus": not a grid type GlideinWMS can submit to (the entry is disabled)',
        Severity.WARNING,
    ),
    "empty gatekeeper": Case(
        {"entries": entry().replace('gatekeeper="ce.example.org"', 'gatekeeper=" "')},
        "entry.gatekeeper",
        f"{E1}/@gatekeeper",
        '"gatekeeper" is empty: no glidein can be submitted',
    ),
    "auth method shape is a warning": Case(
        {"entries": entry('auth_method="grid proxy"')},
        "entry.auth_method",
        f"{E1}/@auth_method",
        '"auth_method" is "grid proxy": should be \'+\'-joined authentication tokens such as '
        "grid_proxy or scitoken+project_id (no frontend credential will match it)",
        Severity.WARNING,
    ),
    "work dir is a warning": Case(
        {"entries": entry('work_dir="relative/dir"')},
        "entry.work_dir",
        f"{E1}/@work_dir",
        '"work_dir" is "relative/dir": should be ., Condor, OSG, TMPDIR, AUTO or an absolute '
        "path without blanks or shell characters (GlideinWMS passes it to the glidein as it is)",
        Severity.WARNING,
    ),
    "verbosity is a warning": Case(
        {"entries": entry('verbosity="loud"')},
        "value.unknown",
        f"{E1}/@verbosity",
        '"verbosity" is "loud": should be one of "std", "nodebug", "fast"',
        Severity.WARNING,
    ),
    "slots layout typo is a warning": Case(
        {"entries": entry(body='<config><submit slots_layout="partionable"/></config>')},
        "schema.enum",
        f"{E1}/config/submit/@slots_layout",
        '"slots_layout" is "partionable": must be one of "fixed", "partitionable" '
        '(did you mean "partitionable"?)',
        Severity.WARNING,
    ),
    "unknown log message type is a warning (real configurations carry EXCEPTION)": Case(
        {
            "extra": "<log_retention><process_logs>"
            '<process_log extension="err" msg_types="DEBUG,ERR,WARN,EXCEPTION"/>'
            "</process_logs></log_retention>"
        },
        "schema.pattern",
        "/glidein/log_retention/process_logs/process_log[@extension='err']/@msg_types",
        '"msg_types" is "DEBUG,ERR,WARN,EXCEPTION": expected a comma-separated list of DEBUG, '
        "INFO, WARN, ERR, ALL, ADMIN (GlideinWMS accepts other names, as real configurations "
        "carry them, but they are no message type)",
        Severity.WARNING,
    ),
    "pub_key": Case(
        {"extra": '<security pub_key="None"/>'},
        "schema.enum",
        "/glidein/security/@pub_key",
        '"pub_key" is "None": must be one of "RSA"',
    ),
    "web url": Case(
        {"extra": '<stage web_base_url="factory.example.org/stage"/>'},
        "value.url",
        "/glidein/stage/@web_base_url",
        '"web_base_url" is "factory.example.org/stage": must be an http://, https:// or '
        "file:// URL",
    ),
    "relative directory is a warning": Case(
        {"extra": '<submit base_dir="work"/>'},
        "path.relative",
        "/glidein/submit/@base_dir",
        '"base_dir" is "work": is relative: GlideinWMS resolves it against the working '
        "directory, so the result depends on where the command runs; make it absolute",
        Severity.WARNING,
    ),
    "unknown attribute": Case(
        {"entries": entry('gatekeepr="x"')},
        "unknown.attribute",
        f"{E1}/@gatekeepr",
        'unknown attribute "gatekeepr" (did you mean "gatekeeper"?)',
        Severity.WARNING,
    ),
    "unknown attribute standing for an unset default": Case(
        {"entries": entry('gridtyp="batch slurm"')},
        "unknown.attribute_shadows_default",
        f"{E1}/@gridtyp",
        'unknown attribute "gridtyp" (did you mean "gridtype"?): "gridtype" is not set, '
        'so its default "condor" would be used instead',
    ),
    "unknown element": Case(
        {"extra": "<monitr/>"},
        "unknown.element",
        "/glidein/monitr",
        'unknown element <monitr> in <glidein> (did you mean "monitor"?)',
        Severity.WARNING,
    ),
    "attribute written as element": Case(
        {"extra": "<loop_delay/>"},
        "unknown.element",
        "/glidein/loop_delay",
        "<loop_delay> is an attribute of <glidein>, not an element",
        Severity.WARNING,
    ),
    "list item with another tag GlideinWMS cannot publish": Case(
        {"attrs": '<atr name="A" value="1"/>'},
        "structure.item_tag",
        "/glidein/attrs/atr",
        "<attrs> holds <attr> elements; GlideinWMS cannot publish an <atr> there (did you mean "
        '"attr"?)',
    ),
    "list item with another tag GlideinWMS reads as one": Case(
        {
            "extra": "<log_retention><process_logs>"
            '<proces_log extension="x"/></process_logs></log_retention>'
        },
        "structure.item_tag",
        "/glidein/log_retention/process_logs/proces_log",
        "<process_logs> holds <process_log> elements; <proces_log> is read as one",
        Severity.WARNING,
    ),
    "legacy glexec restriction": Case(
        {
            "entries": entry(
                body='<config><restrictions require_glidein_glexec_use="False"/></config>'
            )
        },
        "legacy.attribute",
        f"{E1}/config/restrictions/@require_glidein_glexec_use",
        'legacy attribute "require_glidein_glexec_use" is ignored',
        Severity.WARNING,
    ),
    "legacy entry schedd": Case(
        {"entries": entry('schedd_name="schedd@x"')},
        "legacy.attribute",
        f"{E1}/@schedd_name",
        'legacy attribute "schedd_name" is ignored',
        Severity.WARNING,
    ),
    "newline in value": Case(
        {"attrs": '<attr name="A" value="one&#10;two"/>'},
        "value.newline",
        "/glidein/attrs/attr[@name='A']/@value",
        'value of "value" contains a line break, which would break the line-based staged files',
    ),
    "value outside latin-1": Case(
        {"attrs": '<attr name="A" value="snow \u2603"/>'},
        "value.encoding",
        "/glidein/attrs/attr[@name='A']/@value",
        'value of "value" has characters outside latin-1, the encoding of the staged files',
    ),
    "repeated singleton is a warning (the last is read)": Case(
        {"extra": "<entries/>"},
        "structure.repeated",
        "/glidein/entries",
        "<entries> appears 2 times in <glidein>; only the last is read, as GlideinWMS reads it",
        Severity.WARNING,
    ),
    "identical entry twice in one file is a warning": Case(
        {"entries": ENTRY + ENTRY},
        "structure.repeated_item",
        E1,
        '<entry> name="E1" repeats line 5 identically; the copies are read as one',
        Severity.WARNING,
    ),
    "conflicting entries in one file": Case(
        {"entries": ENTRY + ENTRY.replace("Site1", "Site2")},
        "structure.duplicate",
        E1,
        '<entry> name="E1" repeats line 5 with other content; GlideinWMS refuses such a repeat '
        "when it publishes",
    ),
    "conflicting attrs in one entry": Case(
        {
            "entries": entry(
                body='<attrs><attr name="A" value="1"/><attr name="A" value="2"/></attrs>'
            )
        },
        "structure.duplicate",
        f"{E1}/attrs/attr[@name='A']",
        '<attr> name="A" repeats line 5 with other content; GlideinWMS refuses such a repeat '
        "when it publishes",
    ),
    "identical attrs in one entry are a warning": Case(
        {
            "entries": entry(
                body='<attrs><attr name="A" value="1"/><attr name="A" value="1"/></attrs>'
            )
        },
        "structure.repeated_item",
        f"{E1}/attrs/attr[@name='A']",
        '<attr> name="A" repeats line 5 identically; the copies are read as one',
        Severity.WARNING,
    ),
    "attrs with one value and other flags are a warning": Case(
        {
            "entries": entry(
                body='<attrs><attr name="A" value="1"/>'
                '<attr name="A" value="1" glidein_publish="True"/></attrs>'
            )
        },
        "structure.repeated_item",
        f"{E1}/attrs/attr[@name='A']",
        '<attr> name="A" repeats line 5 with the same value but other flags; the first copy is '
        "used (GlideinWMS applies both)",
        Severity.WARNING,
    ),
    # --- attr rules ------------------------------------------------------------------------
    "published attr goes nowhere": Case(
        {"attrs": '<attr name="A" value="1" const="False" parameter="False"/>'},
        "attr.flags",
        "/glidein/attrs/attr[@name='A']",
        'a published attr must be a const or a parameter; const="False" with '
        'parameter="False" sends it nowhere',
    ),
    "unpublished attr must be a constant": Case(
        {"attrs": '<attr name="A" value="1" publish="False" const="False"/>'},
        "attr.flags",
        "/glidein/attrs/attr[@name='A']",
        'an unpublished attr can only be a glidein constant: it needs const="True" and '
        'parameter="True"',
    ),
    "int attr value": Case(
        {"attrs": '<attr name="A" value="12h" type="int"/>'},
        "attr.int",
        "/glidein/attrs/attr[@name='A']/@value",
        '"value" is "12h": an int attr needs an integer value',
    ),
    "classad expression": Case(
        {"attrs": '<attr name="GLIDEIN_Start" value="Memory &gt;" type="expr"/>'},
        "attr.classad",
        "/glidein/attrs/attr[@name='GLIDEIN_Start']/@value",
        '"value" is not a valid ClassAd expression: HTCondor evaluates GLIDEIN_Start as a '
        "ClassAd expression",
    ),
    "entry classad expression": Case(
        {
            "entries": entry(
                body='<attrs><attr name="GLIDEIN_Entry_Rank" value="1 2" type="expr"/></attrs>'
            )
        },
        "attr.classad",
        f"{E1}/attrs/attr[@name='GLIDEIN_Entry_Rank']/@value",
        '"value" is not a valid ClassAd expression: HTCondor evaluates GLIDEIN_Entry_Rank as '
        "a ClassAd expression",
    ),
    "unbalanced macro": Case(
        {"attrs": '<attr name="STARTD_DEBUG" value="$(STARTD_DEBUG D_SECURITY" type="expr"/>'},
        "attr.macro",
        "/glidein/attrs/attr[@name='STARTD_DEBUG']/@value",
        '"value" has a "$(" macro reference that is never closed: $(STARTD_DEBUG D_SECURITY',
        Severity.WARNING,
    ),
    "singularity require": Case(
        {"attrs": '<attr name="GLIDEIN_SINGULARITY_REQUIRE" value="true"/>'},
        "attr.singularity_require",
        "/glidein/attrs/attr[@name='GLIDEIN_SINGULARITY_REQUIRE']/@value",
        '"value" is "true": GLIDEIN_SINGULARITY_REQUIRE must be one of REQUIRED_GWMS, NEVER, '
        "OPTIONAL, PREFERRED, REQUIRED",
    ),
    "overload percentage": Case(
        {"attrs": '<attr name="GLIDEIN_OVERLOAD_ENABLED" value="20%"/>'},
        "attr.overload",
        "/glidein/attrs/attr[@name='GLIDEIN_OVERLOAD_ENABLED']",
        'GLIDEIN_OVERLOAD_ENABLED with a percentage needs const="False" parameter="True"',
    ),
    # --- file rules ------------------------------------------------------------------------
    "file without a name": Case(
        {"files": '<file absfname="dir/"/>'},
        "file.absfname",
        "/glidein/files/file[@absfname='dir/']/@absfname",
        '"absfname" is "dir/": it names no file',
    ),
    "unsafe staged file name": Case(
        {"files": '<file absfname="my file.sh"/>'},
        "file.relfname",
        "/glidein/files/file[@absfname='my file.sh']/@absfname",
        'file name "my file.sh" would be staged as is but is not a safe name (letters, '
        "digits and . _ + -); set relfname",
    ),
    "file kinds exclusive": Case(
        {"files": '<file absfname="condor.tgz" executable="True" untar="True"/>'},
        "file.kind",
        "/glidein/files/file[@absfname='condor.tgz']",
        "a file can be only one of executable, config, wrapper or untar",
    ),
    "executable must be const": Case(
        {"files": '<file absfname="condor.tgz" executable="True" const="False"/>'},
        "file.const",
        "/glidein/files/file[@absfname='condor.tgz']/@const",
        'executable, wrapper and untar files must be const="True"',
    ),
    "period needs executable": Case(
        {"files": '<file absfname="condor.tgz" period="60"/>'},
        "file.period",
        "/glidein/files/file[@absfname='condor.tgz']/@period",
        '"period" is 60: only executable files run periodically',
    ),
    "file time": Case(
        {"files": '<file absfname="condor.tgz" time="always"/>'},
        "file.time",
        "/glidein/files/file[@absfname='condor.tgz']/@time",
        '"time" has "always": each item must be setup, cleanup, periodic (optionally with a '
        "suffix), prejob or postjob",
    ),
    "file type": Case(
        {"files": '<file absfname="condor.tgz" type="run"/>'},
        "schema.pattern",
        "/glidein/files/file[@absfname='condor.tgz']/@type",
        '"type" is "run": must be "regular", "source", "exec...", "config...", "wrapper", '
        'or "untar"',
    ),
    "after_entry on an entry file": Case(
        {"entries": entry(body='<files><file absfname="condor.tgz" after_entry="True"/></files>')},
        "file.after_entry",
        f"{E1}/files/file[@absfname='condor.tgz']/@after_entry",
        'after_entry="True" is only allowed on global files',
    ),
    "missing input file": Case(
        {"files": '<file absfname="/nonexistent/check.sh"/>'},
        "host.missing_file",
        "/glidein/files/file[@absfname='/nonexistent/check.sh']/@absfname",
        '"absfname" file /nonexistent/check.sh does not exist or is not a file',
    ),
    # --- entry rules -----------------------------------------------------------------------
    "retired grid type when enabled": Case(
        {"entries": entry('gridtype="gt2"')},
        "entry.gridtype",
        f"{E1}/@gridtype",
        'grid type "gt2" is no longer supported; disable the entry or change it',
    ),
    "unknown auth method": Case(
        {"entries": entry('auth_method="grid_proxi"')},
        "entry.auth_method",
        f"{E1}/@auth_method",
        '"auth_method" has unknown method "grid_proxi" (did you mean "grid_proxy"?): no frontend '
        "credential will match it",
        Severity.WARNING,
    ),
    "auth method separator": Case(
        {"entries": entry('auth_method="scitoken;project_id"')},
        "entry.auth_separator",
        f"{E1}/@auth_method",
        '"auth_method" is "scitoken;project_id": join methods with "+" '
        '("scitoken+project_id"), not ";"',
        Severity.WARNING,
    ),
    "per_frontend name": Case(
        {
            "entries": entry(
                body='<config><max_jobs><per_frontends><per_frontend name="fe1"/>'
                "</per_frontends></max_jobs></config>"
            )
        },
        "limits.per_frontend",
        f"{E1}/config/max_jobs/per_frontends/per_frontend[@name='fe1']/@name",
        '"name" is "fe1": per_frontend limits are named <frontend>:<security class>',
        Severity.WARNING,
    ),
    "empty entry set": Case(
        {"extra": '<entry_sets><entry_set alias="SET"/></entry_sets>'},
        "entry_set.empty",
        "/glidein/entry_sets/entry_set[@alias='SET']",
        "an entry set needs at least one member in <entries>",
    ),
    "mixed entry set": Case(
        {
            "extra": '<entry_sets><entry_set alias="SET"><entries>'
            '<entry name="M1" gatekeeper="g1" gridtype="condor"/>'
            '<entry name="M2" gatekeeper="g2" gridtype="batch slurm"/>'
            "</entries></entry_set></entry_sets>"
        },
        "entry_set.mixed",
        "/glidein/entry_sets/entry_set[@alias='SET']",
        "members of an entry set must share gridtype; found batch slurm, condor",
        Severity.WARNING,
    ),
    "entry set alias clash": Case(
        {
            "extra": '<entry_sets><entry_set alias="E1"><entries><entry name="M1" gatekeeper="g"/>'
            "</entries></entry_set></entry_sets>"
        },
        "entry.name_clash",
        "/glidein/entry_sets/entry_set[@alias='E1']/@alias",
        '"E1" already names an entry at line 5; GlideinWMS refuses the second when it publishes',
    ),
    # --- factory-wide rules ----------------------------------------------------------------
    "recoverable exit codes": Case(
        {"root_attrs": 'recoverable_exitcodes="1 2,x"'},
        "glidein.exitcodes",
        "/glidein/@recoverable_exitcodes",
        '"recoverable_exitcodes" has "x": it is a comma list of integer codes, each '
        "optionally followed by subcodes, separated by single blanks",
    ),
    "recoverable exit codes with a blank too many": Case(
        {"root_attrs": 'recoverable_exitcodes="1  2, 4"'},
        "glidein.exitcodes",
        "/glidein/@recoverable_exitcodes",
        '"recoverable_exitcodes" has an empty code (a blank too many): it is a comma list of '
        "integer codes, each optionally followed by subcodes, separated by single blanks",
    ),
    "factory versioning": Case(
        {"root_attrs": 'factory_versioning="True"'},
        "glidein.versioning",
        "/glidein/@factory_versioning",
        'factory_versioning="True" is not supported (GlideinWMS cannot run with it either)',
    ),
    "tarball without source": Case(
        {"tarballs": '<condor_tarball tar_file="condor.tgz"/><condor_tarball version="9.0"/>'},
        "tarball.source",
        "/glidein/condor_tarballs/condor_tarball[2]",
        'a condor_tarball needs "tar_file" or "base_dir"',
    ),
    "tarball with both sources": Case(
        {"tarballs": '<condor_tarball tar_file="condor.tgz" base_dir="/usr"/>'},
        "tarball.both",
        "/glidein/condor_tarballs/condor_tarball[1]",
        'a condor_tarball has both "tar_file" and "base_dir"; tar_file is used',
        Severity.WARNING,
    ),
    "tarball base dir": Case(
        {"tarballs": '<condor_tarball base_dir="/nonexistent-condor"/>'},
        "host.condor_base_dir",
        "/glidein/condor_tarballs/condor_tarball[1]/@base_dir",
        '"base_dir" /nonexistent-condor is not an HTCondor installation: missing '
        "sbin/condor_master, sbin/condor_startd, sbin/condor_starter",
    ),
    "tarball coverage": Case(
        {"entries": entry(body='<attrs><attr name="CONDOR_VERSION" value="23.0"/></attrs>')},
        "tarball.unresolved",
        E1,
        "no <condor_tarball> serves HTCondor version=23.0, os=default, arch=default (from "
        "CONDOR_VERSION/CONDOR_OS/CONDOR_ARCH)",
    ),
    "cvmfsexec platforms": Case(
        {"extra": '<cvmfsexec_distro platforms="rhel8-x86_64"/>'},
        "cvmfsexec.platforms",
        "/glidein/cvmfsexec_distro/@platforms",
        '"platforms" needs "sources": name the cvmfsexec sources (osg, egi, default)',
    ),
    "on-demand cvmfs without distributions": Case(
        {
            "entries": entry(
                body='<attrs><attr name="GLIDEIN_USE_CVMFSEXEC" value="1" type="int"/></attrs>'
            )
        },
        "cvmfsexec.unavailable",
        f"{E1}/attrs/attr[@name='GLIDEIN_USE_CVMFSEXEC']/@value",
        "GLIDEIN_USE_CVMFSEXEC asks for on-demand CVMFS but <cvmfsexec_distro> names no "
        "sources to build distributions from",
    ),
    "published attr clashing with condor_vars.lst": Case(
        {"attrs": '<attr name="GLIDEIN_Max_Idle" value="600" glidein_publish="True"/>'},
        "attr.condor_vars",
        "/glidein/attrs/attr[@name='GLIDEIN_Max_Idle']",
        "Types not compatible (string,I): GLIDEIN_Max_Idle is in condor_vars.lst as type I, "
        "published Y, job environment -",
    ),
    "an integer glidein variable that is not an integer": Case(
        {"attrs": '<attr name="GLIDEIN_Max_Idle" value="20 minutes" type="string"/>'},
        "attr.var_type",
        "/glidein/attrs/attr[@name='GLIDEIN_Max_Idle']/@value",
        '"value" is "20 minutes": GLIDEIN_Max_Idle is an integer glidein variable (condor_vars '
        "type I); the glidein refuses anything else",
    ),
    "an estimated CPU count next to a fixed one": Case(
        {
            "entries": entry(
                body='<attrs><attr name="GLIDEIN_CPUS" value="4"/>'
                '<attr name="GLIDEIN_ESTIMATED_CPUS" value="8" type="int"/></attrs>'
            )
        },
        "attr.estimated_cpus",
        f"{E1}/attrs/attr[@name='GLIDEIN_ESTIMATED_CPUS']/@value",
        "GLIDEIN_ESTIMATED_CPUS is set but GLIDEIN_CPUS is 4 (at line 5): the estimate is only "
        "for GLIDEIN_CPUS auto, slot or node, and setting it otherwise is a configuration error",
        Severity.WARNING,
    ),
    "job publishing a variable the defaults keep from jobs": Case(
        {"attrs": '<attr name="USE_CCB" value="True" type="expr" job_publish="True"/>'},
        "attr.condor_vars",
        "/glidein/attrs/attr[@name='USE_CCB']",
        "Cannot force job publishing: USE_CCB is in condor_vars.lst as type C, published Y, "
        "job environment -",
    ),
    "collector node": Case(
        {
            "extra": '<monitoring_collectors><monitoring_collector DN="/CN=c" node="a,b"/>'
            "</monitoring_collectors>"
        },
        "collector.node",
        "/glidein/monitoring_collectors/monitoring_collector[@DN='/CN=c']/@node",
        '"node" is "a,b": expected host[:port][?sock=name], without "," or ";"',
    ),
    "collector port": Case(
        {
            "extra": '<monitoring_collectors><monitoring_collector DN="/CN=c" node="c.org:70000"/>'
            "</monitoring_collectors>"
        },
        "collector.port",
        "/glidein/monitoring_collectors/monitoring_collector[@DN='/CN=c']/@node",
        '"node" has port 70000: ports are 1 to 65535',
    ),
    "one primary collector per group": Case(
        {
            "extra": '<monitoring_collectors><monitoring_collector DN="/CN=a" node="a.org"/>'
            '<monitoring_collector DN="/CN=b" node="b.org"/></monitoring_collectors>'
        },
        "collector.primary",
        "/glidein/monitoring_collectors/monitoring_collector[@DN='/CN=b']/@secondary",
        'collector group "default" already has a primary collector (line 16); mark this one '
        'secondary="True"',
    ),
    "const differs between global and entry": Case(
        {
            "attrs": '<attr name="A" value="1" const="True"/>',
            "entries": entry(body='<attrs><attr name="A" value="2" const="False"/></attrs>'),
        },
        "attr.const_mismatch",
        f"{E1}/attrs/attr[@name='A']/@const",
        'attr A is const="False" here but const="True" in the global attr at line 2; '
        "GlideinWMS refuses a const flag that differs",
    ),
    "reserved parameter": Case(
        {"attrs": '<attr name="GLIDEIN_Collector" value="pool.org" const="False"/>'},
        "attr.reserved",
        "/glidein/attrs/attr[@name='GLIDEIN_Collector']/@value",
        "GLIDEIN_Collector is a built-in factory parameter (value Fake); a global "
        'const="False" attr cannot give it another value',
    ),
    "attr type differs between entries": Case(
        {
            "attrs": '<attr name="GLIDEIN_CPUS" value="4"/>',
            "entries": entry(
                body='<attrs><attr name="GLIDEIN_CPUS" value="-1" type="int"/></attrs>'
            ),
        },
        "attr.type_mismatch",
        f"{E1}/attrs/attr[@name='GLIDEIN_CPUS']/@type",
        "attr GLIDEIN_CPUS has type int here but other attrs of that name have other types "
        "(int, string; first at line 2)",
        Severity.WARNING,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rule_reports_its_message(make_config, case: Case):
    result = make_config(factory_xml(**case.parts)).check()
    found = [item for item in result.diagnostics if item.code == case.code]
    assert found, [str(item) for item in result.diagnostics]
    assert [(item.path, item.message, item.severity) for item in found] == [
        (case.path, case.message, case.severity)
    ]
    assert result.valid is (case.severity is Severity.WARNING and not result.errors)


def test_rule_cases_break_nothing_else(make_config):
    """Each case's other diagnostics come only from the rule under test."""
    for name, case in CASES.items():
        result = make_config(factory_xml(**case.parts)).check()
        unexpected = [
            str(item)
            for item in result.diagnostics
            if item.code != case.code
            and not (
                # a broken tarball leaves its entry unserved; a bad name breaks its path
                item.code in ("tarball.unresolved", "host.missing_file")
                and case.code.startswith(("tarball", "host", "file", "schema", "name"))
            )
            # the file cases name their (relative) input as written
            and item.code != "path.relative"
        ]
        assert unexpected == [], name


def test_disabled_entry_may_keep_a_retired_grid_type(make_config):
    result = make_config(factory_xml(entries=entry('gridtype="gt5" enabled="False"'))).check()
    assert result.diagnostics == ()


def test_classad_check_accepts_condor_macros_and_real_expressions(make_config):
    attrs = """
      <attr name="GLIDEIN_Start" type="expr" value="$(GLIDEIN_Start_Base) &amp;&amp; (Memory &gt; 1)"/>
      <attr name="GLIDEIN_Hold" type="expr" value="ifThenElse(isUndefined(x), False, x &gt; 3)"/>
      <attr name="STARTD_DEBUG" type="expr" value="$(STARTD_DEBUG) D_SECURITY"/>
      <attr name="ALLOW_NET" type="expr" value="172.18.*"/>"""
    assert make_config(factory_xml(attrs=attrs)).check().diagnostics == ()


def test_strings_and_ints_are_not_parsed_as_classads(make_config):
    attrs = '<attr name="GLIDEIN_Start" type="string" value="not &amp;&amp; an expr"/>'
    assert make_config(factory_xml(attrs=attrs)).check().diagnostics == ()


def test_every_valid_flag_combination_passes(make_config):
    flags = [
        ("True", "True", "True"),
        ("True", "True", "False"),
        ("True", "False", "True"),
        ("False", "True", "True"),
    ]
    attrs = "".join(
        f'<attr name="A{index}{gp}{jp}" value="v" publish="{p}" const="{c}" parameter="{q}" '
        f'glidein_publish="{gp}" job_publish="{jp}"/>'
        for index, (p, c, q) in enumerate(flags)
        for gp in ("True", "False")
        for jp in ("True", "False")
    )
    assert make_config(factory_xml(attrs=attrs)).check().diagnostics == ()


def test_every_invalid_flag_combination_fails(make_config):
    invalid = [
        ("True", "False", "False"),
        ("False", "False", "False"),
        ("False", "True", "False"),
        ("False", "False", "True"),
    ]
    for publish, const, parameter in invalid:
        attrs = f'<attr name="A" value="v" publish="{publish}" const="{const}" parameter="{parameter}"/>'
        result = make_config(factory_xml(attrs=attrs)).check()
        assert [item.code for item in result.diagnostics] == ["attr.flags"], (
            publish,
            const,
            parameter,
        )


@pytest.mark.parametrize("value", ["", " ", "1200", " 600 ", "+5", "-1"])
def test_an_integer_glidein_variable_may_be_empty_or_an_integer(make_config, value):
    # Production configurations leave GLIDEIN_MaxMemMBs empty: unset, to the glidein.
    attrs = f'<attr name="GLIDEIN_MaxMemMBs" value="{value}"/>'
    result = make_config(factory_xml(attrs=attrs)).check()
    assert [item for item in result.diagnostics if item.code == "attr.var_type"] == []

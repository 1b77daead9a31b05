"""The shipped condor_vars tables and their parser."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from glideinforge.creation.lib.condor_vars import (
    ENTRY_VARS,
    MAIN_VARS,
    CondorVar,
    parse_condor_vars,
)
from glideinforge.creation.lib.diagnostics import ConfigError

SHIPPED = files("glideinforge.creation.web_base")
SEED_EXPR_FAMILY = {
    "GLIDEIN_Hold",
    "GLIDEIN_Entry_PREEMPT",
    "GLIDEIN_PREEMPT",
    "GLIDEIN_Rank",
    "GLIDEIN_Entry_Rank",
    "PREEMPT",
    "GLIDEIN_Monitoring_Enabled",
    "GLIDEIN_Use_PGroups",
    "UPDATE_COLLECTOR_WITH_TCP",
    "WANT_UDP_COMMAND_SOCKET",
    "STARTD_SENDS_ALIVES",
    "USE_MATCH_AUTH",
    "USE_CCB",
    "USE_SHARED_PORT",
    "GLIDEIN_MaxMemMBs_Estimate",
    "MODULE_USE",
    "GLIDEIN_Collector",
    "GLIDECLIENT_Hold",
    "GLIDECLIENT_Group_Hold",
    "GLIDECLIENT_PREEMPT",
    "GLIDECLIENT_Group_PREEMPT",
    "GLIDECLIENT_Rank",
    "GLIDECLIENT_Group_Rank",
    "GLIDEIN_Ignore_X509_Duration",
    "GLIDEIN_Expose_Grid_Env",
    "GLIDEIN_Expose_X509",
    "GLIDEIN_Custom_Start",
    "VM_DISABLE_SHUTDOWN",
    "HAS_SINGULARITY",
    "GWMS_SINGULARITY_BIND_CVMFS",
    "X509_EXPIRE",
    "SiteWMS_WN_Draining",
    "SiteWMS_WN_Preempt",
    "SEC_DEFAULT_INTEGRITY",
    "SEC_DEFAULT_ENCRYPTION",
}


@pytest.mark.parametrize("name", ["condor_vars.lst", "condor_vars.lst.entry"])
def test_every_line_of_the_shipped_tables_is_a_comment_or_a_valid_row(name):
    text = SHIPPED.joinpath(name).read_text(encoding="latin-1")
    rows = parse_condor_vars(text, name)
    data_lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(rows) == len(data_lines)
    for line in data_lines:
        fields = line.split()
        assert len(fields) == 7, line
        assert fields[1] in ("I", "S", "C")
        assert fields[4] in ("Y", "N") and fields[5] in ("Y", "N")
    text.encode("ascii")


def test_main_table_covers_the_seed_pages_variables():
    names = {row.name for row in MAIN_VARS}
    seed_variables = {
        "GLIDEIN_Site",
        "GLIDEIN_Max_Idle",
        "GLIDEIN_Max_Tail",
        "GLIDEIN_Retire_Time",
        "GLIDEIN_Retire_Time_Spread",
        "GLIDEIN_Max_Walltime",
        "GLIDEIN_Graceful_Shutdown",
        "PREEMPT_GRACE_TIME",
        "HOLD_GRACE_TIME",
        "GLIDEIN_Resource_Slots",
        "MAX_MASTER_LOG",
        "MAX_STARTD_LOG",
        "MAX_STARTER_LOG",
        "GLIDEIN_CPUS",
        "GLIDEIN_ESTIMATED_CPUS",
        "GLIDEIN_NODES",
        "GLIDEIN_MaxMemMBs",
        "GLIDEIN_DISK",
        "GLIDEIN_Factory_Report_Failed",
        "GLIDEIN_Factory",
        "GLIDEIN_Name",
        "GLIDEIN_Entry_Name",
        "GLIDEIN_GridType",
        "GLIDEIN_Gatekeeper",
        "GLIDEIN_GlobusRSL",
        "PROXY_URL",
        "DEBUG_MODE",
        "GLIDEIN_DEBUG_OUTPUT",
        "GLIDEIN_DEBUG_OPTIONS",
        "GLIDEIN_MULTIGLIDEIN",
        "GLIDEIN_MULTIGLIDEIN_LAUNCHER",
        "GLIDEIN_MULTIGLIDEIN_LAUNCHALL",
        "GLIDEIN_CLEANUP_SCRIPT",
        "GLIDEIN_Client",
        "GLIDEIN_Job_Max_Time",
        "SLOTS_LAYOUT",
        "FORCE_PARTITIONABLE",
        "GLIDEIN_Report_Failed",
        "GLIDEIN_CLAIM_WORKLIFE",
        "GLIDEIN_CLAIM_WORKLIFE_DYNAMIC",
        "VM_MAX_LIFETIME",
        "GLIDEIN_Signature",
        "GLIDEIN_Entry_Signature",
        "CONDORG_SCHEDD",
        "CONDORG_CLUSTER",
        "CONDORG_SUBCLUSTER",
        "TMP_DIR",
        "GLIDEIN_LOCAL_TMP_DIR",
        "X509_USER_PROXY",
        "X509_CONDORMAP",
        "X509_CERT_DIR",
        "CONDOR_DIR",
        "X509_GRIDMAP_DNS",
        "GLIDEIN_SINGULARITY_REQUIRE",
        "GLIDEIN_Singularity_Use",
        "SINGULARITY_IMAGES_DICT",
        "REQUIRED_OS",
        "GLIDEIN_REQUIRED_OS",
        "MJF_JOB_ID",
        "MJF_MACHINE_TOTAL_CPU",
    } | SEED_EXPR_FAMILY
    assert seed_variables - names == set()


def test_expression_variables_are_unquoted_and_times_are_integers():
    rows = {row.name: row for row in MAIN_VARS}
    for name in SEED_EXPR_FAMILY:
        assert rows[name].type == "C", name
    for name in ("GLIDEIN_Max_Idle", "GLIDEIN_Retire_Time", "GLIDEIN_Max_Walltime"):
        assert rows[name].type == "I"
    assert rows["GLIDEIN_Retire_Time"].default == "21600"
    assert rows["GLIDEIN_Site"].job_env == "@"
    assert rows["GLIDEIN_Collector"].condor_name == "HEAD_NODE"
    assert rows["GLIDEIN_Collector"].required is True
    assert ENTRY_VARS == ()


def test_staged_line_has_the_double_tab_before_the_condor_name():
    row = CondorVar("GLIDEIN_Site", "S", None, "GLIDEIN_Site", False, True, "+")
    assert row.staged_line() == "GLIDEIN_Site \tS \t- \t\t+ \tN \tY \t+"
    renamed = CondorVar("TMP_DIR", "S", None, "GLIDEIN_Tmp_Dir", True, True, "@")
    assert renamed.staged_line() == "TMP_DIR \tS \t- \t\tGLIDEIN_Tmp_Dir \tY \tY \t@"


def test_staged_lines_parse_back_to_the_same_rows():
    rows = MAIN_VARS
    text = "\n".join(row.staged_line() for row in rows)
    assert tuple(parse_condor_vars(text, "staged")) == rows


def test_parser_reports_every_bad_line_with_its_number():
    text = "# comment\nGOOD S - + N N -\nBAD X - + N N -\nSHORT S -\nNUM I ten + N N -\nGOOD S - + N N -\n"
    with pytest.raises(ConfigError) as raised:
        parse_condor_vars(text, "vars.lst")
    assert [str(item) for item in raised.value.diagnostics] == [
        'vars.lst:3: /BAD: type "X" must be I, S or C',
        "vars.lst:4: /: expected 7 columns, found 3",
        'vars.lst:5: /NUM: default "ten" of an I variable must be an integer or -',
        'vars.lst:6: /GOOD: "GOOD" is already defined at line 2',
    ]
    assert re.search("already defined", str(raised.value.diagnostics[-1]))

"""Our condor_vars.lst keeps every row of GlideinWMS's own table, except where the seed page differs.

The seed page ("Custom HTCondor Variables") wins where it and GlideinWMS's table
both speak; every other column of every GlideinWMS row is kept as GlideinWMS has
it. Rows GlideinWMS lacks and the page documents are ours alone. Each row that
differs from GlideinWMS's is listed here with the reason.
"""

from __future__ import annotations

from importlib.resources import files

import pytest

from glideinforge.creation.lib.condor_vars import parse_condor_vars

from oracle import ORACLE, requires_oracle

pytestmark = requires_oracle

GLIDEINWMS_TABLE = ORACLE / "glideinwms" / "creation" / "web_base" / "condor_vars.lst"
OURS = files("glideinforge.creation.web_base").joinpath("condor_vars.lst")

DIFFERENCES: dict[str, tuple[str, str]] = {
    # name: (our row as "type default condor_name required published job_env", why)
    "SINGULARITY_IMAGE_RESTRICTIONS": (
        "S any + N Y -",
        "the page: default any (GlideinWMS's table: cvmfs)",
    ),
    "GLIDEIN_Retire_Time": ("I 21600 + N N -", "the page: default 21600 (6 hours)"),
    "GLIDEIN_Retire_Time_Spread": ("I 7200 + N N -", "the page: default 7200 (2 hours)"),
    "GLIDEIN_Use_PGroups": (
        "C False USE_PROCESS_GROUPS N N -",
        "the page: default False (GlideinWMS: on with Singularity, through a shell-escaped "
        "$INT(...) default)",
    ),
    "GLIDEIN_HAS_SINGULARITY_AUX": (
        "C $(HAS_SINGULARITY:False) + N N -",
        "the same default without shell escapes: our glidein never evaluates a default with the "
        "shell",
    ),
    "GLIDEIN_WRAPPER_EXEC": (
        "S - + N N -",
        "unset means exec \"$@\", the page's default, without GlideinWMS's shell-escaped string",
    ),
    "X509_EXPIRE": ("C - + N N -", "the page: type Expr (time_t)"),
    "GLIDEIN_Expose_Grid_Env": (
        "C False JOB_INHERITS_STARTER_ENVIRONMENT N Y +",
        "the page: default False (GlideinWMS's table: True)",
    ),
    "GLIDEIN_Monitoring_Enabled": ("C True + N Y +", "the page: default True"),
    "GLIDEIN_Resource_Slots": ("S - + N N -", "the page: type String"),
    "GLIDEIN_CPUS": ("S 1 + N N @", "the page: type String (a number or a keyword)"),
    "GLIDEIN_NODES": ("I 1 + N N @", "the page: type Int"),
}


@pytest.fixture(scope="module")
def tables() -> tuple[dict[str, str], dict[str, str]]:
    theirs = _raw_rows(GLIDEINWMS_TABLE.read_text(encoding="latin-1"))
    ours = _raw_rows(OURS.read_text(encoding="latin-1"))
    return ours, theirs


def _raw_rows(text: str) -> dict[str, str]:
    """Rows as written: name -> the other six columns joined by one blank."""
    rows = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, *columns = line.split()
            rows[name] = " ".join(columns)
    return rows


def test_every_glideinwms_row_is_ours_too(tables):
    ours, theirs = tables
    assert sorted(theirs.keys() - ours.keys()) == []


def test_rows_differ_from_glideinwms_only_where_listed_and_as_listed(tables):
    ours, theirs = tables
    differing = {name: ours[name] for name in theirs if ours[name] != theirs[name]}
    assert differing == {name: row for name, (row, _) in DIFFERENCES.items()}


def test_our_table_parses_with_glideinwms_required_rows():
    rows = {row.name: row for row in parse_condor_vars(OURS.read_text("latin-1"), "vars")}
    assert rows["GLIDEIN_Site"].default == "$GLIDEIN_Entry_Name"
    required = {name for name, row in rows.items() if row.required}
    assert {
        "GLIDEIN_Master_Collector",
        "GLIDEIN_CredentialIdentifier",
        "CONDOR_DIR",
        "GLIDEIN_LOCAL_TMP_DIR",
        "GLIDEIN_Signature",
        "GLIDEIN_Entry_Signature",
    } <= required

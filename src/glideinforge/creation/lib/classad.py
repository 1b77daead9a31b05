"""ClassAd expression checks, behind one small module (HTCondor's classad2)."""

from __future__ import annotations

import re

__all__ = ["CLASSAD_EVALUATED", "classad_error", "unbalanced_macro"]

CLASSAD_EVALUATED = frozenset(
    {
        # Start/hold/preempt/rank policy and their entry and client variants.
        "GLIDEIN_Start",
        "GLIDEIN_Entry_Start",
        "GLIDEIN_Custom_Start",
        "GLIDECLIENT_Start",
        "GLIDECLIENT_Group_Start",
        "GLIDEIN_Hold",
        "GLIDEIN_Entry_Hold",
        "GLIDECLIENT_Hold",
        "GLIDECLIENT_Group_Hold",
        "GLIDEIN_PREEMPT",
        "GLIDEIN_Entry_PREEMPT",
        "GLIDECLIENT_PREEMPT",
        "GLIDECLIENT_Group_PREEMPT",
        "GLIDEIN_Rank",
        "GLIDEIN_Entry_Rank",
        "GLIDECLIENT_Rank",
        "GLIDECLIENT_Group_Rank",
        # The rest of the Expr (Bool)/(Int)/(time_t) family of the condor vars page.
        "GLIDEIN_Expose_Grid_Env",
        "GLIDEIN_Expose_X509",
        "GLIDEIN_Ignore_X509_Duration",
        "GLIDEIN_MaxMemMBs_Estimate",
        "GLIDEIN_Monitoring_Enabled",
        "GLIDEIN_Use_PGroups",
        "GWMS_SINGULARITY_BIND_CVMFS",
        "HAS_SINGULARITY",
        "MODULE_USE",
        "PREEMPT",
        "STARTD_SENDS_ALIVES",
        "SiteWMS_WN_Draining",
        "SiteWMS_WN_Preempt",
        "UPDATE_COLLECTOR_WITH_TCP",
        "USE_CCB",
        "USE_MATCH_AUTH",
        "USE_SHARED_PORT",
        "VM_DISABLE_SHUTDOWN",
        "WANT_UDP_COMMAND_SOCKET",
        "X509_EXPIRE",
    }
)
"""Attribute names HTCondor evaluates as ClassAd expressions."""

_MACRO = re.compile(r"\$\$?(?:[A-Za-z_]+)?\([^()]*\)")
_MACRO_STAND_IN = "glideinforge_macro"


def classad_error(expression: str) -> str | None:
    """Return why ``expression`` is not a ClassAd expression, or None.

    ``$(NAME)`` configuration macros are replaced by an attribute reference
    first, as HTCondor expands them before parsing.
    """
    text = expression
    while True:
        replaced = _MACRO.sub(_MACRO_STAND_IN, text)
        if replaced == text:
            break
        text = replaced
    if not text.strip():
        return "is empty"
    import classad2  # noqa: PLC0415 - 13 ms to load; most runs parse no expression

    try:
        classad2.ExprTree(text)
    except Exception:  # noqa: BLE001 - classad2 raises its own ClassAdException type
        return "is not a valid ClassAd expression"
    return None


def unbalanced_macro(value: str) -> bool:
    """Return True when a ``$(`` macro reference is not closed."""
    depth = 0
    position = 0
    while position < len(value):
        if value.startswith("$(", position):
            depth += 1
            position += 2
            continue
        character = value[position]
        if depth and character == "(":
            depth += 1
        elif depth and character == ")":
            depth -= 1
        position += 1
    return depth > 0

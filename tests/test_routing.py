"""Attr routing: every flag combination and type, table-driven."""

from __future__ import annotations

import itertools

import pytest

from glideinforge.creation.lib.condor_vars import MAIN_VARS, CondorVar
from glideinforge.creation.lib.diagnostics import Source
from glideinforge.factory.model import Attr, AttrType
from glideinforge.factory.routing import destinations, publish_conflict, route_attrs

WHERE = Source("f.xml", 1)
VALID = [  # publish, const, parameter -> attributes.cfg, constants, params.cfg
    ((True, True, True), (True, True, False)),
    ((True, True, False), (True, True, False)),
    ((True, False, True), (False, False, True)),
    ((False, True, True), (False, True, False)),
]
TYPES = [
    (AttrType.STRING, " 042 ", " 042 ", "S"),
    (AttrType.EXPR, "a && b", "a && b", "C"),
    (AttrType.INT, " +042 ", 42, "I"),
]


def attr(
    name="X",
    value="v",
    type_=AttrType.STRING,
    *,
    publish=True,
    const=True,
    parameter=True,
    glidein_publish=False,
    job_publish=False,
) -> Attr:
    return Attr(name, value, type_, const, publish, parameter, glidein_publish, job_publish, WHERE)


CASES = [
    pytest.param(
        flags,
        dests,
        gp,
        jp,
        type_case,
        id=f"p{flags[0]:d}c{flags[1]:d}q{flags[2]:d}-gp{gp:d}jp{jp:d}-{type_case[0].value}",
    )
    for (flags, dests), gp, jp, type_case in itertools.product(
        VALID, (False, True), (False, True), TYPES
    )
]


@pytest.mark.parametrize(("flags", "dests", "glidein_publish", "job_publish", "type_case"), CASES)
def test_flag_combination_routes_to_its_destinations(
    flags, dests, glidein_publish, job_publish, type_case
):
    publish, const, parameter = flags
    in_attributes, in_constants, in_params = dests
    type_, written, typed, code = type_case
    routed = route_attrs(
        [
            attr(
                "MY_ATTR",
                written,
                type_,
                publish=publish,
                const=const,
                parameter=parameter,
                glidein_publish=glidein_publish,
                job_publish=job_publish,
            )
        ],
        defaults=(),
    )
    assert ("MY_ATTR" in routed.attributes) is in_attributes
    assert ("MY_ATTR" in routed.constants) is in_constants
    assert ("MY_ATTR" in routed.params) is in_params
    if in_attributes:
        assert routed.attributes["MY_ATTR"] == typed
    if in_params:
        assert routed.params["MY_ATTR"] == typed
    if in_constants:
        assert routed.constants["MY_ATTR"] == str(typed)
    if glidein_publish or job_publish:
        assert routed.condor_vars == (
            CondorVar(
                "MY_ATTR",
                code,
                None,
                "MY_ATTR",
                False,
                glidein_publish,
                "+" if job_publish else "-",
            ),
        )
        assert routed.condor_vars[0].staged_line() == (
            f"MY_ATTR \t{code} \t- \t\t+ \tN \t{'Y' if glidein_publish else 'N'} \t{'+' if job_publish else '-'}"
        )
    else:
        assert routed.condor_vars == ()


def test_published_attr_already_in_the_defaults_keeps_the_default_row():
    defaults = MAIN_VARS
    routed = route_attrs(
        [attr("GLIDEIN_Site", "SiteA", glidein_publish=True, job_publish=True)], defaults
    )
    assert routed.condor_vars == defaults
    where = destinations(attr("GLIDEIN_Site", glidein_publish=True), defaults)
    assert where.new_condor_var is False
    assert where.job_environment == "GLIDEIN_Site"


@pytest.mark.parametrize(
    ("attr_kwargs", "row", "message"),
    [
        (
            {"type_": AttrType.STRING},
            CondorVar("V", "I", None, "V", False, True, "-"),
            "Types not compatible (string,I)",
        ),
        (
            {"type_": AttrType.INT, "value": "1"},
            CondorVar("V", "S", None, "V", False, True, "-"),
            "Types not compatible (int,S)",
        ),
        (
            {"glidein_publish": True},
            CondorVar("V", "S", None, "V", False, False, "-"),
            "Cannot force glidein publishing",
        ),
        (
            {"job_publish": True},
            CondorVar("V", "S", None, "V", False, True, "-"),
            "Cannot force job publishing",
        ),
        (
            {"type_": AttrType.EXPR, "glidein_publish": True},
            CondorVar("V", "C", None, "V", False, True, "-"),
            None,
        ),
        ({"type_": AttrType.STRING}, CondorVar("V", "C", None, "V", False, True, "-"), None),
    ],
)
def test_publish_compatibility_with_existing_rows(attr_kwargs, row, message):
    assert publish_conflict(attr("V", **attr_kwargs), row) == message


def test_overrides_replace_user_values_in_place_and_append_new_names():
    routed = route_attrs(
        [attr("A", "1"), attr("GLIDEIN_GridType", "user"), attr("B", "2")],
        defaults=(),
        constants=[("CONDOR_PLATFORM_default-default-default", "0")],
        overrides=[("GLIDEIN_GridType", "condor"), ("GLIDEIN_WorkDir", ".")],
    )
    assert list(routed.constants.items()) == [
        ("CONDOR_PLATFORM_default-default-default", "0"),
        ("A", "1"),
        ("GLIDEIN_GridType", "condor"),
        ("B", "2"),
        ("GLIDEIN_WorkDir", "."),
    ]
    assert list(routed.attributes) == ["A", "GLIDEIN_GridType", "B", "GLIDEIN_WorkDir"]


def test_builtin_params_come_first_and_an_equal_user_param_keeps_their_position():
    routed = route_attrs(
        [attr("X", "1", const=False), attr("CONDOR_VERSION", "default", const=False)],
        defaults=(),
        params=[("GLIDEIN_Report_Failed", "NEVER"), ("CONDOR_VERSION", "default")],
    )
    assert list(routed.params.items()) == [
        ("GLIDEIN_Report_Failed", "NEVER"),
        ("CONDOR_VERSION", "default"),
        ("X", "1"),
    ]

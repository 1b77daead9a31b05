"""explain_attrs on hand-made levels: statuses, defaults, destinations."""

from __future__ import annotations

from glideinforge.creation.lib.condor_vars import CondorVar
from glideinforge.creation.lib.explain import AttrLevel, LevelRole, explain_attrs, explained_names
from glideinforge.creation.lib.routing import RoutedAttrs


def _var(name: str, default: str | None, *, condor_name: str | None = None, **flags) -> CondorVar:
    return CondorVar(
        name,
        flags.get("type", "S"),
        default,
        condor_name or name,
        required=flags.get("required", False),
        published=flags.get("published", False),
        job_env=flags.get("job_env", "-"),
    )


def _level(role: LevelRole, label: str, *, params=None, constants=None, condor_vars=()):
    routed = RoutedAttrs(constants or {}, {}, params or {}, tuple(condor_vars))
    return AttrLevel(role, label, routed)


def _levels(**kwargs) -> list[AttrLevel]:
    roles = {
        "main": (LevelRole.FACTORY_MAIN, "factory main"),
        "entry": (LevelRole.FACTORY_ENTRY, "entry E"),
        "frontend": (LevelRole.FRONTEND_MAIN, "frontend main"),
        "group": (LevelRole.FRONTEND_GROUP, "group g"),
    }
    return [_level(*roles[key], **value) for key, value in kwargs.items()]


def test_an_empty_param_is_not_passed_and_erases_the_factory_value():
    levels = _levels(
        main={"params": {"X": "factory"}, "condor_vars": [_var("X", "dflt")]},
        frontend={"params": {"X": "  "}},
    )
    [item] = explain_attrs(levels, ["X"])
    assert (item.value, item.source) == ("dflt", "factory main condor_vars default")
    assert [(s.kind, s.status, s.by) for s in item.chain] == [
        ("default", "effective", None),
        ("param", "overridden", "frontend main param"),
        ("param", "not passed", None),
    ]


def test_the_last_vars_row_read_gives_the_default_and_every_row_its_destinations():
    levels = _levels(
        main={"condor_vars": [_var("Y", "main-default", type="I", published=True)]},
        entry={"condor_vars": [_var("Y", "entry-default", condor_name="Y_KNOB", job_env="@")]},
    )
    [item] = explain_attrs(levels, ["Y"])
    # condor_startup.sh reads entry rows before main rows: main's default is written last.
    assert item.value == "main-default"
    assert [(s.label, s.status, s.by) for s in item.chain] == [
        ("entry E", "overridden", "factory main condor_vars default"),
        ("factory main", "effective", None),
    ]
    assert item.knobs == (("Y_KNOB", "S"), ("Y", "I"))
    assert item.published == ("Y",)
    assert item.job_environment == ("Y_KNOB",)


def test_defaults_are_unused_once_a_level_sets_a_value():
    levels = _levels(
        main={"condor_vars": [_var("Z", "d")]},
        group={"constants": {"Z": "g"}},
    )
    [item] = explain_attrs(levels, ["Z"])
    assert (item.value, item.source) == ("g", "group g const")
    assert item.chain[0].status == "unused" and item.chain[0].by == "group g const"


def test_nothing_sets_it_no_knob_and_required_is_reported():
    levels = _levels(main={"condor_vars": [_var("R", None, required=True, published=True)]})
    [item] = explain_attrs(levels, ["R"])
    assert (item.value, item.source, item.knobs, item.published) == (None, None, (), ())
    assert item.required
    assert explained_names(levels) == []  # no default: not listed unless asked for


def test_a_frontend_param_beaten_by_a_frontend_const_is_overridden_not_blocked():
    levels = _levels(frontend={"constants": {"W": "c"}}, group={"params": {"W": "p"}})
    [item] = explain_attrs(levels, ["W"], {"W": ("some_script.sh",)})
    assert [(s.title, s.status) for s in item.chain] == [
        ("frontend main const", "effective"),
        ("group g param", "overridden"),
    ]
    assert item.rewritten_by == ("some_script.sh",)
    assert item.to_json()["chain"][1]["by"] == "frontend main const"

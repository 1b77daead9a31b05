"""Generated variants of GlideinWMS's fixture and of the example, judged by GlideinWMS.

Hypothesis edits the configurations the way real ones differ: repeated,
reordered and removed attrs, legacy attributes and comments, relative paths,
odd but legal values, entries moved into entry sets. For each variant,
glideinforge's accept/reject agrees with GlideinWMS's (parser, validator and own
reconfig), except for the checks the README documents as stricter; what
glideinforge publishes, GlideinWMS's factory daemon loads.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import EXAMPLE_FACTORY, REPO
from oracle import (
    FIXTURE_FACTORY,
    UNITTESTS,
    agreement,
    assert_daemon_loads,
    glideinforge_verdict,
    glideinwms_verdict,
    requires_oracle,
    stricter_codes,
)

pytestmark = requires_oracle

BASES = {"GlideinWMS fixture": (FIXTURE_FACTORY, UNITTESTS), "example": (EXAMPLE_FACTORY, REPO)}
_LOOSE_SETTINGS = {
    "enabled": "True",
    "gridtype": "condor",
    "auth_method": "grid_proxy",
    "trust_domain": "grid",
    "work_dir": ".",
    "verbosity": "std",
}

Roots = list[etree._Element]
Mutation = Callable[[Roots, st.DataObject], None]


def _pick(data: st.DataObject, items: list[etree._Element]) -> etree._Element | None:
    return data.draw(st.sampled_from(items)) if items else None


def _child(parent: etree._Element, tag: str) -> etree._Element:
    """Return the (first) child ``tag`` of ``parent``, made when missing."""
    found = parent.find(tag)
    return found if found is not None else etree.SubElement(parent, tag)


def _entries(roots: Roots) -> list[etree._Element]:
    return [entry for root in roots for entry in root.iter("entry")]


def _attr_lists(roots: Roots) -> list[etree._Element]:
    return [attrs for root in roots for attrs in root.iter("attrs") if len(attrs)]


def duplicate_attr(roots: Roots, data: st.DataObject) -> None:
    """Repeat an attr, identically or with another value."""
    attrs = _pick(data, _attr_lists(roots))
    if attrs is None:
        return
    attr = data.draw(st.sampled_from(list(attrs)))
    twin = copy.deepcopy(attr)
    if data.draw(st.booleans()):
        twin.set("value", attr.get("value", "") + "2")
    attrs.append(twin)


def reorder_attrs(roots: Roots, data: st.DataObject) -> None:
    """Reverse the order of a list of attrs."""
    attrs = _pick(data, _attr_lists(roots))
    if attrs is not None:
        attrs[:] = list(reversed(attrs))


def remove_attr(roots: Roots, data: st.DataObject) -> None:
    """Drop an attr."""
    attrs = _pick(data, _attr_lists(roots))
    if attrs is not None:
        attrs.remove(data.draw(st.sampled_from(list(attrs))))


def add_legacy(roots: Roots, data: st.DataObject) -> None:
    """Add what old configurations carry: entry schedd_name, glexec, after_group, comments."""
    kind = data.draw(st.sampled_from(["schedd", "glexec", "after_group", "comment"]))
    if kind == "comment":
        element = _pick(data, [item for root in roots for item in root.iter()])
        if element is not None:
            element.set("comment", "documentation")
        return
    entry = _pick(data, _entries(roots))
    if entry is None:
        return
    if kind == "schedd":
        entry.set("schedd_name", "schedd_glideins9@example.org")
    elif kind == "glexec":
        restrictions = _child(_child(entry, "config"), "restrictions")
        restrictions.set("require_glidein_glexec_use", "False")
    else:
        for file in entry.iter("file"):
            file.set("after_group", "False")


def relative_output(roots: Roots, data: st.DataObject) -> None:
    """Write the stage directory as a relative path."""
    _child(roots[0], "stage").set(
        "base_dir", data.draw(st.sampled_from(["stage", "web-area/stage", "./stage"]))
    )


def odd_value(roots: Roots, data: st.DataObject) -> None:
    """Give one thing an odd but legal value."""
    kind = data.draw(
        st.sampled_from(["int_blanks", "auth_semicolon", "slots_typo", "disable", "empty_value"])
    )
    entry = _pick(data, _entries(roots))
    if entry is None:
        return
    if kind == "auth_semicolon":
        entry.set("auth_method", "grid_proxy;voms_proxy")
    elif kind == "disable":
        entry.set("enabled", "False")
    elif kind == "slots_typo":
        _child(_child(entry, "config"), "submit").set("slots_layout", "partionable")
    else:
        attrs = _child(entry, "attrs")
        value = " 5 " if kind == "int_blanks" else ""
        kind_of = "int" if kind == "int_blanks" else "string"
        etree.SubElement(attrs, "attr", name="ODD_VALUE", value=value, type=kind_of)


def into_entry_sets(roots: Roots, data: st.DataObject) -> None:
    """Move an entry into <entry_sets>, as a plain entry or wrapped in an entry set."""
    entry = _pick(data, [item for item in _entries(roots) if item.getparent().tag == "entries"])
    if entry is None:
        return
    root = entry.getroottree().getroot()
    entry.getparent().remove(entry)
    sets = _child(root, "entry_sets")
    if data.draw(st.booleans()):
        if data.draw(st.booleans()):
            for name, value in _LOOSE_SETTINGS.items():
                entry.set(name, entry.get(name, value))
        sets.append(entry)
        return
    entry_set = etree.SubElement(sets, "entry_set", alias=f"SET_{entry.get('name')}")
    etree.SubElement(entry_set, "entries").append(entry)


MUTATIONS: tuple[Mutation, ...] = (
    duplicate_attr,
    reorder_attrs,
    remove_attr,
    add_legacy,
    relative_output,
    odd_value,
    into_entry_sets,
)


def _write_variant(
    base: Path, target: Path, mutations: list[Mutation], data: st.DataObject
) -> Path:
    """Copy ``base`` (and its config.d) to ``target``, edited by ``mutations``."""
    if target.exists():
        shutil.rmtree(target)
    (target / "config.d").mkdir(parents=True)
    sources = [base, *sorted((base.parent / "config.d").glob("*.xml"))]
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False)
    trees = [etree.parse(str(source), parser) for source in sources]
    roots = [tree.getroot() for tree in trees]
    for mutation in mutations:
        mutation(roots, data)
    main = target / base.name
    for source, tree in zip(sources, trees, strict=True):
        path = main if source == base else target / "config.d" / source.name
        tree.write(str(path), encoding="utf-8")
    return main


@pytest.mark.parametrize("name", BASES)
def test_generated_variants_agree_with_glideinwms(name, tmp_path_factory, monkeypatch):
    base, cwd = BASES[name]
    stricter = stricter_codes()

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3), st.data())
    def check(mutations: list[Mutation], data: st.DataObject) -> None:
        scratch = tmp_path_factory.mktemp("variant")
        config = _write_variant(base, scratch / "cfg", mutations, data)
        theirs = glideinwms_verdict(config, cwd, scratch / "gwms")
        monkeypatch.chdir(cwd)
        ours = glideinforge_verdict(config, scratch / "ours")
        problem = agreement(ours, theirs, stricter)
        names = [mutation.__name__ for mutation in mutations]
        assert problem is None, (names, problem, ours, theirs)
        if ours.published:
            assert_daemon_loads(config, scratch / "ours")
        shutil.rmtree(scratch)

    check()

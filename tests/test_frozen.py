"""``frozen`` classes behave as ``dataclass(frozen=True, slots=True)`` ones, defined cheaper."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import sys
from dataclasses import dataclass, field

import pytest

from glideinforge.frozen import frozen

from conftest import glideinforge_modules

SHARED_GUARDS = sys.version_info[:2] == (3, 11)
"""Where ``frozen`` classes share their ``__setattr__`` and ``__delattr__``."""


@frozen
class Made:
    """A class made by ``frozen``."""

    name: str
    size: int = 0
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """The same class made by ``dataclass``."""

    name: str
    size: int = 0
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@frozen
class Other:
    """Another class with the same fields."""

    name: str
    size: int = 0
    parts: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


def test_repr_is_a_dataclass_repr() -> None:
    made, reference = Made("a'b", 3, ("x",), note="n"), Reference("a'b", 3, ("x",), note="n")
    assert repr(made) == "Made(name=\"a'b\", size=3, parts=('x',))"
    assert repr(reference) == repr(made).replace("Made", "Reference")


def test_equality_and_hash_take_the_compared_fields_as_a_dataclass_does() -> None:
    first, second = Made("a", 1, note="one"), Made("a", 1, note="two")
    assert first == second  # note is not compared
    assert hash(first) == hash(second) == hash(Reference("a", 1)) == hash(("a", 1, ()))
    assert first != Made("a", 2)
    assert first != Made("b", 1)
    assert first != Other("a", 1)  # another class is never equal
    assert first != ("a", 1, ())
    assert len({first, second, Made("a", 2)}) == 2
    nan = float("nan")
    same = Made("a", parts=(str(nan),))
    assert same == same  # noqa: PLR0124 - a tuple comparison: the same object is equal


def test_instances_are_frozen_and_slotted() -> None:
    made = Made("a")
    with pytest.raises(dataclasses.FrozenInstanceError, match=r"^cannot assign to field 'name'$"):
        made.name = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match=r"^cannot delete field 'size'$"):
        del made.size  # type: ignore[misc]
    if SHARED_GUARDS:  # (3.11's own guard fails with a TypeError on a slotted class)
        with pytest.raises(AttributeError):
            made.other = 1  # type: ignore[attr-defined]
    assert made == Made("a")
    assert not hasattr(made, "__dict__")
    assert Made.__slots__ == Reference.__slots__


def test_an_instance_pickles_and_copies() -> None:
    made = Made("a", 1, ("x",), note="n")
    again = pickle.loads(pickle.dumps(made))  # noqa: S301 - this test's own bytes
    assert again == made
    assert again.note == "n"
    assert copy.deepcopy(made) == made


@pytest.mark.skipif(not SHARED_GUARDS, reason="the guards are shared on 3.11")
def test_no_guard_is_generated_and_dataclasses_is_left_as_it_was() -> None:
    for name in ("__setattr__", "__delattr__"):
        assert getattr(Made, name).__code__ is getattr(Other, name).__code__
        assert getattr(Made, name).__qualname__ == f"Made.{name}"
    assert dataclasses._frozen_get_del_attr.__module__ == "dataclasses"  # type: ignore[attr-defined]

    @dataclass(frozen=True)
    class Later:
        name: str

    assert Later.__setattr__.__code__ is not Made.__setattr__.__code__
    with pytest.raises(dataclasses.FrozenInstanceError):
        Later("a").name = "b"  # type: ignore[misc]


def test_dataclass_functions_work() -> None:
    made = Made("a", 1, ("x",), note="n")
    assert dataclasses.is_dataclass(made)
    assert [item.name for item in dataclasses.fields(made)] == ["name", "size", "parts", "note"]
    assert dataclasses.replace(made, size=2) == Made("a", 2, ("x",))
    assert dataclasses.asdict(made) == {"name": "a", "size": 1, "parts": ("x",), "note": "n"}
    assert str(inspect.signature(Made)) == str(inspect.signature(Reference))


def test_no_method_is_generated_for_equality_hash_or_repr() -> None:
    for name in ("__eq__", "__hash__", "__repr__"):
        assert getattr(Made, name) is getattr(Other, name)


def test_every_frozen_dataclass_of_glideinforge_is_made_cheaply() -> None:
    """A class made by ``dataclass(frozen=True)`` costs the start of every command more."""
    expensive = []
    for module in glideinforge_modules():
        for name, value in vars(module).items():
            if not (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
                and value.__dataclass_params__.frozen  # type: ignore[attr-defined]
            ):
                continue
            if value.__dataclass_params__.order:  # type: ignore[attr-defined]
                continue  # its ordering is generated: a dataclass on purpose
            if value.__eq__ is not Made.__eq__:
                expensive.append(f"{module.__name__}.{name}")
            elif SHARED_GUARDS and value.__setattr__.__code__ is not Made.__setattr__.__code__:
                expensive.append(f"{module.__name__}.{name} (its guards)")
    assert expensive == []

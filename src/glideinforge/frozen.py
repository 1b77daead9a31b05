"""Frozen dataclasses that cost less to define: their methods but ``__init__`` are shared code.

Defining a dataclass generates the source of its methods and compiles it. A command
defines about a hundred frozen ones as it starts, and that was a sixth of a one-entry
edit's reconfig (about 360 µs a class, 220 µs without a generated ==, hash and repr).
A ``frozen`` class is a frozen, slotted dataclass (``fields``, ``replace`` and type
checkers treat it as one) whose ==, hash and repr take the same fields as a
dataclass's own, through three functions every such class shares. On Python 3.11
its ``__setattr__`` and ``__delattr__``, which refuse every change as a frozen
dataclass's do, are made from shared code too: of the three functions compiled
for each class, only ``__init__`` is left (half the cost of a class again).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Iterator
from types import FunctionType
from typing import Any, TypeVar, dataclass_transform

__all__ = ["frozen"]

_Class = TypeVar("_Class", bound=type)

_COMPARED = "_frozen_compared"
_SHOWN = "_frozen_shown"


def _compared(item: object) -> tuple[object, ...]:
    """Return the values ``==`` and hash take, as a dataclass's own do (a tuple)."""
    return tuple(getattr(item, name) for name in getattr(item, _COMPARED))


class _Shared:
    """The methods every ``frozen`` class shares (copied into it, never inherited).

    (The two guards are copied as new functions over the same code: ``_shared_guards``.)
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(other)

    def __hash__(self) -> int:
        return hash(_compared(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in getattr(self, _SHOWN))
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


_GUARDS_MAKER = "_frozen_get_del_attr"
"""The function of ``dataclasses`` (3.11) that compiles a frozen class's two guards."""


def _shared_guards(*_: object) -> tuple[FunctionType, FunctionType]:
    """Make a class's ``__setattr__`` and ``__delattr__`` from the shared code, compiling none.

    Each class gets its own function objects: ``dataclasses`` names them after it.
    """
    shared = _Shared.__dict__
    return (
        FunctionType(shared["__setattr__"].__code__, globals(), "__setattr__"),
        FunctionType(shared["__delattr__"].__code__, globals(), "__delattr__"),
    )


@contextlib.contextmanager
def _guards_shared() -> Iterator[None]:
    """Have ``dataclasses`` take the shared guards while it makes one class (Python 3.11).

    Its generated ones raise the same error for a field; a slotted class has no
    other attribute to set. Elsewhere the class is made as ``dataclasses`` makes it.
    """
    maker = getattr(dataclasses, _GUARDS_MAKER, None)
    if sys.version_info[:2] != (3, 11) or maker is None:
        yield
        return
    setattr(dataclasses, _GUARDS_MAKER, _shared_guards)
    try:
        yield
    finally:
        setattr(dataclasses, _GUARDS_MAKER, maker)


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: _Class) -> _Class:
    """Make ``cls`` a frozen, slotted dataclass, as ``dataclass(frozen=True, slots=True)``."""
    for name in ("__eq__", "__hash__", "__repr__"):
        setattr(cls, name, _Shared.__dict__[name])
    with _guards_shared():
        made: Any = dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)(cls)
    fields = dataclasses.fields(made)
    setattr(made, _COMPARED, tuple(field.name for field in fields if field.compare))
    setattr(made, _SHOWN, tuple(field.name for field in fields if field.repr))
    result: _Class = made
    return result

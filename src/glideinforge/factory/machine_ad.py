"""The machine ClassAd a glidein of an entry would advertise, for matching jobs with classad2.

What the glidein publishes in its startd ad comes from the entry's effective attrs: each
attr whose condor_vars row exports it (``STARTD_ATTRS``), typed as that row says. The
resources follow the Custom HTCondor Variables page:

- ``Cpus``: ``GLIDEIN_CPUS`` when it is a number; with ``auto``, ``slot`` or ``node``,
  ``GLIDEIN_ESTIMATED_CPUS`` (default 1), as the frontend assumes.
- ``Memory``: ``GLIDEIN_MaxMemMBs`` when set. Otherwise HTCondor decides on the node;
  the ad then offers what the job asks for (``TARGET.RequestMemory``).
- ``Disk``: HTCondor's ``auto`` share on the node, unknown here: the ad offers what the
  job asks for (``TARGET.RequestDisk``).
- ``GPUs``: the count of a ``GPUs`` resource in ``GLIDEIN_Resource_Slots``, else 0.

``START`` (and so ``Requirements``) is the glidein's own, as ``condor_startup.sh`` writes
it, without the clauses only a running glidein knows (its retire time, the node draining):
``(GLIDEIN_Start) && (GLIDEIN_Entry_Start) && (GLIDEIN_Custom_Start)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import classad2

from glideinforge.creation.lib.explain import AttrLevel, Explanation, explain_attrs
from glideinforge.frozen import frozen

__all__ = [
    "Offer",
    "glidein_cpus",
    "glidein_gpus",
    "glidein_memory",
    "machine_ad",
    "offer",
    "whole_number",
]

_ASKED = "ifThenElse(TARGET.{0} isnt undefined, TARGET.{0}, 0)"
"""A resource the node decides: the ad offers what the job asks for."""
_AUTO_CPUS = frozenset({"auto", "slot", "node"})
_START_PARTS = ("GLIDEIN_Start", "GLIDEIN_Entry_Start", "GLIDEIN_Custom_Start")


def whole_number(text: str | None) -> int | None:
    """Return ``text`` as a whole number (None: unset, or not one)."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None


def glidein_cpus(values: dict[str, str]) -> int:
    """Return the CPUs a glidein of these effective attrs offers."""
    cpus = values.get("GLIDEIN_CPUS", "1").strip().lower()
    if cpus in _AUTO_CPUS:
        return whole_number(values.get("GLIDEIN_ESTIMATED_CPUS")) or 1
    return whole_number(cpus) or 1


def glidein_memory(values: dict[str, str]) -> int | None:
    """Return the MB of memory a glidein offers, None when HTCondor decides on the node."""
    return whole_number(values.get("GLIDEIN_MaxMemMBs"))


def glidein_gpus(values: dict[str, str]) -> int:
    """Return the GPUs a glidein offers: the count of a GPUs resource slot, else 0."""
    for resource in values.get("GLIDEIN_Resource_Slots", "").split(";"):
        fields = [field.strip() for field in resource.split(",")]
        if fields[0].lower() == "gpus":
            count = whole_number(fields[1]) if len(fields) > 1 else None
            return 1 if count is None else count
    return 0


def _typed(item: Explanation, name: str) -> object | None:
    """Return ``item``'s value as the startd ad holds it under ``name`` (None: it cannot)."""
    kind = next((letter for knob, letter in item.knobs if knob == name), "S")
    value = item.value or ""
    if kind == "I":
        try:
            return int(value.strip())
        except ValueError:
            return None
    if kind == "C":
        try:
            expression: object = classad2.ExprTree(value)
        except (classad2.ClassAdException, ValueError, RuntimeError, SyntaxError):
            return None
        return expression
    return value


@frozen
class Offer:
    """What a glidein of an entry offers: its machine ad and its resources."""

    entry: str
    ad: classad2.ClassAd
    cpus: int
    memory: int | None
    """MB; None when HTCondor decides on the node."""
    gpus: int


def offer(entry: str, levels: Sequence[AttrLevel]) -> Offer:
    """Return what a glidein of ``entry`` (combining ``levels``) offers."""
    ad = machine_ad(levels)
    memory = ad.get("Memory")
    return Offer(
        entry, ad, int(ad["Cpus"]), memory if isinstance(memory, int) else None, int(ad["GPUs"])
    )


def machine_ad(levels: Sequence[AttrLevel]) -> classad2.ClassAd:
    """Return the machine ad a glidein combining ``levels`` would advertise."""
    explained = [item for item in explain_attrs(levels) if item.value is not None]
    values = {item.name: str(item.value) for item in explained}
    ad = classad2.ClassAd()
    for item in explained:
        for name in item.published:
            typed = _typed(item, name)
            if typed is not None:
                ad[name] = typed
    ad["MyType"] = "Machine"
    ad["Cpus"] = glidein_cpus(values)
    memory = glidein_memory(values)
    offered = classad2.ExprTree(_ASKED.format("RequestMemory"))
    ad["Memory"] = offered if memory is None else memory
    ad["Disk"] = classad2.ExprTree(_ASKED.format("RequestDisk"))
    ad["GPUs"] = glidein_gpus(values)
    start = " && ".join(f"({values.get(part, 'True') or 'True'})" for part in _START_PARTS)
    ad["START"] = classad2.ExprTree(start)
    ad["Requirements"] = classad2.ExprTree("START")
    return ad

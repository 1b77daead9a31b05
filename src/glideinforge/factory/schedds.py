"""Schedd assignment: sticky for existing entries, least-loaded for new ones."""

from __future__ import annotations

from collections.abc import Mapping

from .model import Factory

__all__ = ["assign_schedds"]


def assign_schedds(factory: Factory, previous: Mapping[str, str]) -> dict[str, str]:
    """Return each entry's schedd.

    An entry keeps its previous schedd while that schedd is still configured.
    Otherwise it gets the schedd with the fewest enabled entries, ties going
    to list order. Entries are visited in configuration order, and only
    enabled entries count towards the load, as in GlideinWMS.
    """
    load = dict.fromkeys(factory.schedd_names, 0)
    assigned: dict[str, str] = {}
    for entry in factory.entries:
        old = previous.get(entry.name)
        if old in load:
            assigned[entry.name] = old
            load[old] += entry.enabled
    for entry in factory.entries:
        if entry.name in assigned:
            continue
        schedd = min(load, key=lambda name: (load[name], factory.schedd_names.index(name)))
        assigned[entry.name] = schedd
        load[schedd] += entry.enabled
    return assigned

"""What a frontend group asks a factory for, as far as the glidein's arguments go.

GlideinWMS's frontend advertises, per group, its client name
(``<frontend>.<group>``), where its two stages are and how they are signed, and
its params; the factory turns them into ``-clientname``, ``-clientweb`` ... and
``-param_`` words. Everything here is read from the frontend's published work
dir: ``frontend.descript`` (name, web URL, enabled groups), ``signatures.sha1``
(keys ``main`` and ``group_<name>``) and the main and group ``params.cfg``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from glideinforge.creation.lib.dict_files import read_dict_file
from glideinforge.factory.glidein_args import (
    ArgsError,
    GlideinArgs,
    glidein_args,
    param_value,
    signed_levels,
)
from glideinforge.frozen import frozen

__all__ = ["FrontendRequest", "frontend_request", "read_frontend_params", "requested_args"]


@frozen
class FrontendRequest:
    """The client part of one group's glidein request."""

    client_name: str
    """``<frontend name>.<group name>``: ``-clientname`` and ``GLIDEIN_Client``."""
    words: tuple[str, ...]
    """``-clientweb ... -clientdescriptgroup ...``, in the order a factory puts them."""
    params: dict[str, str]
    """The frontend's params, the group's overriding the main ones."""


def read_frontend_params(path: Path) -> dict[str, str]:
    """Return the params of a frontend ``params.cfg`` (name, CONST or EXPR, value), decoded.

    EXPR params are passed as their text: GlideinWMS evaluates them as Python in
    the frontend daemon, which glideinforge never does.
    """
    params = {}
    for name, rest in read_dict_file(path).items():
        _kind, _, literal = rest.partition(" \t")
        params[name] = param_value(literal)
    return params


def frontend_request(work_dir: Path, group: str, *, web_url: str | None = None) -> FrontendRequest:
    """Build the request of ``group`` from the frontend's published ``work_dir``.

    ``web_url`` replaces the configured stage URL (e.g. a local test server); the
    group stage is always ``<web url>/group_<group>``.
    """
    descript = read_dict_file(work_dir / "frontend.descript")
    if not descript:
        raise ArgsError(f"{work_dir}: no published frontend.descript")
    enabled = [name for name in descript.get("Groups", "").split(",") if name]
    if group not in enabled:
        known = ", ".join(enabled) or "none"
        raise ArgsError(f"{work_dir}: no enabled group '{group}' (enabled groups: {known})")
    (main_sign, main_descript), (group_sign, group_descript) = signed_levels(
        work_dir, "main", f"group_{group}"
    )
    base_url = (web_url or descript["WebURL"]).rstrip("/")
    words = (
        "-clientweb", base_url,
        "-clientsign", main_sign,
        "-clientsigntype", "sha1",
        "-clientdescript", main_descript,
        "-clientgroup", group,
        "-clientwebgroup", f"{base_url}/group_{group}",
        "-clientsigngroup", group_sign,
        "-clientdescriptgroup", group_descript,
    )  # fmt: skip
    params = read_frontend_params(work_dir / "params.cfg")
    params.update(read_frontend_params(work_dir / f"group_{group}" / "params.cfg"))
    return FrontendRequest(f"{descript['FrontendName']}.{group}", words, params)


def requested_args(
    work_dir: Path,
    entry: str,
    request: FrontendRequest | None,
    *,
    web_url: str | None = None,
    params: Mapping[str, str] | None = None,
    cluster: str = "$(Cluster)",
    process: str = "$(Process)",
) -> GlideinArgs:
    """Build ``entry``'s argument list for ``request`` (or none) as the factory submits it.

    The request's params replace the factory's; ``params`` replace both.
    """
    if request is None:
        return glidein_args(
            work_dir, entry, web_url=web_url, extra_params=params, cluster=cluster, process=process
        )
    return glidein_args(
        work_dir,
        entry,
        web_url=web_url,
        client=request.client_name,
        extra_params={**request.params, **(params or {})},
        cluster=cluster,
        process=process,
        client_args=request.words,
    )

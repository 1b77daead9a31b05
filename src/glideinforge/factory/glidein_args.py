"""The glidein_startup.sh argument list a factory submits for one entry.

Everything comes from the published work dir, as the factory daemon reads it:
``glidein.descript`` (names, web URL), ``entry_<name>/job.descript`` (verbosity,
schedd, proxy, startup dir, slots layout), ``signatures.sha1`` (signature hashes
and description names) and the main and entry ``params.cfg`` (parameters, the
entry's overriding the main ones), escaped with GlideinWMS's token table.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path

from glideinforge.creation.lib.dict_files import read_dict_file, summary_rows
from glideinforge.errors import GlideinforgeError
from glideinforge.frozen import frozen

__all__ = [
    "ArgsError",
    "GlideinArgs",
    "escape_param",
    "glidein_args",
    "param_value",
    "published_signatures",
    "read_params",
    "signed_levels",
]

_ESCAPES = {
    ".": ".dot,",
    ",": ".comma,",
    "&": ".amp,",
    "\\": ".backslash,",
    "|": ".pipe,",
    "`": ".fork,",
    '"': ".quot,",
    "'": ".singquot,",
    "=": ".eq,",
    "+": ".plus,",
    "-": ".minus,",
    "<": ".lt,",
    ">": ".gt,",
    "(": ".open,",
    ")": ".close,",
    "{": ".gopen,",
    "}": ".gclose,",
    "[": ".sopen,",
    "]": ".sclose,",
    "#": ".comment,",
    "$": ".dollar,",
    "*": ".star,",
    "?": ".question,",
    "!": ".not,",
    "~": ".tilde,",
    ":": ".colon,",
    ";": ".semicolon,",
    " ": ".nbsp,",
}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


class ArgsError(GlideinforgeError):
    """The work dir cannot give an argument list (not published, unknown entry, ...)."""


def escape_param(value: str) -> str:
    """Escape a parameter value so that it is one shell-safe word for the glidein."""
    return value.translate(_ESCAPE_TABLE)


def param_value(text: str) -> str:
    """Decode a params.cfg value (a Python literal as GlideinWMS writes it)."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else str(value)


def read_params(path: Path) -> dict[str, str]:
    """Return the parameters of a params.cfg, decoded."""
    return {name: param_value(text) for name, text in read_dict_file(path).items()}


@frozen
class GlideinArgs:
    """The argument words and where they were read from."""

    words: tuple[str, ...]
    params: dict[str, str]
    skipped: tuple[str, ...]
    """Parameters left out because their value is empty."""


def published_signatures(work_dir: Path) -> dict[str, tuple[str, str]]:
    """Return {key: (signature sha1, description name)} from a work dir's signatures.sha1."""
    try:
        text = (work_dir / "signatures.sha1").read_text(encoding="latin-1")
    except OSError as error:
        raise ArgsError(f"{work_dir}: no published signatures.sha1 ({error.strerror})") from error
    return {key: (sha1, description) for sha1, description, key in summary_rows(text)}


def signed_levels(work_dir: Path, *keys: str) -> list[tuple[str, str]]:
    """Return (signature sha1, description name) for each key, from signatures.sha1.

    Raises:
        ArgsError: nothing is published, or a key has no line.
    """
    summary = published_signatures(work_dir)
    missing = [key for key in keys if key not in summary]
    if missing:
        raise ArgsError(f"{work_dir}/signatures.sha1: no line for {', '.join(missing)}")
    return [summary[key] for key in keys]


def glidein_args(
    work_dir: Path,
    entry: str,
    *,
    web_url: str | None = None,
    client: str = "manual",
    credential_id: str = "manual",
    extra_params: Mapping[str, str] | None = None,
    cluster: str = "$(Cluster)",
    process: str = "$(Process)",
    client_args: Sequence[str] = (),
) -> GlideinArgs:
    """Build the argument list for ``entry`` from the published ``work_dir``.

    Args:
        work_dir: the factory's work dir (``<submit base_dir>``).
        entry: the entry name.
        web_url: replaces the configured ``WebURL`` (e.g. a local test server).
        client: the frontend client name (``-clientname``, ``GLIDEIN_Client``).
        credential_id: ``-submitcredid``.
        extra_params: parameters added or overriding, as a frontend would send them.
        cluster: the ``-cluster`` value (the submit macro by default).
        process: the ``-subcluster`` value.
        client_args: frontend stage arguments (``-clientweb`` ...), inserted as a factory does.
    """
    glidein = read_dict_file(work_dir / "glidein.descript")
    if not glidein:
        raise ArgsError(f"{work_dir}: no published glidein.descript")
    job = read_dict_file(work_dir / f"entry_{entry}" / "job.descript")
    if not job:
        raise ArgsError(f"{work_dir}: no entry '{entry}' (no entry_{entry}/job.descript)")
    (main_sign, main_descript), (entry_sign, entry_descript) = signed_levels(
        work_dir, "main", f"entry_{entry}"
    )
    params = read_params(work_dir / "params.cfg")
    params.update(read_params(work_dir / f"entry_{entry}" / "params.cfg"))
    params.update(extra_params or {})
    words = [
        "-v", job.get("Verbosity", "std"),
        "-name", glidein["GlideinName"],
        "-entry", entry,
        "-clientname", client,
        "-schedd", job.get("Schedd", ""),
        "-proxy", job.get("ProxyURL") or "None",
        "-factory", glidein["FactoryName"],
        "-web", web_url or glidein["WebURL"],
        "-sign", main_sign,
        "-signentry", entry_sign,
        "-signtype", "sha1",
        "-descript", main_descript,
        "-descriptentry", entry_descript,
        "-dir", job.get("StartupDir", "."),
        "-param_GLIDEIN_Client", escape_param(client),
        "-submitcredid", credential_id,
        "-slotslayout", job.get("SubmitSlotsLayout", "fixed"),
        *client_args,
    ]  # fmt: skip
    skipped = []
    for name, value in params.items():
        if not value.strip():
            skipped.append(name)
            continue
        words += [f"-param_{name}", escape_param(value)]
    words += ["-cluster", cluster, "-subcluster", process]
    return GlideinArgs(tuple(words), params, tuple(skipped))

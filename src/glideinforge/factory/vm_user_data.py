"""The user data an ec2 or gce entry's VM starts from (what its pilot service reads).

GlideinWMS's factory passes it, base64-encoded, as ``USER_DATA`` of the submit: the
glidein arguments (the submit description appends ``-cluster`` and ``-subcluster``), the
web URL, and from the parameters ``VM_MAX_LIFETIME`` (when the pilot service stops the
glidein and shuts the VM down) and ``VM_DISABLE_SHUTDOWN`` (keep the VM up after the
glidein, for debugging). Unset, the lifetime is the Custom HTCondor
Variables page's default, 172800 s (GlideinWMS's submit code uses 43200 s).
"""

from __future__ import annotations

import shlex

from glideinforge.creation.lib.templating import Templates

from .glidein_args import ArgsError, GlideinArgs

__all__ = ["DEFAULT_MAX_LIFETIME", "VM_GRIDTYPES", "vm_user_data"]

VM_GRIDTYPES = ("ec2", "gce")
DEFAULT_MAX_LIFETIME = 172800
"""Seconds; the page's and condor_vars.lst's default for VM_MAX_LIFETIME."""


def vm_user_data(gridtype: str, built: GlideinArgs) -> str:
    """Return the user-data ini for a glidein of a ``gridtype`` entry with ``built``'s words.

    Raises:
        ArgsError: the entry is not a VM entry, or a VM parameter has a wrong type.
    """
    if gridtype not in VM_GRIDTYPES:
        only = " and ".join(VM_GRIDTYPES)
        raise ArgsError(f"gridtype {gridtype!r} starts no VM (only {only} do)")
    lifetime = built.params.get("VM_MAX_LIFETIME", "").strip() or str(DEFAULT_MAX_LIFETIME)
    if not lifetime.isdigit():
        raise ArgsError(f"VM_MAX_LIFETIME: {lifetime!r} is not a number of seconds")
    disable = built.params.get("VM_DISABLE_SHUTDOWN", "").strip() or "False"
    if disable.lower() not in ("true", "false"):
        raise ArgsError(f"VM_DISABLE_SHUTDOWN: {disable!r} is neither True nor False")
    words = list(built.words[:-4])  # the submit appends -cluster and -subcluster itself
    rendered = Templates().render(
        "vm_user_data.ini.j2",
        args=shlex.join(words),
        web_url=words[words.index("-web") + 1],
        max_lifetime=int(lifetime),
        gridtype=gridtype,
        disable_shutdown=disable.capitalize(),
    )
    return rendered.decode("latin-1")

"""Attrs and staged user files: the model both configuration languages share.

A frontend attr is an attr that is always published: ``parameter="True"``
makes it a parameter, ``parameter="False"`` a constant (``const`` is then its
negation), so the same routing rules apply to both.
"""

from __future__ import annotations

import enum
from pathlib import Path

from glideinforge.frozen import frozen

from .diagnostics import Source

__all__ = ["Attr", "AttrType", "StagedFile", "UntarOptions"]


class AttrType(enum.Enum):
    """Type of an attr value."""

    STRING = "string"
    INT = "int"
    EXPR = "expr"


@frozen
class Attr:
    """An ``<attr>``: a named value with its routing flags."""

    name: str
    value: str
    type: AttrType
    const: bool
    publish: bool
    parameter: bool
    glidein_publish: bool
    job_publish: bool
    source: Source

    @property
    def typed_value(self) -> int | str:
        """The value as GlideinWMS uses it: ``int`` for int attrs, else the text."""
        return int(self.value) if self.type is AttrType.INT else self.value


@frozen
class UntarOptions:
    """How an untar file is unpacked."""

    cond_attr: str
    dir: str | None
    absdir_outattr: str | None


@frozen
class StagedFile:
    """A user ``<file>`` to stage; ``absfname`` is resolved to where it is read.

    ``after_group`` is the frontend's (global files run after the group's).
    """

    absfname: Path
    relfname: str
    const: bool
    executable: bool
    wrapper: bool
    untar: bool
    type: str
    time: str
    period: int
    prefix: str
    after_entry: bool
    untar_options: UntarOptions
    source: Source
    after_group: bool = False

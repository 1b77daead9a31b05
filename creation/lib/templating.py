"""The one jinja2 environment every generated text file is rendered with."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

__all__ = ["render"]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("glideinforge.creation.lib", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - these are config files, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


def render(template: str, **context: Any) -> bytes:
    """Render ``template`` with ``context``; return latin-1 bytes, as GlideinWMS writes.

    The templates use no jinja globals, so the context is created ``shared``
    (without copying the globals), which halves the per-file overhead of the
    tens of thousands of small files a large factory renders.
    """
    compiled = _template(template)
    text = "".join(compiled.root_render_func(compiled.new_context(context, shared=True)))
    return text.encode("latin-1")

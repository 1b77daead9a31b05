"""The one jinja2 environment every generated text file is rendered with."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["TEMPLATES", "render"]

TEMPLATES = Path(__file__).with_name("templates")
"""The shipped templates (read as plain files: no resource API to import)."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
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

    The templates use no jinja globals, so the context is made directly over
    ``context`` (no copy of it, no set of the globals' names per render), which
    more than halves the per-file overhead of the tens of thousands of small
    files a large factory renders.
    """
    compiled = _template(template)
    environment = compiled.environment
    render_context = environment.context_class(environment, context, compiled.name, compiled.blocks)
    return "".join(compiled.root_render_func(render_context)).encode("latin-1")

"""The jinja2 environment every generated text file is rendered with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

__all__ = ["TEMPLATES", "Templates"]

TEMPLATES = Path(__file__).with_name("templates")
"""The shipped templates (read as plain files: no resource API to import)."""


class Templates:
    """The shipped templates, each compiled when first rendered: make one a run, pass it along.

    Compiling a template costs far more than rendering it, and a factory renders the
    same few for every entry.
    """

    __slots__ = ("_compiled", "_environment")

    def __init__(self) -> None:
        """Make the jinja2 environment every generated text file is rendered with."""
        self._environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,  # noqa: S701 - these are config files, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._compiled: dict[str, jinja2.Template] = {}

    def render(self, template: str, **context: Any) -> bytes:
        """Render ``template`` with ``context``; return latin-1 bytes, as GlideinWMS writes.

        The templates use no jinja globals, so the context is made directly over
        ``context`` (no copy of it, no set of the globals' names per render), which
        more than halves the per-file overhead of the tens of thousands of small
        files a large factory renders.
        """
        compiled = self._compiled.get(template)
        if compiled is None:
            compiled = self._compiled[template] = self._environment.get_template(template)
        environment = compiled.environment
        render_context = environment.context_class(
            environment, context, compiled.name, compiled.blocks
        )
        return "".join(compiled.root_render_func(render_context)).encode("latin-1")

"""JSON Schemas: the single source of the configuration languages."""

import json
from pathlib import Path
from typing import Any

__all__ = ["load_schema"]


def load_schema(name: str) -> dict[str, Any]:
    """Return the parsed JSON Schema called ``<name>.schema.json``."""
    text = Path(__file__).with_name(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema

"""Files that glideins download from the staging area."""

from pathlib import Path

__all__ = ["WEB_BASE"]

WEB_BASE = Path(__file__).parent
"""This directory: the shipped files are read from it as plain files."""

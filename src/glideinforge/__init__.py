"""glideinforge: a configuration toolchain for GlideinWMS factories and frontends."""

__version__ = "0.1.0"
"""The one place the version is set (pyproject.toml reads it from here)."""

__all__ = ["__version__"]

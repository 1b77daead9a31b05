"""The batch systems glideins are submitted to, and the file each one's script is written to."""

from __future__ import annotations

__all__ = ["SCRIPT_NAMES", "SYSTEMS"]

SYSTEMS = ("condor", "slurm", "pbs", "lsf", "uge")
"""HTCondor (the local schedd), SLURM, PBS, LSF and UGE."""

SCRIPT_NAMES = {system: f"glidein.{system}" for system in SYSTEMS} | {"condor": "glidein.sub"}
"""The file each system's script or submit description is written to."""

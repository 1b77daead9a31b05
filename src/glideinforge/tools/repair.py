"""``reconfig --repair``: find what is damaged in the live state, and say what was restored.

Publishing with ``repair`` rewrites every damaged or missing file; comparing
a verification of the live state before with one after tells the operator
which files were restored, and which (if any) are still wrong.
"""

from __future__ import annotations

from pathlib import Path

from glideinforge.creation.lib.states import SUMMARY, verify_published
from glideinforge.creation.lib.verify import VerifyProblem
from glideinforge.frozen import frozen

__all__ = ["RepairOutcome", "damaged_files", "repair_outcome"]


def damaged_files(stage: Path, work: Path) -> tuple[VerifyProblem, ...]:
    """Return what verify finds wrong with the live state (nothing before a first publish)."""
    summary = work / SUMMARY
    if not summary.is_file():
        return ()
    return tuple(verify_published(stage, summary).problems)


@frozen
class RepairOutcome:
    """The problems a repair fixed, and those the new live state still has."""

    restored: tuple[VerifyProblem, ...]
    remaining: tuple[VerifyProblem, ...]

    def to_json(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "restored": [problem.to_json() for problem in self.restored],
            "remaining": [problem.to_json() for problem in self.remaining],
        }


def repair_outcome(before: tuple[VerifyProblem, ...], stage: Path, work: Path) -> RepairOutcome:
    """Verify again after publishing: each file damaged ``before`` and fine now was restored."""
    after = damaged_files(stage, work)
    still = {problem.file for problem in after}
    return RepairOutcome(tuple(item for item in before if item.file not in still), after)

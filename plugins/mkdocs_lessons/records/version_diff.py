"""What changed between two versions of an SOP: its steps, its purpose and its decision criteria.

One comparison for every reader: the version page's "What changed" (pages/procedures/page.py)
and the process map's marks on new or reworded steps (charts/process_map.py). No MkDocs here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Optional

from mkdocs_lessons.records.model import Criterion, Sop, SopVersion

__all__ = ["VersionDiff", "previous_version", "version_diff"]


@dataclass(frozen=True)
class VersionDiff:
    #: Every step of both versions in reading order: ("same" | "removed" | "added", text).
    steps: list[tuple[str, str]]
    #: For each step of the later version: new or reworded since the earlier one.
    changed: list[bool]
    #: The earlier purpose when the purpose changed, else None.
    purpose_was: Optional[str]
    #: Decision criteria added, then removed: ("added" | "removed", criterion).
    criteria: list[tuple[str, Criterion]]


def previous_version(sop: Sop, version: SopVersion) -> Optional[SopVersion]:
    """The version before `version` (by number): what "changed since" compares with."""
    earlier = [v for v in sop.versions if v.version < version.version]
    return max(earlier, key=lambda v: v.version) if earlier else None


def version_diff(before: SopVersion, after: SopVersion) -> VersionDiff:
    """`after` compared with `before`, step by step (kept, removed and added steps in order)."""
    old, new = before.steps, after.steps
    steps: list[tuple[str, str]] = []
    changed = [True] * len(new)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            steps += [("same", s) for s in new[j1:j2]]
            changed[j1:j2] = [False] * (j2 - j1)
            continue
        steps += [("removed", s) for s in old[i1:i2]]
        steps += [("added", s) for s in new[j1:j2]]
    old_criteria = {(c.when, c.then) for c in before.decision_criteria}
    new_criteria = {(c.when, c.then) for c in after.decision_criteria}
    criteria = [("added", c) for c in after.decision_criteria if (c.when, c.then) not in old_criteria]
    criteria += [("removed", c) for c in before.decision_criteria if (c.when, c.then) not in new_criteria]
    purpose_was = before.purpose if before.purpose.strip() != after.purpose.strip() else None
    return VersionDiff(steps, changed, purpose_was, criteria)

"""Which version of an SOP was in force on a day: the approval gate and the effective dates.

A fact of the records themselves, read by the checks (checks/loop_rules.py, checks/rules.py)
and by the analysis of the learning loop (analysis/loop.py). No MkDocs here.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Optional

from mkdocs_lessons.records.model import Incident, Sop, SopVersion

IN_FORCE_STATUSES = ("approved", "superseded", "retired")
REVIEWED = ("reviewed", "closed")
# A violated or followed reference names the version people had in hand;
# for `missing` and `updated` the version named is naturally a later one.
IN_FORCE_RELATIONS = ("violated", "followed")
OPEN_LOOP_RELATIONS = ("missing", "violated")


def effective_versions(sop: Sop) -> list[SopVersion]:
    """Versions that were ever in force, by effective date (then number)."""
    ranked = [v for v in sop.versions if v.status in IN_FORCE_STATUSES and v.effective is not None]
    return sorted(ranked, key=lambda v: (v.effective, v.version))


def version_in_force(sop: Sop, day: date) -> Optional[SopVersion]:
    """The version in force on `day`: the latest to take effect on or before it."""
    ranked = effective_versions(sop)
    index = bisect_right([v.effective for v in ranked if v.effective is not None], day)  # all (effective_versions)
    return ranked[index - 1] if index else None


def incident_day(incident: Incident) -> date:
    """The day the incident occurred, in its own time zone (effective dates are local days)."""
    return incident.occurred.date()

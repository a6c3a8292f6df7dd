"""The learning loop: failure, review, action, a changed standard, and proof it worked.

Pure core (no MkDocs). Three questions, answered from the records alone:

- *Which version was in force?* For an incident linked to an SOP, the
  version whose `effective` date is the latest one on or before the day the
  incident occurred (in the incident's own time zone), among versions that
  passed the approval gate (approved, superseded or retired with an
  effective date). Drafts and proposals were never in force. (records/in_force.py decides it.)
- *Is the loop closed?* An action item `codified_in: SOP-X@N` and version
  N's `motivated_by` say the same thing from two sides. Either side alone is
  enough (the other is derived); they contradict each other when the
  incident names another version of the same SOP as its motivation, or when
  the version took effect before the incident happened.
- *Did it work?* A later failure that shares the cause and a system, or a
  team and enough similarity, with an incident whose action item was done
  is a possible recurrence (`analysis/recurrence.py` says exactly when).

Its warnings (rules `sop-not-in-force`, `loop-contradiction`,
`loop-open`) are checks/loop_rules.py's; `LoopFacts` carries the derived links for the pages and the
dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

from mkdocs_lessons.analysis.recurrence import (
    FAILURE_KINDS,
    RECURRENCES_SHOWN,
    Recurrence,
    Recurrences,
    find_recurrences,
    fix_of,
)
from mkdocs_lessons.records.in_force import OPEN_LOOP_RELATIONS, REVIEWED
from mkdocs_lessons.records.model import Incident, KnowledgeBase, Sop, natural_key

__all__ = ["Recurrence", "Recurrences", "find_recurrences", "fix_of", "LoopFacts", "build_loop", "loop_figures"]

# -- codified_in and motivated_by ---------------------------------------------------------


@dataclass(frozen=True, order=True)
class Codification:
    """One incident's contribution to one SOP version, from either side of the link."""

    sop_id: str
    version: int
    incident_id: str
    action_id: str = ""  # the action item that says `codified_in`; "" when only motivated_by says so
    declared_by_action: bool = False
    declared_by_sop: bool = False


@dataclass
class LoopFacts:
    """The loop, derived once per build for pages and figures."""

    codified: dict[tuple[str, int], list[Codification]] = field(default_factory=dict)  # (sop, version) -> links
    by_incident: dict[str, list[Codification]] = field(default_factory=dict)
    recurrences: "Recurrences" = field(default_factory=lambda: Recurrences())
    open_loops: list[str] = field(default_factory=list)  # incidents with a missing/violated SOP and no action item

    def loop_state(self, incident: Incident) -> str:
        """closed | in-progress | open | none (no SOP relation calls for a change)."""
        if not any(link.relation in OPEN_LOOP_RELATIONS for link in incident.sops):
            return "none"
        if self.by_incident.get(incident.id):
            return "closed"
        if any(item.status != "dropped" for item in incident.action_items):
            return "in-progress"
        return "open"


def _codifications(incidents: Iterable[Incident], sops: dict[str, Sop]) -> dict[tuple[str, int, str], Codification]:
    found: dict[tuple[str, int, str], Codification] = {}
    for incident in incidents:
        for item in incident.action_items:
            ref = item.codified_in
            if ref is None or ref.sop_id not in sops:
                continue
            version = sops[ref.sop_id].resolve(ref)
            if version is None:
                continue
            key = (ref.sop_id, version.version, incident.id)
            if key not in found:  # the first action item that says so names the link
                found[key] = Codification(ref.sop_id, version.version, incident.id, item.id, declared_by_action=True)
    for sop in sops.values():
        for version in sop.versions:
            for incident_id in version.motivated_by:
                key = (sop.id, version.version, incident_id)
                before = found.get(key)
                if before is None:
                    found[key] = Codification(sop.id, version.version, incident_id, declared_by_sop=True)
                else:
                    found[key] = Codification(sop.id, version.version, incident_id, before.action_id, True, True)
    return found


def build_loop(kb: KnowledgeBase, similar: Optional[Mapping[str, Sequence[tuple[str, float]]]] = None) -> LoopFacts:
    """The loop of the published incidents; `similar` (id -> (id, score) of its most similar) feeds recurrence."""
    published = kb.published_incidents
    facts = LoopFacts()
    for link in sorted(
        _codifications(published, kb.sops).values(),
        key=lambda c: (natural_key(c.sop_id), c.version, natural_key(c.incident_id)),
    ):
        if not kb.is_published(link.incident_id):
            continue
        facts.codified.setdefault((link.sop_id, link.version), []).append(link)
        facts.by_incident.setdefault(link.incident_id, []).append(link)
    facts.recurrences = find_recurrences(published, similar, shown=RECURRENCES_SHOWN)
    for incident in published:
        if incident.status in REVIEWED and facts.loop_state(incident) == "open":
            facts.open_loops.append(incident.id)
    return facts


@dataclass(frozen=True)
class LoopFigures:
    """The loop as numbers, for the dashboard and metrics.json."""

    calls_for_change: int  # reviewed failures with a missing or violated SOP relation
    closed: int  # ... whose change reached an SOP version
    in_progress: int  # ... with action items but no codified version yet
    open: int  # ... without any action item
    with_done_action: (
        int  # failures with a dated done action item (closed, else due or review date): the recurrence rate's n
    )
    recurred: int  # ... followed by a possible recurrence

    @property
    def closure_rate(self) -> Optional[float]:
        return self.closed / self.calls_for_change if self.calls_for_change else None

    @property
    def recurrence_rate(self) -> Optional[float]:
        return self.recurred / self.with_done_action if self.with_done_action else None

    def as_dict(self) -> dict[str, object]:
        return {
            "calls_for_change": self.calls_for_change,
            "closed": self.closed,
            "in_progress": self.in_progress,
            "open": self.open,
            "closure_rate": None if self.closure_rate is None else round(self.closure_rate, 4),
            "with_done_action": self.with_done_action,
            "recurred": self.recurred,
            "recurrence_rate": None if self.recurrence_rate is None else round(self.recurrence_rate, 4),
        }


def loop_figures(kb: KnowledgeBase, facts: LoopFacts) -> LoopFigures:
    """The loop's dashboard figures: how many failures closed their loop, and the recurrence rate (its n and count)."""
    states = [facts.loop_state(i) for i in kb.published_incidents if i.status in REVIEWED and i.kind in FAILURE_KINDS]
    with_done = [i for i in kb.published_incidents if i.kind in FAILURE_KINDS and fix_of(i) is not None]
    return LoopFigures(
        calls_for_change=sum(1 for s in states if s != "none"),
        closed=states.count("closed"),
        in_progress=states.count("in-progress"),
        open=states.count("open"),
        with_done_action=len(with_done),
        recurred=sum(1 for i in with_done if facts.recurrences.after_total.get(i.id)),
    )

"""Follow-through of action items: scheduled check-ins and PDSA experiments.

Pure core (no MkDocs); `Analysis.followup` makes it once per build and the
backlog, the incident pages, the renewal agenda, the feed and `lessons
stats` read it.

- A **check-in is overdue** when an open or in-progress item's
  `next_check_in` is before today: the owner was due to report and has
  not (a new check-in moves `next_check_in` on).
- A check-in **falls due this week** when its `next_check_in` lies in the
  ISO week of today, on or before today (Monday to today): the feed
  carries those, so a chat channel can remind the owners.
- An **experiment** is an item whose `pdsa` uses the long form (a
  hypothesis or a result); a bare stage (`pdsa: do`) says where the change
  stands, not what is tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from mkdocs_lessons.records.model import PDSA_STAGES, ActionItem, Incident, natural_key


@dataclass(frozen=True)
class ItemRef:
    """One action item of one incident."""

    incident: Incident
    item: ActionItem

    @property
    def key(self) -> tuple:
        return (natural_key(self.incident.id), natural_key(self.item.id))


@dataclass(frozen=True)
class CheckInDue:
    """An open item's next check-in, and how late it is (0 or less: not overdue)."""

    ref: ItemRef
    on: date
    days_late: int


@dataclass
class FollowUp:
    """Check-ins and experiments of the published action items on one day."""

    today: date
    scheduled: list[CheckInDue] = field(default_factory=list)  # open items with a next check-in, earliest first
    experiments: list[ItemRef] = field(
        default_factory=list
    )  # long-form PDSA, by stage (plan..act), then incident and item
    late: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (incident id, item id) -> days its check-in is overdue

    @property
    def overdue(self) -> list[CheckInDue]:
        """Overdue check-ins, most overdue first."""
        return [c for c in self.scheduled if c.days_late > 0]

    @property
    def due_this_week(self) -> list[CheckInDue]:
        """Check-ins that fell due this ISO week, up to today (the feed's reminders)."""
        monday = self.today - timedelta(days=self.today.weekday())
        return [c for c in self.scheduled if monday <= c.on <= self.today]

    def days_late(self, incident_id: str, item_id: str) -> int:
        """How many days the item's check-in is overdue (0: not overdue, or none scheduled)."""
        return self.late.get((incident_id, item_id), 0)


def build_followup(incidents: Iterable[Incident], today: date) -> FollowUp:
    """Check-ins and experiments of `incidents` (the published ones) as of `today`."""
    found = FollowUp(today)
    for incident in incidents:
        for item in incident.action_items:
            ref = ItemRef(incident, item)
            if item.is_open and item.next_check_in is not None:
                found.scheduled.append(CheckInDue(ref, item.next_check_in, (today - item.next_check_in).days))
            if item.pdsa is not None and item.pdsa.is_experiment:
                found.experiments.append(ref)
    found.scheduled.sort(key=lambda c: (c.on, c.ref.key))
    found.late = {(c.ref.incident.id, c.ref.item.id): c.days_late for c in found.scheduled if c.days_late > 0}
    found.experiments.sort(key=_experiment_order)
    return found


def _experiment_order(ref: ItemRef) -> tuple[int, tuple]:
    """PDSA stage, then incident and item."""
    assert ref.item.pdsa is not None  # only items with a PDSA stage are experiments (build_followup)
    return PDSA_STAGES.index(ref.item.pdsa.stage), ref.key

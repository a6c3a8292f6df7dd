"""The renewal agenda: what the periodic review of the learning framework should look at.

Pure core (no MkDocs); `Analysis.renewal_agenda` makes it once per build,
`renewal/` prints it. The framework (the taxonomy, the procedures, the way
reviews are written and followed up) is reviewed once or twice a year; the
agenda is dated (today) and covers what happened **since** the last
renewal: the date of the latest learning session of kind `renewal` on or
before today (v1.1 `sessions`, when the knowledge base has them), else the
taxonomy's `updated` date, else one year before today.

- **Terms unused for a year**: no published failure in the 365 days up to
  today is classified under the term (primary or secondary, narrower terms
  included). Retire, merge or keep?
- **Terms carrying more than a third of failures**: the term is the primary
  term (narrower included) of more than a third of the failures in the last
  365 days. Too broad to teach anything? Split?
- **Procedures past their review date** (the dashboard's definition).
- **Open loops** (a procedure missing or violated, no action item) and
  **recurrences since**: possible recurrences whose later failure occurred
  on or after "since".
- **Lints that keep coming back**: review-quality lint codes found in two
  or more reviews held since "since", with how many reviews.
- **Check-ins overdue** (analysis/followup.py).
- **Questions** the meeting should answer, one per finding, then the
  standing ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Optional

from mkdocs_lessons.analysis.followup import CheckInDue
from mkdocs_lessons.analysis.loop import FAILURE_KINDS, LoopFacts
from mkdocs_lessons.analysis.recurrence import Recurrence
from mkdocs_lessons.checks.lints import CODES
from mkdocs_lessons.diagnostics import Diagnostic
from mkdocs_lessons.records.model import Incident, KnowledgeBase, natural_key

YEAR = timedelta(days=365)
SHARE = 1 / 3


@dataclass(frozen=True)
class TermUse:
    path: str
    title: str
    failures: int  # in the last year, as primary (narrower included) for `heavy`, anywhere for `unused`
    of: int  # failures in the last year
    last_used: Optional[date]  # the last failure classified under it, ever


@dataclass(frozen=True)
class RecurringLint:
    code: str
    name: str
    reviews: list[str]  # incident ids, natural order


@dataclass
class RenewalAgenda:
    today: date
    since: date
    since_source: str  # "renewal session <id>" | "taxonomy updated" | "one year ago"
    unused_terms: list[TermUse] = field(default_factory=list)
    heavy_terms: list[TermUse] = field(default_factory=list)
    sops_past_review: list[Any] = field(default_factory=list)  # metrics' SopReview rows, most overdue first
    open_loops: list[str] = field(default_factory=list)
    recurrences: list[Recurrence] = field(default_factory=list)  # later failure on or after `since`, newest first
    lints: list[RecurringLint] = field(default_factory=list)
    check_ins: list[CheckInDue] = field(default_factory=list)


def _since(kb: KnowledgeBase, today: date) -> tuple[date, str]:
    sessions = getattr(kb, "sessions", None) or {}
    values = sessions.values() if isinstance(sessions, dict) else sessions
    held = sorted(
        (
            (s.date, natural_key(s.id), s.id)
            for s in values
            if getattr(s, "kind", "") == "renewal" and getattr(s, "date", None) and s.date <= today
        ),
    )
    if held:
        return held[-1][0], f"the renewal session {held[-1][2]}"
    if kb.taxonomy.updated is not None and kb.taxonomy.updated <= today:
        return kb.taxonomy.updated, "the taxonomy's last update; no renewal session is recorded"
    return today - YEAR, "one year ago; no renewal session or taxonomy date is recorded"


def _under(term: str, path: str) -> bool:
    return term == path or term.startswith(path + "/")


def build_agenda(
    kb: KnowledgeBase,
    today: date,
    *,
    loop: LoopFacts,
    lints_by_incident: dict[str, list[Diagnostic]],
    overdue_check_ins: Iterable[CheckInDue],
    sops_past_review: list[Any],
) -> RenewalAgenda:
    since, source = _since(kb, today)
    agenda = RenewalAgenda(today, since, source)
    failures = [i for i in kb.published_incidents if i.kind in FAILURE_KINDS]
    recent = [i for i in failures if today - YEAR < i.occurred.date() <= today]
    last_used: dict[str, date] = {}
    for incident in failures:
        for path in incident.under_terms:
            day = incident.occurred.date()
            if path not in last_used or day > last_used[path]:
                last_used[path] = day
    for term in kb.taxonomy.terms.values():
        anywhere = sum(1 for i in recent if term.path in i.under_terms)
        primary = sum(1 for i in recent if _under(i.primary, term.path))
        if anywhere == 0:
            agenda.unused_terms.append(TermUse(term.path, term.title, 0, len(recent), last_used.get(term.path)))
        if recent and primary / len(recent) > SHARE:
            agenda.heavy_terms.append(TermUse(term.path, term.title, primary, len(recent), last_used.get(term.path)))
    agenda.sops_past_review = sops_past_review
    agenda.open_loops = list(loop.open_loops)
    incidents = kb.incidents
    agenda.recurrences = sorted(
        (r for r in loop.recurrences.all if incidents[r.later].occurred.date() >= since),
        key=lambda r: (incidents[r.later].occurred, natural_key(r.later), natural_key(r.earlier)),
        reverse=True,
    )
    by_code: dict[str, set[str]] = defaultdict(set)
    for incident in kb.published_incidents:
        review = incident.review
        if review is None or review.date is None or not since <= review.date <= today:
            continue
        for finding in lints_by_incident.get(incident.id, []):
            by_code[finding.rule].add(incident.id)
    agenda.lints = [
        RecurringLint(code, CODES.get(code, code), sorted(ids, key=natural_key))
        for code, ids in sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len(ids) >= 2
    ]
    agenda.check_ins = list(overdue_check_ins)
    return agenda


def questions(agenda: RenewalAgenda, incidents: dict[str, Incident]) -> list[str]:
    """What the meeting should decide, one question per finding, then the standing ones (plain text)."""
    asked: list[str] = []
    for t in agenda.unused_terms:
        asked.append(
            f"Taxonomy: no failure in a year is classified under “{t.title}” ({t.path}). Retire it, merge it into "
            "another term, or keep it, and why?"
        )
    for t in agenda.heavy_terms:
        asked.append(
            f"Taxonomy: “{t.title}” ({t.path}) is the main cause of {t.failures} of {t.of} failures this year. Is it "
            "too broad to teach anything; should it be split?"
        )
    for row in agenda.sops_past_review:
        asked.append(f"Procedures: {row.sop_id} ({row.title}) is past its review date. Who reviews it, by when?")
    for incident_id in agenda.open_loops:
        asked.append(
            f"Open loop: {incident_id} found a procedure missing or violated and agreed no action item. What will "
            "change?"
        )
    for r in agenda.recurrences:
        asked.append(
            f"Recurrence: {r.later} may repeat {r.earlier} after its action {r.action_id} was done. Did the fix fail, "
            "not reach this case, or is it a different failure?"
        )
    for lint in agenda.lints:
        asked.append(
            f"Review quality: “{lint.name}” ({lint.code}) came up in {len(lint.reviews)} reviews since the last "
            "renewal. What would make reviews get this right?"
        )
    if agenda.check_ins:
        asked.append(
            f"Follow-through: {len(agenda.check_ins)} check-ins are overdue. Are these items still worth doing, and "
            "who follows up with their owners?"
        )
    asked += [
        "Is the renewal interval (renewal_every_months) still right?",
        "What should the next renewal session look at that this agenda does not show?",
        "Who records this session (a session of kind renewal), so the next agenda starts from today?",
    ]
    return asked

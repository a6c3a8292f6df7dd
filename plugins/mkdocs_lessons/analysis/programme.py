"""The learning programme's derived facts: sessions, indicators, adherence, recognition.

Record format v1.1 adds learning sessions (review meetings, cross-team
sessions, drills, framework renewals) and indicators (figures the
organisation already measures). Worked out once from a checked knowledge
base by `analysis.Analysis.programme` and read-only after; the dashboard,
`metrics.json`, team, incident, SOP, session and indicator pages and
`lessons stats` all read the same numbers. No rendering, no MkDocs.

Definitions (the dashboard and `metrics.json` state them too, from
`DEFINITIONS`):

- a session counts in the quarter of its `date`, once held (on or before
  today); later ones are *planned*;
- a *review held* is a published incident whose `review.date` is on or
  before today, in the quarter of that date; *days to review* is
  `review.date` − the day it was resolved (occurred, without `resolved`),
  never below 0;
- a session is *cross-functional* with 3 or more `roles`;
- *visiting teams*: the teams that took part besides the host team
  (`host`, else the first of `teams`), summed over sessions;
- *buddies*: learning buddies of sessions plus the `review.learning_buddies`
  of reviews held; *takeaways*: session buddies who wrote one down;
- *checklist adherence* of an SOP in a quarter: of the published incidents
  that occurred in it and name the SOP (any version) as `followed` or
  `violated`, the share `followed`; `missing` is counted beside it (no
  procedure existed to follow);
- an indicator's value for a quarter is the mean of its months in that
  quarter (a quarterly series is taken as it is);
- Spearman's rank correlation is stated only where at least
  `MIN_OVERLAP` complete quarters have both figures.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Optional, Sequence

from mkdocs_lessons.analysis.metrics import Distribution, distribution
from mkdocs_lessons.dates import previous_quarter, quarter_of, recent_quarters
from mkdocs_lessons.records.model import Incident, Indicator, KnowledgeBase, Session, natural_key, period_quarter

#: Fewer overlapping periods than this: no correlation is stated.
MIN_OVERLAP = 8
#: The rounding of every share and rho in metrics.json.
DIGITS = 3
RELATIONS = ("followed", "violated", "missing")
GATE_STATUSES = ("approved", "superseded", "retired")  # past the approval gate (with an effective date)

DEFINITIONS = {
    "session": (
        "A learning session record (content/sessions/): a review meeting, a cross-team learning session, a tabletop "
        "drill or a framework renewal. It counts in the quarter of its date once held (date on or before today); later "
        "ones are planned."
    ),
    "reviews_held": "Published incidents whose review.date is on or before today, by quarter of the review date.",
    "days_to_review": (
        "review.date − the day the incident was resolved (the day it occurred when it has no resolved time), in days, "
        "never below 0; median over the reviews held in the quarter."
    ),
    "cross_functional": (
        "A session with 3 or more functions in roles; the share is cross-functional sessions / sessions held in the "
        "quarter."
    ),
    "visiting_teams": (
        "Teams that took part in a session besides its host team (host, else the first of teams), summed over the "
        "sessions held in the quarter."
    ),
    "buddies": (
        "Learning buddies of the sessions held in the quarter plus review.learning_buddies of the reviews held in it."
    ),
    "takeaways": "Session buddies who wrote down a takeaway for their own team.",
    "external": "Outside participants (external) of the sessions held in the quarter.",
    "near_misses": "Published reviews of kind near-miss, by quarter of occurrence: reporting as a healthy habit.",
    "indicator_quarter": (
        "An indicator's value for a quarter: the mean of its monthly values in that quarter (a quarterly series as it "
        "is)."
    ),
    "spearman": (
        "Spearman's rank correlation rho between an indicator's quarterly values and a count per quarter, over the "
        "complete quarters where both exist (n). Values are ranked (ties get the mean of their ranks) and rho is the "
        "Pearson correlation of the ranks; without ties rho = 1 − 6 Σd² / (n (n² − 1)), d the rank difference per "
        "quarter. Stated only for n ≥ 8. Correlation is not causation."
    ),
    "adherence": (
        "For each SOP and quarter of occurrence: published incidents naming the SOP (any version) as followed, "
        "violated or missing; adherence = followed / (followed + violated)."
    ),
    "team_learning_record": (
        "Per team: reviews held of its incidents and those held within review_within_days of resolution; near misses "
        "it reported; action items of its incidents done by their due date; SOP versions past the approval gate of "
        "procedures it owns or motivated by its incidents; sessions it hosted and attended; takeaways other teams' "
        "buddies wrote down at sessions it took part in."
    ),
    "learned_this_quarter": (
        "Teams with any learning activity in the last complete quarter, in the order of teams.yaml, named by what they "
        "did. Never ranked, and never by how many failures they had."
    ),
}


# -- small figures ------------------------------------------------------------------------


def share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, DIGITS) if whole else None


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean = (start + end) / 2 + 1
        for position in range(start, end + 1):
            out[order[position]] = mean
        start = end + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> Optional[float]:
    """Spearman's rho (Pearson's r of the ranks); None when either side is constant or n < 2."""
    n = len(xs)
    if n != len(ys) or n < 2:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)


# -- what the pages read --------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterLearning:
    """Learning activity in one quarter."""

    quarter: str
    reviews: int
    days_to_review: Distribution
    sessions: int
    cross_functional: int
    visiting_teams: int
    buddies: int
    takeaways: int
    external: int
    near_misses: int
    failures: int  # incidents and near misses that occurred in the quarter (the failure series beside it)

    @property
    def cross_functional_share(self) -> Optional[float]:
        return share(self.cross_functional, self.sessions)


@dataclass(frozen=True)
class Correlation:
    indicator: str
    against: str  # "failures" | "sessions"
    n: int  # complete quarters where both figures exist
    rho: Optional[float]  # None when n < MIN_OVERLAP or a side is constant
    quarters: tuple[str, ...]


@dataclass(frozen=True)
class Adherence:
    followed: int = 0
    violated: int = 0
    missing: int = 0

    @property
    def rate(self) -> Optional[float]:
        return share(self.followed, self.followed + self.violated)

    @property
    def total(self) -> int:
        return self.followed + self.violated + self.missing

    def plus(self, relation: str) -> "Adherence":
        return Adherence(**{**self.__dict__, relation: getattr(self, relation) + 1})


@dataclass(frozen=True)
class LearningRecord:
    """What a team did to learn (never how often it failed)."""

    reviews: int = 0
    reviews_on_time: int = 0
    near_misses: int = 0
    actions_on_time: int = 0
    sop_versions: int = 0
    sessions_hosted: int = 0
    sessions_attended: int = 0
    takeaways_given: int = 0
    takeaways_brought: int = 0

    @property
    def any(self) -> bool:
        return any(self.__dict__.values())

    def phrases(self) -> list[str]:
        """What the team did, in words ("hosted 2 sessions"); only what it did."""
        out = []

        def add(count: int, singular: str, plural: str) -> None:
            if count:
                out.append((singular if count == 1 else plural).format(n=count))

        add(self.reviews, "held {n} review", "held {n} reviews")
        if self.reviews:
            out[-1] += f" ({self.reviews_on_time} on time)"
        add(self.near_misses, "reported {n} near miss", "reported {n} near misses")
        add(
            self.actions_on_time, "closed {n} action item by its due date", "closed {n} action items by their due dates"
        )
        add(self.sop_versions, "contributed {n} SOP version", "contributed {n} SOP versions")
        add(self.sessions_hosted, "hosted {n} learning session", "hosted {n} learning sessions")
        add(self.sessions_attended, "joined {n} session of other teams", "joined {n} sessions of other teams")
        add(self.takeaways_given, "gave {n} takeaway to other teams", "gave {n} takeaways to other teams")
        add(
            self.takeaways_brought,
            "brought {n} takeaway home from another team",
            "brought {n} takeaways home from other teams",
        )
        return out


@dataclass
class Programme:
    today: date
    quarters: list[str]  # first activity .. today's quarter (at most dates.MAX_QUARTERS)
    last_complete: str  # the quarter before today's
    sessions: list[Session]  # every session, newest first
    held: list[Session]  # held by today, newest first
    planned: list[Session]  # after today, soonest first
    sessions_by_record: dict[str, list[Session]]  # incident id or SOP id -> sessions, newest first
    learning: list[QuarterLearning]
    indicator_quarters: dict[str, dict[str, float]]  # indicator id -> quarter -> value
    correlations: list[Correlation]
    adherence: dict[str, dict[str, Adherence]]  # SOP id -> quarter -> counts (quarters with any)
    adherence_by_quarter: dict[str, Adherence]  # quarter -> every SOP together
    team_records: dict[str, LearningRecord]  # all time
    team_records_quarter: dict[str, LearningRecord]  # the last complete quarter

    def learning_in(self, quarter: str) -> Optional[QuarterLearning]:
        return next((q for q in self.learning if q.quarter == quarter), None)

    @property
    def learned_this_quarter(self) -> list[tuple[str, list[str]]]:
        """(team id, what it did) in teams.yaml order, for teams that did anything."""
        return [(team, record.phrases()) for team, record in self.team_records_quarter.items() if record.any]

    def as_dict(self) -> dict[str, Any]:
        """The figures for metrics.json."""
        return {
            "learning_activity": {
                "quarters": [
                    {
                        "quarter": q.quarter,
                        "reviews_held": q.reviews,
                        "days_to_review": {"n": q.days_to_review.n, "median": q.days_to_review.median},
                        "sessions": q.sessions,
                        "cross_functional": q.cross_functional,
                        "cross_functional_share": q.cross_functional_share,
                        "visiting_teams": q.visiting_teams,
                        "buddies": q.buddies,
                        "takeaways": q.takeaways,
                        "external": q.external,
                        "near_misses": q.near_misses,
                        "failures": q.failures,
                    }
                    for q in self.learning
                ],
                "sessions_held": len(self.held),
                "sessions_planned": len(self.planned),
            },
            "indicators": {indicator: {"quarters": values} for indicator, values in self.indicator_quarters.items()},
            "correlations": [
                {
                    "indicator": c.indicator,
                    "against": c.against,
                    "n": c.n,
                    "rho": None if c.rho is None else round(c.rho, DIGITS),
                    "quarters": list(c.quarters),
                }
                for c in self.correlations
            ],
            "checklist_adherence": {
                "by_sop": {
                    sop: {
                        q: {"followed": a.followed, "violated": a.violated, "missing": a.missing, "adherence": a.rate}
                        for q, a in quarters.items()
                    }
                    for sop, quarters in self.adherence.items()
                },
                "by_quarter": {
                    q: {"followed": a.followed, "violated": a.violated, "missing": a.missing, "adherence": a.rate}
                    for q, a in self.adherence_by_quarter.items()
                },
            },
            "team_learning_record": {
                "all_time": {team: dict(record.__dict__) for team, record in self.team_records.items()},
                "last_complete_quarter": {
                    "quarter": self.last_complete,
                    "teams": {team: dict(record.__dict__) for team, record in self.team_records_quarter.items()},
                },
            },
            "learned_this_quarter": {
                "quarter": self.last_complete,
                "teams": [{"team": team, "did": did} for team, did in self.learned_this_quarter],
            },
        }


# -- the derive step --------------------------------------------------------------------------


def build_programme(kb: KnowledgeBase, today: date, review_within_days: int = 30) -> Programme:
    incidents = kb.published_incidents
    sessions = sorted(kb.sessions.values(), key=lambda s: (s.date, natural_key(s.id)), reverse=True)
    held = [s for s in sessions if s.date <= today]
    planned = sorted((s for s in sessions if s.date > today), key=lambda s: (s.date, natural_key(s.id)))

    by_record: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        for ref in session.discussed:
            key = ref.partition("@")[0]
            if session not in by_record[key]:
                by_record[key].append(session)

    reviews = [
        (i, i.review.date)
        for i in incidents
        if i.review is not None and i.review.date is not None and i.review.date <= today
    ]

    seen = (
        {quarter_of(i.occurred) for i in incidents}
        | {s.quarter for s in held}
        | {quarter_of(day) for _, day in reviews}
    )
    this_quarter = quarter_of(today)
    last_complete = previous_quarter(this_quarter)
    quarters: list[str] = []
    if seen:
        quarters, _ = recent_quarters(min(seen), max(max(seen), this_quarter))

    learning = _learning(quarters, incidents, held, reviews)
    indicator_quarters = {ind.id: _quarterly(ind) for ind in kb.indicators.values()}
    complete = [q for q in quarters if q <= last_complete]
    failures = {q.quarter: q.failures for q in learning}
    session_counts = {q.quarter: q.sessions for q in learning}
    correlations = []
    for indicator_id, values in indicator_quarters.items():
        for against, counts in (("failures", failures), ("sessions", session_counts)):
            overlap = [q for q in complete if q in values]
            rho = (
                spearman([values[q] for q in overlap], [float(counts[q]) for q in overlap])
                if len(overlap) >= MIN_OVERLAP
                else None
            )
            correlations.append(Correlation(indicator_id, against, len(overlap), rho, tuple(overlap)))

    adherence, adherence_by_quarter = _adherence(incidents)
    team_records = {
        team: _record(kb, team, incidents, held, reviews, today, review_within_days, None) for team in kb.teams
    }
    team_records_quarter = {
        team: _record(kb, team, incidents, held, reviews, today, review_within_days, last_complete) for team in kb.teams
    }
    return Programme(
        today=today,
        quarters=quarters,
        last_complete=last_complete,
        sessions=sessions,
        held=held,
        planned=planned,
        sessions_by_record={key: by_record[key] for key in sorted(by_record, key=natural_key)},
        learning=learning,
        indicator_quarters=indicator_quarters,
        correlations=correlations,
        adherence=adherence,
        adherence_by_quarter=adherence_by_quarter,
        team_records=team_records,
        team_records_quarter=team_records_quarter,
    )


def resolved_day(incident: Incident) -> date:
    """The day the incident was resolved; the day it occurred when it has no `resolved` time."""
    return (incident.resolved or incident.occurred).date()


def days_to_review(incident: Incident) -> int:
    assert incident.review is not None and incident.review.date is not None
    return max((incident.review.date - resolved_day(incident)).days, 0)


def _learning(
    quarters: Sequence[str],
    incidents: Sequence[Incident],
    held: Sequence[Session],
    reviews: Sequence[tuple[Incident, date]],
) -> list[QuarterLearning]:
    review_count: Counter[str] = Counter()
    review_days: dict[str, list[float]] = defaultdict(list)
    review_buddies: Counter[str] = Counter()
    for incident, day in reviews:
        quarter = quarter_of(day)
        review_count[quarter] += 1
        review_days[quarter].append(days_to_review(incident))
        assert incident.review is not None  # a review held (as days_to_review asserts)
        review_buddies[quarter] += len(incident.review.learning_buddies)
    near: Counter[str] = Counter(quarter_of(i.occurred) for i in incidents if i.kind == "near-miss")
    failures: Counter[str] = Counter(quarter_of(i.occurred) for i in incidents if i.kind in ("incident", "near-miss"))
    by_quarter: dict[str, list[Session]] = defaultdict(list)
    for session in held:
        by_quarter[session.quarter].append(session)
    out = []
    for quarter in quarters:
        these = by_quarter.get(quarter, [])
        out.append(
            QuarterLearning(
                quarter=quarter,
                reviews=review_count[quarter],
                days_to_review=distribution(review_days.get(quarter, [])),
                sessions=len(these),
                cross_functional=sum(1 for s in these if s.cross_functional),
                visiting_teams=sum(sum(1 for t in s.teams if t != s.host) for s in these),
                buddies=sum(len(s.buddies) for s in these) + review_buddies[quarter],
                takeaways=sum(1 for s in these for b in s.buddies if b.takeaway),
                external=sum(len(s.external) for s in these),
                near_misses=near[quarter],
                failures=failures[quarter],
            )
        )
    return out


def _quarterly(indicator: Indicator) -> dict[str, float]:
    grouped: dict[str, list[float]] = defaultdict(list)
    for value in indicator.series:
        grouped[period_quarter(value.period)].append(float(value.value))
    return {q: round(sum(vs) / len(vs), 4) for q, vs in sorted(grouped.items())}


def _adherence(incidents: Iterable[Incident]) -> tuple[dict[str, dict[str, Adherence]], dict[str, Adherence]]:
    by_sop: dict[str, dict[str, Adherence]] = defaultdict(dict)
    by_quarter: dict[str, Adherence] = {}
    for incident in incidents:
        quarter = quarter_of(incident.occurred)
        # An incident counts once per SOP and relation, however many versions it names.
        for sop_id, relation in dict.fromkeys(
            (link.ref.sop_id, link.relation) for link in incident.sops if link.relation in RELATIONS
        ):
            by_sop[sop_id][quarter] = by_sop[sop_id].get(quarter, Adherence()).plus(relation)
            by_quarter[quarter] = by_quarter.get(quarter, Adherence()).plus(relation)
    return (
        {
            sop: dict(sorted(quarters.items()))
            for sop, quarters in sorted(by_sop.items(), key=lambda item: natural_key(item[0]))
        },
        dict(sorted(by_quarter.items())),
    )


def _record(
    kb: KnowledgeBase,
    team: str,
    incidents: Sequence[Incident],
    held: Sequence[Session],
    reviews: Sequence[tuple[Incident, date]],
    today: date,
    within: int,
    quarter: Optional[str],
) -> LearningRecord:
    def inside(day: Optional[date]) -> bool:
        return day is not None and day <= today and (quarter is None or quarter_of(day) == quarter)

    own = [i for i in incidents if team in i.teams]
    own_ids = {i.id for i in own}
    team_reviews = [i for i, day in reviews if team in i.teams and inside(day)]
    versions = 0
    for sop in kb.sops.values():
        for version in sop.versions:
            if version.status in GATE_STATUSES and inside(version.effective):
                if sop.owner == team or own_ids.intersection(version.motivated_by):
                    versions += 1
    sessions = [s for s in held if team in s.teams and inside(s.date)]
    return LearningRecord(
        reviews=len(team_reviews),
        reviews_on_time=sum(1 for i in team_reviews if days_to_review(i) <= within),
        near_misses=sum(1 for i in own if i.kind == "near-miss" and inside(i.occurred.date())),
        actions_on_time=sum(
            1
            for i in own
            for a in i.action_items
            if a.status == "done"
            and a.closed is not None
            and a.due is not None
            and a.closed <= a.due
            and inside(a.closed)
        ),
        sop_versions=versions,
        sessions_hosted=sum(1 for s in sessions if s.host == team),
        sessions_attended=sum(1 for s in sessions if s.host != team),
        takeaways_given=sum(1 for s in sessions for b in s.buddies if b.takeaway and b.team != team),
        takeaways_brought=sum(1 for s in held if inside(s.date) for b in s.buddies if b.takeaway and b.team == team),
    )

"""`lessons stats`: where the knowledge base stands, as text or JSON. No MkDocs here.

The figures count what the site publishes (drafts only with
`include_drafts`), and they use the dashboard's definitions (`analysis/metrics.py`):
an incident counts under a taxonomy term when its primary or a secondary
term is that term or a narrower one (the incident index's `term` filter);
an action item is overdue when it is open or in progress and its due date
is before today; an SOP is due for review when the next review date
(effective date of the current version plus `review_every_months`) is
before today (overdue) or within 30 days (due soon).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Optional

from mkdocs_lessons.analysis import metrics
from mkdocs_lessons.analysis.derive import Analysis
from mkdocs_lessons.records.model import INCIDENT_KINDS, SESSION_KINDS, SEVERITIES, STATUSES, KnowledgeBase, natural_key


@dataclass(frozen=True)
class OverdueItem:
    incident: str
    action: str
    owner: str
    due: date
    status: str
    days_overdue: int


@dataclass(frozen=True)
class LateCheckIn:
    incident: str
    action: str
    owner: str
    check_in: date  # the next_check_in that passed
    days_late: int


@dataclass(frozen=True)
class ReviewDue:
    sop: str
    title: str
    owner: str
    due: date
    state: str  # overdue | due-soon
    days: int  # days overdue, or days left when due soon


@dataclass(frozen=True)
class TermCount:
    term: str
    title: str
    primary: int  # incidents whose primary term is this term or a narrower one
    any: int  # incidents classified under it as primary or secondary


@dataclass
class Stats:
    today: date
    incidents: int  # counted (published, or every valid one with include_drafts)
    drafts_left_out: int  # valid drafts not counted because they are not published
    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    by_year: dict[str, int] = field(default_factory=dict)
    by_team: dict[str, int] = field(default_factory=dict)
    by_term: list[TermCount] = field(default_factory=list)
    action_items: dict[str, int] = field(default_factory=dict)
    overdue_action_items: list[OverdueItem] = field(default_factory=list)
    overdue_check_ins: list[LateCheckIn] = field(
        default_factory=list
    )  # open items whose next_check_in passed, most overdue first
    sops: int = 0
    sop_versions: int = 0
    sops_without_approved_version: list[str] = field(default_factory=list)
    sop_reviews_due: list[ReviewDue] = field(default_factory=list)
    # The learning programme (analysis/programme.py, the dashboard's own figures): sessions and activity per quarter.
    sessions: dict[str, int] = field(default_factory=dict)  # held, planned, and held per kind
    learning_activity: list[dict[str, Any]] = field(default_factory=list)  # per quarter
    indicators: int = 0

    def as_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def compute(kb: KnowledgeBase, today: date, analysis: Optional[Analysis] = None) -> Stats:
    """The counts `lessons stats` prints; derived figures come from the analysis (the dashboard's own)."""
    analysis = analysis or Analysis(kb, today=today)
    incidents = kb.published_incidents
    drafts_left_out = sum(1 for i in kb.incidents.values() if not kb.is_published(i.id))
    kinds = Counter(i.kind for i in incidents)
    statuses = Counter(i.status for i in incidents)
    severities = Counter(i.severity for i in incidents if i.severity)
    years = Counter(str(i.year) for i in incidents)
    teams = Counter(team for i in incidents for team in dict.fromkeys(i.teams))

    terms = []
    for term in kb.taxonomy.terms.values():
        prefix = term.path + "/"
        primary = sum(1 for i in incidents if i.primary == term.path or i.primary.startswith(prefix))
        anywhere = sum(1 for i in incidents if metrics.classified_under(i, term.path))
        terms.append(TermCount(term.path, term.title, primary, anywhere))

    items = [(i, a) for i in incidents for a in i.action_items]
    action_counts = Counter(a.status for _, a in items)
    overdue = [
        OverdueItem(i.id, a.id, a.owner, a.due, a.status, (today - a.due).days)
        for i, a in items
        if a.is_open and a.due is not None and a.due < today
    ]
    overdue.sort(key=lambda o: (-o.days_overdue, natural_key(o.incident), natural_key(o.action)))

    programme = analysis.programme
    reviews = analysis.metrics.sops.reviews
    due = [
        ReviewDue(r.sop_id, r.title, r.owner, r.due, r.state, r.days or 0)
        for r in reviews
        if r.state in ("overdue", "due-soon") and r.due
    ]
    due.sort(key=lambda r: (r.due, natural_key(r.sop)))

    return Stats(
        today=today,
        incidents=len(incidents),
        drafts_left_out=drafts_left_out,
        by_kind={k: kinds[k] for k in INCIDENT_KINDS},
        by_status={s: statuses[s] for s in STATUSES},
        by_severity={s: severities[s] for s in SEVERITIES},
        by_year={y: years[y] for y in sorted(years)},
        by_team={t: teams[t] for t in kb.teams},
        by_term=terms,
        action_items={
            "total": len(items),
            "open": action_counts["open"],
            "in-progress": action_counts["in-progress"],
            "done": action_counts["done"],
            "dropped": action_counts["dropped"],
            "overdue": len(overdue),
        },
        overdue_action_items=overdue,
        overdue_check_ins=[
            LateCheckIn(c.ref.incident.id, c.ref.item.id, c.ref.item.owner, c.on, c.days_late)
            for c in analysis.followup.overdue
        ],
        sops=len(kb.sops),
        sop_versions=sum(len(s.versions) for s in kb.sops.values()),
        sops_without_approved_version=[s.id for s in kb.sops.values() if s.current is None],
        sop_reviews_due=due,
        sessions={
            "held": len(programme.held),
            "planned": len(programme.planned),
            **{kind: sum(1 for s in programme.held if s.kind == kind) for kind in SESSION_KINDS},
        },
        learning_activity=[
            {
                "quarter": q.quarter,
                "reviews_held": q.reviews,
                "median_days_to_review": q.days_to_review.median,
                "sessions": q.sessions,
                "cross_functional": q.cross_functional,
                "visiting_teams": q.visiting_teams,
                "buddies": q.buddies,
                "takeaways": q.takeaways,
                "external": q.external,
                "near_misses": q.near_misses,
            }
            for q in programme.learning
        ],
        indicators=len(kb.indicators),
    )


# -- text ------------------------------------------------------------------------


def _n(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _counts(counts: dict[str, int], *, keep_zero: bool = False) -> str:
    shown = [f"{name} {count}" for name, count in counts.items() if count or keep_zero]
    return ", ".join(shown) if shown else "none"


def _table(rows: list[list[str]], indent: str = "    ", right: tuple[int, ...] = ()) -> list[str]:
    """Aligned columns; the columns in `right` (numbers) are right-aligned."""
    if not rows:
        return []
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]

    def cell(c: int, value: str) -> str:
        return value.rjust(widths[c]) if c in right else value.ljust(widths[c])

    return [indent + "  ".join(cell(c, value) for c, value in enumerate(row)).rstrip() for row in rows]


def render_text(stats: Stats, *, root: str, include_drafts: bool = False) -> str:
    lines = [f"Knowledge base {root}, as of {stats.today.isoformat()}", ""]
    what = _n(stats.incidents, "incident") + (" (drafts included)" if include_drafts else " published")
    drafts = f"; {_n(stats.drafts_left_out, 'draft')} not counted" if stats.drafts_left_out else ""
    lines.append(f"{what}{drafts}")
    lines.append(f"  by kind:      {_counts(stats.by_kind)}")
    lines.append(f"  by status:    {_counts(stats.by_status)}")
    lines.append(f"  by severity:  {_counts(stats.by_severity)}")
    lines.append(f"  by year:      {_counts(stats.by_year)}")
    lines.append(f"  by team:      {_counts(stats.by_team)}")
    used = [t for t in stats.by_term if t.any]
    lines.append(
        f"  by taxonomy term (primary / anywhere, narrower terms included): {'none' if not used else ''}".rstrip()
    )
    lines += _table([[t.term, str(t.primary), "/", str(t.any)] for t in used], right=(1, 3))  # taxonomy order
    lines.append("")

    a = stats.action_items
    lines.append(
        f"{_n(a['total'], 'action item')}: {a['open']} open, {a['in-progress']} in progress, {a['done']} done, "
        f"{a['dropped']} dropped; "
        f"{a['overdue']} overdue"
    )
    lines += _table(
        [
            [
                o.incident,
                o.action,
                o.owner or "(no owner)",
                f"due {o.due.isoformat()}",
                f"{o.days_overdue} d overdue",
                o.status,
            ]
            for o in stats.overdue_action_items
        ]
    )
    lines.append(f"{_n(len(stats.overdue_check_ins), 'check-in')} overdue (next_check_in passed on an open item)")
    lines += _table(
        [
            [
                c.incident,
                c.action,
                c.owner or "(no owner)",
                f"check-in {c.check_in.isoformat()}",
                f"{c.days_late} d overdue",
            ]
            for c in stats.overdue_check_ins
        ]
    )
    lines.append("")

    lines.append(
        f"{_n(stats.sops, 'SOP')} with {_n(stats.sop_versions, 'version')}; {len(stats.sop_reviews_due)} due for review"
    )
    lines += _table(
        [
            [
                r.sop,
                r.owner,
                f"review due {r.due.isoformat()}",
                f"{r.days} d overdue" if r.state == "overdue" else f"in {r.days} d",
                r.title,
            ]
            for r in stats.sop_reviews_due
        ]
    )
    if stats.sops_without_approved_version:
        lines.append(f"  without an approved version: {', '.join(stats.sops_without_approved_version)}")
    lines.append("")

    s = stats.sessions
    kinds = {k: s.get(k, 0) for k in SESSION_KINDS}
    lines.append(
        f"{_n(s.get('held', 0), 'learning session')} held ({_counts(kinds)}), {s.get('planned', 0)} planned; "
        f"{_n(stats.indicators, 'indicator')}"
    )
    active = [q for q in stats.learning_activity if any(q[k] for k in ("reviews_held", "sessions", "near_misses"))]
    if active:
        lines.append(
            "  learning activity per quarter (reviews held, median days from resolution to review, sessions, "
            "cross-functional, visiting teams, buddies, takeaways, outside participants, near misses):"
        )
        lines += _table(
            [
                [
                    q["quarter"],
                    str(q["reviews_held"]),
                    "–" if q["median_days_to_review"] is None else f"{q['median_days_to_review']:g} d",
                    str(q["sessions"]),
                    str(q["cross_functional"]),
                    str(q["visiting_teams"]),
                    str(q["buddies"]),
                    str(q["takeaways"]),
                    str(q["external"]),
                    str(q["near_misses"]),
                ]
                for q in active
            ],
            right=tuple(range(1, 10)),
        )
    return "\n".join(lines) + "\n"


def render_json(stats: Stats, *, root: str, include_drafts: bool = False, problems: Optional[int] = None) -> str:
    data = {"root": root, "include_drafts": include_drafts, **stats.as_dict()}
    if problems is not None:
        data["errors"] = problems
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

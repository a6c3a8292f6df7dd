"""The dashboard's learning-programme sections and their `metrics.json` part.

"Are we learning, who is doing it, and is it showing in the numbers we care
about?": learning activity per quarter, indicators beside the failure and
learning series with their rank correlations, checklist adherence, and the
teams that learned last quarter (named by what they did, never ranked).
Every figure comes from `ctx.analysis.programme` (analysis/programme.py); rendered by
`partials/dashboard_learning.html`.
"""

from __future__ import annotations

from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.analysis.programme import DEFINITIONS, MIN_OVERLAP, Adherence, Programme
from mkdocs_lessons.charts import svg
from mkdocs_lessons.pages.common import Context
from mkdocs_lessons.pages.indicators import correlation_text, fmt_value


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def _days(value: Optional[float]) -> str:
    return "–" if value is None else fmt_value(value)


def programme_data(ctx: Context) -> dict[str, Any]:
    """The learning programme's figures and definitions for metrics.json."""
    return {
        "learning": ctx.analysis.programme.as_dict(),
        "learning_units": {
            "days_to_review": "days",
            "cross_functional_share": "fraction 0..1",
            "adherence": "fraction 0..1",
            "rho": "-1..1, stated only for n >= 8 (null otherwise)",
            "indicators": "each indicator's own unit (indicators/<id>/)",
        },
        "learning_definitions": dict(DEFINITIONS),
    }


def dashboard_learning_view(ctx: Context, page: str) -> dict[str, Any]:
    p = ctx.analysis.programme
    return {
        "activity": _activity(ctx, page, p),
        "indicators": _indicators(ctx, page, p),
        "adherence": _adherence(ctx, page, p),
        "learned": _learned(ctx, page, p),
        "min_overlap": MIN_OVERLAP,
        "definitions": list(DEFINITIONS.items()),
        "sessions": ctx.a(page, ctx.urls.sessions, "Learning sessions"),
        "indicator_index": ctx.a(page, ctx.urls.indicators, "Indicators"),
    }


def _activity(ctx: Context, page: str, p: Programme) -> dict[str, Any]:
    rows = [
        [
            q.quarter,
            str(q.reviews),
            f"{_days(q.days_to_review.median)} (n = {q.days_to_review.n})",
            str(q.sessions),
            f"{_pct(q.cross_functional_share)} ({q.cross_functional})",
            str(q.visiting_teams),
            f"{q.buddies} / {q.takeaways}",
            str(q.external),
            str(q.near_misses),
        ]
        for q in p.learning
    ]
    chart = None
    if p.learning:
        quarters = [q.quarter for q in p.learning]
        chart = Markup(
            svg.bar_chart(
                "lessons-learning-activity",
                "Learning activity per quarter",
                description="Reviews held, learning sessions held and near misses reported per quarter.",
                categories=quarters,
                series=[
                    svg.Series("reviews", "Reviews held", [q.reviews for q in p.learning]),
                    svg.Series("sessions", "Sessions held", [q.sessions for q in p.learning]),
                    svg.Series("near-miss", "Near misses reported", [q.near_misses for q in p.learning]),
                ],
                stacked=False,
                x_label="Quarter",
                y_label="Count",
                note=(
                    "Reviews by quarter of the review date, sessions by their date (held by today), near misses by "
                    "quarter of occurrence."
                ),
            )
        )
    last = p.learning_in(p.last_complete)
    return {
        "header": [
            "Quarter",
            "Reviews held",
            "Median days from resolution to review",
            "Sessions",
            "Cross-functional (3+ functions)",
            "Visiting teams",
            "Buddies / takeaways",
            "Outside participants",
            "Near misses reported",
        ],
        "rows": rows,
        "chart": chart,
        "held": len(p.held),
        "planned": len(p.planned),
        "last": last,
        "last_quarter": p.last_complete,
        "last_share": _pct(last.cross_functional_share) if last else "–",
    }


def _indicators(ctx: Context, page: str, p: Programme) -> dict[str, Any]:
    indicators = list(ctx.kb.indicators.values())
    quarters = [q.quarter for q in p.learning]
    by_quarter = {q.quarter: q for q in p.learning}
    header = ["Quarter", "Failures", "Reviews held", "Sessions", "Near misses"] + [
        f"{i.title} ({i.kind})" for i in indicators
    ]
    rows = []
    for quarter in quarters:
        q = by_quarter[quarter]
        label = quarter if quarter <= p.last_complete else f"{quarter} (so far)"
        rows.append(
            [label, str(q.failures), str(q.reviews), str(q.sessions), str(q.near_misses)]
            + [
                fmt_value(p.indicator_quarters[i.id][quarter]) if quarter in p.indicator_quarters.get(i.id, {}) else "–"
                for i in indicators
            ]
        )
    groups = []
    for kind, label in (("leading", "Leading"), ("lagging", "Lagging")):
        members = [i for i in indicators if i.kind == kind]
        groups.append(
            {
                "label": label,
                "items": [
                    {
                        "link": ctx.a(page, ctx.urls.indicator(i.id), i.title),
                        "better": i.better,
                        "sentences": [correlation_text(c) for c in p.correlations if c.indicator == i.id],
                    }
                    for i in members
                ],
            }
        )
    return {"header": header, "rows": rows, "groups": groups, "any": bool(indicators)}


def _adherence(ctx: Context, page: str, p: Programme) -> dict[str, Any]:
    def cells(a: Adherence) -> list[str]:
        return [str(a.followed), str(a.violated), str(a.missing), _pct(a.rate)]

    by_quarter = [[quarter, *cells(a)] for quarter, a in p.adherence_by_quarter.items()]
    by_sop = []
    for sop_id, quarters in p.adherence.items():
        total = Adherence()
        for a in quarters.values():
            total = Adherence(total.followed + a.followed, total.violated + a.violated, total.missing + a.missing)
        sop = ctx.kb.sops.get(sop_id)
        label = f"{sop_id}: {sop.title}" if sop else sop_id
        last = ", ".join(f"{q}: {a.followed}/{a.violated}/{a.missing}" for q, a in list(quarters.items())[-3:])
        by_sop.append([ctx.a(page, ctx.urls.sop(sop_id), label), *cells(total), last])
    return {"by_quarter": by_quarter, "by_sop": by_sop}


def _learned(ctx: Context, page: str, p: Programme) -> dict[str, Any]:
    return {
        "quarter": p.last_complete,
        "teams": [(ctx.team_a(page, team), did) for team, did in p.learned_this_quarter],
        "quiet": [ctx.team_a(page, team) for team, record in p.team_records_quarter.items() if not record.any],
    }

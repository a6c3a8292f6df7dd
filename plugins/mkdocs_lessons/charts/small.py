"""Small versions of the dashboard's charts for one team's or one term's page.

Both use the dashboard's quarters, so a column means the same quarter on
every page, and link their marks to the incident index with the page's own
filter added (`team=...` or the term itself).

Each returns what `partials/trends.html` shows (None: no section): the
link to the dashboard and the charts, inline SVG figures made as HTML.
"""

from __future__ import annotations

from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.analysis.metrics import heat_map, reporting_mix, top_level_rows
from mkdocs_lessons.charts.dashboard import failures, reporting_chart, term_quarter_map, term_team_map
from mkdocs_lessons.dates import quarter_of
from mkdocs_lessons.pages.common import Context
from mkdocs_lessons.records.model import Team, Term


def team_charts(ctx: Context, page: str, team: Team) -> Optional[dict[str, Any]]:
    """Causes by quarter and the reporting mix, for the reviews that involved one team.

    Only for the team's own page: the chart ids are fixed, so one per page.
    """
    return _team_charts(ctx, page, team)


def _team_charts(ctx: Context, page: str, team: Team) -> Optional[dict[str, Any]]:
    quarters = ctx.analysis.metrics.quarters
    incidents = ctx.graph.by_team.get(team.id, [])
    if not incidents or not quarters:
        return None
    scope = [("team", team.id)]
    heat = heat_map(top_level_rows(ctx.kb), quarters, quarters, incidents, lambda i: [quarter_of(i.occurred)])
    causes = term_quarter_map(
        ctx,
        page,
        heat,
        chart_id="lessons-team-terms",
        title=f"Failures by cause and quarter: {team.title}",
        scope=scope,
        scope_label=team.title,
        small=True,
        note=(
            f"{failures(heat.total)} (incidents and near misses) that involved this team; an incident counts under "
            "every term it is classified under."
        ),
    )
    mix = reporting_chart(
        ctx,
        page,
        reporting_mix(incidents, quarters),
        chart_id="lessons-team-mix",
        title=f"Reviews per quarter by kind: {team.title}",
        scope=scope,
        small=True,
    )
    return _view(ctx, page, causes, mix)


def term_charts(ctx: Context, page: str, term: Term) -> Optional[dict[str, Any]]:
    """The term (and each narrower term) by quarter and by team, for the term's own page."""
    return _term_charts(ctx, page, term)


def _term_charts(ctx: Context, page: str, term: Term) -> Optional[dict[str, Any]]:
    m = ctx.analysis.metrics
    classified = ctx.graph.under_term(term.path)
    if not classified or not m.quarters:
        return None
    incidents = list({c.incident.id: c.incident for c in classified}.values())
    terms = ctx.kb.taxonomy.terms
    rows = [(term.path, f"{term.title} (all)" if term.children else term.title)]
    rows += [(child, terms[child].title) for child in term.children]
    by_quarter = heat_map(rows, m.quarters, m.quarters, incidents, lambda i: [quarter_of(i.occurred)])
    team_ids = list(ctx.kb.teams)
    by_team = heat_map(rows, team_ids, [ctx.kb.teams[t].title for t in team_ids], incidents, lambda i: i.teams)
    narrower = " and its narrower terms" if term.children else ""
    return _view(
        ctx,
        page,
        term_quarter_map(
            ctx,
            page,
            by_quarter,
            chart_id="lessons-term-quarters",
            title=f"{term.title}: failures per quarter",
            y_label="Term",
            small=True,
            note=(
                f"{failures(by_quarter.total)} (incidents and near misses) classified under this term{narrower}, as "
                "primary or secondary."
            ),
        ),
        term_team_map(ctx, page, by_team, chart_id="lessons-term-teams", title=f"{term.title}: failures per team"),
    )


def _view(ctx: Context, page: str, *charts: str) -> dict[str, Any]:
    """The "Trends" section: the link to the dashboard and the charts (HTML from charts/svg.py)."""
    return {"dashboard": ctx.a(page, ctx.urls.dashboard, "dashboard"), "charts": [Markup(chart) for chart in charts]}

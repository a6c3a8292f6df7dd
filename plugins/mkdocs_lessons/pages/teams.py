"""Teams: `teams/` and `teams/<id>/`, with each team's incidents and the SOPs it owns."""

from __future__ import annotations

from functools import partial
from typing import Any, Optional, Sequence

from markupsafe import Markup

from mkdocs_lessons.charts.small import team_charts
from mkdocs_lessons.pages import paging
from mkdocs_lessons.pages.actions import team_actions_view
from mkdocs_lessons.pages.common import Context, GeneratedFile, fmt_date, incident_rows
from mkdocs_lessons.pages.paging import Pager, numbered_pages
from mkdocs_lessons.pages.programme_sections import team_learning
from mkdocs_lessons.records.model import Incident, Team


def overview_file(ctx: Context) -> GeneratedFile:
    page = ctx.urls.teams
    rows = [
        [
            ctx.team_a(page, team.id),
            ctx.prose_line(team.description, page),
            len(ctx.graph.by_team.get(team.id, [])),
            len(ctx.graph.sops_by_team.get(team.id, [])),
        ]
        for team in ctx.kb.teams.values()
    ]
    return ctx.page("teams.html", page, "Teams", source=_source(ctx), in_nav=True, teams=rows)


def team_file(ctx: Context, team: Team) -> list[GeneratedFile]:
    """The team's page and, when its incidents are many, the numbered pages after it (`teams/<id>/page/2/`)."""
    base = ctx.urls.team(team.id)
    incidents = _newest_first(ctx, team.id)
    return numbered_pages(
        ctx,
        "team.html",
        base,
        team.title,
        incidents,
        source=_source(ctx),
        ref=f"teams/{team.id}",
        body=lambda uri, chunk, pager: team_view(ctx, uri, team, chunk, total=len(incidents), pager=pager),
        trends=lambda uri: team_charts(ctx, uri, team),
        first_page=lambda uri: {"learning": team_learning(ctx, uri, team)},
    )


def _newest_first(ctx: Context, team_id: str) -> list[Incident]:
    """The team's incidents, newest first: under `mkdocs serve` one part (by id), kept while what it read holds."""
    ids = ctx.row(("team order", team_id), partial(_newest_ids, ctx, team_id))
    incidents = ctx.kb.incidents
    return [incidents[incident_id] for incident_id in ids]


def _newest_ids(ctx: Context, team_id: str) -> tuple[str, ...]:
    return tuple(incident.id for incident in ctx.kb.newest_first(ctx.graph.by_team.get(team_id, [])))


def _source(ctx: Context):
    """teams.yaml, beside taxonomy.yaml: "edit this page" on a team page opens it."""
    doc = ctx.kb.taxonomy.source
    if doc is None or doc.file is None:
        return None
    return doc.file.parent / "teams.yaml"  # the record format keeps both in taxonomy/


def team_body(ctx: Context, page: str, team: Team) -> Markup:
    """A team's first page under its title as HTML, links relative to `page` (printed reading paths reuse it).

    Its first page of incidents only, and a link to the team's page for the rest.
    """
    incidents = _newest_first(ctx, team.id)
    shown, more = paging.first_page(ctx, page, incidents, ctx.urls.team(team.id), "team's")
    return Markup(
        ctx.templates.render(
            "partials/team_body.html", body=team_view(ctx, page, team, shown, total=len(incidents), more=more)
        )
    )


def team_view(
    ctx: Context,
    page: str,
    team: Team,
    incidents: Sequence[Incident],
    *,
    total: int,
    pager: Optional[Pager] = None,
    more: Optional[Markup] = None,
) -> dict[str, Any]:
    """What `partials/team_body.html` shows of a team on `page`: `incidents` are this page's, newest first.

    A page after the first of a long list (`pager.number` > 1) shows those rows only.
    """
    rows = incident_rows(ctx, page, incidents)
    if pager is not None and pager.number > 1:
        return {
            "first": False,
            "about": ctx.team_a(page, team.id),
            "total": total,
            "incidents": rows,
            "pager": pager,
            "more": None,
        }
    procedures = []
    for sop_id in ctx.graph.sops_by_team.get(team.id, []):
        sop = ctx.kb.sops[sop_id]
        current = sop.current
        procedures.append(
            [
                ctx.a(page, ctx.urls.sop(sop.id), f"{sop.id}: {sop.title}"),
                f"v{current.version}" if current else "none approved",
                fmt_date(current.effective) if current else "",
            ]
        )
    return {
        "first": True,
        "description": ctx.prose(team.description, page) if team.description else None,
        "contact": " ".join(team.contact.split()),
        "total": total,
        "incidents": rows,
        "pager": pager,
        "more": more,
        "procedures": procedures,
        # Every incident's open action items, read for the team's: under serve kept while those hold (not titles).
        "actions": ctx.row(("team actions", page, team.id), partial(team_actions_view, ctx, page, team.id)),
    }

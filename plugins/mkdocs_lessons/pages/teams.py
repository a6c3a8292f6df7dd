"""Teams: `teams/` and `teams/<id>/`, with each team's incidents and the SOPs it owns."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..model import Team
from .banners import path_banners
from .common import Context, GeneratedFile, fmt_date, incident_rows
from .trends import team_trends


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


def team_file(ctx: Context, team: Team) -> GeneratedFile:
    page = ctx.urls.team(team.id)
    return ctx.page(
        "team.html",
        page,
        team.title,
        source=_source(ctx),
        banners=path_banners(ctx, page, f"teams/{team.id}"),
        body=team_view(ctx, page, team),
        trends=team_trends(ctx, page, team),
    )


def _source(ctx: Context):
    """teams.yaml, beside taxonomy.yaml: "edit this page" on a team page opens it."""
    doc = ctx.kb.taxonomy.source
    if doc is None or doc.file is None:
        return None
    return doc.file.parent / "teams.yaml"  # the record format keeps both in taxonomy/


def team_body(ctx: Context, page: str, team: Team) -> Markup:
    """A team's page under its title as HTML, links relative to `page` (printed reading paths reuse it)."""
    return Markup(ctx.templates.render("partials/team_body.html", body=team_view(ctx, page, team)))


def team_view(ctx: Context, page: str, team: Team) -> dict[str, Any]:
    """What `partials/team_body.html` shows of a team on `page`."""
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
        "description": ctx.prose(team.description, page) if team.description else None,
        "contact": " ".join(team.contact.split()),
        "incidents": incident_rows(ctx, page, ctx.graph.by_team.get(team.id, [])),
        "procedures": procedures,
    }

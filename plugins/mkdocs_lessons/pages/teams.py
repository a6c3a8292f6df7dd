"""Teams: `teams/` and `teams/<id>/`, with each team's incidents and the SOPs it owns."""

from __future__ import annotations


from .. import text
from ..model import Team
from .banners import with_path_banners
from .common import Context, GeneratedFile, fmt_date, incident_table, join_blocks, section, table
from .trends import team_trends


def overview_file(ctx: Context) -> GeneratedFile:
    return GeneratedFile(ctx.urls.teams, _overview(ctx), source=_source(ctx), in_nav=True, title="Teams")


def team_file(ctx: Context, team: Team) -> GeneratedFile:
    return GeneratedFile(ctx.urls.team(team.id), _team_page(ctx, team), source=_source(ctx), title=team.title)


def _source(ctx: Context):
    """teams.yaml, beside taxonomy.yaml: "edit this page" on a team page opens it."""
    doc = ctx.kb.taxonomy.source
    if doc is None or doc.file is None:
        return None
    return doc.file.parent / "teams.yaml"  # the record format keeps both in taxonomy/


def _overview(ctx: Context) -> str:
    page = ctx.urls.teams
    rows = [
        [
            ctx.team_link(page, team.id),
            ctx.md_line(team.description),
            str(len(ctx.graph.by_team.get(team.id, []))),
            str(len(ctx.graph.sops_by_team.get(team.id, []))),
        ]
        for team in ctx.kb.teams.values()
    ]
    return join_blocks("# Teams", table(["Team", "About", "Incidents", "Procedures owned"], rows))


def _team_page(ctx: Context, team: Team) -> str:
    page = ctx.urls.team(team.id)
    body = join_blocks(f"# {text.inline(team.title)}", team_body(ctx, page, team), team_trends(ctx, page, team))
    return with_path_banners(ctx, page, f"teams/{team.id}", body)


def team_body(ctx: Context, page: str, team: Team) -> str:
    """A team's page under its title, links relative to `page` (printed reading paths reuse it)."""
    incidents = ctx.graph.by_team.get(team.id, [])
    sop_rows = []
    for sop_id in ctx.graph.sops_by_team.get(team.id, []):
        sop = ctx.kb.sops[sop_id]
        current = sop.current
        sop_rows.append(
            [
                ctx.link(page, ctx.urls.sop(sop.id), f"{text.inline(sop.id)}: {text.inline(sop.title)}"),
                f"v{current.version}" if current else "none approved",
                fmt_date(current.effective) if current else "",
            ]
        )
    return join_blocks(
        ctx.md(team.description) if team.description else "",
        f"Contact: {text.inline(team.contact)}" if team.contact else "",
        section(f"Incidents ({len(incidents)})", incident_table(ctx, page, incidents) if incidents else "No published incident involves this team yet."),
        section("Procedures owned", table(["Procedure", "Current version", "Effective"], sop_rows)) if sop_rows else "",
    )

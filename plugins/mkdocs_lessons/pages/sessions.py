"""Learning sessions: `sessions/`, `sessions/<id>/`, and the sessions an incident or SOP page lists.

Sessions are review meetings, cross-team learning sessions, tabletop drills
and framework renewals (record format v1.1). The index lists every session
newest first, with the planned ones first of all; `assets/sessions.js`
filters its rows by kind and team (also from `?kind=drill&team=payments`).
What the sessions add up to is in `ctx.analysis.programme` (analysis/programme.py).
"""

from __future__ import annotations

from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.pages.common import Context, GeneratedFile, fmt_date
from mkdocs_lessons.records.model import SESSION_KIND_LABELS, SESSION_KINDS, Session, SopRef


def session_label(session: Session) -> str:
    return SESSION_KIND_LABELS.get(session.kind, session.kind)


def discussed_a(ctx: Context, page: str, ref: str, *, title: bool = True) -> Markup:
    """A link to a discussed record: `INC-…: title` or `SOP-007@2: title` (the id alone without `title`)."""
    if ref.startswith("SOP-"):
        return ctx.sop_a(page, SopRef.parse(ref), title=title)
    return ctx.incident_a(page, ref, title=title)


def _row(ctx: Context, page: str, session: Session) -> dict[str, Any]:
    return {
        "date": fmt_date(session.date),
        "kind": session.kind,
        "kind_label": session_label(session),
        "link": ctx.a(page, ctx.urls.session(session.id), session.title),
        "teams": ctx.teams_html(page, session.teams),
        "team_ids": " ".join(session.teams),
        "host": ctx.team_a(page, session.host),
        "people": len(session.participants) + len(session.buddies) + len(session.external),
        "cross_functional": session.cross_functional,
        # Ids only in the list (the session's page gives the titles).
        "discussed": Markup(", ").join(discussed_a(ctx, page, ref, title=False) for ref in session.discussed),
    }


def render_sessions_index(ctx: Context) -> GeneratedFile:
    page = ctx.urls.sessions
    programme = ctx.analysis.programme
    kinds = [
        (kind, SESSION_KIND_LABELS[kind], sum(1 for s in programme.sessions if s.kind == kind))
        for kind in SESSION_KINDS
    ]
    teams = [
        (team.id, team.title) for team in ctx.kb.teams.values() if any(team.id in s.teams for s in programme.sessions)
    ]
    return ctx.page(
        "sessions.html",
        page,
        "Learning sessions",
        in_nav=True,
        held=[_row(ctx, page, s) for s in programme.held],
        planned=[_row(ctx, page, s) for s in programme.planned],
        kinds=kinds,
        teams=teams,
        dashboard=ctx.a(page, ctx.urls.dashboard, "dashboard"),
        today=ctx.today.isoformat(),
    )


def render_session(ctx: Context, session: Session) -> GeneratedFile:
    page = ctx.urls.session(session.id)
    source = session.source.file if session.source else None
    return ctx.page("session.html", page, session.title, source=source, body=session_view(ctx, page, session))


def session_view(ctx: Context, page: str, session: Session) -> dict[str, Any]:
    """What `session.html` shows: who took part (by team and function), buddies, what was discussed, outcomes."""
    teams = ctx.kb.teams
    facts = [
        ["Date", fmt_date(session.date) + (" (planned)" if session.date > ctx.today else "")],
        ["Hosted by", ctx.team_a(page, session.host)],
    ]
    if session.facilitator:
        facts.insert(1, ["Facilitator", session.facilitator])
    return {
        "facts": facts,
        "kind": session.kind,
        "kind_label": session_label(session),
        "date": fmt_date(session.date),
        "planned": session.date > ctx.today,
        "facilitator": session.facilitator,
        "host": ctx.team_a(page, session.host),
        "teams": [(ctx.team_a(page, t), t == session.host) for t in session.teams],
        "roles": session.roles,
        "cross_functional": session.cross_functional,
        "participants": session.participants,
        "external": session.external,
        "buddies": [
            {
                "person": buddy.person,
                "team": ctx.team_a(page, buddy.team) if buddy.team in teams else buddy.team,
                "takeaway": ctx.prose_line(buddy.takeaway, page) if buddy.takeaway else None,
            }
            for buddy in session.buddies
        ],
        "discussed": [discussed_a(ctx, page, ref) for ref in session.discussed],
        "outcomes": [ctx.prose_line(outcome, page) for outcome in session.outcomes],
        "summary": ctx.prose(session.summary, page) if session.summary else None,
        "index": ctx.a(page, ctx.urls.sessions, "All learning sessions"),
    }


def record_sessions(ctx: Context, page: str, record_id: str, *, own_team: Optional[set[str]] = None) -> dict[str, Any]:
    """The sessions that discussed an incident or an SOP, newest first, and what buddies took away.

    `own_team`: the record's teams; takeaways by buddies of other teams are "what other teams took away".
    """
    sessions = ctx.analysis.programme.sessions_by_record.get(record_id, [])
    takeaways = []
    for session in sessions:
        for buddy in session.buddies:
            if buddy.takeaway and (own_team is None or buddy.team not in own_team):
                takeaways.append(
                    {
                        "person": buddy.person,
                        "team": ctx.team_a(page, buddy.team) if buddy.team in ctx.kb.teams else buddy.team,
                        "takeaway": ctx.prose_line(buddy.takeaway, page),
                        "session": ctx.a(page, ctx.urls.session(session.id), session.title),
                    }
                )
    return {
        "sessions": [
            {
                "date": fmt_date(s.date),
                "kind_label": session_label(s),
                "link": ctx.a(page, ctx.urls.session(s.id), s.title),
                "teams": ctx.teams_html(page, s.teams),
                "planned": s.date > ctx.today,
            }
            for s in sessions
        ],
        "takeaways": takeaways,
    }

"""The learning programme's sections on SOP and team pages: checklist adherence and a team's learning record.

Figures from `ctx.analysis.programme` (analysis/programme.py); rendered by
`partials/sop_adherence.html` and `partials/team_learning.html`. A team's
record says what it did to learn; it never counts the team's failures.
"""

from __future__ import annotations

from typing import Any, Optional

from mkdocs_lessons.analysis.programme import LearningRecord
from mkdocs_lessons.pages.common import Context
from mkdocs_lessons.records.model import Team


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def sop_adherence(ctx: Context, sop_id: str) -> dict[str, Any]:
    """Per quarter: the incidents that followed, violated or missed the SOP (any version)."""
    quarters = ctx.analysis.programme.adherence.get(sop_id, {})
    return {
        "rows": [[q, str(a.followed), str(a.violated), str(a.missing), _pct(a.rate)] for q, a in quarters.items()],
        "dashboard": ctx.a(ctx.urls.sop(sop_id), ctx.urls.dashboard, "dashboard"),
    }


def _rows(record: LearningRecord) -> list[tuple[str, int]]:
    return [
        ("Reviews held of its incidents", record.reviews),
        ("… of them held on time", record.reviews_on_time),
        ("Near misses reported", record.near_misses),
        ("Action items closed by their due date", record.actions_on_time),
        ("SOP versions contributed", record.sop_versions),
        ("Learning sessions hosted", record.sessions_hosted),
        ("Sessions of other teams attended", record.sessions_attended),
        ("Takeaways given to other teams", record.takeaways_given),
        ("Takeaways brought home from other teams", record.takeaways_brought),
    ]


def team_learning(ctx: Context, page: str, team: Team) -> dict[str, Any]:
    """A team's learning record: all time and in the last complete quarter."""
    programme = ctx.analysis.programme
    total = programme.team_records.get(team.id, LearningRecord())
    quarter = programme.team_records_quarter.get(team.id, LearningRecord())
    rows = [[label, str(all_time), str(last)] for (label, all_time), (_, last) in zip(_rows(total), _rows(quarter))]
    sessions = [s for s in programme.held if team.id in s.teams][:10]
    return {
        "quarter": programme.last_complete,
        "rows": rows,
        "within": ctx.lint.review_within_days,
        "sessions": [
            (s.date.isoformat(), ctx.a(page, ctx.urls.session(s.id), s.title), s.host == team.id) for s in sessions
        ],
        "more": sum(1 for s in programme.held if team.id in s.teams) - len(sessions),
        "index": ctx.a(page, ctx.urls.sessions, "every session", query=f"team={team.id}"),
    }

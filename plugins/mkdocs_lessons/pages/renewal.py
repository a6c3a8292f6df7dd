"""`renewal/`: the agenda of the periodic framework review, dated and printable.

The findings come from `Analysis.renewal_agenda` (analysis/renewal.py); this module
words them, with links, for `templates/lessons/renewal.html`.
"""

from __future__ import annotations

from markupsafe import Markup

from mkdocs_lessons.analysis.renewal import questions
from mkdocs_lessons.pages.common import Context, GeneratedFile, badge, fmt_date
from mkdocs_lessons.pages.dashboard.loop_sections import renewal
from mkdocs_lessons.pages.incidents.followup import check_in_cell
from mkdocs_lessons.pages.incidents.loop_sections import done_on, why_flagged


def render_renewal(ctx: Context) -> GeneratedFile:
    page = ctx.urls.renewal
    agenda = ctx.analysis.renewal_agenda
    incidents = ctx.kb.incidents
    r = renewal(ctx)
    generated = ctx.page(
        "renewal.html",
        page,
        "Renewal agenda",
        today=fmt_date(agenda.today),
        since=fmt_date(agenda.since),
        since_source=agenda.since_source,
        taxonomy=ctx.a(page, ctx.urls.taxonomy, "taxonomy"),
        taxonomy_version=ctx.kb.taxonomy.version,
        taxonomy_due=fmt_date(r.due),
        taxonomy_overdue=badge(f"overdue {r.overdue_days} d", "overdue") if r.overdue_days else None,
        every=r.every_months,
        unused=[[ctx.term_a(page, t.path), fmt_date(t.last_used) or "never"] for t in agenda.unused_terms],
        heavy=[
            [ctx.term_a(page, t.path), f"{t.failures} of {t.of}", f"{round(100 * t.failures / t.of)} %"]
            for t in agenda.heavy_terms
        ],
        year_failures=agenda.heavy_terms[0].of if agenda.heavy_terms else None,
        sops=[
            [
                ctx.a(page, ctx.urls.sop(x.sop_id), f"{x.sop_id}: {x.title}"),
                ctx.team_a(page, x.owner),
                fmt_date(x.due),
                badge(f"overdue {x.days} d", "overdue"),
            ]
            for x in agenda.sops_past_review
        ],
        open_loops=[ctx.incident_a(page, i, title=True) for i in agenda.open_loops],
        recurrences=[
            [
                ctx.incident_a(page, r.later, title=True),
                fmt_date(incidents[r.later].occurred.date()),
                ctx.incident_a(page, r.earlier),
                Markup("{} on {}").format(r.action_id, done_on(r)),
                why_flagged(ctx, page, r),
            ]
            for r in agenda.recurrences
        ],
        lints=[
            [
                Markup("<code>{}</code> {}").format(x.code, x.name),
                len(x.reviews),
                Markup(", ").join(ctx.incident_a(page, i) for i in x.reviews),
            ]
            for x in agenda.lints
        ],
        check_ins=[
            [
                badge(f"{c.days_late} d", "overdue"),
                c.ref.item.owner or "no owner",
                ctx.teams_html(page, c.ref.incident.teams),
                Markup("{} · {}").format(ctx.incident_a(page, c.ref.incident.id), c.ref.item.id),
                check_in_cell(ctx, page, c.ref.incident, c.ref.item),
            ]
            for c in agenda.check_ins
        ],
        questions=questions(agenda, incidents),
        dashboard=ctx.a(page, ctx.urls.dashboard, "dashboard"),
        backlog=ctx.a(page, ctx.urls.actions, "action items"),
    )
    # A meeting paper: no navigation or table of contents to print.
    generated.meta.update({"hide": ["navigation"]})
    return generated

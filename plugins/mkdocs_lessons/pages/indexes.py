"""Aggregate pages: the home section and the SOP catalog (the incident index is incident_index.py)."""

from __future__ import annotations

from .common import Context, GeneratedFile, fmt_date, kind_counts, kind_label
from .catalog import catalog_summary, review_view, reviews


def render_home(ctx: Context) -> GeneratedFile:
    page = ctx.urls.home
    kb, urls = ctx.kb, ctx.urls
    incidents = kb.published_incidents
    years = sorted({i.year for i in incidents})
    newest = [i for i in kb.newest_first(incidents) if i.status in ("reviewed", "closed")][:5]
    targets = {
        "dashboard": urls.dashboard,
        "actions": urls.actions,
        "incidents": urls.incidents,
        "sops": urls.sops,
        "taxonomy": urls.taxonomy,
        "teams": urls.teams,
        "paths": urls.paths,
        "sessions": urls.sessions,
        "indicators": urls.indicators,
    }
    if ctx.feed_size > 0:
        targets["feed"] = urls.feed
    return ctx.page(
        "home.html",
        page,
        "Home",
        in_nav=True,
        counts={
            "reviews": len(incidents),
            "first_year": years[0] if years else None,
            "last_year": years[-1] if years else None,
            "kinds": kind_counts(incidents),
            "sops": len(kb.sops),
            "versions": sum(len(s.versions) for s in kb.sops.values()),
            "terms": len(kb.taxonomy.terms),
            "teams": len(kb.teams),
            "paths": len(kb.paths),
            "sessions": len(ctx.analysis.programme.held),
            "indicators": len(kb.indicators),
        },
        links={name: ctx.link_href(page, target) for name, target in targets.items()},
        newest=[
            {
                "date": i.occurred.date().isoformat(),
                "link": ctx.incident_a(page, i.id, title=True),
                "kind": kind_label(i),
                "summary": ctx.prose_line(i.summary, page),
            }
            for i in newest
        ],
    )


def render_sop_catalog(ctx: Context) -> GeneratedFile:
    page = ctx.urls.sops
    states = reviews(ctx)
    rows = []
    for sop in ctx.kb.sops.values():
        current = sop.current
        rows.append(
            {
                "link": ctx.a(page, ctx.urls.sop(sop.id), sop.id),
                "title": sop.title,
                "current": current.version if current else None,
                "effective": fmt_date(current.effective) if current else "",
                "owner": ctx.team_a(page, sop.owner),
                "review": review_view(states[sop.id]),  # overdue / due soon / no schedule, as on the dashboard
                "versions": len(sop.versions),
                "incidents": len({m.incident.id for m in ctx.graph.sop_mentions.get(sop.id, [])}),
                "pending": [ctx.a(page, ctx.urls.sop_version(sop.id, v.version), f"v{v.version} ({v.status})") for v in sop.pending],
            }
        )
    return ctx.page(
        "sop_catalog.html",
        page,
        "Procedures",
        in_nav=True,
        summary=catalog_summary(ctx) if rows else None,
        dashboard=ctx.link_href(page, ctx.urls.dashboard),
        rows=rows,
    )

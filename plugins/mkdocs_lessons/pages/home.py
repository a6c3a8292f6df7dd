"""The home page: what the knowledge base holds and where to start."""

from __future__ import annotations

from mkdocs_lessons.pages.common import Context, GeneratedFile, kind_counts, kind_label


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

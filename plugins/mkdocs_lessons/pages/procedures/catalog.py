"""The SOP catalog `sops/`: every procedure, its current version, review state and pending versions.

The figures come from `analysis/metrics.py`, so the catalog, the dashboard and
`metrics.json` agree on which procedures are overdue for review. The
wording is the catalog template's (`sop_catalog.html`).
"""

from __future__ import annotations

from typing import Any

from mkdocs_lessons.analysis.metrics import DUE_SOON_DAYS, SopReview
from mkdocs_lessons.pages.common import Context, GeneratedFile, fmt_date


def reviews(ctx: Context) -> dict[str, SopReview]:
    """Each SOP's review state by id (the metrics list it in natural id order)."""
    return {r.sop_id: r for r in ctx.analysis.metrics.sops.reviews}


def review_view(review: SopReview) -> dict[str, Any]:
    """What the "Next review" cell shows: `state` (overdue, due-soon, on-schedule, no-schedule, none-approved), `due`,
    `days`.
    """
    return {"state": review.state, "due": fmt_date(review.due), "days": review.days}


def catalog_summary(ctx: Context) -> dict[str, Any]:
    """The figures of the line above the catalog table."""
    sops = ctx.analysis.metrics.sops
    return {
        "total": sops.total,
        "versions": sops.versions,
        "overdue": len(sops.in_state("overdue")),
        "due_soon": len(sops.in_state("due-soon")),
        "due_soon_days": DUE_SOON_DAYS,
        "pending": sops.pending_versions,
        "today": ctx.today.isoformat(),
    }


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
                "pending": [
                    ctx.a(page, ctx.urls.sop_version(sop.id, v.version), f"v{v.version} ({v.status})")
                    for v in sop.pending
                ],
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

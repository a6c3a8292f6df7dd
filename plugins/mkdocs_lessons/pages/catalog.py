"""What the SOP catalog `sops/` adds to its table: review state and a summary line.

The figures come from `metrics.py`, so the catalog, the dashboard and
`metrics.json` agree on which procedures are overdue for review. The
wording is the catalog template's (`sop_catalog.html`).
"""

from __future__ import annotations

from typing import Any

from ..metrics import DUE_SOON_DAYS, SopReview
from .common import Context, fmt_date
from .figures import metrics


def reviews(ctx: Context) -> dict[str, SopReview]:
    """Each SOP's review state by id (the metrics list it in natural id order)."""
    return {r.sop_id: r for r in metrics(ctx).sops.reviews}


def review_view(review: SopReview) -> dict[str, Any]:
    """What the "Next review" cell shows: `state` (overdue, due-soon, on-schedule, no-schedule, none-approved), `due`, `days`."""
    return {"state": review.state, "due": fmt_date(review.due), "days": review.days}


def catalog_summary(ctx: Context) -> dict[str, Any]:
    """The figures of the line above the catalog table."""
    sops = metrics(ctx).sops
    return {
        "total": sops.total,
        "versions": sops.versions,
        "overdue": len(sops.in_state("overdue")),
        "due_soon": len(sops.in_state("due-soon")),
        "due_soon_days": DUE_SOON_DAYS,
        "pending": sops.pending_versions,
        "today": ctx.today.isoformat(),
    }

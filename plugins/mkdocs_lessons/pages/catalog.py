"""What the SOP catalog `sops/` adds to its table: review state and a summary line.

The figures come from `metrics.py`, so the catalog, the dashboard and
`metrics.json` agree on which procedures are overdue for review.
"""

from __future__ import annotations

from ..metrics import DUE_SOON_DAYS, SopReview
from ..model import Sop
from .common import Context, badge, fmt_date
from .figures import metrics, plural


def review_of(ctx: Context, sop: Sop) -> SopReview:
    return next(r for r in metrics(ctx).sops.reviews if r.sop_id == sop.id)


def review_cell(ctx: Context, sop: Sop) -> str:
    """`2024-11-02 (overdue 390 d)`, `due in 12 d`, or why there is no date."""
    review = review_of(ctx, sop)
    if review.state == "none-approved":
        return "– (no approved version)"
    if review.state == "no-schedule":
        return "no review schedule"
    cell = fmt_date(review.due)
    if review.state == "overdue":
        cell += " " + badge(f"overdue {review.days} d", "overdue")
    elif review.state == "due-soon":
        cell += " " + badge(f"due in {review.days} d", "due-soon")
    return cell


def catalog_summary(ctx: Context, page: str) -> str:
    sops = metrics(ctx).sops
    overdue = len(sops.in_state("overdue"))
    soon = len(sops.in_state("due-soon"))
    parts = [
        f"{plural(sops.total, 'procedure', 'procedures')} with {plural(sops.versions, 'version', 'versions')}",
        f"**{overdue}** overdue for review",
        f"{soon} due within {DUE_SOON_DAYS} days",
        f"{plural(sops.pending_versions, 'proposal', 'proposals')} waiting for approval",
    ]
    return ", ".join(parts) + f" (as of {ctx.today.isoformat()}). Trends are on the " + ctx.link(page, ctx.urls.dashboard, "dashboard") + "."

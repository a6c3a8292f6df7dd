"""Dashboard sections for the learning loop and the framework's renewal.

Every figure states its formula and its n on the page; the same numbers are
in `metrics.json` under `learning_loop` and `renewal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.analysis.loop import LoopFacts, Recurrence
from mkdocs_lessons.analysis.metrics import Metrics
from mkdocs_lessons.analysis.recurrence import SIMILARITY_THRESHOLD
from mkdocs_lessons.charts.dashboard import plural, share
from mkdocs_lessons.dates import add_months
from mkdocs_lessons.pages.common import Context, badge, fmt_date
from mkdocs_lessons.pages.incidents.loop_sections import done_on, why_flagged


@dataclass(frozen=True)
class Renewal:
    """When the taxonomy (the words we learn with) is due for review."""

    updated: Optional[date]
    every_months: int
    due: Optional[date]
    overdue_days: Optional[int]  # > 0 when past due


def renewal(ctx: Context) -> Renewal:
    updated = ctx.kb.taxonomy.updated
    due = add_months(updated, ctx.renewal_every_months) if updated else None
    overdue = (ctx.today - due).days if due and ctx.today > due else None
    return Renewal(updated, ctx.renewal_every_months, due, overdue)


def loop_data(ctx: Context, m: Metrics) -> dict[str, Any]:
    """metrics.json entries."""
    r = renewal(ctx)
    follow = ctx.analysis.followup
    return {
        "learning_loop": ctx.analysis.loop_figures.as_dict(),
        "renewal": {
            "taxonomy_version": ctx.kb.taxonomy.version,
            "taxonomy_updated": fmt_date(r.updated) or None,
            "renewal_every_months": r.every_months,
            "taxonomy_review_due": fmt_date(r.due) or None,
            "taxonomy_overdue_days": r.overdue_days,
            "sops_past_review": [x.sop_id for x in m.sops.in_state("overdue")],
        },
        "follow_through": {
            "check_ins_scheduled": len(follow.scheduled),
            "check_ins_overdue": len(follow.overdue),
            "check_ins_overdue_items": [f"{c.ref.incident.id} {c.ref.item.id}" for c in follow.overdue],
            "experiments": len(follow.experiments),
            "recurrences_estimated": sum(1 for r in ctx.analysis.loop.recurrences.all if r.estimated),
        },
    }


LOOP_DEFINITIONS = {
    "loop_closure": (
        "Reviewed or closed incidents and near misses that found a procedure missing or violated; closed when an SOP "
        "version records the change (an action item's codified_in or the version's motivated_by), in progress with "
        "action items but no such version, open without any action item."
    ),
    "recurrence_rate": (
        "Incidents and near misses with a done action item (dated by its closed date, else its due date, else the "
        "review date: estimated), followed later by a possible recurrence: a failure sharing a cause term (primary on "
        f"at least one side) and a system, or a team and a similarity score of at least {SIMILARITY_THRESHOLD:g} "
        "(unless both name systems and share none); n = those with a dated done action item."
    ),
    "taxonomy_review_due": "The taxonomy's updated date plus its review interval (renewal_every_months).",
    "check_ins_overdue": (
        "Open or in-progress action items whose next_check_in is before today, most overdue first; check_ins_scheduled "
        "counts open items with a next_check_in."
    ),
    "experiments": "Action items whose pdsa uses the long form (a hypothesis or a result).",
    "recurrences_estimated": (
        "Possible recurrences whose earlier fix has no closed date and is dated by its due date, else the review date."
    ),
}


def dashboard_loop_view(ctx: Context, page: str) -> dict[str, Any]:
    """What `partials/dashboard_loop.html` shows under "Is the loop closed?"."""
    n = ctx.analysis.loop_figures
    facts = ctx.analysis.loop
    pairs = _newest_pairs(ctx, facts, 10)
    return {
        "closure_rate": share(n.closure_rate),
        "calls_for_change": n.calls_for_change,
        "closed": n.closed,
        "in_progress": n.in_progress,
        "open": n.open,
        "recurrence_rate": share(n.recurrence_rate),
        "with_done_action": n.with_done_action,
        "recurred": n.recurred,
        "open_loops": Markup("; ").join(ctx.incident_a(page, i, title=True) for i in facts.open_loops),
        "pairs": [
            [
                ctx.incident_a(page, r.later, title=True),
                ctx.incident_a(page, r.earlier, title=True),
                done_on(r),
                why_flagged(ctx, page, r),
            ]
            for r in pairs
        ],
        "pairs_total": plural(facts.recurrences.pairs, "possible recurrence", "possible recurrences"),
    }


def _newest_pairs(ctx: Context, facts: LoopFacts, count: int) -> list[Recurrence]:
    """The `count` newest listed recurrences, newest later failure first.

    Only the newest later failures' lists are read (each is made when first
    read: analysis/loop.py), not every incident's.
    """
    found = facts.recurrences
    incidents = ctx.kb.incidents
    laters = sorted(found.before, key=lambda i: (incidents[i].occurred, i), reverse=True)
    pairs: list[Recurrence] = []
    for later in laters:
        # Pairs of the same later failure sort together, so whole lists are taken
        # until `count` are in hand and the next one sorts strictly lower.
        if len(pairs) >= count:
            break
        pairs += found.before[later]
    pairs.sort(key=lambda r: (incidents[r.later].occurred, r.later, r.earlier), reverse=True)
    return pairs[:count]


def renewal_view(ctx: Context, page: str, m: Metrics) -> dict[str, Any]:
    """What `partials/dashboard_loop.html` shows under "Renewal: is the framework itself up to date?"."""
    r = renewal(ctx)
    state = None
    if r.due is not None:
        state = (
            badge(f"overdue {r.overdue_days} d", "overdue")
            if r.overdue_days
            else badge(f"due in {(r.due - ctx.today).days} d", "due-soon")
        )
    overdue = sorted(m.sops.in_state("overdue"), key=lambda x: (-(x.days or 0), x.sop_id))
    return {
        "taxonomy": ctx.a(page, ctx.urls.taxonomy, "taxonomy"),
        "agenda": ctx.a(page, ctx.urls.renewal, "renewal agenda"),
        "version": ctx.kb.taxonomy.version,
        "updated": fmt_date(r.updated),
        "every": plural(r.every_months, "month", "months"),
        "due": fmt_date(r.due),
        "state": state,
        "past_review": plural(len(overdue), "procedure is", "procedures are"),
        "rows": [
            [
                ctx.a(page, ctx.urls.sop(x.sop_id), f"{x.sop_id}: {x.title}"),
                ctx.team_a(page, x.owner),
                fmt_date(x.due),
                badge(f"overdue {x.days} d", "overdue"),
            ]
            for x in overdue
        ],
    }

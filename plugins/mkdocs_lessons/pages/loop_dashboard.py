"""Dashboard sections for the learning loop and the framework's renewal.

Every figure states its formula and its n on the page; the same numbers are
in `metrics.json` under `learning_loop` and `renewal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from .. import text
from ..dates import add_months
from ..loop import LoopFacts, Recurrence
from ..metrics import Metrics
from .common import Context, badge, fmt_date, join_blocks, section, table
from .figures import plural, share
from .learning import loop_facts, loop_numbers


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
    return {
        "learning_loop": loop_numbers(ctx).as_dict(),
        "renewal": {
            "taxonomy_version": ctx.kb.taxonomy.version,
            "taxonomy_updated": fmt_date(r.updated) or None,
            "renewal_every_months": r.every_months,
            "taxonomy_review_due": fmt_date(r.due) or None,
            "taxonomy_overdue_days": r.overdue_days,
            "sops_past_review": [x.sop_id for x in m.sops.in_state("overdue")],
        },
    }


LOOP_DEFINITIONS = {
    "loop_closure": "Reviewed or closed incidents and near misses that found a procedure missing or violated; closed when an SOP version records the change (an action item's codified_in or the version's motivated_by), in progress with action items but no such version, open without any action item.",
    "recurrence_rate": "Incidents and near misses with a done action item (with a closed date), followed later by a failure with the same primary taxonomy term and a team in common; n = those with a done action item.",
    "taxonomy_review_due": "The taxonomy's updated date plus the plugin option renewal_every_months.",
}


def loop_section(ctx: Context, page: str, m: Metrics) -> str:
    n = loop_numbers(ctx)
    facts = loop_facts(ctx)
    rows = [
        [
            "Loop closure",
            f"{share(n.closure_rate)} (n&nbsp;=&nbsp;{n.calls_for_change})",
            f"closed ÷ reviewed failures with a *missing* or *violated* procedure: {n.closed} closed, {n.in_progress} in progress, {n.open} open",
        ],
        [
            "Recurrence rate",
            f"{share(n.recurrence_rate)} (n&nbsp;=&nbsp;{n.with_done_action})",
            f"failures followed by a possible recurrence ÷ failures with a done action item: {n.recurred} of {n.with_done_action}",
        ],
    ]
    parts = [
        "Failure, review, action, a changed standard, and evidence that the change worked. "
        "A recurrence is *possible*, not proven: a later incident or near miss with the same primary cause and a team in common, after the earlier one's action item was done.",
        '<div class="lessons-facts" markdown>\n\n' + table(["Figure", "Value", "Formula"], rows) + "\n\n</div>",
    ]
    if facts.open_loops:
        links = ", ".join(ctx.incident_link(page, i) for i in facts.open_loops)
        parts.append(f"**Open loops** (a procedure was missing or violated, no action item): {links}.")
    pairs = _newest_pairs(ctx, facts, 10)
    if pairs:
        shown = pairs[:10]
        prows = [
            [ctx.incident_link(page, r.later), ctx.incident_link(page, r.earlier), fmt_date(r.done_on), ctx.term_link(page, r.terms[0]), ctx.teams_links(page, r.teams)]
            for r in shown
        ]
        caption = f"The {len(shown)} newest of {plural(facts.recurrences.pairs, 'possible recurrence', 'possible recurrences')}:"
        parts.append(caption + "\n\n" + table(["Later failure", "Earlier incident", "Its action done on", "Same cause", "Shared teams"], prows))
    return section("Is the loop closed?", join_blocks(*parts))


def _newest_pairs(ctx: Context, facts: LoopFacts, count: int) -> list[Recurrence]:
    """The `count` newest listed recurrences, newest later failure first.

    Only the newest later failures' lists are read (each is made when first
    read: loop.py), not every incident's.
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


def renewal_section(ctx: Context, page: str, m: Metrics) -> str:
    r = renewal(ctx)
    if r.due is None:
        framework = "The taxonomy has no `updated` date, so nobody can tell when the learning framework was last reviewed. Add one to `taxonomy.yaml`."
    else:
        state = badge(f"overdue {r.overdue_days} d", "overdue") if r.overdue_days else badge(f"due in {(r.due - ctx.today).days} d", "due-soon")
        framework = (
            f"The {ctx.link(page, ctx.urls.taxonomy, 'taxonomy')} (version {ctx.kb.taxonomy.version}) was last updated on {fmt_date(r.updated)}; "
            f"reviewed every {plural(r.every_months, 'month', 'months')} (option `renewal_every_months`), its next review is due **{fmt_date(r.due)}** {state}. "
            "Are the terms still the words we need? Are some never used, or too broad to teach anything?"
        )
    overdue = m.sops.in_state("overdue")
    if overdue:
        rows = [
            [ctx.link(page, ctx.urls.sop(x.sop_id), f"{text.inline(x.sop_id)}: {text.inline(x.title)}"), ctx.team_link(page, x.owner), fmt_date(x.due), badge(f"overdue {x.days} d", "overdue")]
            for x in sorted(overdue, key=lambda x: (-(x.days or 0), x.sop_id))
        ]
        sops = f"{plural(len(overdue), 'procedure is', 'procedures are')} past the review date (current version's effective date + `review_every_months`):\n\n" + table(["Procedure", "Owner", "Review due", "State"], rows)
    else:
        sops = "No procedure is past its review date."
    return section("Renewal: is the framework itself up to date?", join_blocks(framework, sops))

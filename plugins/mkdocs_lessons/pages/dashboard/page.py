"""The dashboard `dashboard/` and its figures as data, `metrics.json`.

The page managers open first: headline figures, leading and lagging
indicators with their trend, where failures recur (by quarter and by team),
how fast we detect and restore, whether near misses get reported, whether
action items get done, and whether procedures are kept up to date. Every
chart is inline SVG drawn at build time (see `charts/svg.py`), with its numbers
behind "Show data"; every figure is also in `metrics.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons import __version__
from mkdocs_lessons.analysis.metrics import DUE_SOON_DAYS, REPEAT_WINDOW_DAYS, Distribution, Indicator, Metrics
from mkdocs_lessons.charts.dashboard import (
    actions_chart,
    duration,
    failures,
    index_href,
    plural,
    reporting_chart,
    share,
    sop_chart,
    term_quarter_map,
    term_team_map,
    time_chart,
)
from mkdocs_lessons.pages.common import Context, GeneratedFile, badge, fmt_date
from mkdocs_lessons.pages.dashboard.loop_sections import LOOP_DEFINITIONS, dashboard_loop_view, loop_data, renewal_view
from mkdocs_lessons.pages.dashboard.programme import dashboard_learning_view, programme_data
from mkdocs_lessons.pages.procedures.catalog import catalog_summary

DEFINITIONS = {
    "failure": "A review of kind incident or near-miss. Successes are counted in the reporting mix only.",
    "classified_under": (
        "An incident is classified under a term when its primary or any secondary term is that term or a narrower one; "
        "an incident under two top-level terms counts in both rows, once in the totals."
    ),
    "time_to_detect": (
        "detected − occurred, over reviews of kind incident that have both timestamps, by quarter of occurrence."
    ),
    "time_to_restore": (
        "resolved − detected, over reviews of kind incident that have both timestamps, by quarter of occurrence."
    ),
    "median": "The middle value; the mean of the two middle values when n is even.",
    "p90": "Nearest rank: the smallest observed value that at least 90 % of the values do not exceed.",
    "action_opened": (
        "An action item is opened on its incident's review date, or on the day the incident occurred when there is no "
        "review date."
    ),
    "action_closed": (
        "The item's closed date; items done or dropped without one are left out of timings and quarterly counts."
    ),
    "done_on_time": "Done items with a due date whose closed date is on or before the due date.",
    "days_to_close": "closed − opened in days, over done and dropped items with a closed date, never below 0.",
    "overdue": "Open or in progress, with a due date before today (or before the quarter's end, for past quarters).",
    "sop_review_due": "The current version's effective date plus review_every_months.",
    "approved_versions": (
        "Versions that passed the approval gate (approved, superseded, or retired after approval), by year of their "
        "effective date."
    ),
    "repeat_cause": (
        f"A failure whose primary term was the primary term of another failure in the {REPEAT_WINDOW_DAYS} days before "
        "it."
    ),
    "indicator_quarters": (
        "Indicators compare the last complete quarter with the one before it; the current quarter is shown so far."
    ),
}


def render_dashboard(ctx: Context) -> GeneratedFile:
    page = ctx.urls.dashboard
    m = ctx.analysis.metrics
    has_reviews = bool(m.quarters)
    return ctx.page(
        "dashboard.html",
        page,
        "Dashboard",
        in_nav=True,
        today=ctx.today.isoformat(),
        reviews=plural(m.reviews, "published review", "published reviews"),
        quarters=(m.quarters[0], m.quarters[-1]) if has_reviews else None,
        # Charts show the most recent quarters only (dates.MAX_QUARTERS).
        quarters_shown=len(m.quarters),
        quarters_left_out=m.quarters_left_out,
        metrics_json=ctx.link_href(page, ctx.urls.metrics_json),
        tiles=_tiles(ctx, page, m),
        indicators=_indicators(m),
        recurrence=_recurrence(ctx, page, m) if has_reviews else None,
        speed=_speed(m) if has_reviews else None,
        reporting=_reporting(ctx, page, m) if has_reviews else None,
        actions=_actions(ctx, page, m),
        procedures=_procedures(ctx, page, m),
        loop=dashboard_loop_view(ctx, page),
        learning=dashboard_learning_view(ctx, page),
        renewal=renewal_view(ctx, page, m),
        repeat_window_days=REPEAT_WINDOW_DAYS,
    )


def render_metrics_json(ctx: Context) -> GeneratedFile:
    data = {
        "format": "mkdocs-lessons-metrics/v1",
        "generator": f"mkdocs-lessons {__version__}",
        "dashboard_url": ctx.page_url(ctx.urls.dashboard),
        "units": {
            "time_to_detect": "minutes",
            "time_to_restore": "minutes",
            "close_days": "days",
            "shares": "fraction 0..1",
        },
        "definitions": {**DEFINITIONS, **LOOP_DEFINITIONS},
        **ctx.analysis.metrics.as_dict(),
        **loop_data(ctx, ctx.analysis.metrics),
        **programme_data(ctx),
    }
    return GeneratedFile(ctx.urls.metrics_json, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


# -- headline figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """A headline figure: a link when `href` is set, else a box."""

    key: str  # data-kpi
    value: str
    label: str
    detail: str
    href: Optional[str]
    raw: str  # data-value: the unrounded figure, for scripts and tests


def _tiles(ctx: Context, page: str, m: Metrics) -> list[Tile]:
    kinds = {"incident": 0, "near-miss": 0, "success": 0}
    for mix in m.reporting:
        kinds["incident"] += mix.incidents
        kinds["near-miss"] += mix.near_misses
        kinds["success"] += mix.successes
    near_share = kinds["near-miss"] / m.reviews if m.reviews else None
    restore = m.restore_overall
    actions = m.actions
    overdue_sops = len(m.sops.in_state("overdue"))
    return [
        Tile(
            "reviews",
            str(m.reviews),
            "published reviews",
            (
                f"{plural(kinds['incident'], 'incident', 'incidents')}, "
                f"{plural(kinds['near-miss'], 'near miss', 'near misses')}, "
                f"{plural(kinds['success'], 'success', 'successes')}"
            ),
            ctx.link_href(page, ctx.urls.incidents),
            str(m.reviews),
        ),
        Tile(
            "near_miss_share",
            share(near_share),
            "of reports are near misses",
            "a high share means people report early",
            index_href(ctx, page, [("kind", "near-miss")]),
            "" if near_share is None else str(round(near_share, 4)),
        ),
        Tile(
            "ttr_median",
            duration(restore.median) if restore.median is not None else "–",
            "median time to restore",
            f"90th percentile {duration(restore.p90)}, n = {restore.n}"
            if restore.p90 is not None
            else "no incident has the timestamps",
            None,
            "" if restore.median is None else str(restore.median),
        ),
        Tile(
            "actions_open",
            str(actions.open_total),
            "open action items",
            f"{actions.overdue_now} overdue now, {actions.due_soon} due within {DUE_SOON_DAYS} days",
            ctx.link_href(page, ctx.urls.actions),
            str(actions.open_total),
        ),
        Tile(
            "actions_on_time",
            share(actions.on_time_share),
            "of action items done on time",
            (
                f"n = {actions.done_with_due}; median "
                f"{f'{actions.close_days.median:g}' if actions.close_days.median is not None else '–'} days to close"
            ),
            ctx.link_href(page, ctx.urls.actions),
            "" if actions.on_time_share is None else str(round(actions.on_time_share, 4)),
        ),
        Tile(
            "sops_overdue",
            str(overdue_sops),
            "procedures overdue for review",
            f"of {m.sops.total}; {len(m.sops.in_state('due-soon'))} due within {DUE_SOON_DAYS} days",
            ctx.link_href(page, ctx.urls.sops),
            str(overdue_sops),
        ),
    ]


# -- indicators ---------------------------------------------------------------------------------


def _value(ind: Indicator, value: Optional[float], n: Optional[int]) -> Markup:
    if value is None:
        return Markup("–")
    if ind.unit == "share":
        text_value = share(value)
    elif ind.unit == "minutes":
        text_value = duration(value)
    elif ind.unit == "days":
        text_value = f"{value:g} d"
    else:
        text_value = f"{value:g}"
    # The no-break spaces keep "n = 3" on one line in a narrow table cell.
    return Markup("{} (n&nbsp;=&nbsp;{})").format(text_value, n) if n is not None else Markup.escape(text_value)


def _change(ind: Indicator) -> Markup:
    change = ind.change
    if change is None:
        return Markup("–")
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    size = abs(change)
    if ind.unit == "share":
        amount = f"{round(size * 100):d} pts"
    elif ind.unit == "minutes":
        amount = duration(size)
    elif ind.unit == "days":
        amount = f"{size:g} d"
    else:
        amount = f"{size:g}"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "▶"
    return Markup('<span class="lessons-trend lessons-trend--{0}" data-trend="{0}">{1}&nbsp;{2}{3} {0}</span>').format(
        ind.trend, arrow, sign, amount
    )


_AIM = {"higher": Markup("↑&nbsp;higher"), "lower": Markup("↓&nbsp;lower")}


def _indicators(m: Metrics) -> dict[str, Any]:
    data = m.indicators

    def rows(kind: str) -> list[list[Any]]:
        return [
            [
                ind.label,
                _AIM["higher" if ind.better == "higher" else "lower"],
                _value(ind, ind.previous, ind.previous_n),
                _value(ind, ind.current, ind.current_n),
                _change(ind),
                _value(ind, ind.to_date, ind.to_date_n),
            ]
            for ind in data.rows
            if ind.kind == kind
        ]

    return {
        "previous_quarter": data.previous_quarter,
        "current_quarter": data.current_quarter,
        "to_date_quarter": data.to_date_quarter,
        "leading": rows("leading"),
        "lagging": rows("lagging"),
    }


# -- charts -----------------------------------------------------------------------------------


def _recurrence(ctx: Context, page: str, m: Metrics) -> dict[str, Markup]:
    by_quarter = term_quarter_map(
        ctx,
        page,
        m.term_by_quarter,
        chart_id="lessons-term-quarter",
        title="Failures by cause and quarter",
        note=(
            f"Failures are incidents and near misses ({failures(m.term_by_quarter.total)}). Rows are the top-level "
            "taxonomy terms; an incident counts under every term it is classified under (primary or secondary, "
            "including narrower terms) and once in the totals."
        ),
    )
    by_team = term_team_map(
        ctx,
        page,
        m.term_by_team,
        chart_id="lessons-term-team",
        title="Failures by cause and team",
        note="An incident that involved several teams counts in each of their columns and once in the totals.",
    )
    return {"by_quarter": Markup(by_quarter), "by_team": Markup(by_team)}


def _overall(figure: Distribution) -> Optional[dict[str, Any]]:
    if figure.median is None:
        return None
    return {
        "median": duration(figure.median),
        "p90": duration(figure.p90) if figure.p90 is not None else "–",
        "n": figure.n,
    }


def _speed(m: Metrics) -> dict[str, Any]:
    detect, restore = m.detect_overall, m.restore_overall
    detect_chart = time_chart(
        m.times,
        which="detect",
        chart_id="lessons-time-detect",
        title="Time to detect per quarter",
        note=(
            f"Time to detect = detected − occurred, over incidents with both timestamps (n = {detect.n}). A quarter "
            "without such incidents has no point."
        ),
    )
    restore_chart = time_chart(
        m.times,
        which="restore",
        chart_id="lessons-time-restore",
        title="Time to restore per quarter",
        note=f"Time to restore = resolved − detected, over incidents with both timestamps (n = {restore.n}).",
    )
    return {
        "detect": _overall(detect),
        "restore": _overall(restore),
        "detect_chart": Markup(detect_chart),
        "restore_chart": Markup(restore_chart),
    }


def _reporting(ctx: Context, page: str, m: Metrics) -> Markup:
    return Markup(
        reporting_chart(
            ctx,
            page,
            m.reporting,
            chart_id="lessons-reporting",
            title="Reviews per quarter by kind",
            note="By quarter of occurrence. Select a bar to list those reviews.",
        )
    )


def _actions(ctx: Context, page: str, m: Metrics) -> dict[str, Any]:
    a = m.actions
    close = a.close_days
    facts: list[list[Any]] = [
        ["Action items", f"{a.total}: {a.open} open, {a.in_progress} in progress, {a.done} done, {a.dropped} dropped"],
        [
            "Overdue now",
            Markup("{} {}").format(a.overdue_now, badge(f"{a.overdue_now} overdue", "overdue"))
            if a.overdue_now
            else str(a.overdue_now),
        ],
        ["Due within 30 days", str(a.due_soon)],
        ["Done by the due date", f"{share(a.on_time_share)} (n = {a.done_with_due} done items with a due date)"],
        [
            "Days to close",
            f"median {close.median:g}, 90th percentile {close.p90:g} (n = {close.n})"
            if close.median is not None and close.p90 is not None
            else "no closed item has a closed date",
        ],
    ]
    if a.unowned_open:
        facts.append(["Open without an owner", str(a.unowned_open)])
    if a.closed_without_date:
        facts.append(["Closed without a closed date", f"{a.closed_without_date} (left out of timings)"])
    chart = None
    if m.quarters:
        chart = Markup(
            actions_chart(
                a.quarters,
                chart_id="lessons-actions",
                title="Action items opened, done and dropped per quarter",
                note=(
                    "Opened: quarter of the incident's review (or occurrence). Done and dropped: quarter of the closed "
                    "date."
                ),
            )
        )
    return {"backlog": ctx.a(page, ctx.urls.actions, "The backlog"), "facts": facts, "chart": chart}


def _procedures(ctx: Context, page: str, m: Metrics) -> dict[str, Any]:
    sops = m.sops
    watch = [r for r in sops.reviews if r.state in ("overdue", "due-soon")]
    watch.sort(
        key=lambda r: (r.state != "overdue", -(r.days or 0) if r.state == "overdue" else (r.days or 0), r.sop_id)
    )
    rows = []
    for review in watch:
        sop = ctx.kb.sops[review.sop_id]
        state = (
            badge(f"overdue {review.days} d", "overdue")
            if review.state == "overdue"
            else badge(f"due in {review.days} d", "due-soon")
        )
        rows.append(
            [
                ctx.a(page, ctx.urls.sop(sop.id), f"{sop.id}: {sop.title}"),
                ctx.team_a(page, sop.owner),
                fmt_date(review.due),
                state,
            ]
        )
    chart = None
    if sops.approved_per_year:
        chart = Markup(
            sop_chart(
                sops,
                chart_id="lessons-sop-versions",
                title="Procedure versions approved per year",
                note="A version counts in the year it took effect."
                + (f" The {sops.years_left_out} earlier years are left out." if sops.years_left_out else ""),
            )
        )
    return {
        **catalog_summary(ctx),  # the catalog's own figures, worked out once
        "no_schedule": len(sops.in_state("no-schedule")),
        "none_approved": len(sops.in_state("none-approved")),
        "proposals": plural(sops.pending_versions, "proposal", "proposals"),
        "pending_in": plural(sops.sops_with_pending, "procedure", "procedures"),
        "catalog": ctx.a(page, ctx.urls.sops, "The catalog"),
        "chart": chart,
        "rows": rows,
    }

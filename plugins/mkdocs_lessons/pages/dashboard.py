"""The dashboard `dashboard/` and its figures as data, `metrics.json`.

The page managers open first: headline figures, leading and lagging
indicators with their trend, where failures recur (by quarter and by team),
how fast we detect and restore, whether near misses get reported, whether
action items get done, and whether procedures are kept up to date. Every
chart is inline SVG drawn at build time (see `charts.py`), with its numbers
behind "Show data"; every figure is also in `metrics.json`.
"""

from __future__ import annotations

import html
import json
from typing import Optional

from .. import __version__, text
from ..metrics import DUE_SOON_DAYS, REPEAT_WINDOW_DAYS, Indicator, Metrics
from .common import Context, GeneratedFile, badge, fmt_date, join_blocks, section, table
from .loop_dashboard import LOOP_DEFINITIONS, loop_data, loop_section, renewal_section
from .figures import (
    actions_chart,
    duration,
    failures,
    index_href,
    metrics,
    plural,
    reporting_chart,
    share,
    sop_chart,
    term_quarter_map,
    term_team_map,
    time_chart,
)

DEFINITIONS = {
    "failure": "A review of kind incident or near-miss. Successes are counted in the reporting mix only.",
    "classified_under": "An incident is classified under a term when its primary or any secondary term is that term or a narrower one; an incident under two top-level terms counts in both rows, once in the totals.",
    "time_to_detect": "detected − occurred, over reviews of kind incident that have both timestamps, by quarter of occurrence.",
    "time_to_restore": "resolved − detected, over reviews of kind incident that have both timestamps, by quarter of occurrence.",
    "median": "The middle value; the mean of the two middle values when n is even.",
    "p90": "Nearest rank: the smallest observed value that at least 90 % of the values do not exceed.",
    "action_opened": "An action item is opened on its incident's review date, or on the day the incident occurred when there is no review date.",
    "action_closed": "The item's closed date; items done or dropped without one are left out of timings and quarterly counts.",
    "done_on_time": "Done items with a due date whose closed date is on or before the due date.",
    "days_to_close": "closed − opened in days, over done and dropped items with a closed date, never below 0.",
    "overdue": "Open or in progress, with a due date before today (or before the quarter's end, for past quarters).",
    "sop_review_due": "The current version's effective date plus review_every_months.",
    "approved_versions": "Versions that passed the approval gate (approved, superseded, or retired after approval), by year of their effective date.",
    "repeat_cause": f"A failure whose primary term was the primary term of another failure in the {REPEAT_WINDOW_DAYS} days before it.",
    "indicator_quarters": "Indicators compare the last complete quarter with the one before it; the current quarter is shown so far.",
}


def render_dashboard(ctx: Context) -> GeneratedFile:
    page = ctx.urls.dashboard
    m = metrics(ctx)
    has_reviews = bool(m.quarters)
    span = f" from {m.quarters[0]} to {m.quarters[-1]}" if has_reviews else ""
    if m.quarters_left_out:  # charts show the most recent quarters only (dates.MAX_QUARTERS)
        span += f" (the charts show the most recent {len(m.quarters)} quarters; {m.quarters_left_out} earlier ones are left out)"
    lead = (
        f"Figures as of **{ctx.today.isoformat()}** over {plural(m.reviews, 'published review', 'published reviews')}{span}. "
        "Every chart has its numbers behind *Show data*; select a heat-map cell or a bar to list the incidents behind it. "
        f"All figures are also available as data: {_json_link(ctx, page)}."
    )
    body = join_blocks(
        "# Dashboard",
        lead,
        _tiles(ctx, page, m),
        _indicators(ctx, m),
        _recurrence(ctx, page, m) if has_reviews else "",
        _speed(m) if has_reviews else "",
        _reporting(ctx, page, m) if has_reviews else "",
        _actions(ctx, page, m),
        _procedures(ctx, page, m),
        loop_section(ctx, page, m),
        renewal_section(ctx, page, m),
        _definitions(ctx, page),
    )
    return GeneratedFile(page, body, in_nav=True, title="Dashboard")


def render_metrics_json(ctx: Context) -> GeneratedFile:
    data = {
        "format": "mkdocs-lessons-metrics/v1",
        "generator": f"mkdocs-lessons {__version__}",
        "dashboard_url": ctx.page_url(ctx.urls.dashboard),
        "units": {"time_to_detect": "minutes", "time_to_restore": "minutes", "close_days": "days", "shares": "fraction 0..1"},
        "definitions": {**DEFINITIONS, **LOOP_DEFINITIONS},
        **metrics(ctx).as_dict(),
        **loop_data(ctx, metrics(ctx)),
    }
    return GeneratedFile(ctx.urls.metrics_json, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def _json_link(ctx: Context, page: str) -> str:
    # metrics.json is not a Markdown page: MkDocs leaves the link as written, so make it final.
    return f'<a href="{html.escape(ctx.href(page, ctx.urls.metrics_json))}"><code>metrics.json</code></a>'


# -- headline figures ----------------------------------------------------------------------


def _tile(key: str, value: str, label: str, detail: str, href: Optional[str], raw: object) -> str:
    # Spaces between the spans: invisible in the flex column, but search and screen readers get words.
    inner = (
        f'<span class="lessons-kpi__value">{html.escape(value)}</span> '
        f'<span class="lessons-kpi__label">{html.escape(label)}</span> '
        f'<span class="lessons-kpi__detail">{html.escape(detail)}</span>'
    )
    attrs = f'class="lessons-kpi" data-kpi="{key}" data-value="{html.escape(str(raw))}"'
    return f'<a {attrs} href="{html.escape(href)}">{inner}</a>' if href else f"<div {attrs}>{inner}</div>"


def _tiles(ctx: Context, page: str, m: Metrics) -> str:
    kinds = {"incident": 0, "near-miss": 0, "success": 0}
    for mix in m.reporting:
        kinds["incident"] += mix.incidents
        kinds["near-miss"] += mix.near_misses
        kinds["success"] += mix.successes
    near_share = kinds["near-miss"] / m.reviews if m.reviews else None
    restore = m.restore_overall
    actions = m.actions
    overdue_sops = len(m.sops.in_state("overdue"))
    tiles = [
        _tile("reviews", str(m.reviews), "published reviews", f"{plural(kinds['incident'], 'incident', 'incidents')}, {plural(kinds['near-miss'], 'near miss', 'near misses')}, {plural(kinds['success'], 'success', 'successes')}", ctx.href(page, ctx.urls.incidents), m.reviews),
        _tile("near_miss_share", share(near_share), "of reports are near misses", "a high share means people report early", index_href(ctx, page, [("kind", "near-miss")]), "" if near_share is None else round(near_share, 4)),
        _tile("ttr_median", duration(restore.median) if restore.median is not None else "–", "median time to restore", f"90th percentile {duration(restore.p90)}, n = {restore.n}" if restore.p90 is not None else "no incident has the timestamps", None, "" if restore.median is None else restore.median),
        _tile("actions_open", str(actions.open_total), "open action items", f"{actions.overdue_now} overdue now, {actions.due_soon} due within {DUE_SOON_DAYS} days", ctx.href(page, ctx.urls.actions), actions.open_total),
        _tile("actions_on_time", share(actions.on_time_share), "of action items done on time", f"n = {actions.done_with_due}; median {f'{actions.close_days.median:g}' if actions.close_days.median is not None else '–'} days to close", ctx.href(page, ctx.urls.actions), "" if actions.on_time_share is None else round(actions.on_time_share, 4)),
        _tile("sops_overdue", str(overdue_sops), "procedures overdue for review", f"of {m.sops.total}; {len(m.sops.in_state('due-soon'))} due within {DUE_SOON_DAYS} days", ctx.href(page, ctx.urls.sops), overdue_sops),
    ]
    return '<div class="lessons-kpis">' + "".join(tiles) + "</div>"


# -- indicators ---------------------------------------------------------------------------------


N = "&nbsp;=&nbsp;"  # keeps "n = 3" on one line in a narrow table cell


def _value(ind: Indicator, value: Optional[float], n: Optional[int]) -> str:
    if value is None:
        return "–"
    if ind.unit == "share":
        text_value = share(value)
    elif ind.unit == "minutes":
        text_value = duration(value)
    elif ind.unit == "days":
        text_value = f"{value:g} d"
    else:
        text_value = f"{value:g}"
    return f"{text_value} (n{N}{n})" if n is not None else text_value


def _change(ind: Indicator) -> str:
    change = ind.change
    if change is None:
        return "–"
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
    return f'<span class="lessons-trend lessons-trend--{ind.trend}" data-trend="{ind.trend}">{arrow}&nbsp;{sign}{amount} {ind.trend}</span>'


def _indicators(ctx: Context, m: Metrics) -> str:
    data = m.indicators
    header = ["Indicator", "Aim", data.previous_quarter, data.current_quarter, "Trend", f"{data.to_date_quarter} so far"]

    def rows(kind: str) -> list[list[str]]:
        return [
            [
                text.inline(ind.label),
                "↑&nbsp;higher" if ind.better == "higher" else "↓&nbsp;lower",
                _value(ind, ind.previous, ind.previous_n),
                _value(ind, ind.current, ind.current_n),
                _change(ind),
                _value(ind, ind.to_date, ind.to_date_n),
            ]
            for ind in data.rows
            if ind.kind == kind
        ]

    intro = (
        f"The trend compares {data.current_quarter}, the last complete quarter, with {data.previous_quarter}; "
        f"{data.to_date_quarter} is shown up to {ctx.today.isoformat()} and not compared, because it is not over. "
        "A dash means there was nothing to measure; n is the number of values behind a share or a median."
    )
    tables = [
        section("Leading: are we learning?", "Reporting, reviewing and following up. They move before outcomes do.\n\n" + _wrap(table(header, rows("leading"))), level=3),
        section("Lagging: how did it turn out?", "Outcomes: how often, how bad, how long.\n\n" + _wrap(table(header, rows("lagging"))), level=3),
    ]
    return section("Leading and lagging indicators", join_blocks(intro, *tables))


def _wrap(markdown_table: str) -> str:
    return '<div class="lessons-indicators" markdown>\n\n' + markdown_table + "\n\n</div>"


# -- charts -----------------------------------------------------------------------------------


def _recurrence(ctx: Context, page: str, m: Metrics) -> str:
    by_quarter = term_quarter_map(
        ctx,
        page,
        m.term_by_quarter,
        chart_id="lessons-term-quarter",
        title="Failures by cause and quarter",
        note=f"Failures are incidents and near misses ({failures(m.term_by_quarter.total)}). Rows are the top-level taxonomy terms; an incident counts under every term it is classified under (primary or secondary, including narrower terms) and once in the totals.",
    )
    by_team = term_team_map(
        ctx,
        page,
        m.term_by_team,
        chart_id="lessons-term-team",
        title="Failures by cause and team",
        note="An incident that involved several teams counts in each of their columns and once in the totals.",
    )
    return join_blocks(
        section("Where failures recur", "Which kinds of failure come back, and when. A row that stays dark is a lesson not yet learned.\n\n" + by_quarter),
        section("Which teams meet which failures", "Compare departments: the same cause in many columns points at a shared weakness, not a team's.\n\n" + by_team),
    )


def _speed(m: Metrics) -> str:
    detect, restore = m.detect_overall, m.restore_overall

    def overall(label: str, figure) -> str:
        if figure.median is None:
            return f"{label}: no incident has the timestamps yet."
        return f"{label} over all quarters: median **{duration(figure.median)}**, 90th percentile **{duration(figure.p90)}** (n = {figure.n})."

    detect_chart = time_chart(
        m.times,
        which="detect",
        chart_id="lessons-time-detect",
        title="Time to detect per quarter",
        note=f"Time to detect = detected − occurred, over incidents with both timestamps (n = {detect.n}). A quarter without such incidents has no point.",
    )
    restore_chart = time_chart(
        m.times,
        which="restore",
        chart_id="lessons-time-restore",
        title="Time to restore per quarter",
        note=f"Time to restore = resolved − detected, over incidents with both timestamps (n = {restore.n}).",
    )
    intro = (
        "Are we getting faster? Medians show the usual case, 90th percentiles the long tail. "
        "Near misses and successes are left out: nothing had to be restored.\n\n"
        f"- {overall('Time to detect', detect)}\n- {overall('Time to restore', restore)}"
    )
    return section("Time to detect and time to restore", join_blocks(intro, detect_chart, restore_chart))


def _reporting(ctx: Context, page: str, m: Metrics) -> str:
    chart = reporting_chart(
        ctx,
        page,
        m.reporting,
        chart_id="lessons-reporting",
        title="Reviews per quarter by kind",
        note="By quarter of occurrence. Select a bar to list those reviews.",
    )
    return section(
        "Reporting mix",
        "A healthy learning culture reports near misses, not only incidents, and studies what went right. "
        "A falling share of near misses usually means less reporting, not fewer risks.\n\n" + chart,
    )


def _actions(ctx: Context, page: str, m: Metrics) -> str:
    a = m.actions
    close = a.close_days
    facts = [
        ["Action items", f"{a.total}: {a.open} open, {a.in_progress} in progress, {a.done} done, {a.dropped} dropped"],
        ["Overdue now", f"{a.overdue_now}" + (" " + badge(f"{a.overdue_now} overdue", "overdue") if a.overdue_now else "")],
        ["Due within 30 days", str(a.due_soon)],
        ["Done by the due date", f"{share(a.on_time_share)} (n = {a.done_with_due} done items with a due date)"],
        ["Days to close", f"median {close.median:g}, 90th percentile {close.p90:g} (n = {close.n})" if close.median is not None else "no closed item has a closed date"],
    ]
    if a.unowned_open:
        facts.append(["Open without an owner", str(a.unowned_open)])
    if a.closed_without_date:
        facts.append(["Closed without a closed date", f"{a.closed_without_date} (left out of timings)"])
    parts = [
        "Do the actions we agree actually get done? " + ctx.link(page, ctx.urls.actions, "The backlog") + " lists every open item by owner and team.",
        '<div class="lessons-facts" markdown>\n\n' + table(["Figure", "Value"], facts) + "\n\n</div>",
    ]
    if m.quarters:
        parts.append(
            actions_chart(
                a.quarters,
                chart_id="lessons-actions",
                title="Action items opened, done and dropped per quarter",
                note="Opened: quarter of the incident's review (or occurrence). Done and dropped: quarter of the closed date.",
            )
        )
    return section("Action items", join_blocks(*parts))


def _procedures(ctx: Context, page: str, m: Metrics) -> str:
    sops = m.sops
    watch = [r for r in sops.reviews if r.state in ("overdue", "due-soon")]
    watch.sort(key=lambda r: (r.state != "overdue", -(r.days or 0) if r.state == "overdue" else (r.days or 0), r.sop_id))
    rows = []
    for review in watch:
        sop = ctx.kb.sops[review.sop_id]
        state = badge(f"overdue {review.days} d", "overdue") if review.state == "overdue" else badge(f"due in {review.days} d", "due-soon")
        rows.append([ctx.link(page, ctx.urls.sop(sop.id), f"{text.inline(sop.id)}: {text.inline(sop.title)}"), ctx.team_link(page, sop.owner), fmt_date(review.due), state])
    counts = (
        f"{sops.total} procedures with {sops.versions} versions: {len(sops.in_state('overdue'))} overdue for review, "
        f"{len(sops.in_state('due-soon'))} due within {DUE_SOON_DAYS} days, {len(sops.in_state('no-schedule'))} without a review schedule, "
        f"{len(sops.in_state('none-approved'))} without an approved version; "
        f"{plural(sops.pending_versions, 'proposal', 'proposals')} pending in {plural(sops.sops_with_pending, 'procedure', 'procedures')}. "
        + ctx.link(page, ctx.urls.sops, "The catalog")
        + " has every procedure."
    )
    parts = [counts]
    if sops.approved_per_year:
        parts.append(sop_chart(sops, chart_id="lessons-sop-versions", title="Procedure versions approved per year", note="A version counts in the year it took effect." + (f" The {sops.years_left_out} earlier years are left out." if sops.years_left_out else "")))
    parts.append(table(["Procedure", "Owner", "Review due", "State"], rows) if rows else "Every procedure with a review schedule is within its review date.")
    return section("Procedures", join_blocks(*parts))


def _definitions(ctx: Context, page: str) -> str:
    lines = [
        "**Failures** are incidents and near misses. An incident is *classified under* a term when its primary or any secondary term is that term or a narrower one.",
        "**Time to detect** = detected − occurred; **time to restore** = resolved − detected; both over reviews of kind *incident* that have the timestamps, by the quarter the incident occurred. Each figure states its n.",
        "**Median**: the middle value (the mean of the two middle values when n is even). **90th percentile**: nearest rank, the smallest observed value that at least 90 % of the values do not exceed.",
        "An **action item** is opened on its incident's review date (or the day it occurred, without a review) and closed on its `closed` date. **Done on time**: closed on or before its due date. **Days to close** never go below 0. **Overdue**: open or in progress with a due date before today.",
        "A procedure's **review is due** its review interval after the current version took effect. **Approved versions** passed the approval gate: approved, superseded, or retired after approval.",
        f"A **repeat cause**: a failure whose primary term was the primary term of another failure in the {REPEAT_WINDOW_DAYS} days before.",
        f"**Today** is {ctx.today.isoformat()}: the plugin option `today`, else `SOURCE_DATE_EPOCH`, else the build date, so the same records always give the same dashboard.",
    ]
    return section("How these figures are made", "\n".join(f"- {line}" for line in lines))

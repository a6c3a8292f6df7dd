"""The charts of the dashboard, team and term pages, made from `Metrics`.

`charts/svg.py` draws; this module decides what each chart shows, how it is
labelled and where each mark links. Links go to the incident index with
the shared filter contract (`incidents/?term=...&quarter=...`), relative to
the page the chart sits on and right for either `use_directory_urls`.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Optional, Sequence
from urllib.parse import quote, urlencode

from mkdocs_lessons.analysis.metrics import FAILURE_KINDS, HeatMap, QuarterActions, QuarterMix, QuarterTimes, SopFigures
from mkdocs_lessons.charts import svg
from mkdocs_lessons.pages.common import Context, fmt_duration

Filters = Sequence[tuple[str, str]]
FAILURE_FILTER: Filters = tuple(("kind", k) for k in FAILURE_KINDS)
KIND_SERIES = (
    ("incident", "Incidents", "incidents"),
    ("near-miss", "Near misses", "near_misses"),
    ("success", "Successes", "successes"),
)


def index_href(ctx: Context, page: str, filters: Filters) -> str:
    """A link to the incident index opened on these filters (repeated keys: any of them)."""
    # An href the builder may rewrite (charts are raw HTML): see Context.link_href.
    return ctx.link_href(page, ctx.urls.incidents, _query(tuple(filters)))


@lru_cache(maxsize=1 << 14)
def _query(filters: tuple[tuple[str, str], ...]) -> str:
    # Every cell of every heat map links with its filters: the same few thousand queries on many pages.
    return urlencode(filters, quote_via=quote, safe="/")


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def failures(count: int) -> str:
    return plural(count, "failure", "failures")


def duration(minutes: float) -> str:
    """8 min, 7.5 min, 1 h 25 min, 3 d 4 h."""
    if minutes < 60:
        return f"{round(minutes, 1):g} min"
    return fmt_duration(timedelta(minutes=minutes))


def share(value: Optional[float]) -> str:
    return "–" if value is None else f"{round(value * 100):d} %"


# -- heat maps ------------------------------------------------------------------------


def term_quarter_map(
    ctx: Context,
    page: str,
    heat: HeatMap,
    *,
    chart_id: str,
    title: str,
    scope: Filters = (),
    scope_label: str = "",
    y_label: str = "Cause (taxonomy term)",
    small: bool = False,
    note: str = "",
) -> str:
    """Terms by quarter; each cell links to the index filtered to that term, quarter (and scope)."""
    cells = []
    for row in heat.rows:
        line = []
        for quarter, count in zip(heat.columns, row.cells):
            where = f" ({scope_label})" if scope_label else ""
            line.append(
                svg.Cell(
                    count=count,
                    tooltip=f"{row.label}, {quarter}{where}: {failures(count)}",
                    href=index_href(ctx, page, [("term", row.id), *scope, *FAILURE_FILTER, ("quarter", quarter)]),
                    data=(
                        ("category", row.id),
                        ("period", quarter),
                        *((k, v) for k, v in scope),
                        ("count", str(count)),
                    ),
                )
            )
        cells.append(line)
    return svg.heatmap(
        chart_id,
        title,
        description=(
            f"Heat map: {failures(heat.total)} (incidents and near misses) per taxonomy term and quarter; darker cells "
            "hold more. Select a cell to list its incidents."
        ),
        row_labels=[r.label for r in heat.rows],
        column_labels=heat.column_labels,
        cells=cells,
        row_totals=[r.total for r in heat.rows],
        column_totals=heat.column_totals,
        grand_total=heat.total,
        x_label="Quarter the failure occurred",
        y_label=y_label,
        column_style="quarter",
        note=note,
        small=small,
    )


def term_team_map(ctx: Context, page: str, heat: HeatMap, *, chart_id: str, title: str, note: str = "") -> str:
    """Terms by team; each cell links to the index filtered to that term and team."""
    cells = []
    for row in heat.rows:
        line = []
        for team_id, team_label, count in zip(heat.columns, heat.column_labels, row.cells):
            line.append(
                svg.Cell(
                    count=count,
                    tooltip=f"{row.label}, {team_label}: {failures(count)}",
                    href=index_href(ctx, page, [("term", row.id), ("team", team_id), *FAILURE_FILTER]),
                    data=(("category", row.id), ("team", team_id), ("count", str(count))),
                )
            )
        cells.append(line)
    return svg.heatmap(
        chart_id,
        title,
        description=(
            f"Heat map: {failures(heat.total)} per taxonomy term and team; darker cells hold more. Select a cell to "
            "list its incidents."
        ),
        row_labels=[r.label for r in heat.rows],
        column_labels=heat.column_labels,
        cells=cells,
        row_totals=[r.total for r in heat.rows],
        column_totals=heat.column_totals,
        grand_total=heat.total,
        x_label="Team involved",
        y_label="Cause (taxonomy term)",
        column_style="slanted",
        note=note,
    )


# -- bars and lines --------------------------------------------------------------------------


def reporting_chart(
    ctx: Context,
    page: str,
    mix: Sequence[QuarterMix],
    *,
    chart_id: str,
    title: str,
    scope: Filters = (),
    small: bool = False,
    note: str = "",
) -> str:
    """Incidents, near misses and successes per quarter, stacked; each bar lists its reviews."""
    quarters = [m.quarter for m in mix]
    series = [
        svg.Series(
            key=kind,
            label=label,
            values=[getattr(m, attribute) for m in mix],
            hrefs=[index_href(ctx, page, [*scope, ("kind", kind), ("quarter", q)]) for q in quarters],
        )
        for kind, label, attribute in KIND_SERIES
    ]
    return svg.bar_chart(
        chart_id,
        title,
        description=f"Stacked bars: reviews per quarter by kind, {sum(m.total for m in mix)} in all.",
        categories=quarters,
        series=series,
        stacked=True,
        x_label="Quarter the event occurred",
        y_label="Reviews",
        extra_columns=[svg.Column("Near-miss share", [share(m.near_miss_share) for m in mix])],
        note=note,
        small=small,
    )


def _time_scale(values: Sequence[Optional[float]]) -> tuple[float, str]:
    top = max((v for v in values if v is not None), default=0.0)
    if top <= 120:
        return 1.0, "minutes"
    if top <= 72 * 60:
        return 60.0, "hours"
    return 1440.0, "days"


def time_chart(times: Sequence[QuarterTimes], *, which: str, chart_id: str, title: str, note: str = "") -> str:
    """Median and 90th percentile per quarter of time to detect (`detect`) or restore (`restore`)."""
    figures = [getattr(t, which) for t in times]
    medians = [f.median for f in figures]
    p90s = [f.p90 for f in figures]
    ns = [f.n for f in figures]
    scale, unit = _time_scale([*medians, *p90s])
    label = "Time to detect" if which == "detect" else "Time to restore"
    return svg.line_chart(
        chart_id,
        title,
        description=(
            f"{label} per quarter: median and 90th percentile over {sum(ns)} incidents that have the timestamps."
        ),
        categories=[t.quarter for t in times],
        series=[
            svg.LineSeries(f"{which}-median", "Median", medians, ns),
            svg.LineSeries(f"{which}-p90", "90th percentile", p90s, ns, dashed=True),
        ],
        x_label="Quarter the incident occurred",
        y_label=f"{label} ({unit})",
        scale=scale,
        fmt=duration,
        note=note,
    )


def actions_chart(quarters: Sequence[QuarterActions], *, chart_id: str, title: str, note: str = "") -> str:
    """Action items opened, done and dropped per quarter, side by side."""
    labels = [q.quarter for q in quarters]
    on_time = [f"{share(q.on_time_share)} (n = {q.done_with_due})" if q.done_with_due else "–" for q in quarters]
    return svg.bar_chart(
        chart_id,
        title,
        description=(
            f"Grouped bars: action items opened ({sum(q.opened for q in quarters)}), done "
            f"({sum(q.done for q in quarters)}) and dropped ({sum(q.dropped for q in quarters)}) per quarter."
        ),
        categories=labels,
        series=[
            svg.Series("opened", "Opened", [q.opened for q in quarters]),
            svg.Series("done", "Done", [q.done for q in quarters]),
            svg.Series("dropped", "Dropped", [q.dropped for q in quarters]),
        ],
        stacked=False,
        x_label="Quarter",
        y_label="Action items",
        extra_columns=[svg.Column("Done by the due date", on_time)],
        note=note,
    )


def sop_chart(sops: SopFigures, *, chart_id: str, title: str, note: str = "") -> str:
    years = [str(y.year) for y in sops.approved_per_year]
    return svg.bar_chart(
        chart_id,
        title,
        description=(
            f"Bars: procedure versions approved per year, {sum(y.count for y in sops.approved_per_year)} in all."
        ),
        categories=years,
        series=[svg.Series("approved", "Versions approved", [y.count for y in sops.approved_per_year])],
        stacked=False,
        x_label="Year the version took effect",
        y_label="Versions",
        category_style="plain",
        first_header="Year",
        note=note,
    )

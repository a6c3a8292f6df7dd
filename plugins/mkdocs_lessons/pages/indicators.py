"""Indicators: `indicators/` and `indicators/<id>/`.

Figures the organisation already measures (record format v1.1), leading or
lagging. Each indicator's page plots its series with the incidents of its
teams marked on the same time axis (inline SVG, `charts.line_chart`), and
states its rank correlations from `ctx.analysis.programme` (analysis/programme.py).
"""

from __future__ import annotations

from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.analysis.programme import MIN_OVERLAP, Correlation
from mkdocs_lessons.charts import svg
from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.records.model import Incident, Indicator, period_quarter

KIND_LABELS = {"leading": "Leading", "lagging": "Lagging"}
AGAINST_LABELS = {
    "failures": "failures per quarter (incidents and near misses)",
    "sessions": "learning sessions held per quarter",
}


def fmt_value(value: float) -> str:
    """`61.2`, `96`: at most two decimals, no trailing zeros."""
    return svg.value_text(value)


def _with_unit(value: float, indicator: Indicator) -> str:
    return f"{fmt_value(value)} {indicator.unit}".strip()


def period_of(incident: Incident, monthly: bool) -> str:
    day = incident.occurred
    return f"{day.year}-{day.month:02d}" if monthly else period_quarter(f"{day.year}-{day.month:02d}")


def marked_incidents(ctx: Context, indicator: Indicator) -> list[Incident]:
    """The incidents marked on an indicator's chart: failures of its teams (every SEV1–2 without teams)."""
    teams = set(indicator.teams)
    out = []
    for incident in ctx.kb.published_incidents:
        if incident.kind not in ("incident", "near-miss"):
            continue
        if teams and teams.intersection(incident.teams):
            out.append(incident)
        elif not teams and incident.severity in ("SEV1", "SEV2"):
            out.append(incident)
    return out


def correlation_text(c: Correlation) -> str:
    """One sentence for a correlation: the rho with its n, or why none is stated."""
    against = AGAINST_LABELS.get(c.against, c.against)
    if c.rho is None and c.n >= MIN_OVERLAP:
        return f"against {against}: no rank correlation (one side does not vary), n = {c.n} quarters"
    if c.rho is None:
        return f"against {against}: not stated, only {c.n} overlapping quarters (at least {MIN_OVERLAP} are needed)"
    return f"against {against}: Spearman's rho = {c.rho:+.2f}, n = {c.n} quarters"


def correlations_of(ctx: Context, indicator_id: str) -> list[Correlation]:
    return [c for c in ctx.analysis.programme.correlations if c.indicator == indicator_id]


def render_indicators_index(ctx: Context) -> GeneratedFile:
    page = ctx.urls.indicators
    rows = []
    for indicator in ctx.kb.indicators.values():
        series = indicator.series
        last = series[-1] if series else None
        rows.append(
            [
                ctx.a(page, ctx.urls.indicator(indicator.id), indicator.title),
                KIND_LABELS.get(indicator.kind, indicator.kind),
                f"{_with_unit(last.value, indicator)} ({last.period})" if last else "–",
                {"higher": "higher", "lower": "lower"}.get(indicator.better, "–"),
                (
                    f"{series[0].period} to {series[-1].period} ({len(series)} "
                    f"{'months' if indicator.monthly else 'quarters'})"
                )
                if series
                else "–",
                ctx.teams_html(page, indicator.teams) if indicator.teams else "–",
            ]
        )
    return ctx.page(
        "indicators.html",
        page,
        "Indicators",
        in_nav=True,
        rows=rows,
        dashboard=ctx.a(page, ctx.urls.dashboard, "dashboard"),
    )


def render_indicator(ctx: Context, indicator: Indicator) -> GeneratedFile:
    page = ctx.urls.indicator(indicator.id)
    source = indicator.source.file if indicator.source else None
    return ctx.page("indicator.html", page, indicator.title, source=source, body=indicator_view(ctx, page, indicator))


def indicator_view(ctx: Context, page: str, indicator: Indicator) -> dict[str, Any]:
    series = indicator.series
    periods = [v.period for v in series]
    marked = [i for i in marked_incidents(ctx, indicator) if period_of(i, indicator.monthly) in set(periods)]
    markers = [
        svg.Marker(
            period_of(incident, indicator.monthly),
            f"{incident.id}: {incident.title}",
            ctx.link_href(page, ctx.urls.incident(incident.id)),
            incident.id,
        )
        for incident in ctx.kb.newest_first(marked)[::-1]
    ]
    low = min((v.value for v in series), default=0.0)
    high = max((v.value for v in series), default=0.0)
    # Start the axis near the lowest value: a percentage that moves between 88 and 95 is flat from 0.
    floor: Optional[float] = None
    if low > 0 and high > 0 and (high - low) < 0.5 * high:
        span = svg.nice_ticks(high - low, integer=False)
        step = span[1] - span[0] if len(span) > 1 else 1.0
        floor = max(0.0, (low // step - 1) * step)
    chart = svg.line_chart(
        f"lessons-indicator-{indicator.id}",
        indicator.title,
        description=(
            f"{indicator.title} per {'month' if indicator.monthly else 'quarter'}, {indicator.unit or 'value'}; "
            "triangles mark incidents of its teams."
        ),
        categories=periods,
        series=[
            svg.LineSeries(
                "indicator",
                f"{indicator.title} ({indicator.unit})" if indicator.unit else indicator.title,
                [v.value for v in series],
                [1] * len(series),
            )
        ],
        x_label="Month" if indicator.monthly else "Quarter",
        y_label=indicator.unit or "value",
        scale=1,
        fmt=fmt_value,
        markers=markers,
        first_header="Month" if indicator.monthly else "Quarter",
        floor=floor,
        show_n=False,
        marker_label="Incident or near miss of its teams" if indicator.teams else "SEV1–2 incident",
        category_style="month" if indicator.monthly else "quarter",
        note=(
            f"{len(marked)} incidents and near misses of {'its teams' if indicator.teams else 'severity SEV1–2'} are "
            "marked on the time axis (▲, linked)."
        ),
    )
    facts = [
        ("Latest", f"{_with_unit(series[-1].value, indicator)} ({series[-1].period})" if series else None),
        ("Better when", indicator.better or None),
        ("Source", ctx.prose_line(indicator.source_text, page) if indicator.source_text else None),
        ("Teams", ctx.teams_html(page, indicator.teams) if indicator.teams else None),
        (
            "Periods",
            f"{series[0].period} to {series[-1].period}, {len(series)} {'months' if indicator.monthly else 'quarters'}"
            if series
            else None,
        ),
    ]
    return {
        "facts": [[name, value] for name, value in facts if value],
        "kind": indicator.kind,
        "kind_label": KIND_LABELS.get(indicator.kind, indicator.kind),
        "unit": indicator.unit,
        "better": indicator.better,
        "source": ctx.prose_line(indicator.source_text, page) if indicator.source_text else None,
        "description": ctx.prose(indicator.description, page) if indicator.description else None,
        "teams": ctx.teams_html(page, indicator.teams) if indicator.teams else None,
        "latest": f"{_with_unit(series[-1].value, indicator)} ({series[-1].period})" if series else None,
        "chart": Markup(chart),
        "correlations": [correlation_text(c) for c in correlations_of(ctx, indicator.id)],
        "min_overlap": MIN_OVERLAP,
        "dashboard": ctx.a(page, ctx.urls.dashboard, "dashboard"),
        "index": ctx.a(page, ctx.urls.indicators, "All indicators"),
    }

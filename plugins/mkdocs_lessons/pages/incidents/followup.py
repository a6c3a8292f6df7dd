"""Check-ins and PDSA experiments as readers see them: the incident page's and the backlog's cells and rows.

The facts (which check-in is overdue, which items are experiments) come
from `Analysis.followup` (analysis/followup.py); this module only words them.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from mkdocs_lessons.analysis.fix_effect import Effect, fix_effect
from mkdocs_lessons.analysis.followup import ItemRef
from mkdocs_lessons.charts.svg import LineSeries, line_chart
from mkdocs_lessons.pages.common import Context, badge, fmt_date
from mkdocs_lessons.records.model import ActionItem, Incident

STAGE_LABELS = {"plan": "Plan", "do": "Do", "study": "Study", "act": "Act"}
STAGE_MEANING = {
    "plan": "designing the change",
    "do": "trying it",
    "study": "checking the results",
    "act": "adopted (or adjusted and planned again)",
}


def check_in_cell(ctx: Context, page: str, incident: Incident, item: ActionItem) -> Markup:
    """The latest check-in, then the next one, marked when it is overdue."""
    parts = []
    latest = item.check_ins[-1] if item.check_ins else None
    if latest is not None:
        parts.append(Markup("{}: {}").format(fmt_date(latest.date), ctx.prose_line(latest.note, page)))
    if item.is_open and item.next_check_in is not None:
        late = ctx.analysis.followup.days_late(incident.id, item.id)
        mark = Markup(" ") + badge(f"check-in overdue {late} d", "overdue") if late else Markup("")
        parts.append(Markup("<strong>Next:</strong> {}{}").format(fmt_date(item.next_check_in), mark))
    return Markup("<br>").join(parts)


def stage_badge(item: ActionItem) -> Markup:
    """`PDSA: Study` as a small badge, with what the stage means as its tooltip."""
    if item.pdsa is None:
        return Markup("")
    stage = item.pdsa.stage
    return Markup('<span class="lessons-badge lessons-badge--pdsa" title="{}">PDSA: {}</span>').format(
        STAGE_MEANING[stage], STAGE_LABELS[stage]
    )


def experiment_rows(ctx: Context, page: str, refs: list[ItemRef], with_incident: bool) -> list[list[Markup]]:
    """One row per experiment: stage, what is tried (the action), the hypothesis, what it showed."""
    rows = []
    for ref in refs:
        pdsa = ref.item.pdsa
        assert pdsa is not None
        row = [stage_badge(ref.item)]
        if with_incident:
            row.append(Markup("{} · {}").format(ctx.incident_a(page, ref.incident.id), ref.item.id))
        else:
            row.append(Markup.escape(ref.item.id))
        row += [
            ctx.prose_line(ref.item.action, page),
            ctx.prose_line(pdsa.hypothesis, page) if pdsa.hypothesis else Markup("<em>not stated</em>"),
            ctx.prose_line(pdsa.result, page) if pdsa.result else Markup("<em>not yet known</em>"),
        ]
        rows.append(row)
    return rows


def fix_effect_views(ctx: Context, page: str, incident: Incident, indicators: Any) -> list[dict[str, Any]]:
    """ "Did the fix work?": for each action item naming an indicator, its series around the closed date.

    `indicators` maps indicator ids to indicators (the v1.1 `content/indicators/`
    records, as the knowledge base holds them); without them, or for an id it
    does not hold, the item says so instead of drawing.
    """
    views = []
    for item in incident.action_items:
        if not item.indicator_ref:
            continue
        indicator = indicators.get(item.indicator_ref) if indicators else None
        head = Markup("{} · <code>{}</code>").format(item.id, item.indicator_ref)
        if indicator is None:
            views.append(
                {
                    "head": head,
                    "chart": None,
                    "sentence": Markup("No indicator <code>{}</code> in this knowledge base.").format(
                        item.indicator_ref
                    ),
                }
            )
            continue
        if item.closed is None:
            views.append(
                {
                    "head": head,
                    "chart": None,
                    "sentence": Markup(
                        "Not done yet (no <code>closed</code> date): the before and after are drawn once it is."
                    ),
                }
            )
            continue
        effect = fix_effect(indicator, item.closed)
        if effect is None:
            views.append({"head": head, "chart": None, "sentence": Markup("The indicator has no values yet.")})
            continue
        views.append(
            {
                "head": head,
                "chart": Markup(effect_chart(effect, f"effect-{incident.id}-{item.id}")),
                "sentence": effect_sentence(effect),
            }
        )
    return views


def _value(value: float, unit: str) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def effect_sentence(effect: Effect) -> Markup:
    before, after = effect.before, effect.after
    parts = []
    if before:
        parts.append(f"mean before {_value(sum(before) / len(before), effect.unit)} (n = {len(before)})")
    if after:
        parts.append(f"after {_value(sum(after) / len(after), effect.unit)} (n = {len(after)})")
    change = effect.change
    if change is None:
        missing = "after" if before else "before"
        return Markup("{}; no values {} the change yet, so no change to state.").format(
            "; ".join(parts).capitalize() or "No values", missing
        )
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    verdict = {
        "better": f", better ({effect.better} is better)",
        "worse": f", worse ({effect.better} is better)",
        "unchanged": ", unchanged",
    }.get(effect.verdict, "")
    return Markup("{}: change {}{}{}. Done on {}.").format(
        "; ".join(parts).capitalize(), sign, _value(abs(change), effect.unit), verdict, effect.closed
    )


def effect_chart(effect: Effect, chart_id: str) -> str:
    """The series as two joined lines: up to the change, and from it on."""
    before = [v if s in ("before", "change") else None for v, s in zip(effect.values, effect.side)]
    after = [v if s in ("change", "after") else None for v, s in zip(effect.values, effect.side)]
    ns = [1] * len(effect.values)
    return line_chart(
        chart_id,
        f"{effect.title}: before and after",
        description=f"{effect.title} per period, before and after the fix done on {effect.closed}.",
        categories=effect.periods,
        series=[
            LineSeries("before", "Before the fix", before, ns),
            LineSeries("after", "After the fix", after, ns, dashed=True),
        ],
        x_label="Period (the fix's own period joins both lines)",
        y_label=effect.unit or "value",
        scale=1.0,
        fmt=lambda v: _value(v, effect.unit),
        small=True,
    )

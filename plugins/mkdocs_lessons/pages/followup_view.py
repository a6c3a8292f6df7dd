"""Check-ins and PDSA experiments as readers see them: the incident page's and the backlog's cells and rows.

The facts (which check-in is overdue, which items are experiments) come
from `Analysis.followup` (followup.py); this module only words them.
"""

from __future__ import annotations

from markupsafe import Markup

from ..followup import ItemRef
from ..model import ActionItem, Incident
from .common import Context, badge, fmt_date

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
    return Markup('<span class="lessons-badge lessons-badge--pdsa" title="{}">PDSA: {}</span>').format(STAGE_MEANING[stage], STAGE_LABELS[stage])


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

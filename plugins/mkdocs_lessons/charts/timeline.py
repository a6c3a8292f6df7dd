"""An incident's timeline as a picture: an inline SVG strip drawn at build time.

Data in, HTML out, like `charts/svg.py` (whose figure, table and escaping it
reuses): no script, nothing fetched, colours from CSS classes over
Material's palette variables (`learning.css`), so it follows the light and
the dark palette. What it shows, on one time axis in the incident's own
time zone:

- the phases: *before detection* (occurred to detected: time to detect)
  and *response* (detected to resolved: time to restore); the contract has
  no mitigation time, so a mitigation is one of the timeline's events;
- every timeline event (a dot) and every timed decision (a diamond);
- the assumptions that did not hold (a cross each); they carry no time in
  the contract, so they sit in a row of their own, in record order, not on
  the axis.

Every mark has a `<title>` tooltip and `data-*` attributes (its time and
kind); "Show data" holds the same as a table, in time order, for screen
readers and for readers without SVG. The same incident gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Optional

from mkdocs_lessons.charts.svg import CHAR, FONT, Canvas, chart_figure, data_table, esc, px, svg_element, text_element
from mkdocs_lessons.records.model import Incident

WIDTH = 720
LABELS = 112  # the lane labels on the left
RIGHT = 16
LANES = (("phase", "Phases"), ("event", "Events"), ("decision", "Decisions"), ("assumption", "Did not hold"))
LANE_HEIGHT = 26
TOP = 28


def _local(moment: datetime, zone: Optional[tzinfo]) -> datetime:
    return moment.astimezone(zone) if zone is not None else moment


def _stamp(moment: datetime, zone: Optional[tzinfo], with_day: bool) -> str:
    local = _local(moment, zone)
    return local.strftime("%Y-%m-%d %H:%M") if with_day else local.strftime("%H:%M")


def _span_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


def _line(text: str) -> str:
    """One line of record text (a blank line would end the raw HTML block in generated Markdown)."""
    return " ".join(text.split())


def timeline_chart(incident: Incident, chart_id: str) -> str:
    """The strip for one incident, or "" when it has no timeline."""
    if not incident.timeline:
        return ""
    zone = incident.occurred.tzinfo
    points = [incident.occurred, *(e.at for e in incident.timeline), *(d.at for d in incident.decisions if d.at)]
    if incident.detected:
        points.append(incident.detected)
    if incident.resolved:
        points.append(incident.resolved)
    start, end = min(points), max(points)
    span = max((end - start).total_seconds(), 60.0)
    with_day = _local(start, zone).date() != _local(end, zone).date()
    plot_left, plot_right = LABELS, WIDTH - RIGHT

    def x(moment: datetime) -> float:
        return plot_left + (moment - start).total_seconds() / span * (plot_right - plot_left)

    failed = [a for a in incident.assumptions if a.held is False]
    lane_y = {key: TOP + index * LANE_HEIGHT for index, (key, _) in enumerate(LANES)}
    axis_y = TOP + len(LANES) * LANE_HEIGHT + 4
    height = axis_y + FONT + 34
    canvas = Canvas(WIDTH, height)
    title = f"Timeline of {incident.id}"
    canvas.add(text_element(0, 16, title, cls="lessons-chart__title"))
    for key, label in LANES:
        y: float = lane_y[key]  # later lanes' marks sit at half heights
        canvas.add(
            f'<line class="lessons-chart__grid" x1="{px(plot_left)}" y1="{px(y + LANE_HEIGHT / 2)}" '
            f'x2="{px(plot_right)}" y2="{px(y + LANE_HEIGHT / 2)}"/>'
        )
        canvas.add(text_element(0, y + LANE_HEIGHT / 2 + 4, label, cls="lessons-chart__tick"))

    rows: list[tuple[datetime, str, str]] = []  # (moment, kind, text) for the data table
    y = lane_y["phase"] + 4
    phases = []
    if incident.detected:
        phases.append(("undetected", "Before detection", incident.occurred, incident.detected, "time to detect"))
    if incident.detected and incident.resolved:
        phases.append(("response", "Response", incident.detected, incident.resolved, "time to restore"))
    for key, label, begin, finish, what in phases:
        width = max(x(finish) - x(begin), 2.0)
        tip = (
            f"{label}: {_stamp(begin, zone, with_day)} to {_stamp(finish, zone, with_day)} ({what} "
            f"{_span_text(finish - begin)})"
        )
        canvas.add(
            f'<rect class="lessons-phase lessons-phase--{key}" x="{px(x(begin))}" y="{px(y)}" width="{px(width)}" '
            f'height="{LANE_HEIGHT - 8}" rx="3" '
            f'data-phase="{key}" data-from="{esc(begin.isoformat())}" data-to="{esc(finish.isoformat())}" '
            f'data-minutes="{int((finish - begin).total_seconds() // 60)}">'
            f"<title>{esc(tip)}</title></rect>"
        )
        if width > len(label) * CHAR + 8:
            canvas.add(text_element(x(begin) + 4, y + LANE_HEIGHT / 2 + 1, label, cls="lessons-phase__label"))
    for moment, label in (
        (incident.occurred, "Occurred"),
        (incident.detected, "Detected"),
        (incident.resolved, "Resolved"),
    ):
        if moment is not None:
            rows.append((moment, "phase", label))

    y = lane_y["event"] + LANE_HEIGHT / 2
    for event in incident.timeline:
        tip = f"{_stamp(event.at, zone, True)}: {_line(event.event)}"
        canvas.add(
            f'<circle class="lessons-mark lessons-mark--event" cx="{px(x(event.at))}" cy="{px(y)}" r="5" '
            f'data-kind="event" data-at="{esc(event.at.isoformat())}">'
            f"<title>{esc(tip)}</title></circle>"
        )
        rows.append((event.at, "event", _line(event.event)))
    y = lane_y["decision"] + LANE_HEIGHT / 2
    for decision in incident.decisions:
        if decision.at is None:
            continue
        cx = x(decision.at)
        tip = f"{_stamp(decision.at, zone, True)}: decision: {_line(decision.decision)}"
        canvas.add(
            f'<polygon class="lessons-mark lessons-mark--decision" points="{px(cx)},{px(y - 7)} {px(cx + 7)},{px(y)} '
            f'{px(cx)},{px(y + 7)} {px(cx - 7)},{px(y)}" '
            f'data-kind="decision" data-at="{esc(decision.at.isoformat())}"><title>{esc(tip)}</title></polygon>'
        )
        rows.append((decision.at, "decision", _line(decision.decision)))
    y = lane_y["assumption"] + LANE_HEIGHT / 2
    for index, assumption in enumerate(failed):
        cx = plot_left + 10 + index * 22
        canvas.add(
            f'<g class="lessons-mark lessons-mark--assumption" data-kind="assumption" data-index="{index + 1}">'
            f"<title>{esc('Did not hold (no time recorded): ' + _line(assumption.assumption))}</title>"
            f'<path d="M{px(cx - 5)},{px(y - 5)} L{px(cx + 5)},{px(y + 5)} M{px(cx - 5)},{px(y + 5)} '
            f'L{px(cx + 5)},{px(y - 5)}"/></g>'
        )
    if failed:
        canvas.add(
            text_element(plot_left + 10 + len(failed) * 22, y + 4, "no time recorded", cls="lessons-chart__tick")
        )
    else:
        canvas.add(text_element(plot_left + 4, y + 4, "none", cls="lessons-chart__tick"))

    canvas.add(
        f'<line class="lessons-chart__axis" x1="{px(plot_left)}" y1="{px(axis_y)}" x2="{px(plot_right)}" '
        f'y2="{px(axis_y)}"/>'
    )
    ticks = [start + timedelta(seconds=span * k / 4) for k in range(5)]
    for k, moment in enumerate(ticks):
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        canvas.add(
            f'<line class="lessons-chart__axis" x1="{px(x(moment))}" y1="{px(axis_y)}" x2="{px(x(moment))}" '
            f'y2="{px(axis_y + 4)}"/>'
        )
        canvas.add(
            text_element(
                x(moment), axis_y + FONT + 4, _stamp(moment, zone, with_day), cls="lessons-chart__tick", anchor=anchor
            )
        )
    offset = _local(start, zone).strftime("%z")
    zone_label = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    canvas.add(
        text_element(
            (plot_left + plot_right) / 2,
            axis_y + 2 * FONT + 12,
            f"Time ({zone_label})",
            cls="lessons-chart__axis-title",
            anchor="middle",
        )
    )

    counts = (
        f"{len(incident.timeline)} events, {sum(1 for d in incident.decisions if d.at)} timed decisions, {len(failed)} "
        "assumptions that did not hold"
    )
    description = f"{counts}, from {_stamp(start, zone, True)} to {_stamp(end, zone, True)}." + "".join(
        f" {label}: {_span_text(finish - begin)}." for _, label, begin, finish, _ in phases
    )
    svg = svg_element(chart_id, title, description, canvas, interactive=False)
    rows.sort(key=lambda r: (r[0], ("phase", "event", "decision").index(r[1])))
    kinds = {"phase": "Phase", "event": "Event", "decision": "Decision"}
    table_rows = [[_stamp(moment, zone, True), kinds[kind], text] for moment, kind, text in rows]
    table_rows += [["no time recorded", "Assumption that did not hold", _line(a.assumption)] for a in failed]
    table = data_table(f"Timeline of {incident.id}", ["Time", "Kind", "What"], table_rows)
    return chart_figure(chart_id, "timeline", svg, table, "", small=False)

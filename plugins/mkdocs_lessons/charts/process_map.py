"""An SOP's current version as a process map: an inline SVG flow drawn at build time.

Data in, HTML out, like `charts/svg.py` (whose figure, table and escaping it
reuses): no JavaScript library, nothing fetched, colours from CSS classes
over Material's palette variables (`learning.css`). The map shows

- Start, each step in order in a box (numbered, its text wrapped), End,
  joined by arrows;
- each decision criterion as a diamond ("When ...") with an arrow to what
  to do ("Then ..."), beside the flow: criteria apply at any step;
- every step and criterion that is new or reworded since the previous
  version, highlighted (and said so in its tooltip and in the table).

"Show data" holds the same as a table. Record text is Markdown; the map
shows it as plain text (code and emphasis marks dropped).
"""

from __future__ import annotations

import re
import textwrap
from typing import Optional

from mkdocs_lessons.charts.svg import Canvas, chart_figure, data_table, esc, px, svg_element, text_element
from mkdocs_lessons.records.model import Sop, SopVersion
from mkdocs_lessons.records.version_diff import previous_version, version_diff

WIDTH = 720
STEP_X, STEP_W = 40, 380
CRIT_X = 450
LINE = 15
WRAP = 52
CRIT_WRAP = 30

_MARKS = re.compile(r"[`*]+|\[([^\]]*)\]\([^)]*\)")


def _plain(text: str) -> str:
    """Markdown as plain text: links as their label, no code or emphasis marks, one line."""
    return " ".join(_MARKS.sub(lambda m: m.group(1) or "", text).split())


def changed_steps(before: Optional[SopVersion], after: SopVersion) -> list[bool]:
    """For each step of `after`: new or reworded since `before` (all False without a previous version)."""
    return [False] * len(after.steps) if before is None else version_diff(before, after).changed


def _clause(text: str) -> str:
    """A criterion as the rest of a sentence after "When"/"Then": `The diff ...` -> `the diff ...` (not `IC` or
    `SRE`).
    """
    plain = _plain(text)
    return plain[0].lower() + plain[1:] if len(plain) > 1 and plain[0].isupper() and plain[1].islower() else plain


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(_plain(text), width) or [""]


def process_map(sop: Sop, version: SopVersion, chart_id: str) -> str:
    """The map of one version, or "" when it has no steps."""
    if not version.steps:
        return ""
    before = previous_version(sop, version)
    changed = changed_steps(before, version)
    old_criteria = {(c.when, c.then) for c in before.decision_criteria} if before else set()
    canvas = Canvas(WIDTH, 0)
    title = f"{sop.id} v{version.version}: process map"
    canvas.add(text_element(0, 16, title, cls="lessons-chart__title"))
    y = 34.0
    centre = STEP_X + STEP_W / 2

    def arrow(y1: float, y2: float) -> None:
        canvas.add(
            f'<line class="lessons-flow__arrow" x1="{px(centre)}" y1="{px(y1)}" x2="{px(centre)}" y2="{px(y2 - 6)}"/>'
        )
        canvas.add(
            f'<path class="lessons-flow__head" d="M{px(centre - 5)},{px(y2 - 7)} L{px(centre + 5)},{px(y2 - 7)} '
            f'L{px(centre)},{px(y2)} Z"/>'
        )

    def terminal(label: str, top: float) -> float:
        canvas.add(
            f'<rect class="lessons-flow__terminal" x="{px(centre - 50)}" y="{px(top)}" width="100" height="26" '
            'rx="13"/>'
        )
        canvas.add(text_element(centre, top + 17, label, cls="lessons-flow__label", anchor="middle"))
        return top + 26

    y = terminal("Start", y)
    rows = []
    for index, (step, new) in enumerate(zip(version.steps, changed), 1):
        arrow(y, y + 22)
        y += 22
        lines = _lines(step, WRAP)
        height = len(lines) * LINE + 14
        cls = "lessons-flow__step" + (" is-changed" if new else "")
        tip = f"Step {index}: {_plain(step)}" + (f" (new or changed since v{before.version})" if new and before else "")
        canvas.add(
            f'<g class="{cls}" data-step="{index}" data-changed="{str(new).lower()}"><title>{esc(tip)}</title>'
            f'<rect x="{px(STEP_X)}" y="{px(y)}" width="{STEP_W}" height="{px(height)}" rx="4"/>'
        )
        canvas.add(text_element(STEP_X - 8, y + 18, str(index), cls="lessons-flow__number", anchor="end"))
        for k, line in enumerate(lines):
            canvas.add(text_element(STEP_X + 10, y + 19 + k * LINE, line, cls="lessons-flow__label"))
        canvas.add("</g>")
        rows.append([str(index), "Step", _plain(step), "new or changed" if new and before else ""])
        y += height
    arrow(y, y + 22)
    y = terminal("End", y + 22)
    flow_bottom = y

    # Decision criteria beside the flow: a diamond ("When"), an arrow, a box ("Then").
    cy = 34.0
    if version.decision_criteria:
        canvas.add(text_element(CRIT_X, cy + 10, "Decision criteria (at any step)", cls="lessons-chart__axis-title"))
        cy += 22
    for index, criterion in enumerate(version.decision_criteria, 1):
        new = bool(before) and (criterion.when, criterion.then) not in old_criteria
        when, then = (
            _lines("When " + _clause(criterion.when), CRIT_WRAP),
            _lines("Then " + _clause(criterion.then), CRIT_WRAP),
        )
        cls = "lessons-flow__criterion" + (" is-changed" if new else "")
        tip = f"When {_clause(criterion.when)} then {_clause(criterion.then)}" + (
            f" (new or changed since v{before.version})" if new and before else ""
        )
        when_h = len(when) * LINE + 12
        canvas.add(
            f'<g class="{cls}" data-criterion="{index}" data-changed="{str(new).lower()}"><title>{esc(tip)}</title>'
        )
        # A diamond-ended box for the question, an arrow down, a box for the answer.
        canvas.add(
            f'<polygon class="lessons-flow__decision" points="{px(CRIT_X)},{px(cy + when_h / 2)} '
            f"{px(CRIT_X + 12)},{px(cy)} {px(WIDTH - 12)},{px(cy)} "
            f"{px(WIDTH)},{px(cy + when_h / 2)} {px(WIDTH - 12)},{px(cy + when_h)} "
            f'{px(CRIT_X + 12)},{px(cy + when_h)}"/>'
        )
        for k, line in enumerate(when):
            canvas.add(text_element(CRIT_X + 16, cy + 17 + k * LINE, line, cls="lessons-flow__label"))
        cy += when_h
        mid = (CRIT_X + WIDTH) / 2
        canvas.add(
            f'<line class="lessons-flow__arrow" x1="{px(mid)}" y1="{px(cy)}" x2="{px(mid)}" y2="{px(cy + 10)}"/>'
        )
        canvas.add(
            f'<path class="lessons-flow__head" d="M{px(mid - 4)},{px(cy + 10)} L{px(mid + 4)},{px(cy + 10)} '
            f'L{px(mid)},{px(cy + 15)} Z"/>'
        )
        cy += 15
        then_h = len(then) * LINE + 12
        canvas.add(
            f'<rect class="lessons-flow__then" x="{px(CRIT_X)}" y="{px(cy)}" width="{px(WIDTH - CRIT_X)}" '
            f'height="{px(then_h)}" rx="4"/>'
        )
        for k, line in enumerate(then):
            canvas.add(text_element(CRIT_X + 10, cy + 17 + k * LINE, line, cls="lessons-flow__label"))
        canvas.add("</g>")
        cy += then_h + 16
        rows.append(
            [
                f"C{index}",
                "Decision criterion",
                f"When {_clause(criterion.when)} then {_clause(criterion.then)}",
                "new or changed" if new else "",
            ]
        )

    bottom = max(flow_bottom, cy) + 16
    if before is not None:
        canvas.add(
            f'<rect class="lessons-flow__step is-changed lessons-flow__swatch" x="0" y="{px(bottom)}" width="14" '
            'height="14" rx="2"/>'
        )
        canvas.add(
            text_element(20, bottom + 12, f"new or changed since v{before.version}", cls="lessons-chart__legend")
        )
        bottom += 24
    canvas.height = bottom + 4
    n_changed = sum(1 for r in rows if r[3])
    description = f"{len(version.steps)} steps and {len(version.decision_criteria)} decision criteria" + (
        f"; {n_changed} new or changed since version {before.version}." if before else "; the first version."
    )
    svg = svg_element(chart_id, title, description, canvas, interactive=False)
    table = data_table(title, ["#", "Kind", "Text", f"Since v{before.version}" if before else "Since"], rows)
    return chart_figure(chart_id, "process", svg, table, "", small=False)

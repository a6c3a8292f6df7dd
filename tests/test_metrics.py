"""The dashboard's figures, computed without MkDocs from a knowledge base with known counts.

Every expected number below is worked out by hand from the records in
tests/fixtures/dashboard (see its README), as of 2026-11-27.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from xml.etree import ElementTree

import pytest

from conftest import FIXTURES, MINIMAL
from mkdocs_lessons.charts import svg as charts
from mkdocs_lessons.dates import add_months, previous_quarter, quarter_end, quarter_of, quarter_range
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.analysis.metrics import compute, distribution

DASHBOARD = FIXTURES / "dashboard"
TODAY = date(2026, 11, 27)
QUARTERS = quarter_range("2023-Q4", "2026-Q4")


@pytest.fixture(scope="module")
def kb():
    outcome = open_knowledge_base(DASHBOARD)
    assert [str(d) for d in outcome.diagnostics] == []
    return outcome.kb


@pytest.fixture(scope="module")
def m(kb):
    return compute(kb, TODAY)


def column(heat, key: str) -> dict[str, int]:
    """{column: count} of one heat-map row, zero cells left out."""
    row = next(r for r in heat.rows if r.id == key)
    return {c: n for c, n in zip(heat.columns, row.cells) if n}


# -- calendar and statistics ------------------------------------------------------


def test_quarters_and_months():
    assert quarter_of(date(2024, 3, 31)) == "2024-Q1" and quarter_of(date(2024, 4, 1)) == "2024-Q2"
    assert quarter_range("2023-Q3", "2024-Q2") == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert quarter_range("2024-Q2", "2024-Q1") == []
    assert previous_quarter("2024-Q1") == "2023-Q4"
    assert quarter_end("2024-Q1") == date(2024, 3, 31) and quarter_end("2023-Q4") == date(2023, 12, 31)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 15), 14) == date(2025, 1, 15)


@pytest.mark.parametrize(
    "values, median, p90",
    [
        ([], None, None),
        ([7], 7, 7),
        ([8, 30], 19, 30),
        ([30, 85, 120, 240], 102.5, 240),
        (list(range(1, 11)), 5.5, 9),  # nearest rank: ceil(0.9 * 10) = the 9th value
        (list(range(1, 12)), 6, 10),  # ceil(9.9) = the 10th
    ],
)
def test_median_and_nearest_rank_percentile(values, median, p90):
    figure = distribution(values)
    assert (figure.n, figure.median, figure.p90) == (len(values), median, p90)


# -- the figures of the fixture ----------------------------------------------------------


def test_span_and_counts(m):
    assert m.today == TODAY
    assert m.quarters == QUARTERS  # first review's quarter through today's, empty quarters kept
    assert m.reviews == 8  # the draft INC-2025-001 is not published
    assert m.failures == 7  # the success INC-2024-040 is not a failure


def test_heat_map_of_terms_by_quarter(m):
    heat = m.term_by_quarter
    assert [r.id for r in heat.rows] == ["design-flaw", "data-gap", "process-deviation", "external-shock"]  # taxonomy order
    assert heat.columns == QUARTERS
    # INC-2024-017 is under process-deviation (primary) and design-flaw (secondary): it counts in both rows.
    assert column(heat, "design-flaw") == {"2023-Q4": 1, "2024-Q1": 1, "2025-Q1": 1}
    assert column(heat, "data-gap") == {"2024-Q2": 1, "2026-Q4": 1}
    assert column(heat, "process-deviation") == {"2024-Q1": 1, "2024-Q2": 1, "2026-Q3": 1, "2026-Q4": 1}
    assert column(heat, "external-shock") == {"2024-Q1": 1}
    assert [r.total for r in heat.rows] == [3, 2, 4, 1]
    totals = {c: n for c, n in zip(heat.columns, heat.column_totals) if n}
    assert totals == {"2023-Q4": 1, "2024-Q1": 2, "2024-Q2": 1, "2025-Q1": 1, "2026-Q3": 1, "2026-Q4": 1}
    assert heat.total == 7 and heat.max == 1


def test_heat_map_of_terms_by_team(m):
    heat = m.term_by_team
    assert heat.columns == ["payments", "sre", "warehouse"]
    assert heat.column_labels[2] == 'Warehouse & <Depot> | "north"'
    assert column(heat, "design-flaw") == {"payments": 3, "sre": 2}
    assert column(heat, "data-gap") == {"payments": 1, "warehouse": 2}
    assert column(heat, "process-deviation") == {"payments": 2, "sre": 2, "warehouse": 2}
    assert column(heat, "external-shock") == {"sre": 1}
    assert heat.column_totals == [4, 4, 2]
    assert heat.total == 7


def test_heat_maps_classify_as_classified_under_says() -> None:
    """The heat maps' lookup gives `classified_under`'s answer for every incident and term of the sample."""
    from conftest import SAMPLE
    from mkdocs_lessons.analysis.metrics import classified_under

    kb = open_knowledge_base(SAMPLE).kb
    terms = [*kb.taxonomy.terms, "design", "design-flaw/missing"]  # and two prefixes that are not terms of their own
    for incident in kb.incidents.values():
        under = incident.under_terms
        assert {t for t in terms if t in under} == {t for t in terms if classified_under(incident, t)}, incident.id


def test_time_to_detect_and_restore(m):
    by_quarter = {t.quarter: t for t in m.times if t.detect.n}
    assert sorted(by_quarter) == ["2024-Q1", "2025-Q1", "2026-Q3"]  # near misses are left out
    q1 = by_quarter["2024-Q1"]
    assert (q1.detect.n, q1.detect.median, q1.detect.p90) == (2, 19, 30)  # 8 and 30 minutes
    assert (q1.restore.n, q1.restore.median, q1.restore.p90) == (2, 162.5, 240)  # 85 and 240
    assert (by_quarter["2026-Q3"].restore.median, by_quarter["2026-Q3"].detect.median) == (120, 60)
    assert (m.detect_overall.n, m.detect_overall.median, m.detect_overall.p90) == (4, 19, 60)
    assert (m.restore_overall.n, m.restore_overall.median, m.restore_overall.p90) == (4, 102.5, 240)


def test_reporting_mix(m):
    mix = {r.quarter: (r.incidents, r.near_misses, r.successes) for r in m.reporting if r.total}
    assert mix == {
        "2023-Q4": (0, 1, 0),
        "2024-Q1": (2, 0, 0),
        "2024-Q2": (0, 1, 0),  # occurred 2024-05-10T09:00+02:00: the quarter of its own time zone
        "2024-Q3": (0, 0, 1),
        "2025-Q1": (1, 0, 0),
        "2026-Q3": (1, 0, 0),
        "2026-Q4": (0, 1, 0),
    }


def test_action_items(m):
    a = m.actions
    assert (a.total, a.open, a.in_progress, a.done, a.dropped) == (9, 4, 1, 3, 1)
    assert a.overdue_now == 3  # INC-2024-020 A1, INC-2025-007 A2, INC-2026-002 A1
    assert a.due_soon == 1  # INC-2024-031 A2, due 2026-12-10
    assert a.unowned_open == 1
    assert (a.done_on_time, a.done_with_due) == (2, 3)  # INC-2024-020 A2 was closed late
    # Opened on the review date: 40 (017 A1), 101 (020 A2), 21 (020 A3, dropped), 17 (007 A1) days.
    assert (a.close_days.n, a.close_days.median, a.close_days.p90) == (4, 30.5, 101)
    quarters = {q.quarter: (q.opened, q.done, q.dropped) for q in a.quarters if q.opened or q.done or q.dropped}
    assert quarters == {
        "2024-Q1": (4, 0, 1),
        "2024-Q2": (2, 2, 0),
        "2025-Q1": (2, 1, 0),
        "2026-Q3": (1, 0, 0),  # INC-2026-002 has no review: opened the day it occurred
    }
    q2 = next(q for q in a.quarters if q.quarter == "2024-Q2")
    assert (q2.done_on_time, q2.done_with_due) == (1, 2)


def test_sop_health(m):
    s = m.sops
    assert (s.total, s.versions) == (5, 7)
    assert [(y.year, y.count) for y in s.approved_per_year] == [(2023, 1), (2024, 1), (2025, 1), (2026, 2)]
    states = {r.sop_id: (r.state, r.days) for r in s.reviews}
    assert states == {
        "SOP-007": ("overdue", (TODAY - date(2024, 11, 2)).days),
        "SOP-009": ("on-schedule", (date(2027, 6, 1) - TODAY).days),
        "SOP-010": ("no-schedule", None),
        "SOP-011": ("none-approved", None),
        "SOP-012": ("due-soon", 13),
    }
    assert (s.pending_versions, s.sops_with_pending) == (2, 2)


def test_indicators_compare_the_last_complete_quarter(m):
    ind = m.indicators
    assert (ind.previous_quarter, ind.current_quarter, ind.to_date_quarter) == ("2026-Q2", "2026-Q3", "2026-Q4")
    rows = {r.key: r for r in ind.rows}
    assert [r.kind for r in ind.rows].count("leading") == 6 and [r.kind for r in ind.rows].count("lagging") == 6

    def values(key):
        r = rows[key]
        return (r.previous, r.current, r.to_date)

    assert values("near_misses") == (0, 0, 1)
    assert values("near_miss_share") == (None, 0.0, 1.0)
    assert (rows["near_miss_share"].current_n, rows["near_miss_share"].to_date_n) == (1, 1)
    assert values("review_lag") == (None, None, 5)
    # Overdue at the end of 2026-Q2 and 2026-Q3: 020 A1 and 007 A2 (002 A1 is due on 2026-09-30 itself); today also 002 A1.
    assert values("actions_overdue") == (2, 2, 3)
    assert values("incidents") == (0, 1, 0)
    assert values("severe") == (0, 1, 0)
    assert values("ttd") == (None, 60, None) and values("ttr") == (None, 120, None)
    assert values("customer_detected") == (None, 0.0, None)
    assert values("repeat_causes") == (0, 0, 1)  # INC-2026-010 repeats the primary cause of INC-2026-002
    assert rows["incidents"].trend == "worse" and rows["incidents"].change == 1
    assert rows["near_misses"].trend == "unchanged"
    assert rows["ttr"].trend == "n/a"


def test_as_dict_is_json_ready_and_stable(m, kb):
    data = m.as_dict()
    text = json.dumps(data, sort_keys=False)
    assert json.loads(text)["actions"]["on_time_share"] == round(2 / 3, 4)
    assert data["reporting"][1]["near_miss_share"] == 0.0 and data["reporting"][1]["total"] == 2
    assert data["indicators"]["rows"][0]["trend"] == "unchanged"
    assert json.dumps(compute(kb, TODAY).as_dict()) == text  # same input, same output


def test_an_empty_knowledge_base_has_no_quarters():
    outcome = open_knowledge_base(MINIMAL)
    kb = outcome.kb
    kb.incidents = {k: v for k, v in kb.incidents.items() if v.is_draft}
    m = compute(kb, TODAY)
    assert m.quarters == [] and m.reviews == 0 and m.actions.total == 0
    assert m.term_by_quarter.total == 0 and m.times == []


# -- drawing --------------------------------------------------------------------------------


def parse_svg(markup: str) -> ElementTree.Element:
    svg = re.search(r"<svg.*</svg>", markup, re.S)
    assert svg is not None
    return ElementTree.fromstring(svg.group(0))  # well-formed XML, or this raises


def test_heatmap_escapes_every_label_and_is_well_formed():
    hostile = '<script>alert(1)</script> & "q" | [x]'
    cell = charts.Cell(count=2, tooltip=hostile, href="../incidents/?term=a&kind=b", data=(("category", hostile), ("count", "2")))
    markup = charts.heatmap(
        "c1",
        hostile,
        description=hostile,
        row_labels=[hostile],
        column_labels=[hostile],
        cells=[[cell]],
        row_totals=[2],
        column_totals=[2],
        grand_total=2,
        x_label=hostile,
        y_label=hostile,
        column_style="slanted",
    )
    assert "<script>" not in markup
    assert "\n\n" not in markup  # one raw HTML block for Python-Markdown
    root = parse_svg(markup)
    ns = "{http://www.w3.org/2000/svg}"
    link = root.find(f".//{ns}a")
    assert link.get("href") == "../incidents/?term=a&kind=b"
    assert link.get("data-category") == hostile and link.get("data-count") == "2"
    assert link.find(f"{ns}title").text == hostile
    assert root.find(f"{ns}title").text == hostile
    table = markup[markup.index("<table>") :]
    assert html.escape(hostile) in table


def test_same_data_same_bytes_and_ids_from_the_caller():
    def draw():
        return charts.bar_chart(
            "lessons-x",
            "Bars",
            description="d",
            categories=["2024-Q1", "2024-Q2"],
            series=[charts.Series("incident", "Incidents", [1, 3]), charts.Series("near-miss", "Near misses", [2, 0])],
            stacked=True,
            x_label="Quarter",
            y_label="Reviews",
        )

    first = draw()
    assert first == draw()
    root = parse_svg(first)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids == ["lessons-x-svg", "lessons-x-title", "lessons-x-desc"]
    bars = [(b.get("data-series"), b.get("data-period"), b.get("data-count")) for b in root.iter("{http://www.w3.org/2000/svg}rect") if b.get("data-series")]
    assert bars == [("incident", "2024-Q1", "1"), ("near-miss", "2024-Q1", "2"), ("incident", "2024-Q2", "3")]  # no bar for 0


def test_line_chart_breaks_at_missing_values():
    markup = charts.line_chart(
        "t",
        "Lines",
        description="d",
        categories=["2024-Q1", "2024-Q2", "2024-Q3"],
        series=[charts.LineSeries("restore-median", "Median", [30.0, None, 90.5], [1, 0, 2])],
        x_label="Quarter",
        y_label="Minutes",
        scale=1,
        fmt=lambda v: f"{v:g} min",
    )
    root = parse_svg(markup)
    ns = "{http://www.w3.org/2000/svg}"
    path = next(p for p in root.iter(f"{ns}path") if "lessons-line" in p.get("class", ""))
    assert path.get("d").count("M") == 2 and "L" not in path.get("d")  # two separate points, no line across the gap
    points = [(c.get("data-period"), c.get("data-value"), c.get("data-n")) for c in root.iter(f"{ns}circle") if c.get("data-period")]
    assert points == [("2024-Q1", "30", "1"), ("2024-Q3", "90.5", "2")]


def test_nice_ticks_and_heat_levels():
    assert charts.nice_ticks(7, integer=True) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(1, integer=True) == [0, 1]
    assert charts.nice_ticks(0, integer=True) == [0, 1]
    assert charts.nice_ticks(4.0, integer=False) == [0, 1, 2, 3, 4]
    assert [charts.heat_level(c, 10) for c in (0, 1, 2, 5, 10)] == [0, 1, 1, 3, 5]
    assert charts.heat_level(1, 1) == 5

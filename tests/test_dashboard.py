"""The dashboard, the action-item backlog, the SOP catalog and the small charts, in real builds.

Counts are read back from the SVG `data-*` attributes and compared with
counts computed here, independently of `analysis/metrics.py`, straight from the YAML
records (read as plain strings).
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import pytest
import yaml

from conftest import FIXTURES, MINIMAL, REPO, SAMPLE, Site, build, internal_links, write_config

DASHBOARD = FIXTURES / "dashboard"
TODAY = date(2026, 11, 27)
FAILURES = ("incident", "near-miss")


# -- the records, read independently ---------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)  # every scalar stays a string


class Records:
    def __init__(self, root: Path) -> None:
        self.incidents = [load_yaml(p) for p in sorted((root / "incidents").glob("*.yaml"))]
        self.published = [i for i in self.incidents if i["status"] != "draft"]
        self.sops = [load_yaml(p) for p in sorted((root / "sops").glob("*.yaml"))]
        self.top_terms = [t["id"] for t in load_yaml(root / "taxonomy/taxonomy.yaml")["terms"]]
        self.teams = [t["id"] for t in load_yaml(root / "taxonomy/teams.yaml")["teams"]]

    @staticmethod
    def quarter(text: str) -> str:
        return f"{text[:4]}-Q{(int(text[5:7]) - 1) // 3 + 1}"

    @staticmethod
    def terms(incident: dict) -> list[str]:
        c = incident["classification"]
        return [c["primary"], *c.get("secondary", [])]

    def under(self, incident: dict, top: str) -> bool:
        return any(t == top or t.startswith(top + "/") for t in self.terms(incident))

    def heat_by_quarter(self) -> Counter:
        return Counter(
            (top, self.quarter(i["occurred"]))
            for i in self.published
            if i["kind"] in FAILURES
            for top in self.top_terms
            if self.under(i, top)
        )

    def heat_by_team(self) -> Counter:
        return Counter(
            (top, team)
            for i in self.published
            if i["kind"] in FAILURES
            for top in self.top_terms
            if self.under(i, top)
            for team in i["teams"]
        )

    def mix(self, team: str | None = None) -> Counter:
        return Counter((i["kind"], self.quarter(i["occurred"])) for i in self.published if team is None or team in i["teams"])

    def minutes(self, which: str) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        start, end = ("occurred", "detected") if which == "detect" else ("detected", "resolved")
        for i in self.published:
            if i["kind"] == "incident" and start in i and end in i:
                delta = datetime.fromisoformat(i[end]) - datetime.fromisoformat(i[start])
                out.setdefault(self.quarter(i["occurred"]), []).append(delta.total_seconds() / 60)
        return out

    def actions(self) -> Counter:
        tally: Counter = Counter()
        for i in self.published:
            opened = i.get("review", {}).get("date") or i["occurred"][:10]
            for a in i.get("action_items", []):
                tally[("opened", self.quarter(opened))] += 1
                if a["status"] in ("done", "dropped") and "closed" in a:
                    tally[(a["status"], self.quarter(a["closed"]))] += 1
        return tally

    def approved_per_year(self) -> Counter:
        return Counter(
            v["effective"][:4] for s in self.sops for v in s["versions"] if v["status"] in ("approved", "superseded") and "effective" in v
        )


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def number(text: str) -> float:
    return float(text)


# -- builds -------------------------------------------------------------------------------------


def build_fixture(tmp_path_factory, name: str, **extra: Any) -> Site:
    project = tmp_path_factory.mktemp(name)
    options = extra.pop("options", {})
    write_config(project, DASHBOARD, options=options, extra=extra)
    return build(project)


@pytest.fixture(scope="module")
def records() -> Records:
    return Records(DASHBOARD)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    # Material's search: test_search_indexes_the_words_not_the_drawings reads its index.
    return build_fixture(tmp_path_factory, "dash", options={"search": "material"})


@pytest.fixture(scope="module")
def flat_site(tmp_path_factory) -> Site:
    return build_fixture(tmp_path_factory, "flat", use_directory_urls=False)


def marks(article, chart_id: str, selector: str) -> list:
    chart = article.find(id=chart_id)
    assert chart is not None, chart_id
    return chart.select(selector)


def resolve(site: Site, page_url: str, href: str) -> tuple[Path, dict[str, list[str]]]:
    """The file a link from `page_url` opens, and its query."""
    parts = urlsplit(urljoin("http://x/" + page_url, href))
    target = site.site_dir / unquote(parts.path).lstrip("/")
    if parts.path.endswith("/"):
        target = target / "index.html"
    return target, parse_qs(parts.query)


# -- the dashboard ------------------------------------------------------------------------------


def test_dashboard_builds_strict_without_warnings_and_is_in_the_nav(site):
    assert [r.getMessage() for r in site.log if r.levelno >= logging.WARNING] == []
    nav = [a.get_text(" ", strip=True) for a in site.soup("dashboard/").select("nav.md-nav--primary > ul > li > a")]
    assert nav[:5] == ["Home", "Dashboard", "Action items", "Lessons", "Incidents"]
    assert site.article("dashboard/").find("h1").get_text(strip=True) == "Dashboard"
    home = site.article("")
    assert home.find("a", href="dashboard/") is not None and home.find("a", href="actions/") is not None


def test_heat_map_by_quarter_counts_equal_the_records(site, records):
    cells = marks(site.article("dashboard/"), "lessons-term-quarter", ".lessons-heat__cell")
    drawn = {(c["data-category"], c["data-period"]): int(c["data-count"]) for c in cells}
    expected = records.heat_by_quarter()
    assert {k: v for k, v in drawn.items() if v} == dict(expected)
    # Every top-level term is a row, every quarter from the first review to today's a column, in a stable order.
    rows = list(dict.fromkeys(c["data-category"] for c in cells))
    periods = list(dict.fromkeys(c["data-period"] for c in cells))
    assert rows == records.top_terms
    assert periods[0] == "2023-Q4" and periods[-1] == "2026-Q4" and len(periods) == 13 and periods == sorted(periods)


def test_heat_map_cells_link_to_the_filtered_index(site, records):
    cells = marks(site.article("dashboard/"), "lessons-term-quarter", ".lessons-heat__cell")
    linked = [c for c in cells if c.name == "a"]
    assert len(linked) == sum(1 for c in cells if c["data-count"] != "0")  # every non-empty cell, only those
    for cell in linked:
        target, query = resolve(site, "dashboard/", cell["href"])
        assert target == site.site_dir / "incidents/index.html"
        assert query == {"term": [cell["data-category"]], "kind": ["incident", "near-miss"], "quarter": [cell["data-period"]]}
        assert cell.find("title").get_text().endswith(("1 failure", "failures"))
    first = next(c for c in linked if c["data-category"] == "design-flaw" and c["data-period"] == "2023-Q4")
    assert first["href"] == "../incidents/?term=design-flaw&kind=incident&kind=near-miss&quarter=2023-Q4"


def test_heat_map_links_work_without_directory_urls(flat_site):
    article = flat_site.article("dashboard/index.html")
    cells = [c for c in marks(article, "lessons-term-quarter", "a.lessons-heat__cell")]
    assert cells
    for cell in cells:
        target, query = resolve(flat_site, "dashboard/index.html", cell["href"])
        assert target == flat_site.site_dir / "incidents/index.html" and target.is_file()
        assert query["quarter"] == [cell["data-period"]]
    assert [h for p, h, t, _ in internal_links(flat_site) if not t.exists()] == []


def test_heat_map_by_team(site, records):
    cells = marks(site.article("dashboard/"), "lessons-term-team", ".lessons-heat__cell")
    drawn = {(c["data-category"], c["data-team"]): int(c["data-count"]) for c in cells if c["data-count"] != "0"}
    assert drawn == dict(records.heat_by_team())
    for cell in (c for c in cells if c.name == "a"):
        target, query = resolve(site, "dashboard/", cell["href"])
        assert target.is_file()
        assert query == {"term": [cell["data-category"]], "team": [cell["data-team"]], "kind": ["incident", "near-miss"]}


def test_reporting_mix_counts_equal_the_records(site, records):
    bars = marks(site.article("dashboard/"), "lessons-reporting", "rect[data-series]")
    drawn = {(b["data-series"], b["data-period"]): int(b["data-count"]) for b in bars}
    assert drawn == dict(records.mix())
    for bar in bars:
        target, query = resolve(site, "dashboard/", bar.parent["href"])
        assert target.is_file() and query == {"kind": [bar["data-series"]], "quarter": [bar["data-period"]]}


def test_time_to_detect_and_restore_medians_and_p90(site, records):
    article = site.article("dashboard/")
    for which in ("detect", "restore"):
        points = marks(article, f"lessons-time-{which}", "circle[data-series]")
        drawn = {(p["data-series"], p["data-period"]): (number(p["data-value"]), int(p["data-n"])) for p in points}
        expected = {}
        for quarter, values in records.minutes(which).items():
            expected[(f"{which}-median", quarter)] = (round(statistics.median(values), 2), len(values))
            expected[(f"{which}-p90", quarter)] = (round(p90(values), 2), len(values))
        assert drawn == expected
    text = site.text("dashboard/")
    assert "Time to detect = detected − occurred" in text and "Time to restore = resolved − detected" in text
    assert "(n = 4)" in text


def test_action_items_per_quarter(site, records):
    bars = marks(site.article("dashboard/"), "lessons-actions", "rect[data-series]")
    drawn = {(b["data-series"], b["data-period"]): int(b["data-count"]) for b in bars}
    assert drawn == dict(records.actions())
    facts = site.text("dashboard/")
    assert "Overdue now 3" in facts
    assert "Done by the due date 67 % (n = 3 done items with a due date)" in facts


def test_sop_versions_per_year(site, records):
    bars = marks(site.article("dashboard/"), "lessons-sop-versions", "rect[data-series]")
    assert {b["data-period"]: int(b["data-count"]) for b in bars} == dict(records.approved_per_year())
    procedures = site.article("dashboard/")
    assert procedures.find("a", href="../sops/SOP-007/") is not None  # overdue for review, listed


def test_every_chart_has_title_axes_legend_tooltips_and_a_data_table(site):
    article = site.article("dashboard/")
    figures = article.select("figure.lessons-chart")
    assert [f["id"] for f in figures] == [
        "lessons-term-quarter",
        "lessons-term-team",
        "lessons-time-detect",
        "lessons-time-restore",
        "lessons-reporting",
        "lessons-actions",
        "lessons-sop-versions",
        "lessons-learning-activity",
    ]
    for figure in figures:
        svg = figure.find("svg")
        assert svg.find("title").get_text(strip=True), figure["id"]
        assert svg["aria-labelledby"] == f"{figure['id']}-title {figure['id']}-desc"
        assert svg.select(".lessons-chart__title") and len(svg.select(".lessons-chart__axis-title")) == 2, figure["id"]
        assert svg.select(".lessons-chart__legend"), figure["id"]
        for mark in svg.select("[data-count], [data-value]"):
            assert mark.find("title") is not None, (figure["id"], mark)
        details = figure.find("details", class_="lessons-chart__data")
        assert details is not None and not details.has_attr("open")
        assert details.find("summary").get_text(strip=True) == "Show data"
        table = details.find("table")
        assert table.find("caption") and table.find("th", scope="col") and table.find("th", scope="row")


def test_data_tables_hold_the_numbers_the_svg_draws(site):
    figure = site.article("dashboard/").find(id="lessons-term-quarter")
    rows = {tr.find("th").get_text(): [td.get_text() for td in tr.find_all("td")] for tr in figure.select("details tbody tr")}
    cells = figure.select(".lessons-heat__cell")
    columns = list(dict.fromkeys(c["data-period"] for c in cells))
    labels = [t.get_text() for t in figure.select("svg text.lessons-chart__tick[text-anchor=end]")][: len(rows) - 1]
    for label, term in zip(labels, dict.fromkeys(c["data-category"] for c in cells)):
        drawn = [next(c["data-count"] for c in cells if c["data-category"] == term and c["data-period"] == q) for q in columns]
        assert rows[label][:-1] == drawn
    assert rows["All failures (each once)"][-1] == "7"


def test_indicators_and_headline_figures(site):
    article = site.article("dashboard/")
    kpis = {k["data-kpi"]: k["data-value"] for k in article.select(".lessons-kpi")}
    assert kpis == {
        "reviews": "8",
        "near_miss_share": str(round(3 / 8, 4)),
        "ttr_median": "102.5",
        "actions_open": "5",
        "actions_on_time": str(round(2 / 3, 4)),
        "sops_overdue": "1",
    }
    headers = [th.get_text(strip=True) for th in article.select(".lessons-indicators table")[0].select("thead th")]
    assert headers == ["Indicator", "Aim", "2026-Q2", "2026-Q3", "Trend", "2026-Q4 so far"]
    rows = {tr.find("td").get_text(strip=True): tr for tr in article.select(".lessons-indicators tbody tr")}
    incidents = rows["Incidents"]
    assert incidents.find(attrs={"data-trend": True})["data-trend"] == "worse"
    repeat = [td.get_text(" ", strip=True) for td in rows["Repeat causes (same primary cause within a year)"].find_all("td")]
    assert repeat[-1] == "1"


def test_metrics_json_holds_every_figure_the_dashboard_shows(site, records):
    data = json.loads((site.site_dir / "metrics.json").read_text("utf-8"))
    assert data["today"] == "2026-11-27" and data["dashboard_url"] == "dashboard/"
    heat = data["term_by_quarter"]
    from_json = {(row["id"], q): n for row in heat["rows"] for q, n in zip(heat["columns"], row["cells"]) if n}
    assert from_json == dict(records.heat_by_quarter())
    assert data["actions"]["overdue_now"] == 3 and data["sops"]["reviews"][0]["state"] == "overdue"
    assert {r["key"] for r in data["indicators"]["rows"]} >= {"near_misses", "ttr", "actions_overdue"}
    assert "time_to_restore" in data["definitions"]


def test_same_input_same_bytes(site, tmp_path_factory):
    again = build_fixture(tmp_path_factory, "again", options={"search": "material"})  # as `site`
    for name in ("dashboard/index.html", "actions/index.html", "metrics.json", "teams/sre/index.html", "taxonomy/design-flaw/index.html"):
        assert (site.site_dir / name).read_bytes() == (again.site_dir / name).read_bytes(), name


def test_source_date_epoch_sets_now(tmp_path_factory, monkeypatch):
    # A day after the last incident (one occurring after "today" is an error).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2026, 10, 10, 12).timestamp())))
    site = build_fixture(tmp_path_factory, "epoch", options={"today": None})
    data = json.loads((site.site_dir / "metrics.json").read_text("utf-8"))
    assert data["today"] == "2026-10-10"
    # On 2026-10-10 INC-2024-020 A1, INC-2025-007 A2 and INC-2026-002 A1 (due 2026-09-30) were past due;
    # INC-2024-031's items fall due in December and January.
    assert data["actions"]["overdue_now"] == 3
    assert "Figures as of 2026-10-10" in site.text("dashboard/")
    assert data["quarters"][-1] == "2026-Q4"


def test_search_indexes_the_words_not_the_drawings(site):
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith(("dashboard/", "teams/", "taxonomy/")))
    assert "Failures are incidents and near misses" in text and "8 published reviews" in text
    assert "0 failures" not in text and "2024-Q1: 1 failure" not in text  # tooltips and ticks stay out


def test_hostile_text_is_escaped_in_charts_and_tables(site):
    raw = (site.site_dir / "dashboard/index.html").read_text("utf-8")
    assert "<Depot>" not in raw and "&lt;Depot&gt;" in raw
    ticks = [t.get_text() for t in site.article("dashboard/").select("#lessons-term-team svg text")]
    assert 'Warehouse & <Depot> | "north"' in ticks
    backlog = [page.read_text("utf-8") for page in sorted((site.site_dir / "actions").rglob("*.html"))]
    assert len(backlog) > 3 and any("&lt;b&gt;now&lt;/b&gt;" in page for page in backlog)  # the item's own pages
    assert not [page for page in backlog if "<script>alert" in page or "<b>now</b>" in page]


# -- the action-item backlog ---------------------------------------------------------------------


def test_backlog_lists_open_items_by_owner_and_team_overdue_first(site, records):
    article = site.article("actions/")
    text = site.text("actions/")
    open_items = [(i["id"], a["id"]) for i in records.published for a in i.get("action_items", []) if a["status"] in ("open", "in-progress")]
    assert f"{len(open_items)} open or in progress, of which 3 overdue" in text
    # The summary: who owes what, each owner's row keeping the anchor the owner's section had, linking to their page.
    owners = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in article.select("tr[id^=owner-]")]
    items = [a for i in records.published for a in i.get("action_items", []) if a["status"] in ("open", "in-progress")]
    expected = []
    for name in ["dana.kim", "lee.wong", "sam.ortiz", ""]:
        mine = [a for a in items if a.get("owner", "") == name]
        overdue = sum(1 for a in mine if "due" in a and date.fromisoformat(a["due"]) < TODAY)
        late = sum(1 for a in mine if "next_check_in" in a and date.fromisoformat(str(a["next_check_in"])) < TODAY)
        expected.append([name or "No owner", str(len(mine)), str(overdue), min(a["due"] for a in mine if "due" in a), str(late)])
    assert [o[:3] for o in owners] == [["dana.kim", "2", "1"], ["lee.wong", "1", "1"], ["sam.ortiz", "1", "1"], ["No owner", "1", "0"]]
    assert owners == expected
    assert article.find(id="owner-no-owner").find("a")["href"] == "owner/no-owner/"
    assert article.find(id="owner-dana-kim").find("a")["href"] == "owner/dana-kim/"
    assert [tr["id"] for tr in article.select("tr[id^=team-]")] == ["team-payments", "team-sre", "team-warehouse"]
    assert article.find(id="team-sre").find("a")["href"] == "team/sre/"
    # One owner's page: their items, most overdue first.
    dana = site.article("actions/owner/dana-kim/")
    assert dana.find("h1").get_text(" ", strip=True).rstrip("¶").strip() == "Action items: dana.kim"
    assert "2 open items, 1 overdue, most overdue first" in site.text("actions/owner/dana-kim/")
    first, second = dana.select("tbody tr")
    assert "overdue" in first.get_text() and f"overdue {(TODAY - date(2025, 3, 1)).days} d" in first.get_text()
    assert "in-progress" in second.get_text() and "overdue" not in second.get_text()
    assert first.find("a", href="../../../incidents/INC-2025-007/") is not None
    # One team's page.
    sre = site.article("actions/team/sre/").select("tbody tr")
    assert [r.find("a").get_text() for r in sre] == ["INC-2024-020", "INC-2025-007", "INC-2026-002"]  # most overdue first
    assert "Rehearsal postponed twice." in sre[0].get_text() and "Failover rehearsals per quarter" in sre[0].get_text()
    assert "due in 13 d" in site.text("actions/owner/no-owner/")  # the item due 2026-12-10
    # Every open item is on its owner's page and on each of its teams' pages, once.
    listed = Counter()
    for page in sorted(site.site_dir.glob("actions/*/*/index.html")):
        kind, group = page.parent.parent.name, page.parent.name
        if kind in ("owner", "team"):
            for row in site.article(f"actions/{kind}/{group}/").select("tbody tr"):
                incident, _, item = row.find_all("td")[3].get_text(" ", strip=True).partition(" · ")
                listed[(kind, group, incident, item)] += 1
    expected = Counter()
    for i in records.published:
        for a in i.get("action_items", []):
            if a["status"] in ("open", "in-progress"):
                expected[("owner", (a.get("owner") or "no owner").replace(".", "-").replace(" ", "-"), i["id"], a["id"])] += 1
                for team in i["teams"]:
                    expected[("team", team, i["id"], a["id"])] += 1
    assert listed == expected


def test_backlog_done_and_dropped_items_have_their_own_page(site, records):
    closed = [(i["id"], a["id"]) for i in records.published for a in i.get("action_items", []) if a["status"] in ("done", "dropped")]
    assert site.article("actions/").find("a", href="closed/").get_text() == "4 done and dropped items"
    rows = site.article("actions/closed/").select("tbody tr")
    assert len(rows) == len(closed) == 4
    assert [r.find("td").get_text() for r in rows] == ["2025-02-10", "2024-05-20", "2024-04-28", "2024-03-01"]  # newest first
    late = rows[1].get_text(" ", strip=True)
    assert "done" in late and "late" in late
    assert rows[2].find("a", href="../../sops/SOP-007/v3/") is not None  # codified in


def test_every_link_of_the_new_pages_resolves(site):
    broken = [(p.relative_to(site.site_dir), h) for p, h, t, _ in internal_links(site) if not t.exists()]
    assert broken == []


# -- SOP catalog, team and term pages, the year archive ----------------------------------------------------


def test_sop_catalog_marks_review_state_and_pending_proposals(site):
    rows = {tr.find("a").get_text(): tr.get_text(" ", strip=True) for tr in site.article("sops/").select("tbody tr")}
    assert f"overdue {(TODAY - date(2024, 11, 2)).days} d" in rows["SOP-007"]
    assert "2026-12-10 due in 13 d" in rows["SOP-012"]
    assert "no review schedule" in rows["SOP-010"]
    assert "no approved version" in rows["SOP-011"] and "v1 (draft)" in rows["SOP-011"]
    assert "v2 (proposed)" in rows["SOP-009"]
    assert "1 overdue for review, 1 due within 30 days, 2 proposals waiting for approval" in site.text("sops/")


def test_team_page_has_small_charts_scoped_to_the_team(site, records):
    article = site.article("teams/warehouse/")
    cells = marks(article, "lessons-team-terms", ".lessons-heat__cell")
    drawn = {(c["data-category"], c["data-period"]): int(c["data-count"]) for c in cells if c["data-count"] != "0"}
    expected = Counter(
        (top, records.quarter(i["occurred"]))
        for i in records.published
        if i["kind"] in FAILURES and "warehouse" in i["teams"]
        for top in records.top_terms
        if records.under(i, top)
    )
    assert drawn == dict(expected)
    assert all(c["data-team"] == "warehouse" for c in cells)
    for cell in (c for c in cells if c.name == "a"):
        target, query = resolve(site, "teams/warehouse/", cell["href"])
        assert target.is_file() and query["team"] == ["warehouse"] and query["term"] == [cell["data-category"]]
    bars = marks(article, "lessons-team-mix", "rect[data-series]")
    assert {(b["data-series"], b["data-period"]): int(b["data-count"]) for b in bars} == dict(records.mix("warehouse"))
    assert article.select_one("figure.lessons-chart--small") is not None


def test_term_page_has_small_charts_for_the_term_and_its_children(site, records):
    article = site.article("taxonomy/process-deviation/")
    cells = marks(article, "lessons-term-quarters", ".lessons-heat__cell")
    rows = list(dict.fromkeys(c["data-category"] for c in cells))
    assert rows == ["process-deviation", "process-deviation/skipped-review"]
    drawn = {(c["data-category"], c["data-period"]): int(c["data-count"]) for c in cells if c["data-count"] != "0"}
    expected = Counter(
        (path, records.quarter(i["occurred"]))
        for i in records.published
        if i["kind"] in FAILURES
        for path in rows
        if records.under(i, path)
    )
    assert drawn == dict(expected)
    link = next(c for c in cells if c.name == "a" and c["data-category"] == "process-deviation/skipped-review")
    target, query = resolve(site, "taxonomy/process-deviation/", link["href"])
    assert target == site.site_dir / "incidents/index.html" and query["term"] == ["process-deviation/skipped-review"]
    teams = marks(article, "lessons-term-teams", ".lessons-heat__cell")
    assert {c["data-team"] for c in teams} == set(records.teams)


def test_year_archive_lists_each_year_and_is_linked_from_the_index(site, records):
    index = site.article("incidents/")
    for year in sorted({i["occurred"][:4] for i in records.published}):
        assert index.find("a", href=f"{year}/") is not None, year
        listed = sorted({a["href"] for a in site.article(f"incidents/{year}/").find_all("a") if a["href"].startswith("../INC-")})
        expected = sorted(f"../{i['id']}/" for i in records.published if i["occurred"][:4] == year)
        assert listed == expected, year


def test_minimal_site_dashboard_and_prefix(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, MINIMAL, options={"prefix": "kb"})
    (project / "docs/index.md").write_text("# Handbook\n\nThe [knowledge base](kb/index.md).\n", "utf-8")
    site = build(project)
    assert site.page("kb/dashboard/").is_file() and site.page("kb/actions/").is_file()
    assert (site.site_dir / "kb/metrics.json").is_file()
    cell = site.article("kb/dashboard/").select_one("a.lessons-heat__cell")
    target, _ = resolve(site, "kb/dashboard/", cell["href"])
    assert target == site.site_dir / "kb/incidents/index.html"
    assert [h for p, h, t, _ in internal_links(site) if not t.exists()] == []


# -- the sample knowledge base ----------------------------------------------------------------


@pytest.mark.skipif(not (SAMPLE / "incidents").is_dir(), reason="the sample knowledge base is not there")
def test_sample_dashboard_builds_strict_and_counts_match(tmp_path):
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    config["site_dir"] = str(tmp_path / "site")
    config["plugins"] = ["search", {"lessons": {"root": str(SAMPLE), "today": "2026-11-27"}}]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    site = build(tmp_path, strict=True)
    assert [r.getMessage() for r in site.log if r.levelno >= logging.WARNING] == []
    records = Records(SAMPLE)
    cells = marks(site.article("dashboard/"), "lessons-term-quarter", ".lessons-heat__cell")
    drawn = {(c["data-category"], c["data-period"]): int(c["data-count"]) for c in cells if c["data-count"] != "0"}
    assert drawn == dict(records.heat_by_quarter())
    bars = marks(site.article("dashboard/"), "lessons-reporting", "rect[data-series]")
    assert {(b["data-series"], b["data-period"]): int(b["data-count"]) for b in bars} == dict(records.mix())

"""The learning programme (record format v1.1): sessions, indicators, learning activity, recognition.

Every figure the sample site shows is checked against counts computed here,
independently, from the YAML files (read with PyYAML, not the plugin's
reader); the rank correlation against hand-computed cases; broken sessions
and indicators give located errors, all in one run; `lessons new session`
and `lessons new indicator` write records that validate.
"""

from __future__ import annotations

import json
import shutil
import statistics
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import MINIMAL, SAMPLE, write_config, build
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.records import schema
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.analysis.programme import MIN_OVERLAP, ranks, spearman

TODAY = date(2026, 11, 27)


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _day(value) -> date:  # PyYAML reads dates as dates, timestamps as datetimes
    return value if type(value) is date else value.date()


def _records(folder: str) -> list[dict]:
    return [yaml.safe_load(f.read_text("utf-8")) for f in sorted((SAMPLE / folder).glob("*.yaml"))]


@pytest.fixture(scope="module")
def sample_yaml() -> dict:
    incidents = [i for i in _records("incidents") if i["status"] != "draft"]
    return {"incidents": incidents, "sessions": _records("sessions"), "indicators": _records("indicators"), "teams": yaml.safe_load((SAMPLE / "taxonomy/teams.yaml").read_text())["teams"]}


# -- every figure against the YAML -------------------------------------------------------------


def _expected_activity(data: dict) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(lambda: Counter())
    days: dict[str, list[int]] = defaultdict(list)
    for incident in data["incidents"]:
        occurred = _day(incident["occurred"])
        if incident["kind"] == "near-miss":
            out[_quarter(occurred)]["near_misses"] += 1
        if incident["kind"] in ("incident", "near-miss"):
            out[_quarter(occurred)]["failures"] += 1
        review = incident.get("review") or {}
        if review.get("date") and review["date"] <= TODAY:
            q = _quarter(review["date"])
            out[q]["reviews_held"] += 1
            out[q]["buddies"] += len(review.get("learning_buddies") or [])
            resolved = _day(incident["resolved"]) if incident.get("resolved") else occurred
            days[q].append(max((review["date"] - resolved).days, 0))
    for session in data["sessions"]:
        if session["date"] > TODAY:
            continue
        q = _quarter(session["date"])
        host = session.get("host") or session["teams"][0]
        out[q]["sessions"] += 1
        out[q]["cross_functional"] += len(session.get("roles") or []) >= 3
        out[q]["visiting_teams"] += sum(1 for t in session["teams"] if t != host)
        out[q]["buddies"] += len(session.get("buddies") or [])
        out[q]["takeaways"] += sum(1 for b in session.get("buddies") or [] if b.get("takeaway"))
        out[q]["external"] += len(session.get("external") or [])
    for q, values in days.items():
        out[q]["median_days"] = statistics.median(values)
    return out


def test_learning_activity_matches_the_yaml(sample_site, sample_yaml) -> None:
    expected = _expected_activity(sample_yaml)
    metrics = json.loads((sample_site.site_dir / "metrics.json").read_text("utf-8"))
    quarters = {q["quarter"]: q for q in metrics["learning"]["learning_activity"]["quarters"]}
    assert set(expected) <= set(quarters)
    for name, q in quarters.items():
        want = expected.get(name, Counter())
        for field in ("reviews_held", "sessions", "cross_functional", "visiting_teams", "buddies", "takeaways", "external", "near_misses", "failures"):
            assert q[field] == want[field], (name, field)
        assert q["days_to_review"]["median"] == want.get("median_days"), name
        assert q["cross_functional_share"] == (round(want["cross_functional"] / want["sessions"], 3) if want["sessions"] else None)
    held = sum(1 for s in sample_yaml["sessions"] if s["date"] <= TODAY)
    assert metrics["learning"]["learning_activity"]["sessions_held"] == held == 25
    assert metrics["learning"]["learning_activity"]["sessions_planned"] == len(sample_yaml["sessions"]) - held == 1
    assert "spearman" in metrics["learning_definitions"] and "not causation" in metrics["learning_definitions"]["spearman"]

    # The dashboard's table shows the same figures, row by row.
    article = sample_site.article("dashboard/")
    table = article.find(id="learning-activity").find_next("div", class_="lessons-learning-table").find("table")
    rows = {tr.find_all("td")[0].get_text(): [td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")}
    for name, want in expected.items():
        cells = rows[name]
        assert int(cells[1]) == want["reviews_held"] and int(cells[3]) == want["sessions"], name
        assert int(cells[5]) == want["visiting_teams"] and cells[6] == f"{want['buddies']} / {want['takeaways']}", name
        assert int(cells[7]) == want["external"] and int(cells[8]) == want["near_misses"], name
    # The chart carries the same counts.
    chart = article.find(id="lessons-learning-activity")
    for bar in chart.select("rect[data-series='sessions']"):
        assert int(bar["data-count"]) == expected[bar["data-period"]]["sessions"]


def test_indicator_quarters_and_correlations_match_the_yaml(sample_site, sample_yaml) -> None:
    metrics = json.loads((sample_site.site_dir / "metrics.json").read_text("utf-8"))["learning"]
    activity = {q["quarter"]: q for q in metrics["learning_activity"]["quarters"]}
    complete = [q for q in activity if q <= "2026-Q3"]  # today is 2026-11-27
    for indicator in sample_yaml["indicators"]:
        by_quarter: dict[str, list[float]] = defaultdict(list)
        for v in indicator["values"]:
            period = str(v["period"])
            q = period if "Q" in period else f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"
            by_quarter[q].append(v["value"])
        want = {q: round(sum(vs) / len(vs), 4) for q, vs in by_quarter.items()}
        assert metrics["indicators"][indicator["id"]]["quarters"] == dict(sorted(want.items()))
        for against in ("failures", "sessions"):
            found = next(c for c in metrics["correlations"] if c["indicator"] == indicator["id"] and c["against"] == against)
            overlap = [q for q in complete if q in want]
            assert found["n"] == len(overlap) and found["quarters"] == overlap
            xs = [want[q] for q in overlap]
            ys = [activity[q][against] for q in overlap]
            assert found["rho"] == round(statistics.correlation(_average_ranks(xs), _average_ranks(ys)), 3)
    # The dashboard's table: each indicator per quarter beside failures and learning, as computed here.
    article = sample_site.article("dashboard/")
    table = article.find(id="indicators-beside-failures-and-learning").find_next("div", class_="lessons-learning-table").find("table")
    header = [th.get_text() for th in table.find("thead").find_all("th")]
    expected_yaml = _expected_activity(sample_yaml)
    for tr in table.find("tbody").find_all("tr"):
        cells = dict(zip(header, (td.get_text() for td in tr.find_all("td"))))
        quarter = cells["Quarter"].split()[0]
        want = expected_yaml.get(quarter, Counter())
        assert (int(cells["Failures"]), int(cells["Reviews held"]), int(cells["Sessions"]), int(cells["Near misses"])) == (
            want["failures"], want["reviews_held"], want["sessions"], want["near_misses"]), quarter
        for indicator in sample_yaml["indicators"]:
            shown = cells[f"{indicator['title']} ({indicator['kind']})"]
            value = metrics["indicators"][indicator["id"]]["quarters"].get(quarter)
            assert shown == ("–" if value is None else f"{round(value, 2):.2f}".rstrip("0").rstrip(".")), (quarter, indicator["id"])
    text = sample_site.text("dashboard/")
    assert "Correlation is not causation" in text and "n = 15 quarters" in text
    assert "1 − 6 Σd² / (n(n² − 1))" in text


def _average_ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing the mean of their positions (worked out here, not with the plugin's `ranks`)."""
    ordered = sorted(values)
    return [sum(i + 1 for i, v in enumerate(ordered) if v == value) / ordered.count(value) for value in values]


def test_checklist_adherence_matches_the_yaml(sample_site, sample_yaml) -> None:
    expected: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for incident in sample_yaml["incidents"]:
        q = _quarter(_day(incident["occurred"]))
        for sop_id, relation in {(s["ref"].split("@")[0], s["relation"]) for s in incident.get("sops") or []}:
            if relation in ("followed", "violated", "missing"):
                expected[sop_id][q][relation] += 1
    metrics = json.loads((sample_site.site_dir / "metrics.json").read_text("utf-8"))["learning"]["checklist_adherence"]["by_sop"]
    assert set(metrics) == set(expected)
    for sop_id, quarters in expected.items():
        for q, counts in quarters.items():
            got = metrics[sop_id][q]
            assert (got["followed"], got["violated"], got["missing"]) == (counts["followed"], counts["violated"], counts["missing"]), (sop_id, q)
    # SOP-007's page shows its quarters: 2024-Q1 was violated (INC-2024-017).
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in sample_site.article("sops/SOP-007/").find(id="checklist-adherence").find_next("table").find("tbody").find_all("tr")]
    assert ["2024-Q1", "0", "1", "0", "0 %"] in rows
    assert len(rows) == len(expected["SOP-007"])


def test_team_learning_record_and_teams_that_learned(sample_site, sample_yaml) -> None:
    held = [s for s in sample_yaml["sessions"] if s["date"] <= TODAY]
    for team in sample_yaml["teams"]:
        hosted = sum(1 for s in held if (s.get("host") or s["teams"][0]) == team["id"])
        attended = sum(1 for s in held if team["id"] in s["teams"]) - hosted
        given = sum(1 for s in held if team["id"] in s["teams"] for b in s.get("buddies") or [] if b.get("takeaway") and b["team"] != team["id"])
        near = sum(1 for i in sample_yaml["incidents"] if i["kind"] == "near-miss" and team["id"] in i["teams"])
        table = sample_site.article(f"teams/{team['id']}/").find(id="learning-record").find_next("table")
        cells = {tr.find_all("td")[0].get_text(): tr.find_all("td")[1].get_text() for tr in table.find("tbody").find_all("tr")}
        assert int(cells["Learning sessions hosted"]) == hosted, team["id"]
        assert int(cells["Sessions of other teams attended"]) == attended, team["id"]
        assert int(cells["Takeaways given to other teams"]) == given, team["id"]
        assert int(cells["Near misses reported"]) == near, team["id"]
    article = sample_site.article("dashboard/")
    section = article.find(id="teams-that-learned-this-quarter")
    text = " ".join(section.find_next("ul").get_text(" ", strip=True).split())
    assert "2026-Q3" in section.find_next("p").get_text()
    # Named by what they did, never by failures, never ranked: team list order.
    for word in ("incident", "failure", "outage", "rank"):
        assert word not in text.lower(), word
    names = [li.find("strong").get_text() for li in section.find_next("ul").find_all("li")]
    order = [t["title"] for t in sample_yaml["teams"]]
    assert names == [n for n in order if n in names]


def test_sessions_pages_and_where_they_show(sample_site, sample_yaml) -> None:
    index = sample_site.article("sessions/")
    rows = index.select("table[data-lessons-sessions] tbody tr")
    assert len(rows) == len(sample_yaml["sessions"]) == 26
    dates = [tr.find("td").get_text() for tr in index.select("table[data-lessons-sessions]")[-1].select("tbody tr")]
    assert dates == sorted(dates, reverse=True)  # held: newest first
    assert {tr["data-kind"] for tr in rows} == {"review", "learning-session", "drill", "renewal"}
    assert sum(1 for s in sample_yaml["sessions"] if s["kind"] == "drill") == 2
    assert sum(1 for s in sample_yaml["sessions"] if s["kind"] == "renewal") == 1

    session = sample_site.text("sessions/2024-03-19-checkout-review/")
    for part in ("Who took part", "Payments (host)", "engineering, support, finance", "priya.nair", "Our pipeline config pushes need the same diff preview", "INC-2024-017: Checkout outage after an unreviewed config push", "Proposed SOP-007 v3"):
        assert part in session, part
    # An incident names the sessions that discussed it and what other teams took away.
    incident = sample_site.article("incidents/INC-2024-017/")
    section = incident.find(id="discussed-in-sessions")
    assert section is not None
    links = [a["href"] for a in section.find_next("ul").find_all("a")]
    assert any("sessions/2024-03-19-checkout-review/" in href for href in links)
    assert "Our pipeline config pushes need the same diff preview" in sample_site.text("incidents/INC-2024-017/")
    sop = sample_site.article("sops/SOP-007/")
    assert sop.find(id="discussed-in-sessions") is not None

    kb = json.loads((sample_site.site_dir / "kb.json").read_text("utf-8"))
    assert len(kb["sessions"]) == 26 and kb["sessions"][0]["url"] == "sessions/2026-12-10-peak-readiness/"
    assert sorted(i["id"] for i in kb["indicators"]) == sorted(i["id"] for i in sample_yaml["indicators"])
    feed = (sample_site.site_dir / "feed.xml").read_text("utf-8")
    assert "Learning session: what customers saw of the double charge" in feed
    assert "Learning session: peak readiness 2026" not in feed  # planned, not held
    for kind in ("session", "indicator"):
        assert json.loads((sample_site.site_dir / f"schemas/{kind}.schema.json").read_text("utf-8")) == schema.schema(kind)


def test_indicator_page_plots_its_series_with_incidents_marked(sample_site, sample_yaml) -> None:
    conversion = next(i for i in sample_yaml["indicators"] if i["id"] == "checkout-conversion")
    article = sample_site.article("indicators/checkout-conversion/")
    figure = article.find(id="lessons-indicator-checkout-conversion")
    points = figure.select("circle.lessons-point[data-period]")
    assert [(p["data-period"], float(p["data-value"])) for p in points] == [(str(v["period"]), v["value"]) for v in conversion["values"]]
    marked = {m["data-marker"] for m in figure.select("path.lessons-marker[data-marker]")}
    want = {i["id"] for i in sample_yaml["incidents"] if i["kind"] in ("incident", "near-miss") and set(i["teams"]) & {"payments", "shop-web"} and _day(i["occurred"]) >= date(2023, 1, 1)}
    assert marked == want
    assert figure.find("details").find("table") is not None  # Show data
    assert "Correlation is not causation" in sample_site.text("indicators/checkout-conversion/")
    assert len(sample_site.article("indicators/").select("tbody tr")) == 6


def test_lessons_stats_reports_learning_activity(capsys) -> None:
    assert cli.main(["stats", str(SAMPLE), "--today", "2026-11-27", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sessions"]["held"] == 25 and data["sessions"]["planned"] == 1 and data["sessions"]["drill"] == 2
    assert data["indicators"] == 6
    assert cli.main(["stats", str(SAMPLE), "--today", "2026-11-27"]) == 0
    assert "25 learning sessions held (review 12, learning-session 10, drill 2, renewal 1), 1 planned; 6 indicators" in capsys.readouterr().out


# -- the rank correlation --------------------------------------------------------------------


def test_spearman_against_hand_computed_cases() -> None:
    # No ties: d = ±1 for each of 8 pairs, Σd² = 8, rho = 1 − 6·8 / (8·63) = 1 − 48/504.
    assert spearman([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 4, 3, 6, 5, 8, 7]) == pytest.approx(1 - 48 / 504)
    # Ties: y ranks are 1, 2, 3.5, 5, 3.5; centred x ranks −2..2, y ranks −2, −1, .5, 2, .5:
    # covariance 8, variances 10 and 9.5, rho = 8 / sqrt(95).
    assert ranks([5, 6, 7, 8, 7]) == [1, 2, 3.5, 5, 3.5]
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / 95**0.5)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert spearman([1, 2, 3], [4, 4, 4]) is None  # a constant side has no order


def _indicator_kb(tmp_path: Path, quarters: int) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    (root / "indicators").mkdir()
    # From 2023-Q4, the quarter of the fixture's first incident: every quarter overlaps the failure series.
    values = "\n".join(f"  - {{period: {2023 + ((i + 3) // 4)}-Q{(i + 3) % 4 + 1}, value: {10 + i * (-1) ** i}}}" for i in range(quarters))
    (root / "indicators" / "uptime.yaml").write_text(f"id: uptime\ntitle: Uptime\nkind: lagging\nbetter: higher\nvalues:\n{values}\n", "utf-8")
    return root


@pytest.mark.parametrize("quarters, stated", [(MIN_OVERLAP - 1, False), (MIN_OVERLAP, True)])
def test_rho_is_stated_from_eight_overlapping_quarters(tmp_path: Path, quarters: int, stated: bool) -> None:
    root = _indicator_kb(tmp_path, quarters)
    project = tmp_path / "project"
    project.mkdir()
    write_config(project, root)
    site = build(project)
    text = site.text("dashboard/")
    metrics = json.loads((site.site_dir / "metrics.json").read_text("utf-8"))["learning"]
    found = [c for c in metrics["correlations"] if c["indicator"] == "uptime"]
    assert {c["n"] for c in found} == {quarters}
    by = {c["against"]: c for c in found}
    if stated:
        xs = [10 + i * (-1) ** i for i in range(quarters)]
        ys = [1, 1, 0, 0, 0, 0, 0, 0]  # failures per quarter of the minimal fixture, 2023-Q4 .. 2025-Q3 (INC-2025-001 is a draft)
        assert by["failures"]["rho"] == round(spearman(xs, ys), 3)
        assert f"Spearman's rho = {spearman(xs, ys):+.2f}, n = {quarters} quarters" in text
        # The fixture holds no session: a side that does not vary has no rank order, and none is stated.
        assert by["sessions"]["rho"] is None and "no rank correlation (one side does not vary)" in text
    else:
        assert all(c["rho"] is None for c in found)
        assert "Spearman's rho =" not in text and f"only {quarters} overlapping quarters" in text
    assert "Correlation is not causation" in text


# -- located errors -----------------------------------------------------------------------------

BROKEN_SESSION = """\
id: 2024-05-01-broken
title: Broken
kind: review
date: 2024-05-01
host: sre
teams: [payments, warehouse]
buddies:
  - person: a.b
    team: wharehouse
discussed: [INC-2024-999, SOP-007@9, SOP-999, INC-2024-017]
outcomes: [x]
"""

BROKEN_INDICATOR = """\
id: broken
title: Broken
kind: leading
teams: [paymnts]
values:
  - {period: 2024-01, value: 1}
  - {period: 2024-1, value: 2}
  - {period: 2024-01, value: 3}
  - {period: 2024-Q2, value: 4}
  - {period: 2204-02, value: 5}
"""


def test_broken_sessions_and_indicators_give_located_errors_in_one_run(tmp_path: Path, capsys) -> None:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    (root / "sessions").mkdir()
    (root / "indicators").mkdir()
    (root / "sessions" / "2024-05-01-broken.yaml").write_text(BROKEN_SESSION, "utf-8")
    (root / "indicators" / "broken.yaml").write_text(BROKEN_INDICATOR, "utf-8")
    assert cli.main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    expected = [
        "indicators/broken.yaml:4:9: [teams[0]] unknown team 'paymnts' (did you mean 'payments'?)",
        'indicators/broken.yaml:7:14: [values[1].period] "2024-1" is not a period: a month like 2024-01 or a quarter like 2024-Q1',
        "indicators/broken.yaml:8:14: [values[2].period] two values for period 2024-01 (the first is at line 6); keep one",
        "indicators/broken.yaml:9:14: [values[3].period] period 2024-Q2 is a quarter, but this series is in months (from 2024-01); one form per series",
        "indicators/broken.yaml:10:14: [values[4].period] 2204-02 is outside the date range",
        "sessions/2024-05-01-broken.yaml:5:7: [host] the host team 'sre' is not one of the session's teams (payments, warehouse)",
        "sessions/2024-05-01-broken.yaml:6:19: [teams[1]] unknown team 'warehouse'",
        "sessions/2024-05-01-broken.yaml:9:11: [buddies[0].team] unknown team 'wharehouse'",
        "sessions/2024-05-01-broken.yaml:10:13: [discussed[0]] unknown incident 'INC-2024-999'",
        "sessions/2024-05-01-broken.yaml:10:27: [discussed[1]] SOP-007 has no version 9",
        "sessions/2024-05-01-broken.yaml:10:38: [discussed[2]] unknown SOP 'SOP-999'",
    ]
    for line in expected:
        assert any(line in got for got in out.splitlines()), (line, out)
    assert "INC-2024-017" not in out  # the one good reference


def _period_cases() -> list[tuple[str, bool]]:
    """Periods from the schema's own pattern: every month and quarter of a year, and near misses of each form."""
    pattern = schema.schema("indicator")["$defs"]["period"]["pattern"]
    assert pattern == "^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$"
    good = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2024-Q{q}" for q in range(1, 5)]
    bad = ["2024-00", "2024-13", "2024-1", "2024-Q0", "2024-Q5", "2024Q1", "24-01", "2024-q1x", "2024-01-01", "2024-Q1\n"]
    return [(p, True) for p in good] + [(p, False) for p in bad]


@pytest.mark.parametrize("period, ok", _period_cases())
def test_periods_follow_the_schema(tmp_path: Path, period: str, ok: bool) -> None:
    root = _indicator_kb(tmp_path, 1)
    (root / "indicators" / "uptime.yaml").write_text(f"id: uptime\ntitle: Uptime\nkind: lagging\nvalues:\n  - period: {json.dumps(period)}\n    value: 1\n", "utf-8")
    found = [str(d) for d in open_knowledge_base(root, base=root, today=TODAY).diagnostics.errors]
    if ok:
        assert found == []
    else:
        assert found and found[0].startswith("indicators/uptime.yaml:5:") and "[values[0].period]" in found[0] and "is not a period" in found[0], found


def test_a_v1_knowledge_base_needs_neither_folder(tmp_path: Path) -> None:
    outcome = open_knowledge_base(MINIMAL, base=MINIMAL, today=TODAY)
    assert outcome.ok and outcome.kb.sessions == {} and outcome.kb.indicators == {}


# -- lessons new ------------------------------------------------------------------------------


def test_new_session_and_indicator_validate(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["new", "session", "--root", str(root), "--title", "Checkout review", "--team", "payments,sre", "--kind", "review", "--date", "2026-03-19", "--no-input"]) == 0
    assert cli.main(["new", "indicator", "--root", str(root), "--title", "Checkout conversion", "--kind", "lagging", "--period", "2026-02", "--value", "61.2", "--unit", "percent", "--better", "higher", "--team", "payments", "--no-input"]) == 0
    session = yaml.safe_load((root / "sessions" / "2026-03-19-checkout-review.yaml").read_text())
    assert session["teams"] == ["payments", "sre"] and session["kind"] == "review"
    indicator = yaml.safe_load((root / "indicators" / "checkout-conversion.yaml").read_text())
    assert indicator["values"] == [{"period": "2026-02", "value": 61.2}]
    assert open_knowledge_base(root, base=root, today=TODAY).ok
    capsys.readouterr()
    # The same again: the file exists, nothing is overwritten.
    assert cli.main(["new", "session", "--root", str(root), "--title", "Checkout review", "--team", "payments", "--date", "2026-03-19", "--no-input"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["new", "indicator", "--root", str(root), "--title", "Basket", "--no-input"]) == 2
    assert "needs --kind, --period and --value" in capsys.readouterr().err
    assert cli.main(["new", "indicator", "--root", str(root), "--title", "Basket", "--kind", "lagging", "--period", "2026-13", "--value", "1", "--no-input"]) == 2
    assert "not a period" in capsys.readouterr().err

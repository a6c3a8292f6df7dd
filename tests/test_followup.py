"""Follow-through (issue 23): check-ins with a next date, PDSA experiments, the timeline strip, the renewal agenda.

Real builds of small knowledge bases written in tmp_path (the minimal
fixture plus records written here), and of the sample; every count a page
shows is compared with one computed here from the records.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from mkdocs_lessons.cli.main import main
from mkdocs_lessons.knowledge import open_knowledge_base

from conftest import MINIMAL, SAMPLE

TODAY = date(2026, 11, 27)  # a Friday: this week began on Monday 2026-11-23
ATOM = "{http://www.w3.org/2005/Atom}"

ITEMS = """\
action_items:
  - id: A1
    action: Add a diff preview to the config tool.
    owner: dana.kim
    due: 2027-03-01
    status: in-progress
    indicator: Pushes with a reviewed diff (target 100%).
    next_check_in: 2026-11-17
    check_ins:
      - {date: 2026-10-01, note: Preview designed.}
  - id: A2
    action: Page on a full log volume at 80%.
    owner: dana.kim
    due: 2026-12-01
    status: open
    indicator: Alerts before the volume is full (target 100%).
    next_check_in: 2026-11-26
  - id: A3
    action: Move the export to a replica.
    owner: lee.wong
    due: 2026-12-20
    status: open
    indicator: Log written on the primary at night (target under 20 GB).
    next_check_in: 2026-12-04
  - id: A4
    action: Grow the volume.
    owner: lee.wong
    status: done
    closed: 2026-10-02
    next_check_in: 2026-10-01
    indicator: Free space at peak (target 50%).
    pdsa:
      stage: study
      hypothesis: A bigger volume buys a week of warning.
      result: 9 days between 70% and full in the October peak (was 1).
  - id: A5
    action: Try batching the nightly export.
    owner: lee.wong
    due: 2027-01-15
    status: open
    indicator: Log per batch (target under 2 GB).
    pdsa: do
"""


def make_kb(tmp_path: Path, actions: str = ITEMS) -> Path:
    """The minimal fixture with INC-2024-017's action items replaced by `actions` (text edits: the record stays as written)."""
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    path = root / "incidents" / "INC-2024-017.yaml"
    lines = path.read_text("utf-8").split("\n")
    out, skipping = [], False
    for line in lines:
        if line.startswith("action_items:"):
            skipping = True
            continue
        if skipping and line and not line.startswith(" "):
            skipping = False
        if not skipping:
            out.append(line)
        if line.startswith("teams:"):
            out.append("systems: [confctl, checkout]")
    path.write_text("\n".join(out).rstrip("\n") + "\n" + textwrap.dedent(actions), "utf-8")
    return root


def open_items(root: Path) -> list[dict]:
    data = yaml.safe_load((root / "incidents" / "INC-2024-017.yaml").read_text("utf-8"))
    return [a for a in data["action_items"] if a["status"] in ("open", "in-progress")]


def test_check_ins_overdue_are_marked_listed_first_and_counted(tmp_path: Path, build_kb, capsys) -> None:
    root = make_kb(tmp_path)
    late = sorted(((TODAY - date.fromisoformat(str(a["next_check_in"]))).days, a["id"]) for a in open_items(root) if "next_check_in" in a and date.fromisoformat(str(a["next_check_in"])) < TODAY)
    late.sort(key=lambda x: -x[0])
    assert late == [(10, "A1"), (1, "A2")]  # the done item's past check-in does not count
    site = build_kb(root, today=TODAY.isoformat())

    incident = " ".join(site.article("incidents/INC-2024-017/").get_text(" ").split())
    assert "Next: 2026-11-17 check-in overdue 10 d" in incident and "Next: 2026-11-26 check-in overdue 1 d" in incident
    assert "Next: 2026-12-04" in incident and "Next: 2026-12-04 check-in overdue" not in incident
    assert "Systems confctl , checkout" in incident

    backlog = site.article("actions/")
    heading = next(h for h in backlog.find_all("h2") if "Check-ins overdue" in h.get_text())
    rows = heading.find_next("table").select("tbody tr")
    assert [(r.find_all("td")[0].get_text(strip=True), r.find_all("td")[-1].get_text(" ", strip=True)) for r in rows] == [(f"{d} d", f"INC-2024-017 · {i}") for d, i in late]
    dana = backlog.find(id="owner-dana-kim").find_all("td")
    assert dana[-1].get_text() == "2"
    # On the owner's page the overdue check-ins come first, although A2 is due before A1 (due order would put A2 first).
    owner = site.article("actions/owner/dana-kim/")
    assert [r.find_all("td")[3].get_text(" ", strip=True) for r in owner.select("tbody tr")] == ["INC-2024-017 · A1", "INC-2024-017 · A2"]

    assert main(["stats", str(root), "--today", TODAY.isoformat(), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(c["action"], c["days_late"], c["check_in"]) for c in data["overdue_check_ins"]] == [("A1", 10, "2026-11-17"), ("A2", 1, "2026-11-26")]
    assert main(["stats", str(root), "--today", TODAY.isoformat()]) == 0
    text = capsys.readouterr().out
    assert "2 check-ins overdue (next_check_in passed on an open item)" in text and "check-in 2026-11-17  10 d overdue" in text

    # The feed reminds the owner of the check-in that fell due this week (Monday 23 to Friday 27), not of last week's.
    feed = ET.parse(site.site_dir / "feed.xml").getroot()
    reminders = [e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}title").text.startswith("Check-in due")]
    monday = TODAY - timedelta(days=TODAY.weekday())
    this_week = [a for a in open_items(root) if "next_check_in" in a and monday <= date.fromisoformat(str(a["next_check_in"])) <= TODAY]
    assert [e.find(f"{ATOM}title").text for e in reminders] == [f"Check-in due: INC-2024-017 {a['id']} ({a['owner']})" for a in this_week]
    assert reminders[0].find(f"{ATOM}updated").text == "2026-11-26T00:00:00Z"
    assert reminders[0].find(f"{ATOM}link").get("href") == "incidents/INC-2024-017/"
    ids = [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))


def test_experiments_show_what_is_tried_and_what_it_showed(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path)
    site = build_kb(root, today=TODAY.isoformat())
    incident = site.article("incidents/INC-2024-017/")
    heading = next(h for h in incident.find_all("h2") if "Experiments" in h.get_text())
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in heading.find_next("table").select("tbody tr")]
    assert rows == [["PDSA: Study", "A4", "Grow the volume.", "A bigger volume buys a week of warning.", "9 days between 70% and full in the October peak (was 1)."]]
    # The short form is a stage, not an experiment: a badge on the item only.
    assert "PDSA: Do" in incident.get_text(" ") and len(rows) == 1
    backlog = site.article("actions/")
    heading = next(h for h in backlog.find_all("h2") if "Experiments" in h.get_text())
    assert [tr.find_all("td")[1].get_text(" ", strip=True) for tr in heading.find_next("table").select("tbody tr")] == ["INC-2024-017 · A4"]


@pytest.mark.parametrize(
    ("pdsa", "expected"),
    [
        ("    pdsa: {stage: studied}\n", "[action_items[0].pdsa.stage]"),
        ("    pdsa: {hypothesis: It works.}\n", "[action_items[0].pdsa.stage] missing required field 'stage'"),
        ("    pdsa: {stage: do, hypthesis: It works.}\n", "[action_items[0].pdsa.hypthesis] unknown field 'hypthesis' (did you mean 'hypothesis'?)"),
        ("    next_check_in: 2026-13-01\n", "[action_items[0].next_check_in]"),
    ],
)
def test_a_bad_pdsa_or_check_in_date_is_a_located_error(tmp_path: Path, capsys, pdsa: str, expected: str) -> None:
    actions = "action_items:\n  - id: A1\n    action: Try it.\n    status: open\n" + pdsa
    root = make_kb(tmp_path, actions)
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if "INC-2024-017.yaml" in l)
    assert expected in line, out
    assert line.split(":")[1].isdigit() and line.split(":")[2].isdigit()


def test_the_timeline_strip_draws_every_event_and_decision(sample_site) -> None:
    for path in sorted((SAMPLE / "incidents").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        if data["status"] == "draft":
            continue
        article = sample_site.article(f"incidents/{data['id']}/")
        figure = article.find("figure", id=f"timeline-{data['id']}")
        if not data.get("timeline"):
            assert figure is None
            continue
        svg = figure.find("svg")
        assert svg["role"] == "img" and svg.find("title").get_text() == f"Timeline of {data['id']}"
        assert len(svg.select('[data-kind="event"]')) == len(data["timeline"])
        assert len(svg.select('[data-kind="decision"]')) == sum(1 for d in data.get("decisions", []) if d.get("at"))
        assert len(svg.select('[data-kind="assumption"]')) == sum(1 for a in data.get("assumptions", []) if a.get("held") is False)
        if data.get("detected"):
            from datetime import datetime

            minutes = (datetime.fromisoformat(str(data["detected"]).replace("Z", "+00:00")) - datetime.fromisoformat(str(data["occurred"]).replace("Z", "+00:00"))).total_seconds() // 60
            assert svg.select_one('[data-phase="undetected"]')["data-minutes"] == str(int(minutes))
        table = figure.find("details").find("table")
        assert figure.find("details").find("summary").get_text() == "Show data"
        phases = sum(1 for k in ("occurred", "detected", "resolved") if data.get(k))
        failed = sum(1 for a in data.get("assumptions", []) if a.get("held") is False)
        assert len(table.select("tbody tr")) == len(data["timeline"]) + sum(1 for d in data.get("decisions", []) if d.get("at")) + phases + failed


def test_the_renewal_agenda_holds_a_meeting(sample_site) -> None:
    article = sample_site.article("renewal/")
    text = " ".join(article.get_text(" ").split())
    kb_taxonomy = yaml.safe_load((SAMPLE / "taxonomy" / "taxonomy.yaml").read_text("utf-8"))
    # "Since" is the last renewal session held (content/sessions/), else the taxonomy's last update.
    sessions = [yaml.safe_load(p.read_text("utf-8")) for p in sorted((SAMPLE / "sessions").glob("*.yaml"))]
    renewals = sorted((date.fromisoformat(str(s["date"])), s["id"]) for s in sessions if s["kind"] == "renewal" and date.fromisoformat(str(s["date"])) <= TODAY)
    if renewals:
        since, why = renewals[-1][0].isoformat(), f"the renewal session {renewals[-1][1]}"
    else:
        since, why = str(kb_taxonomy["updated"]), "the taxonomy's last update; no renewal session is recorded"
    assert f"Agenda of {TODAY.isoformat()} , covering what happened since {since} ({why})" in text
    # Terms unused for a year, counted here from the records.
    incidents = [yaml.safe_load(p.read_text("utf-8")) for p in sorted((SAMPLE / "incidents").glob("*.yaml"))]
    recent = [i for i in incidents if i["status"] != "draft" and i["kind"] != "success" and TODAY - timedelta(days=365) < date.fromisoformat(str(i["occurred"])[:10]) <= TODAY]
    used = set()
    for i in recent:
        for term in [i["classification"]["primary"], *i["classification"].get("secondary", [])]:
            parts = term.split("/")
            used |= {"/".join(parts[: k + 1]) for k in range(len(parts))}

    def paths(terms, parent=""):
        for t in terms:
            path = f"{parent}{t['id']}"
            yield path
            yield from paths(t.get("children", []), path + "/")

    unused = [p for p in paths(kb_taxonomy["terms"]) if p not in used]
    heading = next(h for h in article.find_all("h2") if "unused for a year" in h.get_text())
    links = [a["href"] for a in heading.find_next("table").select("tbody tr td:first-child a")]
    assert [h.strip("./").removeprefix("taxonomy/") for h in links] == unused
    # Recurrences since: those whose later failure occurred on or after `since`.
    heading = next(h for h in article.find_all("h2") if "Open loops and recurrences since" in h.get_text())
    table = heading.find_next("table")
    laters = [tr.find("td").find("a")["href"].strip("./").removeprefix("incidents/") for tr in table.select("tbody tr")]
    assert laters and all(date.fromisoformat(str(next(i for i in incidents if i["id"] == l)["occurred"])[:10]) >= date.fromisoformat(since) for l in laters)
    questions = article.select("ol.lessons-renewal__questions li")
    assert len(questions) >= len(unused) + len(laters) + 3
    assert questions[-1].get_text().startswith("Who records this session")
    # Dated and printable: navigation hidden, linked from the dashboard.
    assert sample_site.soup("renewal/").find("nav", class_="md-nav--primary") is None or "hidden" in str(sample_site.soup("renewal/").find("div", class_="md-sidebar--primary"))
    assert sample_site.article("dashboard/").find("a", href="../renewal/") is not None


def test_every_sop_page_maps_its_current_version_and_marks_what_changed(sample_site) -> None:
    for path in sorted((SAMPLE / "sops").glob("*.yaml")):
        sop = yaml.safe_load(path.read_text("utf-8"))
        current = next((v for v in sop["versions"] if v["status"] == "approved"), None)
        figure = sample_site.article(f"sops/{sop['id']}/").find("figure", id=f"process-{sop['id']}")
        if current is None:
            assert figure is None
            continue
        earlier = [v for v in sop["versions"] if v["version"] < current["version"]]
        before = max(earlier, key=lambda v: v["version"]) if earlier else None
        steps = figure.select("svg [data-step]")
        assert [s.find("title").get_text().split(": ", 1)[1].removesuffix(f" (new or changed since v{before['version'] if before else 0})") for s in steps] == [
            " ".join(t.replace("`", "").split()) for t in current["steps"]
        ]
        expected = [bool(before) and step not in before["steps"] for step in current["steps"]]
        assert [s["data-changed"] == "true" for s in steps] == expected, sop["id"]
        criteria = figure.select("svg [data-criterion]")
        assert len(criteria) == len(current.get("decision_criteria", []))
        old = {(c["when"], c["then"]) for c in (before or {}).get("decision_criteria", [])}
        assert [c["data-changed"] == "true" for c in criteria] == [bool(before) and (c["when"], c["then"]) not in old for c in current.get("decision_criteria", [])]
        assert len(figure.select("details tbody tr")) == len(steps) + len(criteria)
        # The legend says what the marked boxes mean, whenever there is a version to compare with.
        legends = [t.get_text() for t in figure.select("svg text.lessons-chart__legend")]
        assert legends == ([f"new or changed since v{before['version']}"] if before else []), sop["id"]


# -- did the fix work? (indicator_ref) ---------------------------------------------------------

CONVERSION = {
    "id": "checkout-conversion",
    "title": "Checkout conversion",
    "unit": "percent",
    "better": "higher",
    "values": [{"period": f"2024-{m:02d}", "value": v} for m, v in zip(range(1, 13), [60, 61, 59, 60, 62, 58, 59, 64, 65, 63, 66, 64])],
}


def test_before_and_after_an_indicator_around_the_closed_date() -> None:
    from mkdocs_lessons.analysis.fix_effect import fix_effect

    effect = fix_effect(CONVERSION, date(2024, 7, 20))  # done in July: July joins both lines, counted in neither
    values = {v["period"]: v["value"] for v in CONVERSION["values"]}
    before = [values[f"2024-{m:02d}"] for m in range(1, 7)]
    after = [values[f"2024-{m:02d}"] for m in range(8, 13)]
    assert (effect.before, effect.after) == (before, after)
    assert effect.change == pytest.approx(sum(after) / len(after) - sum(before) / len(before))
    assert effect.verdict == "better"
    assert fix_effect({**CONVERSION, "better": "lower"}, date(2024, 7, 20)).verdict == "worse"
    quarterly = {"id": "q", "values": [{"period": "2024-Q1", "value": 4}, {"period": "2024-Q3", "value": 1}]}
    assert (fix_effect(quarterly, date(2024, 5, 1)).before, fix_effect(quarterly, date(2024, 5, 1)).after) == ([4.0], [1.0])
    assert fix_effect({"id": "empty", "values": []}, date(2024, 5, 1)) is None


def test_the_incident_page_draws_the_named_indicator(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    from mkdocs_lessons.pages.site import make_context
    from mkdocs_lessons.pages.incidents.followup import fix_effect_views

    actions = ITEMS.replace("    pdsa:\n      stage: study", "    indicator_ref: checkout-conversion\n    pdsa:\n      stage: study").replace("closed: 2026-10-02", "closed: 2024-07-20")
    root = make_kb(tmp_path, actions)
    (root / "indicators").mkdir()
    (root / "indicators" / "checkout-conversion.yaml").write_text(yaml.safe_dump({**CONVERSION, "kind": "lagging"}, sort_keys=False), "utf-8")
    kb = open_knowledge_base(root, today=TODAY).kb
    assert kb is not None
    ctx = make_context(kb, today=TODAY)
    incident = kb.incidents["INC-2024-017"]
    views = fix_effect_views(ctx, "incidents/INC-2024-017/index.md", incident, {"checkout-conversion": CONVERSION})
    views += fix_effect_views(ctx, "incidents/INC-2024-017/index.md", incident, {})  # an indicator the page cannot find
    assert [v["head"].striptags() for v in views] == ["A4 · checkout-conversion", "A4 · checkout-conversion"]
    chart = BeautifulSoup(str(views[0]["chart"]), "html.parser")
    assert chart.find("svg")["role"] == "img" and chart.find("summary").get_text() == "Show data"
    assert len(chart.select("tbody tr")) == 12 - 6 + 1 + 5  # six before, the change's month, five after (December is the last)
    sentence = views[0]["sentence"].striptags()
    assert sentence == "Mean before 60 percent (n = 6); after 64.4 percent (n = 5): change +4.4 percent, better (higher is better). Done on 2024-07-20."
    assert views[1]["chart"] is None and "No indicator" in views[1]["sentence"]


def test_an_unknown_indicator_ref_is_a_located_error_once_indicators_are_read(tmp_path: Path) -> None:
    from mkdocs_lessons.checks.rules import _check_indicator_refs
    from mkdocs_lessons.diagnostics import Diagnostics
    from mkdocs_lessons.records.load import load

    actions = "action_items:\n  - id: A1\n    action: Try it.\n    status: open\n    indicator_ref: checkout-conversoin\n"
    root = make_kb(tmp_path, actions)
    result = load(root)
    diags = Diagnostics()
    _check_indicator_refs(result, diags)  # this knowledge base has no indicators at all
    [found] = [str(d) for d in diags]
    assert found.endswith("[action_items[0].indicator_ref] unknown indicator 'checkout-conversoin' (the knowledge base has no indicators)"), found
    diags = Diagnostics()

    class WithIndicators:
        def __init__(self, inner):
            self.inner, self.indicators = inner, {"checkout-conversion": CONVERSION}

        def __getattr__(self, name):
            return getattr(self.inner, name)

    _check_indicator_refs(WithIndicators(result), diags)
    [found] = [str(d) for d in diags]
    assert found.endswith("[action_items[0].indicator_ref] unknown indicator 'checkout-conversoin' (did you mean 'checkout-conversion'?)"), found
    assert found.split(":")[1] == str(next(i for i, l in enumerate((root / "incidents" / "INC-2024-017.yaml").read_text("utf-8").split("\n"), 1) if "indicator_ref" in l))


def test_metrics_json_counts_the_follow_through(tmp_path: Path, build_kb) -> None:
    root = make_kb(tmp_path)
    site = build_kb(root, today=TODAY.isoformat())
    data = json.loads((site.site_dir / "metrics.json").read_text("utf-8"))["follow_through"]
    items = open_items(root)
    scheduled = [a for a in items if "next_check_in" in a]
    late = [a for a in scheduled if date.fromisoformat(str(a["next_check_in"])) < TODAY]
    assert (data["check_ins_scheduled"], data["check_ins_overdue"], data["experiments"]) == (len(scheduled), len(late), 1)
    assert data["check_ins_overdue_items"] == ["INC-2024-017 A1", "INC-2024-017 A2"]


def test_lessons_new_guides_to_every_v1_1_field_and_the_examples_validate(tmp_path: Path, monkeypatch, capsys) -> None:
    """Uncommenting every example of `lessons new incident`, nested ones included, gives a valid record with the v1.1 fields."""
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    monkeypatch.chdir(tmp_path)
    args = ["new", "incident", "--root", "kb", "--no-input", "--title", "Checkout outage", "--team", "sre", "--severity", "SEV2"]
    args += ["--occurred", "2026-03-14T09:12:00Z", "--term", "process-deviation/skipped-review", "--summary", "Checkout failed."]
    assert main(args) == 0
    capsys.readouterr()
    path = root / "incidents" / "INC-2026-001.yaml"
    from test_cli import uncomment_examples

    from mkdocs_lessons.records import schema

    keys = [k for k in schema.schema("incident")["properties"] if k != "severity"]
    lines = []
    for line in uncomment_examples(path.read_text("utf-8"), keys).split("\n"):
        # The action item's own optional fields stay commented one level in ("    # pdsa:"): uncomment them too.
        if line.startswith("    # ") and (re.match(r"[a-z_]+:", line[6:]) or line[6:].startswith("  ")):
            line = "    " + line[6:]
        lines.append(line)
    text = "\n".join(lines).replace("status: draft", "status: reviewed").replace("  # secondary:", "  secondary:")
    path.write_text(text, "utf-8")
    data = yaml.safe_load(text)
    item = data["action_items"][0]
    assert data["systems"] == ["orders-db", "checkout-api"]
    assert item["pdsa"]["stage"] == "plan" and item["pdsa"]["hypothesis"] and item["pdsa"]["result"]
    assert str(item["next_check_in"]) == "2026-05-15"
    assert main(["validate", "kb"]) == 0, capsys.readouterr().out


def test_the_last_renewal_session_sets_since() -> None:
    """Once the knowledge base has learning sessions (v1.1), the latest of kind renewal up to today sets "since"."""
    from types import SimpleNamespace

    from mkdocs_lessons.analysis.renewal import _since

    kb = open_knowledge_base(SAMPLE, today=TODAY).kb
    sessions = {
        "2025-03-01-renewal": SimpleNamespace(id="2025-03-01-renewal", kind="renewal", date=date(2025, 3, 1)),
        "2026-02-10-renewal": SimpleNamespace(id="2026-02-10-renewal", kind="renewal", date=date(2026, 2, 10)),
        "2026-06-01-review": SimpleNamespace(id="2026-06-01-review", kind="review", date=date(2026, 6, 1)),
        "2027-01-05-renewal": SimpleNamespace(id="2027-01-05-renewal", kind="renewal", date=date(2027, 1, 5)),  # planned, not held yet
    }
    with_sessions = SimpleNamespace(taxonomy=kb.taxonomy, sessions=sessions)
    assert _since(with_sessions, TODAY) == (date(2026, 2, 10), "the renewal session 2026-02-10-renewal")
    without_sessions = SimpleNamespace(taxonomy=kb.taxonomy, sessions={})
    assert _since(without_sessions, TODAY) == (kb.taxonomy.updated, "the taxonomy's last update; no renewal session is recorded")
    assert _since(SimpleNamespace(taxonomy=SimpleNamespace(updated=None)), TODAY)[0] == TODAY - timedelta(days=365)

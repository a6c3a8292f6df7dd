"""Recurrence you can defend (issue 23): labelled pairs, precision and recall, why each pair was flagged.

Two labelled sets: the sample knowledge base (`content/`, labels in
`fixtures/recurrence/sample_labels.yaml`) and a second one written
independently to the same contract (`fixtures/recurrence/second_set.yaml`:
no `systems`, done items without `closed`). Every flagged pair must be
labelled, so precision is measured, not assumed; the README's figures are
the ones measured here.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from mkdocs_lessons.analysis.derive import Analysis
from mkdocs_lessons.cli.main import main
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.analysis.recurrence import CAUSE_AND_SYSTEM, TEAM_AND_SIMILARITY

from conftest import FIXTURES, REPO, SAMPLE

LABELS = FIXTURES / "recurrence"
TODAY = date(2026, 11, 27)


def flagged(root: Path) -> tuple[Analysis, dict[tuple[str, str], object]]:
    kb = open_knowledge_base(root, today=TODAY).kb
    analysis = Analysis(kb, today=TODAY)
    return analysis, {(r.earlier, r.later): r for r in analysis.loop.recurrences.all}


def precision_recall(found: set, true: set) -> tuple[float, float]:
    hits = len(found & true)
    return hits / len(found) if found else 1.0, hits / len(true) if true else 1.0


def sample_labels() -> tuple[set, set]:
    data = yaml.safe_load((LABELS / "sample_labels.yaml").read_text("utf-8"))
    return {tuple(x["pair"]) for x in data["recurrences"]}, {tuple(x["pair"]) for x in data["not_recurrences"]}


def test_the_sample_labels_are_at_least_eight_each_and_the_false_ones_are_hard():
    """Eight true recurrences and eight pairs that share a cause term after the fix but are not recurrences."""
    true, false = sample_labels()
    assert len(true) >= 8 and len(false) >= 8 and not true & false
    kb = open_knowledge_base(SAMPLE, today=TODAY).kb
    for earlier_id, later_id in true | false:
        earlier, later = kb.incidents[earlier_id], kb.incidents[later_id]
        done = [a.closed for a in earlier.action_items if a.status == "done" and a.closed]
        assert done and later.occurred.date() > min(done), (earlier_id, later_id)  # after a fix, both kinds of label
    for earlier_id, later_id in false:
        assert set(kb.incidents[earlier_id].terms) & set(kb.incidents[later_id].terms), (earlier_id, later_id)


def test_sample_precision_and_recall_are_measured_and_in_the_readme():
    true, false = sample_labels()
    _, pairs = flagged(SAMPLE)
    found = set(pairs)
    assert found <= true | false, f"flagged but not labelled: {sorted(found - true - false)}"
    precision, recall = precision_recall(found, true)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    readme = " ".join((REPO / "README.md").read_text("utf-8").split())
    line = f"on the sample: {len(found & true)} of {len(found)} flagged pairs are true recurrences (precision {precision:.2f}), {len(found & true)} of the {len(true)} labelled ones are found (recall {recall:.2f})"
    assert line in readme, line


def write_second_set(root: Path) -> dict:
    """The second set's records, written as a contributor would (no systems; done items often without closed)."""
    data = yaml.safe_load((LABELS / "second_set.yaml").read_text("utf-8"))
    (root / "taxonomy").mkdir(parents=True)
    (root / "incidents").mkdir()
    terms = [
        {"id": t["id"], "title": t["title"], "description": f"{t['title']}.", "children": [{**c, "description": f"{c['title']}."} for c in t["children"]]}
        for t in data["taxonomy"]
    ]
    (root / "taxonomy" / "taxonomy.yaml").write_text(yaml.safe_dump({"version": 1, "updated": "2024-01-01", "terms": terms}, sort_keys=False), "utf-8")
    (root / "taxonomy" / "teams.yaml").write_text(yaml.safe_dump({"teams": [{"id": t, "title": t.title()} for t in data["teams"]]}), "utf-8")
    for i in data["incidents"]:
        record = {
            "id": i["id"],
            "title": i["title"],
            "kind": i["kind"],
            "status": "reviewed",
            **({"severity": "SEV3"} if i["kind"] == "incident" else {}),
            "occurred": f"{i['occurred']}T09:00:00Z",
            "teams": i["teams"],
            "summary": i["summary"],
            "classification": {"primary": i["term"]},
            "root_cause": {"cause": "See the summary.", "contributing_factors": ["Nobody was watching."]},
            "lessons": ["Watch it."],
            "review": {"date": str(i["occurred"])},
        }
        if "done_due" in i or "done_closed" in i:
            item = {"id": "A1", "action": "Fix it for good.", "owner": "kim", "status": "done", "indicator": "Repeats in a year (target 0)."}
            if "done_due" in i:
                item["due"] = str(i["done_due"])  # done, no closed date: the fix is dated by its due date
            else:
                item["closed"] = str(i["done_closed"])
            record["action_items"] = [item]
        (root / "incidents" / f"{i['id']}.yaml").write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), "utf-8")
    return data


@pytest.fixture
def second_set(tmp_path: Path) -> tuple[Path, dict]:
    root = tmp_path / "larkspur"
    data = write_second_set(root)
    assert main(["validate", str(root)]) == 0
    return root, data


def test_a_second_differently_written_set_meets_the_same_bar(second_set):
    root, data = second_set
    true = {tuple(p) for p in data["labels"]["recurrences"]}
    false = {tuple(p) for p in data["labels"]["not_recurrences"]}
    _, pairs = flagged(root)
    found = set(pairs)
    assert found <= true | false, f"flagged but not labelled: {sorted(found - true - false)}"
    precision, recall = precision_recall(found, true)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, sorted(true - found), sorted(found - true))
    # Without systems, every pair is flagged by team and similarity, and says so.
    assert {r.rule for r in pairs.values()} == {TEAM_AND_SIMILARITY}
    # The case: a near miss years later, same primary term and team, the fix done without a closed date.
    r = pairs[("INC-2021-001", "INC-2023-004")]
    assert (str(r.done_on), r.estimated) == ("2021-02-20", "due")


def test_estimated_dates_and_reasons_on_the_pages_and_the_new_lint(second_set, build_kb, capsys):
    root, _ = second_set
    site = build_kb(root)
    later = " ".join(site.article("incidents/INC-2023-004/").get_text(" ").split())
    assert "This may be a recurrence of earlier failures" in later
    assert "its action A1 was done on 2021-02-20 (date estimated: no closed date, its due date taken)" in later
    assert re.search(r"Flagged for a shared team \( Platform \) and a similarity of \d+\.\d \(at least 14\)", later), later
    dashboard = " ".join(site.text("dashboard/").split())
    assert "Why flagged" in dashboard and "date estimated" in dashboard
    # LL008 asks for the closed date, located at the item's status.
    code = main(["lint", str(root), "--format", "json"])
    found = [d for d in __import__("json").loads(capsys.readouterr().out) if d["rule"] == "LL008"]
    assert code == 1
    due_only = sorted(p.stem for p in (root / "incidents").glob("*.yaml") if "due:" in p.read_text("utf-8"))
    assert sorted(Path(d["file"]).stem for d in found) == due_only
    assert all(d["field"] == "action_items[0].status" and "has no closed date" in d["message"] for d in found)


def test_sample_pages_say_why_and_the_dashboard_rate_is_the_labelled_count(sample_site):
    _, pairs = flagged(SAMPLE)
    page = " ".join(sample_site.article("incidents/INC-2023-036/").get_text(" ").split())
    assert "INC-2023-012: Order database log volume filled and stalled writes for 14 minutes : its action A2 was done on 2023-03-10. Flagged for the same cause ( Capacity limit › Resource exhaustion ) in the same system ( orders-db )" in page
    assert all(r.rule == CAUSE_AND_SYSTEM for r in pairs.values())
    # INC-2023-012 no longer lists the search cluster (the misfire), and 036 is linked to it.
    earlier = sample_site.article("incidents/INC-2023-012/")
    recurrence = next(h for h in earlier.find_all("h2") if "Possible recurrence" in h.get_text()).find_next("ul")
    assert recurrence.find("a", href="../INC-2023-036/") is not None and recurrence.find("a", href="../INC-2026-058/") is None
    # The rate, counted here from the records: failures with a dated done item, and those followed by a flagged pair.
    kb = open_knowledge_base(SAMPLE, today=TODAY).kb
    failures = [i for i in kb.published_incidents if i.kind in ("incident", "near-miss")]
    n = sum(1 for i in failures if any(a.status == "done" and (a.closed or a.due or (i.review and i.review.date)) for a in i.action_items))
    recurred = len({e for e, _ in pairs})
    dashboard = " ".join(sample_site.text("dashboard/").split())
    assert f"failures followed by a possible recurrence ÷ failures with a done action item: {recurred} of {n}" in dashboard


def test_a_done_item_without_a_closed_date_says_its_date_is_estimated(sample_site):
    row = next(tr for tr in sample_site.article("incidents/INC-2026-070/").select("tbody tr") if tr.find("td") and tr.find("td").get_text() == "A1")
    assert "no closed date (date estimated: due date 2026-11-27)" in " ".join(row.get_text(" ").split())

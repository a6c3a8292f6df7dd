"""`lessons import`: the postmortem corpus in tests/fixtures/import becomes draft records
that validate at once, field for field, through the real command line.

Each fixture is in the shape of one public template (headings as published):
- Google SRE book example postmortem (sre.google/sre-book/example-postmortem/, field lines
  `Summary:` `Impact:` `Root Causes:` `Trigger:` `Resolution:` `Detection:` and the
  Action Items table `Action Item | Type | Owner | Bug`) and its heading form from the workbook;
- PagerDuty (response.pagerduty.com/after/post_mortem_template/: Overview, What Happened,
  Contributing Factors, Resolution, Impact, Responders, Timeline, How'd We Do?, Action Items, Messaging);
- Atlassian (atlassian.com/incident-management/postmortem/templates: Incident summary, Leadup,
  Fault, Impact, Detection, Response, Recovery, Timeline, Five whys, Root cause, Related records,
  Lessons learned, Corrective actions);
- GitLab's incident review issue template (Summary with `Service(s) affected` / `Team attribution` /
  `Minutes downtime or degradation`, Impact & Metrics and Detection & Response question tables);
plus variations (bold field lines, renamed headings, front matter, local times with --timezone,
zones written out) and two messy ones.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import FIXTURES, MINIMAL
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.yamlsource import parse_text

CORPUS = FIXTURES / "import"
OPTIONS = ["--team", "sre", "--term", "design-flaw", "--severity", "SEV3", "--timezone", "Europe/Berlin"]

# fixture -> the fields it must map to, exactly (a subset of the record: the ones the source gives).
EXPECTED: dict[str, dict] = {
    "google-sre-book.md": {
        "title": "Checkout Search++", "severity": "SEV3", "occurred": "2024-03-14T14:51:00Z", "detected": "2024-03-14T15:02:00Z",
        "resolved": "2024-03-14T16:07:00Z", "detection": "alert", "caused_by_change": True,
        "summary": "Checkout search down for 66 minutes during a sale.", "impact": "Estimated 1.2M searches lost, no revenue impact.",
        "root_cause": {
            "cause": "Cascading failure due to high load and a resource leak when searches failed.",
            "contributing_factors": ["Trigger: Latent bug triggered by a config push that raised the traffic limit."],
        },
        "went_well": ["Monitoring quickly alerted us to a high rate of 500s.", "Traffic moved to the spare cluster within minutes."],
        "went_wrong": ["We are out of practice with cascading failures."], "got_lucky": ["The sale ended an hour after the outage began."],
        "action_items": [
            {"id": "A1", "action": "Update playbook with instructions for cascading failure", "owner": "dana.kim", "status": "done", "type": "mitigate"},
            {"id": "A2", "action": "Fix the file-descriptor leak in the search backend (tracker: Bug 5554823)", "owner": "sam.ortiz", "status": "open", "type": "prevent"},
            {"id": "A3", "action": "Schedule a cascading-failure test (tracker: Bug 5554825)", "owner": "lee.wong", "status": "open", "type": "process"},
        ],
        "timeline_len": 7,
    },
    "google-workbook.md": {
        "title": "Payments gateway timeouts", "severity": "SEV2", "occurred": "2024-05-02T09:40:00Z", "resolved": "2024-05-02T10:05:00Z",
        "teams": ["payments"], "detection": "customer", "lessons": ["Library defaults are part of our configuration."],
        "action_items": [
            {"id": "A1", "action": "Pin the pool size in configuration (tracker: PAY-812)", "owner": "dana.kim", "due": "2024-05-20", "status": "open", "type": "prevent"},
            {"id": "A2", "action": "Alert on payment timeouts above 1% (tracker: PAY-813)", "owner": "sam.ortiz", "due": "2024-05-31", "status": "open", "type": "detect"},
        ],
        "timeline_len": 4,
    },
    "pagerduty.md": {
        "title": "Orders API latency", "severity": "SEV2", "occurred": "2024-07-09T08:10:00Z", "detected": "2024-07-09T08:14:00Z",
        "resolved": "2024-07-09T08:50:00Z", "review": {"date": "2024-07-12"},
        "root_cause": {"contributing_factors": ["The reporting job had no statement timeout.", "The orders table had grown 3x in a quarter."]},
        "went_well": ["The alert fired within four minutes."], "went_wrong": ["Nobody knew who owned the report job."],
        "context_has": ["### What Happened", "### Resolution", "### Responders", "**Postmortem Owner:** lee.wong"],
    },
    "atlassian.md": {
        "title": "Search index lag", "severity": "SEV2", "occurred": "2024-09-03T11:00:00Z", "detection": "alert",
        "root_cause": {
            "whys": [
                "Why were results stale? The reindex job fell behind.",
                "Why did it fall behind? The mapping change forced a full reindex.",
                "Why was that not known? The tool gives no warning for full reindexes.",
            ],
            "cause": "The mapping tool does not say when a change forces a full reindex.",
        },
        "action_items": [{"id": "A1", "action": "Warn in the mapping tool before a full reindex", "owner": "sam.ortiz", "due": "2024-10-15", "status": "in-progress"}],
        "context_has": ["### Leadup", "### Fault", "### Response", "### Recovery", "### Related records"],
    },
    "gitlab.md": {
        "title": "CI runners stuck", "severity": "SEV2", "occurred": "2024-11-05T14:00:00Z", "detected": "2024-11-05T14:20:00Z",
        "resolved": "2024-11-05T16:00:00Z", "detection": "employee",
        "root_cause": {"whys": ["Why were jobs stuck? No new runners started.", "Why? The autoscaler could not authenticate.", "Why? Its credentials expired without warning."]},
        "context_has": ["**Service(s) affected:** CI runners", "### Detection & Response"],
    },
    "variation-bold-fields.md": {
        "severity": "SEV3", "occurred": "2024-02-10T06:15:00Z", "resolved": "2024-02-10T07:05:00Z", "detection": "employee",
        "root_cause": {"cause": "A resolver cache was pinned to a retired address."},
        "action_items": [
            {"id": "A1", "action": "Remove pinned resolver addresses — owner: dana.kim — due 2024-03-01 — SRE-101", "owner": "dana.kim", "due": "2024-03-01", "status": "open", "type": "prevent"},
            {"id": "A2", "action": "Probe DNS from the warehouse network @sam.ortiz SRE-102", "owner": "sam.ortiz", "status": "open", "type": "detect"},
        ],
    },
    "variation-local-time.md": {
        "occurred": "2024-06-18T23:40:00+02:00", "detected": "2024-06-19T00:20:00+02:00", "resolved": "2024-06-19T01:10:00+02:00", "timeline_len": 4,
    },
    "variation-zone-written.md": {
        "occurred": "2024-10-01T09:00:00+02:00", "detected": "2024-10-01T09:04:00+02:00", "resolved": "2024-10-01T16:30:00-07:00",
    },
    "variation-renamed.md": {
        "occurred": "2024-08-20T13:00:00+02:00", "summary": "Inventory counts were 3 hours stale after a queue filled up.",
        "got_lucky": ["It happened on a quiet Tuesday."], "lessons": ["A consumer that crashes in a loop looks like a slow consumer."],
        "action_items": [
            {"id": "A1", "action": "Dead-letter poison messages (Priority: P1)", "owner": "priya.nair", "due": "2024-09-15", "status": "open"},
            {"id": "A2", "action": "Alert on consumer restarts (Priority: P2)", "owner": "sam.ortiz", "due": "2024-09-30", "status": "open"},
        ],
        "root_cause": {"cause": "A poison message made the consumer crash in a loop."},
        "context_has": ["### What broke"],
    },
    "variation-relative-links.md": {
        "title": "Database failover took 20 minutes", "severity": "SEV2", "occurred": "2024-01-22T03:10:00Z", "detected": "2024-01-22T03:12:00Z",
        "resolved": "2024-01-22T03:30:00Z",
        # Links relative to the source file would not resolve in the site: text, with the target kept.
        "impact": 'Writes failed for 20 minutes. write errors (image in the source: `img/write-errors.png`, "Write errors")',
        "lessons": ["A replica that is not warm is not a failover target (notes (link in the source: `notes.md#replica`))."],
    },
    "variation-front-matter.md": {
        "title": "Card reader firmware rollout paused", "occurred": "2024-04-04T10:00:00Z", "teams": ["payments"], "tags": ["firmware", "card-readers"],
        "root_cause": {"whys": ["Why did readers reboot? The new firmware ran out of memory.", "Why? A debug log buffer was left on."]},
        "action_items": [
            {"id": "A1", "action": "Build firmware with the release profile only (@dana.kim, due 2024-05-01)", "owner": "dana.kim", "due": "2024-05-01", "status": "open", "type": "prevent"},
            {"id": "A2", "action": "Alert on reader reboots above 0.5% (@sam.ortiz)", "owner": "sam.ortiz", "status": "open", "type": "detect"},
        ],
    },
    "messy-confluence-paste.md": {
        "title": "Checkout 500s (copied from Confluence)", "severity": "SEV1", "occurred": "2024-03-03T14:10:00-08:00",
        "detected": "2024-03-03T14:14:00-08:00", "resolved": "2024-03-03T14:45:00-08:00", "teams": ["payments"], "timeline_len": 4,
        "action_items": [{"id": "A1", "action": "Default every flag in code (due: next sprint) (tracker: PAY-901)", "owner": "dana.kim", "status": "open"}],
        "context_has": ["sometime later", "Random notes the author left at the end."],
    },
    "messy-notes.md": {
        "title": "Queue backlog (night of 2024-12-01)", "severity": "SEV2", "teams": ["sre", "payments"],
        "occurred": "2024-12-01T22:50:00+01:00", "resolved": "2024-12-02T00:15:00+01:00",
        "lessons": ["scale consumers on queue depth, not CPU", "write the runbook"],
        "action_items": [
            {"id": "A1", "action": "autoscale on queue depth (@priya.nair)", "owner": "priya.nair", "status": "open"},
            {"id": "A2", "action": "runbook written", "status": "done"},
        ],
        "summary": "some context first: this was during the migration freeze.",  # the text under the title, a guess
        "context_has": ["someone wrote a note here without a time"],
    },
}


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def new_records(root: Path, before: set[str]) -> list[Path]:
    return sorted(p for p in (root / "incidents").glob("*.yaml") if p.name not in before)


def problems(root: Path) -> list[str]:
    return [str(d) for d in open_knowledge_base(root, base=root, include_drafts=True).diagnostics]


def _import_one(kb: Path, capsys: pytest.CaptureFixture[str], name: str) -> tuple[Path, str]:
    before = {p.name for p in (kb / "incidents").glob("*.yaml")}
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, str(CORPUS / "markdown" / name))
    assert code == 0, err
    [record] = new_records(kb, before)
    return record, record.read_text("utf-8")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_postmortem_is_the_record_reviewed_for_it(kb: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """The whole record (but its source hash), against tests/fixtures/import/expected/, which a person read line by line."""
    record, text = _import_one(kb, capsys, name)
    data = parse_text(text, record.as_posix()).data
    data.pop("source")
    assert data == json.loads((CORPUS / "expected" / name.replace(".md", ".json")).read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_postmortem_maps_exactly_and_validates(kb: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    before = {p.name for p in (kb / "incidents").glob("*.yaml")}
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, str(CORPUS / "markdown" / name))
    assert code == 0, err
    [record] = new_records(kb, before)
    text = record.read_text("utf-8")
    data = parse_text(text, record.as_posix()).data
    assert data["status"] == "draft" and data["id"] == record.stem and data["source"]["file"] == name
    assert text.startswith("# yaml-language-server: $schema=") and "# Mapped:" in text and "# Missing before the record can be reviewed:" in text
    expected = dict(EXPECTED[name])
    timeline_len = expected.pop("timeline_len", None)
    context_has = expected.pop("context_has", [])
    for key, value in expected.items():
        assert data.get(key) == value, f"{name}: {key}"
    if timeline_len is not None:
        assert len(data["timeline"]) == timeline_len
    for snippet in context_has:
        assert snippet in data["context"], f"{name}: context lacks {snippet!r}"
    assert problems(kb) == []


def test_the_whole_folder_imports_in_one_command_and_a_bad_file_does_not_stop_the_others(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (CORPUS / "markdown").glob("*.md"))
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, *files)
    assert code == 1
    assert f"{CORPUS / 'markdown' / 'broken-no-date.md'}:1: cannot tell when it happened" in err
    assert out.count("Imported ") == len(EXPECTED)
    ids = sorted(p.stem for p in (kb / "incidents").glob("INC-2024-*.yaml"))
    assert ids == ["INC-2024-017"] + [f"INC-2024-{n:03d}" for n in range(18, 18 + len(EXPECTED))]
    assert problems(kb) == []
    # Again: every source is recognised by its content hash and skipped; nothing new is written.
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, *files)
    assert out.count("Skipped ") == len(EXPECTED) and "Imported " not in out
    assert sorted(p.stem for p in (kb / "incidents").glob("INC-2024-*.yaml")) == ids


def test_never_overwrites_a_record_and_dry_run_writes_nothing(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = str(CORPUS / "markdown" / "google-workbook.md")
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, "--dry-run", source)
    assert code == 0 and "id: INC-2024-018" in out and not (kb / "incidents" / "INC-2024-018.yaml").exists()
    taken = kb / "incidents" / "INC-2024-018.yaml"
    taken.write_text("keep me\n", "utf-8")
    from mkdocs_lessons.records import write as record_write

    with pytest.raises(FileExistsError):
        record_write.create_new(taken, "replaced\n")
    assert [p.name for p in taken.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left behind
    assert taken.read_text("utf-8") == "keep me\n"
    taken.unlink()
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, source)
    assert code == 0 and (kb / "incidents" / "INC-2024-018.yaml").read_text("utf-8").count("Payments gateway timeouts") == 1


def test_missing_required_values_name_the_option(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = str(CORPUS / "markdown" / "google-sre-book.md")
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), "--team", "sre", "--term", "design-flaw", source)
    assert code == 1 and f"{source}:1: no severity in the source" in err and "--severity" in err
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), "--team", "nosuch", source)
    assert code == 2 and "unknown team 'nosuch'" in err
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS[:-1], "Mars/Olympus", source)
    assert code == 2 and "unknown time zone" in err


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        ("jira", [
            {"title": "Checkout errors after flag flip", "severity": "SEV2", "occurred": "2024-03-14T09:12:00Z", "resolved": "2024-03-14T10:45:00Z",
             "teams": ["payments"], "tags": ["checkout", "config"], "summary": "Checkout failed for 90 minutes."},
            {"title": "Queue backlog", "severity": "SEV1", "occurred": "2024-05-05T23:30:00Z", "resolved": "2024-05-06T00:40:00Z",
             "teams": ["sre", "payments"], "tags": ["queues"], "summary": "Orders queued for 70 minutes."},
        ]),
        ("pagerduty", [
            {"title": "Orders API latency above SLO", "severity": "SEV2", "occurred": "2024-07-09T08:10:00Z", "resolved": "2024-07-09T08:50:00Z", "teams": ["sre"]},
            {"title": "Card reader reboots", "severity": "SEV4", "occurred": "2024-04-04T10:00:00+02:00", "resolved": "2024-04-04T11:15:00+02:00", "teams": ["payments"]},
        ]),
    ],
)
def test_csv_exports_through_the_example_maps(kb: Path, capsys: pytest.CaptureFixture[str], export: str, expected: list[dict]) -> None:
    from conftest import REPO

    before = {p.name for p in (kb / "incidents").glob("*.yaml")}
    argv = ["import", "csv", str(CORPUS / "csv" / f"{export}.csv"), "--map", str(REPO / "examples" / "import-maps" / f"{export}.yaml"), "--root", str(kb), "--term", "design-flaw"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "Skipped 1 row whose status the map says to skip" in out
    records = [parse_text(p.read_text("utf-8"), p.as_posix()).data for p in new_records(kb, before)]
    assert len(records) == len(expected)
    for data, want in zip(sorted(records, key=lambda d: d["source"]["row"]), expected):
        assert {k: data.get(k) for k in want} == want
        assert data["status"] == "draft" and data["source"]["file"] == f"{export}.csv"
    assert problems(kb) == []
    code, out, err = run(capsys, *argv)
    assert out.count("Skipped ") == len(expected) + 1 and "Imported " not in out


_MONTHS = {"january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december"}


def _content_words(source: str) -> set[str]:
    """The words of what the author wrote, without the template's own words: headings, table headers, field labels."""
    lines = source.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.lstrip().startswith("#") or line.strip() in ("---",) or set(following.strip()) <= set("|-: ") and "-" in following:
            continue  # a heading, front matter fence, or a table's header row
        line = re.sub(r"^\s*(?:[-*]\s+)?(?:\*\*[^*]+\*\*|[A-Za-z][\w ()/&'’-]{0,40}:(?=\s))", "", line)  # a field label
        kept.append(line)
    # Month names become dates, and task markers (`**TODO**`, `DONE`) an action item's status.
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]{3,}", "\n".join(kept))} - _MONTHS - {"todo", "done"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_the_author_wrote_is_dropped(kb: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """Every word of the source's text is in the record: in a field, in `context`, or quoted in the top comment."""
    before = {p.name for p in (kb / "incidents").glob("*.yaml")}
    source = CORPUS / "markdown" / name
    assert run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, str(source))[0] == 0
    [record] = new_records(kb, before)
    text = record.read_text("utf-8").lower()
    assert sorted(w for w in _content_words(source.read_text("utf-8")) if w not in text) == []


def test_an_imported_folder_builds_and_reads_as_the_source(kb: Path, capsys: pytest.CaptureFixture[str], build_kb) -> None:  # type: ignore[no-untyped-def]
    """The issue's "done when": a folder of postmortems becomes drafts that build, in one command (strict build, drafts shown)."""
    files = sorted(str(p) for p in (CORPUS / "markdown").glob("*.md") if p.name != "broken-no-date.md")
    assert run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, *files)[0] == 0
    site = build_kb(kb, include_drafts=True)
    page = site.article("incidents/INC-2024-018/")  # atlassian.md, the first file
    assert page.find("h1").get_text(strip=True) == "INC-2024-018: Search index lag"
    headings = [h.get_text(" ", strip=True) for h in page.find_all(["h3", "h4"])]
    for heading in ("Leadup", "Fault", "Response", "Recovery"):
        assert any(heading == h or h.startswith(heading) for h in headings), headings
    text = site.text("incidents/INC-2024-018/")
    assert "The mapping tool does not say when a change forces a full reindex." in text
    assert "Warn in the mapping tool before a full reindex" in text


def test_the_readme_before_and_after_is_what_the_command_does(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    part = readme[readme.index("## Bringing your history") :]
    before = re.search(r"Before \(`([^`]+)`\):\n\n```markdown\n(.*?)\n```", part, re.S)
    after = re.search(r"After `lessons import markdown ([^`]+)`\n\(`([^`]+)`, the schema line left out\):\n\n```yaml\n(.*?)\n```", part, re.S)
    assert before and after
    shutil.copytree(MINIMAL, tmp_path / "content")
    (tmp_path / before.group(1)).write_text(before.group(2) + "\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "import", "markdown", "--root", "content", *after.group(1).split())
    assert code == 0, err
    written = (tmp_path / after.group(2)).read_text("utf-8")
    assert written.split("\n", 2)[2] == after.group(3) + "\n"


def test_a_source_that_cannot_be_read_is_located_and_the_rest_go_on(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin1.md"
    latin.write_bytes("# Caf\u00e9 outage\n\nSeverity: SEV2\n\nDate: 2024-01-02\n\nAction: r\u00e9sum\u00e9\n".encode("latin-1"))
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", "utf-8")
    good = str(CORPUS / "markdown" / "gitlab.md")
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, str(latin), str(tmp_path / "missing.md"), str(empty), good)
    assert code == 1
    assert f"{latin}:1: not UTF-8 text" in err
    assert f"{tmp_path / 'missing.md'}: cannot read it" in err
    assert f"{empty}:1: the file is empty" in err
    assert "3 of 4 sources could not be imported" in err
    assert out.count("Imported ") == 1 and problems(kb) == []


def test_never_writes_outside_the_knowledge_base(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(kb / "incidents"), elsewhere)
    (kb / "incidents").symlink_to(elsewhere, target_is_directory=True)
    before = sorted(p.name for p in elsewhere.iterdir())
    code, out, err = run(capsys, "import", "markdown", "--root", str(kb), *OPTIONS, str(CORPUS / "markdown" / "gitlab.md"))
    assert code == 2 and "nothing was written" in err
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_field_lines_that_make_no_value_are_kept_under_details(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "fields.md"
    source.write_text(
        "# Cache stampede\n\n"
        "Title: The cache stampede of March\n"
        "Severity: SEV3\n"
        "Severity: ask Dana\n"
        "Date: 2024-03-01\n"
        "Start time: 2024-03-01 10:00 UTC\n"
        "Resolved: yes, eventually\n"
        "Team: Warehouse robots\n"
        "Review date: 2024-03-05 14:00 CET\n"
        "Authors: dana.kim\n",
        "utf-8",
    )
    assert run(capsys, "import", "markdown", "--root", str(kb), "--team", "sre", "--term", "design-flaw", str(source))[0] == 0
    data = parse_text((kb / "incidents" / "INC-2024-018.yaml").read_text("utf-8"), "x").data
    assert data["title"] == "Cache stampede" and data["severity"] == "SEV3" and data["occurred"] == "2024-03-01T10:00:00Z"
    assert data["teams"] == ["sre"] and data["review"] == {"date": "2024-03-05"} and "resolved" not in data
    details = data["context"].split("### Details\n\n", 1)[1].split("\n\n", 1)[0].strip().split("\n")
    assert details == [
        "- **Title:** The cache stampede of March",
        "- **Severity:** ask Dana",
        "- **Resolved:** yes, eventually",
        "- **Team:** Warehouse robots",
        "- **Review date:** 2024-03-05 14:00 CET",
        "- **Authors:** dana.kim",
    ]


def test_csv_problems_are_located_and_the_other_rows_go_on(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import REPO

    export = tmp_path / "issues.csv"
    export.write_text(
        "Summary,Issue key,Status,Priority,Created,Resolved,Component/s,Description\n"
        "Good row,OPS-1,Done,High,14/Mar/24 9:12 AM,,Payments,\"Two\nlines\"\n"
        "Bad date,OPS-2,Done,High,yesterday,,Payments,x\n"
        "No severity,OPS-3,Done,Unknown,14/Mar/24 9:12 AM,,Payments,x\n",
        "utf-8",
    )
    jira = str(REPO / "examples" / "import-maps" / "jira.yaml")
    code, out, err = run(capsys, "import", "csv", str(export), "--map", jira, "--root", str(kb), "--term", "design-flaw")
    assert code == 1
    assert f"{export}:4: [occurred] 'yesterday' does not match dates.format" in err
    assert f"{export}:5: no severity" in err
    assert out.count("Imported ") == 1 and problems(kb) == []
    data = parse_text((kb / "incidents" / "INC-2024-018.yaml").read_text("utf-8"), "x").data
    assert data["summary"].rstrip() == "Two\nlines" and data["source"]["row"] == "OPS-1"
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text("columns:\n  titel: Summary\n", "utf-8")
    code, out, err = run(capsys, "import", "csv", str(export), "--map", str(bad_map), "--root", str(kb), "--term", "design-flaw")
    assert code == 2 and "[columns.titel] is not a field an import fills" in err


# -- any postmortem-like text: a record that passes its schema, or a located problem, never a traceback --------

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mkdocs_lessons.importers import links, output  # noqa: E402
from mkdocs_lessons.importers.draft import ImportProblem, Options  # noqa: E402
from mkdocs_lessons.importers.postmortem import read_postmortem  # noqa: E402
from mkdocs_lessons.importers.vocabulary import FIELDS, SECTIONS  # noqa: E402

_LABELS = sorted({alias.title() for aliases in (*SECTIONS.values(), *FIELDS.values()) for alias in aliases})
_VALUES = st.sampled_from(
    ["SEV2", "P1", "Major", "sre", "Payments", "2024-03-14", "March 14, 2024 9:12 PM PST", "09:12", "25:99", "66 minutes", "Europe/Berlin",
     "Mars/Olympus", "[x](../a.md)", "![i](i.png)", "@dana.kim", "PAY-1", "DONE", "n/a", "", "Why? Because.", "a | b", "`code`", "é漢字"]
)
_LINE = st.one_of(
    st.builds(lambda level, label: "#" * level + " " + label, st.integers(1, 4), st.sampled_from(_LABELS)),
    st.builds(lambda label, value: f"**{label}:** {value}", st.sampled_from(_LABELS), _VALUES),
    st.builds(lambda label, value: f"{label}: {value}", st.sampled_from(_LABELS), _VALUES),
    st.builds(lambda t, v: f"- {t} {v}", st.sampled_from(["09:12", "2024-03-14 09:12 UTC", "23:59", "00:01", "[ ]", "[x]", ""]), _VALUES),
    st.builds(lambda a, b: f"| {a} | {b} |", _VALUES, _VALUES),
    st.sampled_from(["", "|---|---|", "```", "---", "2024-03-14", "> quote", "<b>html</b>", "[ref]: ../x.md"]),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(_LINE, max_size=40))
# What it found once, kept: a date line as a list item with more text, a year-1 date, control characters.
@example(["# 5 Whys", "# Chronology", "- [ ] 2024-01-01", "0"])
@example(["# 5 Whys", "# Chronology", "0001/01/010:00;"])
@example(["# 5 Whys", "# Chronology", "2000/01/010:00;", "\x1b"])
@example(["# Summary", "a\x7fb", "c", "# Timeline", "2000-01-01 10:00 x\x85y"])
def test_any_postmortem_like_text_becomes_a_valid_record_or_a_located_problem(lines: list[str]) -> None:
    text = "\n".join(lines)
    options = Options(["sre"], "design-flaw", "SEV3", None, {"sre": "Site reliability", "payments": "Payments"}, {"design-flaw": "Design flaw"})
    try:
        draft = read_postmortem(Path("fuzz.md"), text, options)
    except ImportProblem as problem:
        assert problem.line >= 1 and problem.message
        return
    draft.values, _ = links.unlink_all(draft.values)
    content = output.render(draft, "INC-2024-001", "x.json", "fuzz.md", "0" * 64)
    assert output.self_check(content, "INC-2024-001", "fuzz.yaml") == []
    # What `lessons validate` checks across fields: times in order, a chronological timeline, unique action ids.
    at = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    values = draft.values
    if "detected" in values:
        assert at(values["detected"]) >= at(values["occurred"])
    if "resolved" in values:
        assert at(values["resolved"]) >= at(values.get("detected", values["occurred"]))
    moments_ = [at(e["at"]) for e in values.get("timeline", [])]
    assert moments_ == sorted(moments_)
    ids = [a["id"] for a in values.get("action_items", [])]
    assert len(ids) == len(set(ids))


_CELL = st.one_of(st.sampled_from(["", "Done", "Won't Do", "High", "Highest", "Payments", "Platform", "14/Mar/24 9:12 AM", "2024-03-14T09:12:00+02:00", "01/Jan/01 1:00 AM", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "x, y", "a\nb"]), st.text(max_size=12))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: _CELL for name in ("Summary", "Issue key", "Status", "Priority", "Created", "Resolved", "Component/s", "Labels", "Description", "Other")}))
def test_any_csv_row_becomes_a_valid_record_or_a_located_problem(row: dict[str, str]) -> None:
    from conftest import REPO

    from mkdocs_lessons.importers import csvsource

    mapping = csvsource.read_map(REPO / "examples" / "import-maps" / "jira.yaml")
    mapping["defaults"] = {"teams": ["sre"], "severity": "SEV3"}  # so that most rows get as far as their dates
    options = Options([], "design-flaw", None, None, {"sre": "Site reliability", "payments": "Payments"}, {"design-flaw": "Design flaw"})
    cells = {k: v.strip() for k, v in row.items() if v.strip()}
    try:
        draft = csvsource.read_row(Path("x.csv"), 7, cells, mapping, options)
    except ImportProblem as problem:
        assert problem.line == 7 and problem.message
        return
    if draft is None:
        assert cells.get("Status") == "Won't Do"
        return
    draft.values.pop("_key", None)
    draft.values, _ = links.unlink_all(draft.values)
    content = output.render(draft, "INC-2024-001", "x.json", "x.csv", "0" * 64, {"row": "7"})
    assert output.self_check(content, "INC-2024-001", "x.yaml") == []


def test_the_scan_for_earlier_imports_reads_nothing_outside_the_knowledge_base(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = CORPUS / "markdown" / "gitlab.md"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"source:\n  file: gitlab.md\n  sha256: {digest}\n", "utf-8")
    (kb / "incidents" / "INC-2024-900.yaml").symlink_to(outside)
    from mkdocs_lessons.importers.output import imported_before

    assert imported_before(kb) == {}
    inside = kb / "incidents" / "INC-2019-001.yaml"
    inside.write_text(f"source:\n  file: gitlab.md\n  sha256: {digest}\n", "utf-8")
    assert imported_before(kb) == {digest: "INC-2019-001"}

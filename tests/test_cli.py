"""The `lessons` command: every subcommand, its exit codes and its formats,
run against temporary knowledge bases (copies of tests/fixtures/minimal).

Commands run in this process through `cli.main([...])`; a few run as a
subprocess through the installed console script, as a contributor would.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import pytest
import yaml

from conftest import MINIMAL, REPO, build, write_config
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.checks import placeholders
from mkdocs_lessons.records import schema
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.cli.scaffold import next_incident_id, next_sop_id, slugify, yaml_scalar
from mkdocs_lessons.records.yamlsource import parse_text

TODAY = "2026-11-27"


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the minimal knowledge base at tmp_path/kb; the current folder is tmp_path."""
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    monkeypatch.chdir(tmp_path)
    return root


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests are not a person at a keyboard unless they say so."""
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def read(path: Path) -> dict:
    """A record as the plugin reads it (YAML 1.2: dates and timestamps stay text)."""
    return parse_text(path.read_text("utf-8"), path.as_posix()).data


def problems(root: Path, base: Optional[Path] = None) -> list[str]:
    return [str(d) for d in open_knowledge_base(root, base=base or root).diagnostics]


def new_incident(capsys, *extra: str, root: str = "kb") -> tuple[int, str, str]:
    return run(
        capsys,
        "new", "incident", "--root", root,
        "--title", "Checkout outage after a config push",
        "--team", "payments", "--team", "sre",
        "--severity", "SEV2",
        "--occurred", "2026-03-14T09:12:00Z",
        "--term", "process-deviation/skipped-review",
        *extra,
    )


def _console_script() -> str:
    beside = Path(sys.executable).parent / ("lessons.exe" if os.name == "nt" else "lessons")
    found = str(beside) if beside.exists() else shutil.which("lessons")
    assert found, "the `lessons` console script is not installed"
    return found


# -- lessons new incident ---------------------------------------------------------------


def test_new_incident_writes_a_valid_draft_with_the_next_free_id(kb: Path, capsys) -> None:
    code, out, err = new_incident(capsys)
    assert code == 0, err
    target = kb / "incidents" / "INC-2026-001.yaml"
    assert target.is_file()
    assert out.splitlines()[0] == "Created kb/incidents/INC-2026-001.yaml (INC-2026-001, draft)"
    assert "lessons validate kb" in out

    text = target.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    data = parse_text(text, "x").data
    assert data["id"] == "INC-2026-001"
    assert data["status"] == "draft"
    assert data["kind"] == "incident"
    assert data["severity"] == "SEV2"
    assert data["teams"] == ["payments", "sre"]
    assert data["occurred"] == "2026-03-14T09:12:00Z"
    assert data["classification"] == {"primary": "process-deviation/skipped-review"}
    assert data["summary"] == placeholders.INCIDENT_SUMMARY
    # Valid at once, for the library and for the command.
    assert problems(kb) == []
    code, out, _ = run(capsys, "validate", "kb")
    assert code == 0
    assert out.strip().endswith(": no problems")


def test_every_field_has_guidance(kb: Path, capsys) -> None:
    new_incident(capsys)
    text = (kb / "incidents" / "INC-2026-001.yaml").read_text("utf-8")
    fields = schema.schema("incident")["properties"]
    for name in fields:
        assert re.search(rf"^(# )?\s*{name}:", text, re.M), f"no line for {name}"
    # Every team and every active term is listed for the contributor.
    for name in ("payments", "sre", "process-deviation/skipped-review", "design-flaw/missing-guardrail", "external-shock"):
        assert f"#   {name} " in text
    assert "human-error" not in text  # retired terms are not offered
    assert "blamelessly" in text


def uncomment_examples(text: str, keys: list[str]) -> str:
    """Uncomment each commented field example (`# key: ...` and the lines that belong to it)."""
    out, in_block = [], False
    for line in text.split("\n"):
        if any(line.startswith(f"# {key}:") for key in keys):
            out.append(line[2:])
            in_block = True
        elif in_block and line.startswith("#  "):
            out.append(line[2:])
        else:
            in_block = False
            out.append(line)
    return "\n".join(out)


def test_the_commented_examples_make_a_valid_reviewed_record(kb: Path, capsys) -> None:
    """The guidance is correct: uncommenting every example gives a valid record."""
    new_incident(capsys, "--summary", "Checkout failed for 85 minutes after a config push.")
    target = kb / "incidents" / "INC-2026-001.yaml"
    keys = [k for k in schema.schema("incident")["properties"] if k not in ("severity",)]
    text = uncomment_examples(target.read_text("utf-8"), keys)
    text = text.replace("  # secondary:", "  secondary:").replace("status: draft", "status: reviewed")
    target.write_text(text, "utf-8")
    data = parse_text(text, "x").data
    assert {"context", "impact", "timeline", "decisions", "assumptions", "root_cause", "lessons", "action_items", "sops", "related", "review", "tags"} <= set(data)
    assert problems(kb) == []


def test_ids_count_up_per_year_and_never_reuse_a_number(kb: Path, capsys) -> None:
    incidents = kb / "incidents"
    (incidents / "INC-2026-009.yaml").write_text("not even yaml: [", "utf-8")  # a broken file still holds its number
    (incidents / "INC-2026-012.yml").write_text("", "utf-8")  # so does a misnamed one
    assert next_incident_id(kb, 2026) == "INC-2026-013"
    assert next_incident_id(kb, 2024) == "INC-2024-018"
    assert next_incident_id(kb, 2031) == "INC-2031-001"
    assert next_sop_id(kb) == "SOP-008"
    (incidents / "INC-2026-009.yaml").unlink()
    (incidents / "INC-2026-012.yml").unlink()
    code, _, _ = new_incident(capsys, "--occurred", "2024-06-01T10:00:00+02:00")
    assert code == 0
    assert (incidents / "INC-2024-018.yaml").is_file()
    code, _, _ = new_incident(capsys, "--occurred", "2024-06-02T10:00:00Z")
    assert (incidents / "INC-2024-019.yaml").is_file()


def test_numbers_past_999_keep_their_digits(kb: Path) -> None:
    (kb / "incidents" / "INC-2026-999.yaml").write_text("", "utf-8")
    assert next_incident_id(kb, 2026) == "INC-2026-1000"


@pytest.mark.parametrize(
    "given, stored, note",
    [
        ("2026-03-14T09:12:00Z", "2026-03-14T09:12:00Z", ""),
        ("2026-03-14T09:12+01:00", "2026-03-14T09:12:00+01:00", ""),
        ("2026-03-14", "2026-03-14T00:00:00Z", "midnight UTC"),
    ],
)
def test_occurred_forms(kb: Path, capsys, given: str, stored: str, note: str) -> None:
    code, _, err = new_incident(capsys, "--occurred", given)
    assert code == 0, err
    text = (kb / "incidents" / "INC-2026-001.yaml").read_text("utf-8")
    line = next(line for line in text.splitlines() if line.startswith("occurred:"))
    assert line.split()[1] == stored
    assert (note in line) if note else ("midnight" not in line)


def test_occurred_defaults_to_now_and_says_so(kb: Path, capsys) -> None:
    code, out, _ = run(capsys, "new", "incident", "--root", "kb", "--title", "t", "--team", "sre", "--severity", "4", "--term", "data-gap")
    assert code == 0
    created = kb.parent / out.split()[1]
    year = datetime.now(timezone.utc).year  # the id takes the year of `occurred`: now
    assert created.name in (f"INC-{year}-001.yaml", f"INC-{year - 1}-001.yaml")  # a run across New Year
    line = next(line for line in created.read_text("utf-8").splitlines() if line.startswith("occurred:"))
    assert "correct it" in line
    assert problems(kb) == []


@pytest.mark.parametrize(
    "title",
    [
        "Checkout: outage # after a config push",
        '"Quoted" title',
        "'single' quotes",
        "yes",
        "no",
        "123",
        "1e3",
        "2024-03-14",
        "null",
        "- starts like a list item",
        "[starts like a list]",
        "{braces}",
        "<script>alert(1)</script> | a|b *x* [y](z)",
        "ends with a colon:",
        "& anchor * alias ! tag % directive @ reserved ` backtick",
        "Überweisung fehlgeschlagen – Zahlungsanbieter 支付",
        "tab\tinside",
    ],
)
def test_titles_survive_any_characters(kb: Path, capsys, title: str) -> None:
    code, _, err = new_incident(capsys, "--title", title)
    assert code == 0, err
    text = (kb / "incidents" / "INC-2026-001.yaml").read_text("utf-8")
    expected = " ".join(title.split())  # one line, whitespace collapsed
    assert parse_text(text, "x").data["title"] == expected  # YAML 1.2, as the plugin reads it
    assert yaml.safe_load(text)["title"] == expected  # YAML 1.1, as many editors and tools read it
    assert problems(kb) == []


def test_yaml_scalar_is_plain_only_when_every_reader_agrees() -> None:
    assert yaml_scalar("Checkout outage") == "Checkout outage"
    assert yaml_scalar("yes") == '"yes"'  # text in YAML 1.2, a boolean in 1.1
    assert yaml_scalar("a: b") == '"a: b"'
    assert yaml_scalar(" padded ") == '" padded "'


def test_a_multi_line_summary_becomes_a_block(kb: Path, capsys) -> None:
    summary = "First paragraph with a: colon.\n\n# Not a comment\n- not a list"
    code, _, err = new_incident(capsys, "--summary", summary)
    assert code == 0, err
    data = read(kb / "incidents" / "INC-2026-001.yaml")
    assert data["summary"].rstrip("\n") == summary
    assert problems(kb) == []


def test_near_miss_without_severity(kb: Path, capsys) -> None:
    code, _, err = run(
        capsys, "new", "incident", "--root", "kb", "--title", "Caught in staging", "--team", "payments",
        "--kind", "near miss", "--occurred", "2026-02-01T10:00:00Z", "--term", "design-flaw/missing-guardrail",
    )
    assert code == 0, err
    data = read(kb / "incidents" / "INC-2026-001.yaml")
    assert data["kind"] == "near-miss"
    assert "severity" not in data
    assert problems(kb) == []


def test_a_term_can_be_named_by_its_own_id(kb: Path, capsys) -> None:
    code, _, err = new_incident(capsys, "--term", "skipped-review")
    assert code == 0, err
    data = read(kb / "incidents" / "INC-2026-001.yaml")
    assert data["classification"]["primary"] == "process-deviation/skipped-review"


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--team", "payment", "--team: unknown team 'payment' (did you mean 'payments'?); teams in taxonomy/teams.yaml: payments, sre"),
        ("--term", "human-error", "--term: taxonomy term 'human-error' is retired; use 'process-deviation' instead"),
        ("--term", "process-deviaton", "--term: unknown taxonomy term 'process-deviaton' (did you mean 'process-deviation'?)"),
        ("--severity", "SEV5", "--severity: 'SEV5' is not one of: SEV1, SEV2, SEV3, SEV4"),
        ("--kind", "outage", "--kind: 'outage' is not one of: incident, near-miss, success"),
        ("--occurred", "2026-03-14 09:12", "--occurred: '2026-03-14 09:12' is not a timestamp with a time zone"),
        ("--occurred", "2026-02-30T09:12:00Z", "--occurred: '2026-02-30T09:12:00Z' is not a real moment"),
        ("--title", "x" * 201, "--title: the title is 201 characters long; at most 200"),
        ("--title", "   ", "--title: the title must not be empty"),
    ],
)
def test_bad_values_are_usage_errors_and_write_nothing(kb: Path, capsys, option: str, value: str, message: str) -> None:
    code, out, err = new_incident(capsys, option, value)
    assert code == 2
    assert out == ""
    assert err.startswith(f"lessons: error: {message}"), err
    assert sorted(p.name for p in (kb / "incidents").iterdir()) == ["INC-2023-044.yaml", "INC-2024-017.yaml", "INC-2025-001.yaml"]


def test_without_a_terminal_every_missing_answer_is_named(kb: Path, capsys) -> None:
    code, out, err = run(capsys, "new", "incident", "--root", "kb")
    assert code == 2
    assert out == ""
    assert "needs --title, --team, --severity (kind incident) and --term (the primary cause class)" in err


def test_no_input_never_asks(kb: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail(f"asked: {prompt}"))
    code, _, err = run(capsys, "new", "sop", "--root", "kb", "--no-input")
    assert code == 2
    assert "needs --title and --team (the owning team)" in err


def test_in_a_terminal_it_asks_and_asks_again_after_a_mistake(kb: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(
        [
            "Search results empty after an index rebuild",  # title
            "payment, sre",  # teams: a typo
            "payments, sre",  # fixed
            "",  # kind: the default, incident
            "SEV9",  # wrong
            "2",  # SEV2
            "2026-05-04T07:30:00Z",  # occurred
            "99",  # a term number out of range
            "5",  # the fifth term in file order
            "",  # summary: later
        ]
    )
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", fake_input)
    code, out, err = run(capsys, "new", "incident", "--root", "kb")
    assert code == 0, err
    assert len(prompts) == 10
    assert prompts[0].startswith("Title")
    assert "(did you mean 'payments'?)" in err
    assert "'SEV9' is not one of" in err
    assert "pick a number from 1 to 6" in err
    assert "process-deviation/skipped-review" in err  # the term menu
    data = read(kb / "incidents" / "INC-2026-001.yaml")
    assert data["title"] == "Search results empty after an index rebuild"
    assert data["teams"] == ["payments", "sre"]
    assert data["severity"] == "SEV2"
    assert data["classification"]["primary"] == "process-deviation/skipped-review"
    assert data["summary"] == placeholders.INCIDENT_SUMMARY
    assert problems(kb) == []


def test_end_of_input_cancels(kb: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", eof)
    code, _, err = run(capsys, "new", "path", "--root", "kb")
    assert code == 2
    assert "cancelled" in err
    assert sorted(p.name for p in (kb / "paths").iterdir()) == ["new-engineer.yaml"]


def test_dry_run_prints_and_writes_nothing(kb: Path, capsys) -> None:
    code, out, err = new_incident(capsys, "--dry-run")
    assert code == 0
    assert out.startswith("# yaml-language-server: $schema=")
    assert "id: INC-2026-001" in out
    assert "not written" in err
    assert not (kb / "incidents" / "INC-2026-001.yaml").exists()


def test_not_a_knowledge_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "new", "incident", "--root", "empty", "--title", "t")
    assert code == 2
    assert "empty is not a knowledge base: taxonomy/teams.yaml is missing" in err
    code, _, err = run(capsys, "new", "incident", "--root", "nowhere", "--title", "t")
    assert code == 2
    assert "no such folder" in err


def test_a_broken_teams_file_is_named(kb: Path, capsys) -> None:
    (kb / "taxonomy" / "teams.yaml").write_text("teams:\n  - id: Payments\n    title: Payments\n", "utf-8")
    code, _, err = new_incident(capsys)
    assert code == 2
    assert "[teams[0].id]" in err
    assert "fix " in err and "teams.yaml first" in err


def test_a_draft_is_not_published_and_its_placeholder_is_held_back(kb: Path, capsys, tmp_path: Path) -> None:
    new_incident(capsys)
    project = tmp_path / "site-project"
    project.mkdir()
    write_config(project, kb)
    site = build(project)
    assert not site.page("incidents/INC-2026-001/").exists()
    # Leaving draft with the placeholder still in the summary is an error.
    target = kb / "incidents" / "INC-2026-001.yaml"
    target.write_text(target.read_text("utf-8").replace("status: draft", "status: in-review"), "utf-8")
    code, out, _ = run(capsys, "validate", "kb")
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith("kb/incidents/INC-2026-001.yaml:")
    assert "[summary] still holds the placeholder written by `lessons new`; write the summary before the status leaves draft (it is 'in-review')" in line
    code, out, _ = run(capsys, "validate", "kb", "--format", "json")
    assert json.loads(out)[0]["rule"] == "placeholder"


# -- lessons new sop / path -----------------------------------------------------------------


def test_new_sop(kb: Path, capsys) -> None:
    code, out, err = run(capsys, "new", "sop", "--root", "kb", "--title", "Rolling back a release", "--team", "sre", "--review-every-months", "6")
    assert code == 0, err
    assert out.splitlines()[0] == "Created kb/sops/SOP-008.yaml (SOP-008, draft)"
    data = read(kb / "sops" / "SOP-008.yaml")
    assert data["owner"] == "sre"
    assert data["review_every_months"] == 6
    assert data["versions"] == [{"version": 1, "status": "draft", "purpose": placeholders.SOP_PURPOSE, "steps": [placeholders.SOP_STEP]}]
    # Valid; the placeholders are warnings because an SOP's draft versions are shown on its page.
    code, out, _ = run(capsys, "validate", "kb")
    assert code == 0
    assert out.splitlines()[:2] == [
        "kb/sops/SOP-008.yaml:28:14: warning: [versions[0].purpose] still holds the placeholder written by `lessons new` (it is shown on the SOP page as a draft)",
        "kb/sops/SOP-008.yaml:30:9: warning: [versions[0].steps[0]] still holds the placeholder written by `lessons new` (it is shown on the SOP page as a draft)",
    ]
    assert run(capsys, "validate", "kb", "--strict")[0] == 1
    # Approved with the placeholder: an error.
    target = kb / "sops" / "SOP-008.yaml"
    text = target.read_text("utf-8").replace("status: draft", "status: approved").replace("# effective: 2026-06-01", "effective: 2026-06-01")
    target.write_text(text.replace("# approved_by: [ops-council]", "approved_by: [ops-council]"), "utf-8")
    code, out, _ = run(capsys, "validate", "kb")
    assert code == 1
    assert "[versions[0].purpose] still holds the placeholder written by `lessons new` (version 1 is approved)" in out


def test_new_sop_with_its_text_has_no_warning(kb: Path, capsys) -> None:
    code, _, err = run(
        capsys, "new", "sop", "--root", "kb", "--title", "Rolling back", "--team", "sre",
        "--purpose", "Undo a bad release safely.", "--step", "Announce the rollback: in #ops.",
    )
    assert code == 0, err
    data = read(kb / "sops" / "SOP-008.yaml")
    assert data["versions"][0]["steps"] == ["Announce the rollback: in #ops."]
    assert problems(kb) == []


def test_an_sop_has_one_owner(kb: Path, capsys) -> None:
    code, _, err = run(capsys, "new", "sop", "--root", "kb", "--title", "t", "--team", "sre,payments")
    assert code == 2
    assert "exactly one owning team" in err
    code, _, err = run(capsys, "new", "sop", "--root", "kb", "--title", "t", "--team", "sre", "--review-every-months", "0")
    assert code == 2
    code, _, err = run(capsys, "new", "path", "--root", "kb", "--title", "t", "--team", "sre", "--team", "payments")
    assert code == 2
    assert "starts with one team" in err


def test_new_path(kb: Path, capsys) -> None:
    code, out, err = run(capsys, "new", "path", "--root", "kb", "--title", "Your first week in Payments!", "--team", "payments")
    assert code == 0, err
    assert out.splitlines()[0] == "Created kb/paths/your-first-week-in-payments.yaml (your-first-week-in-payments)"
    data = read(kb / "paths" / "your-first-week-in-payments.yaml")
    assert data["audience"] == "New members of Payments"
    assert data["steps"][0]["ref"] == "teams/payments"
    assert problems(kb) == []
    # The same title again: the file exists.
    code, _, err = run(capsys, "new", "path", "--root", "kb", "--title", "Your first week in Payments!")
    assert code == 2
    assert "already exists (choose another id with --id)" in err


def test_new_path_without_a_team_starts_with_the_taxonomy(kb: Path, capsys) -> None:
    code, _, err = run(capsys, "new", "path", "--root", "kb", "--title", "Causes", "--id", "causes-first")
    assert code == 0, err
    data = read(kb / "paths" / "causes-first.yaml")
    assert data["steps"][0]["ref"] == "taxonomy/design-flaw"
    assert problems(kb) == []


@pytest.mark.parametrize("bad_id, message", [("New_Engineer", "is not a lowercase slug"), ("essentials", "is reserved")])
def test_path_ids_are_checked(kb: Path, capsys, bad_id: str, message: str) -> None:
    code, _, err = run(capsys, "new", "path", "--root", "kb", "--title", "t", "--id", bad_id)
    assert code == 2
    assert message in err


def test_slugify() -> None:
    assert slugify("Your first week in Payments!") == "your-first-week-in-payments"
    assert slugify("Überweisungen & Zahlungen") == "uberweisungen-zahlungen"
    assert len(slugify("word " * 40)) <= 60
    assert slugify("!!!") == ""


# -- the schema line --------------------------------------------------------------------------


def schema_target(record: Path) -> str:
    first = record.read_text("utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    return first.split("$schema=", 1)[1]


def test_schema_line_prefers_committed_schemas(kb: Path, tmp_path: Path, capsys) -> None:
    # A repository with mkdocs.yml and a schemas/ folder written by `lessons schema --out`.
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - lessons:\n      root: kb\n", "utf-8")
    assert run(capsys, "schema", "--out", "schemas")[0] == 0
    code, _, err = run(capsys, "new", "incident", "--title", "t", "--team", "sre", "--severity", "3", "--term", "data-gap", "--occurred", "2026-01-02")
    assert code == 0, err
    record = kb / "incidents" / "INC-2026-001.yaml"
    target = schema_target(record)
    assert target == "../../schemas/incident.schema.json"
    assert (record.parent / target).resolve().read_text("utf-8") == schema.schema_text("incident")
    assert "note: the schema line points into" not in err
    # An outdated copy is pointed out.
    (tmp_path / "schemas" / "sop.schema.json").write_text("{}", "utf-8")
    code, _, err = run(capsys, "new", "sop", "--title", "t", "--team", "sre")
    assert code == 0
    assert "is older than the installed plugin" in err


def test_schema_line_falls_back_to_the_installed_copy(kb: Path, capsys) -> None:
    code, _, err = new_incident(capsys)
    target = schema_target(kb / "incidents" / "INC-2026-001.yaml")
    assert target.startswith("file:///")
    assert Path(target[len("file://") :]).read_text("utf-8") == schema.schema_text("incident")
    assert "run `lessons schema --out schemas`" in err


@pytest.mark.parametrize(
    "given, expected",
    [
        ("https://lessons.example/schemas/", "https://lessons.example/schemas/incident.schema.json"),
        ("https://lessons.example/schemas", "https://lessons.example/schemas/incident.schema.json"),
        ("https://x.example/custom.json", "https://x.example/custom.json"),
        ("shared-schemas", "../../shared-schemas/incident.schema.json"),
    ],
)
def test_schema_url_option(kb: Path, capsys, given: str, expected: str) -> None:
    code, _, err = new_incident(capsys, "--schema-url", given)
    assert code == 0, err
    assert schema_target(kb / "incidents" / "INC-2026-001.yaml") == expected


# -- lessons validate -------------------------------------------------------------------------


def test_validate_finds_the_knowledge_base_through_mkdocs_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    shutil.copytree(MINIMAL, tmp_path / "records")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n  - search\n  - lessons:\n      root: records\n      include_drafts: true\n      site_dir: !ENV [NOPE, site]\n",
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.strip().endswith(": no problems")
    # include_drafts comes from mkdocs.yml: the draft is checked as published.
    (tmp_path / "records" / "paths" / "new-engineer.yaml").write_text(
        "id: new-engineer\ntitle: t\nsteps:\n  - ref: INC-2025-001\n", "utf-8"
    )
    code, out, _ = run(capsys, "validate", "--format", "json")
    with_drafts = json.loads(out)
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - lessons:\n      root: records\n", "utf-8")
    code, out, _ = run(capsys, "validate", "--format", "json")
    without = json.loads(out)
    assert [d["file"] for d in without] == ["records/paths/new-engineer.yaml"]
    assert "is not published" in without[0]["message"]
    assert all("is not published" not in d["message"] for d in with_drafts)


def test_validate_defaults_to_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    shutil.copytree(MINIMAL, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.count("\n") == 1


def break_a_record(root: Path, name: str = "incidents/INC-2024-017.yaml") -> Path:
    target = root / name
    target.write_text(target.read_text("utf-8").replace("teams: [payments, sre]", "teams: [payment, sre]"), "utf-8")
    return target


def test_validate_text_and_exit_codes(kb: Path, capsys) -> None:
    break_a_record(kb)
    code, out, _ = run(capsys, "validate", "kb")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("kb/incidents/INC-2024-017.yaml:10:9: [teams[0]] unknown team 'payment' (did you mean 'payments'?)")
    assert lines[1].endswith(": 1 error, 0 warnings")


def test_validate_json(kb: Path, capsys) -> None:
    break_a_record(kb)
    code, out, err = run(capsys, "validate", "kb", "--format", "json")
    assert code == 1
    found = json.loads(out)
    assert len(found) == 1
    message = found[0].pop("message")
    assert found[0] == {"file": "kb/incidents/INC-2024-017.yaml", "line": 10, "column": 9, "field": "teams[0]", "rule": "unknown-team", "severity": "error"}
    assert message.startswith("unknown team 'payment' (did you mean 'payments'?)")
    assert "1 error" in err


def test_validate_github_annotations_name_files_from_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(MINIMAL, repo / "docs, notes: kb")  # a folder name with the two characters GitHub needs escaped
    (repo / ".git").mkdir()
    break_a_record(repo / "docs, notes: kb")
    monkeypatch.chdir(repo / "docs, notes: kb")  # run from inside the knowledge base
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    code, out, _ = run(capsys, "validate", ".", "--format", "github")
    assert code == 1
    assert out.splitlines()[0].startswith(
        "::error file=docs%2C notes%3A kb/incidents/INC-2024-017.yaml,line=10,col=9::[teams[0]] unknown team 'payment' (did you mean 'payments'?)"
    )
    # In GitHub Actions the workspace is the base.
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo / "docs, notes: kb"))
    code, out, _ = run(capsys, "validate", ".", "--format", "github")
    assert out.splitlines()[0].startswith("::error file=incidents/INC-2024-017.yaml,line=10,col=9::")


def test_validate_strict_fails_on_warnings(kb: Path, capsys) -> None:
    (kb / "paths" / "new-engineer.yaml").write_text("id: new-engineer\ntitle: t\nsteps:\n  - ref: INC-2025-001\n", "utf-8")
    assert run(capsys, "validate", "kb")[0] == 0
    assert run(capsys, "validate", "kb", "--strict")[0] == 1
    assert run(capsys, "validate", "kb", "--include-drafts")[0] == 0


# -- lessons stats ------------------------------------------------------------------------------


def test_stats_text(kb: Path, capsys) -> None:
    code, out, err = run(capsys, "stats", "kb", "--today", TODAY)
    assert code == 0, err
    assert out.splitlines()[:8] == [
        f"Knowledge base kb, as of {TODAY}",
        "",
        "2 incidents published; 1 draft not counted",
        "  by kind:      incident 1, near-miss 1",
        "  by status:    reviewed 2",
        "  by severity:  SEV2 1",
        "  by year:      2023 1, 2024 1",
        "  by team:      payments 2, sre 1",
    ]
    assert "    process-deviation/skipped-review  1  /  1" in out
    assert "1 action item: 0 open, 0 in progress, 1 done, 0 dropped; 0 overdue" in out
    assert "1 SOP with 2 versions; 1 due for review" in out
    assert "    SOP-007  sre  review due 2024-11-02  755 d overdue  Changing production configuration" in out


def add_open_action(root: Path) -> None:
    target = root / "incidents" / "INC-2023-044.yaml"
    target.write_text(
        target.read_text("utf-8")
        + "action_items:\n  - id: A1\n    action: Check the table.\n    owner: sam.ortiz\n    due: 2026-11-01\n    status: in-progress\n"
        + "  - id: A2\n    action: Add an alert.\n    due: 2026-12-31\n    status: open\n",
        "utf-8",
    )


def test_stats_json(kb: Path, capsys) -> None:
    add_open_action(kb)
    code, out, _ = run(capsys, "stats", "kb", "--today", TODAY, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["today"] == TODAY
    assert data["incidents"] == 2 and data["drafts_left_out"] == 1
    assert data["by_kind"] == {"incident": 1, "near-miss": 1, "success": 0}
    assert data["by_status"] == {"draft": 0, "in-review": 0, "reviewed": 2, "closed": 0}
    assert data["by_team"] == {"payments": 2, "sre": 1}
    terms = {t["term"]: (t["primary"], t["any"]) for t in data["by_term"]}
    assert terms["design-flaw"] == (1, 2)  # INC-2023-044 primary, INC-2024-017 secondary
    assert terms["data-gap"] == (0, 0)
    assert data["action_items"] == {"total": 3, "open": 1, "in-progress": 1, "done": 1, "dropped": 0, "overdue": 1}
    assert data["overdue_action_items"] == [
        {"incident": "INC-2023-044", "action": "A1", "owner": "sam.ortiz", "due": "2026-11-01", "status": "in-progress", "days_overdue": 26}
    ]
    assert data["sop_reviews_due"] == [
        {"sop": "SOP-007", "title": "Changing production configuration", "owner": "sre", "due": "2024-11-02", "state": "overdue", "days": 755}
    ]
    assert data["errors"] == 0


def test_stats_counts_drafts_when_asked(kb: Path, capsys) -> None:
    data = json.loads(run(capsys, "stats", "kb", "--today", TODAY, "--format", "json", "--include-drafts")[1])
    assert data["incidents"] == 3
    assert data["by_status"]["draft"] == 1
    assert data["drafts_left_out"] == 0


def test_stats_due_soon_and_today_from_mkdocs_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    shutil.copytree(MINIMAL, tmp_path / "content")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - lessons:\n      today: 2024-10-20\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    data = json.loads(run(capsys, "stats", "--format", "json")[1])
    assert data["today"] == "2024-10-20"
    assert data["sop_reviews_due"][0]["state"] == "due-soon"
    assert data["sop_reviews_due"][0]["days"] == 13


def test_stats_on_a_broken_knowledge_base(kb: Path, capsys) -> None:
    break_a_record(kb)
    code, out, err = run(capsys, "stats", "kb", "--today", TODAY, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["errors"] == 1
    assert data["incidents"] == 2  # the record with an unknown team still passed its schema
    assert "these figures leave out the records that failed their schema" in err


def test_stats_usage_errors(kb: Path, capsys) -> None:
    assert run(capsys, "stats", "kb", "--today", "yesterday")[0] == 2
    assert run(capsys, "stats", "missing-folder")[0] == 2


# -- lessons schema ---------------------------------------------------------------------------------


def test_schema_out_check_and_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "schema", "--out", "schemas")
    assert code == 0
    for kind in schema.KINDS:
        written = tmp_path / "schemas" / f"{kind}.schema.json"
        assert written.read_text("utf-8") == schema.schema_text(kind)
        assert f"written   schemas/{kind}.schema.json" in out
        json.loads(written.read_text("utf-8"))
    assert '"yaml.schemas"' in out
    code, out, _ = run(capsys, "schema", "--out", "schemas")
    assert out.count("unchanged") == len(schema.KINDS)
    assert run(capsys, "schema", "--out", "schemas", "--check")[0] == 0
    (tmp_path / "schemas" / "sop.schema.json").write_text("{}", "utf-8")
    (tmp_path / "schemas" / "path.schema.json").unlink()
    code, out, err = run(capsys, "schema", "--out", "schemas", "--check")
    assert code == 1
    assert "differs   schemas/sop.schema.json" in out and "missing   schemas/path.schema.json" in out
    assert "2 schema files out of date" in err
    assert (tmp_path / "schemas" / "sop.schema.json").read_text("utf-8") == "{}"  # --check writes nothing
    code, out, _ = run(capsys, "schema", "incident")
    assert code == 0 and out == schema.schema_text("incident")
    assert run(capsys, "schema", "incident", "--out", "one")[0] == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["incident.schema.json"]


def test_schema_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "schema")[0] == 2
    assert run(capsys, "schema", "--check")[0] == 2
    (tmp_path / "file").write_text("", "utf-8")
    assert run(capsys, "schema", "--out", "file")[0] == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["schema", "incidents"])  # argparse: not a kind
    assert exit_info.value.code == 2


def test_unknown_command_and_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["publish"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("lessons ")


# -- the console script, as a contributor runs it ------------------------------------------------------


def test_console_script_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(MINIMAL, root)
    script = _console_script()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}

    def lessons(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([script, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)

    made = lessons("new", "incident", "--title", "Slow search", "--team", "sre", "--kind", "success", "--occurred", "2026-04-01T12:00:00Z", "--term", "data-gap")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Created content/incidents/INC-2026-001.yaml")
    checked = lessons("validate")
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.strip().endswith(": no problems")
    figures = lessons("stats", "--format", "json", "--today", TODAY)
    assert figures.returncode == 0
    assert json.loads(figures.stdout)["drafts_left_out"] == 2
    # The console script leaves with os._exit: its output must still be complete.
    (root / "incidents/INC-2023-044.yaml").write_text("id: INC-2023-044\nkind: incidnet\n", "utf-8")
    broken = lessons("validate")
    assert broken.returncode == 1
    assert "content/incidents/INC-2023-044.yaml:2:7: [kind]" in broken.stdout
    assert "error" in broken.stdout.rstrip().splitlines()[-1]  # the summary line, flushed before the exit
    missing = lessons("new", "incident", "--title", "x")
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert "needs --team" in missing.stderr


# -- the files that guide contributors -------------------------------------------------------------------


def test_pre_commit_hook_runs_lessons_validate(tmp_path: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    hook = next(h for h in hooks if h["id"] == "lessons-validate")
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "content/incidents/INC-2024-017.yaml")
    assert re.search(hook["files"], "mkdocs.yml")
    assert not re.search(hook["files"], "docs/about.md")
    # The entry is the installed console script; pre-commit runs it from the repository root.
    entry = shlex.split(hook["entry"])
    pyproject = (REPO / "pyproject.toml").read_text("utf-8")
    assert f'{entry[0]} = "mkdocs_lessons.cli.main:run"' in pyproject
    shutil.copytree(MINIMAL, tmp_path / "content")
    command = [_console_script(), *entry[1:]]
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120).returncode == 0
    break_a_record(tmp_path / "content")
    failed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert "content/incidents/INC-2024-017.yaml:10:9:" in failed.stdout


def test_example_workflow_validates_pull_requests_and_publishes_main() -> None:
    workflow = yaml.safe_load((REPO / "examples" / "github-workflow.yml").read_text("utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    validate = workflow["jobs"]["validate"]
    runs = [step.get("run", "") for step in validate["steps"]]
    assert "lessons validate --format github" in runs
    assert "mkdocs build --strict" in runs
    publish = workflow["jobs"]["publish"]
    assert "refs/heads/main" in publish["if"] and "pull_request" in publish["if"]
    assert publish["permissions"]["pages"] == "write" and publish["permissions"]["id-token"] == "write"
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    checkout = next(step for step in publish["steps"] if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # full history for "Last updated"


def test_contributor_documents_cover_every_command_and_the_checklist() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text("utf-8")
    template = (REPO / ".github" / "pull_request_template.md").read_text("utf-8")
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"lessons {name}" in contributing, name
    for record in ("incident", "sop", "path"):
        assert f"lessons new {record}" in contributing
    assert "blameless" in contributing.lower() and "blameless" in template.lower()
    assert template.count("- [ ]") >= 10
    # Every option `lessons new` offers for an incident is a real one.
    for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", contributing):
        assert any(option in (a.option_strings or []) for sub in _all_parsers(parser) for a in sub._actions), option


def _all_parsers(parser):  # type: ignore[no-untyped-def]
    yield parser
    for action in parser._actions:
        if getattr(action, "choices", None) and isinstance(action.choices, dict):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_yaml_scalar_escapes_what_yaml_cannot_hold_raw() -> None:
    """Every character a reader could refuse or take for a line break, in every position, reads back exactly."""
    awkward = [chr(c) for c in range(0x7F, 0xA0)] + ["\u2028", "\u2029", "\ufffe", "\uffff", "\ufeff", "\x00", "\x1b"]
    for ch in awkward:
        for value in (f"a{ch}b", ch, f"{ch}x", f"x{ch}"):
            scalar = yaml_scalar(value)
            scalar.encode("utf-8")  # writable as a UTF-8 file
            line = f"k: {scalar}\n"
            assert parse_text(line, "x").data == {"k": value}, (hex(ord(ch)), scalar)
            assert yaml.safe_load(line) == {"k": value}, (hex(ord(ch)), scalar)

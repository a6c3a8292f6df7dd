"""Trust the checks (issue 20): every error located, in one run, none dropped, no hangs from dates.

The located messages themselves are cases of the broken corpus
(`tests/fixtures/broken/`, run by test_errors.py through `lessons validate`
and `mkdocs build` alike); the tests here check what a corpus case cannot:
what a page says, how long the work takes, how the messages read.
"""

from __future__ import annotations

from pathlib import Path

from test_errors import make_kb


def test_codified_in_a_proposed_version_does_not_claim_the_standard_changed(tmp_path: Path, build_kb) -> None:
    root = make_kb("codified-in-proposed-version", tmp_path)
    site = build_kb(root, strict=False)
    text = site.text("incidents/INC-2024-017/")
    assert "This review changed the standard" not in text
    assert "This review proposed a change that is not standard practice yet: SOP-007@4 (proposed)" in text


# -- dates cannot hang the build -------------------------------------------------

import shutil
import tempfile
import time
from datetime import date

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINIMAL
from mkdocs_lessons.dates import MAX_QUARTERS, MAX_YEARS, recent_quarters
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.analysis.metrics import compute

FAR_TODAY = date(2100, 12, 31)  # nothing in the default date range is in the future
_SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
_YEARS = st.one_of(st.sampled_from([1990, 2100]), st.integers(1990, 2100))


def _extreme_kb(root: Path, years: list[int], sop_years: tuple[int, int]) -> Path:
    """The minimal knowledge base with one near miss per year given, and SOP versions in `sop_years`."""
    shutil.copytree(MINIMAL, root)
    base = yaml.safe_load((MINIMAL / "incidents" / "INC-2023-044.yaml").read_text("utf-8"))
    for index, year in enumerate(years):
        record = dict(base, id=f"INC-{year}-{900 + index}", occurred=f"{year}-03-01T10:00:00Z", detected=f"{year}-03-01T11:00:00Z", review={"date": f"{year}-03-09"})
        (root / "incidents" / f"{record['id']}.yaml").write_text(yaml.safe_dump(record, sort_keys=False), "utf-8")
    sop = yaml.safe_load((MINIMAL / "sops" / "SOP-007.yaml").read_text("utf-8"))
    sop["versions"][0]["effective"], sop["versions"][1]["effective"] = (f"{sop_years[0]}-01-01", f"{sop_years[1]}-01-01")
    (root / "sops" / "SOP-007.yaml").write_text(yaml.safe_dump(sop, sort_keys=False), "utf-8")
    return root


@settings(max_examples=200, **_SETTINGS)
@given(first=st.integers(1, 9999 * 4 - 1), span=st.integers(0, 9999 * 4))
def test_recent_quarters_are_bounded_whatever_the_span(first: int, span: int) -> None:
    start, end = f"{first // 4}-Q{first % 4 + 1}", f"{(first + span) // 4}-Q{(first + span) % 4 + 1}"
    quarters, left_out = recent_quarters(start, end)
    assert 1 <= len(quarters) <= MAX_QUARTERS
    assert len(quarters) + left_out == span + 1
    assert quarters[-1] == end


@settings(max_examples=15, **_SETTINGS)
@given(years=st.lists(_YEARS, min_size=1, max_size=4), sop_years=st.tuples(_YEARS, _YEARS).map(sorted))
def test_extreme_dates_keep_every_chart_bounded(years: list[int], sop_years: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = _extreme_kb(Path(folder) / "kb", years, (sop_years[0], sop_years[1]))
        outcome = open_knowledge_base(root, base=root, today=FAR_TODAY)
        assert outcome.ok, [str(d) for d in outcome.diagnostics.errors]
        m = compute(outcome.kb, FAR_TODAY)
    assert len(m.quarters) <= MAX_QUARTERS
    assert all(len(t) <= MAX_QUARTERS for t in (m.times, m.reporting, m.actions.quarters, m.term_by_quarter.columns))
    assert len(m.sops.approved_per_year) <= MAX_YEARS
    assert m.quarters[-1] == "2100-Q4"  # the most recent quarters are the ones shown


def test_a_build_spanning_1990_to_2100_finishes_in_seconds(tmp_path: Path, build_kb) -> None:
    root = _extreme_kb(tmp_path / "kb", [1990, 2000, 2100], (1990, 2100))
    started = time.perf_counter()
    site = build_kb(root, today=FAR_TODAY.isoformat())
    elapsed = time.perf_counter() - started
    assert elapsed < 12, elapsed  # 4 s here with the bound, 18 s without (2 cores); a year 1026 took minutes
    text = site.text("dashboard/")
    assert f"the most recent {MAX_QUARTERS} quarters" in text


# -- links in record text ----------------------------------------------------------

import logging
import os
import posixpath
import re

import pytest

from conftest import build as mkdocs_build, reliability, write_config
from mkdocs_lessons.checks import rules as checks
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.checks.rules import LinkTargets, markdown_fields
from mkdocs_lessons.urls import Urls

def _load(file: Path):  # type: ignore[no-untyped-def]
    """A record's values as the plugin reads them (dates stay text)."""
    from mkdocs_lessons.records.yamlsource import parse_text

    return parse_text(file.read_text("utf-8"), file.name).data


_OWN_PAGE = {
    "incidents": lambda i: Urls().incident(i),
    "sops": lambda i: Urls().sop(i),
    "paths": lambda i: Urls().path(i),
    "sessions": lambda i: Urls().session(i),
    "indicators": lambda i: Urls().indicator(i),
}

# A session and an indicator with every Markdown field (record format v1.1); the
# session's buddy takeaway shows on the incident it discussed too.
_SESSION = {
    "id": "2024-03-19-checkout-review", "title": "Review", "kind": "review", "date": "2024-03-19", "teams": ["payments", "sre"],
    "buddies": [{"person": "priya.nair", "team": "sre", "takeaway": "A takeaway."}],
    "discussed": ["INC-2024-017", "SOP-007@2"], "outcomes": ["An outcome."], "summary": "A summary.",
}
_INDICATOR = {
    "id": "checkout-conversion", "title": "Checkout conversion", "kind": "lagging", "source": "Analytics.", "description": "What it is.",
    "teams": ["payments"], "values": [{"period": "2024-01", "value": 61.2}],
}


def _linked_kb(project: Path) -> tuple[Path, dict[int, str]]:
    """The minimal knowledge base with, in every Markdown field, a link that works from the record's own page only.

    Each link names its own file `f<n>.md` beside the record's page in
    docs_dir, so it breaks on a page in any other folder, and a warning of
    MkDocs' own link check says which field it is about.
    """
    root = project / "kb"
    shutil.copytree(MINIMAL, root)
    (project / "docs").mkdir(parents=True)
    fields: dict[int, str] = {}

    def link(value: str, own_page: str, label: str) -> str:
        # A file beside the record's own page: from a page in any other folder the link breaks.
        n = len(fields)
        fields[n] = label
        beside = project / "docs" / posixpath.dirname(own_page) / f"f{n}.md"
        beside.parent.mkdir(parents=True, exist_ok=True)
        beside.write_text(f"# f{n}\n", "utf-8")
        return f"{value} [f{n}](f{n}.md)"

    def visit(data, pattern, own_page, label):  # type: ignore[no-untyped-def]
        if not pattern:
            return link(data, own_page, label) if isinstance(data, str) else data
        head, rest = pattern[0], pattern[1:]
        if head == "*" and isinstance(data, list):
            return [visit(item, rest, own_page, f"{label}[{i}]") for i, item in enumerate(data)]
        if isinstance(data, dict) and head in data:
            data[head] = visit(data[head], rest, own_page, f"{label}.{head}")
        return data

    path_file = root / "paths" / "new-engineer.yaml"
    path = _load(path_file)
    path["steps"] += [{"ref": "teams/payments"}, {"ref": "SOP-007@2"}, {"ref": "taxonomy/design-flaw/missing-guardrail"}]
    path_file.write_text(yaml.safe_dump(path, sort_keys=False), "utf-8")
    for folder, record in (("sessions", _SESSION), ("indicators", _INDICATOR)):
        (root / folder).mkdir()
        (root / folder / f"{record['id']}.yaml").write_text(yaml.safe_dump(record, sort_keys=False), "utf-8")
    kinds = {"incidents": "incident", "sops": "sop", "paths": "path", "sessions": "session", "indicators": "indicator"}
    for folder, kind in kinds.items():
        for file in sorted((root / folder).glob("*.yaml")):
            data = _load(file)
            own = _OWN_PAGE[folder](data["id"])
            for pattern in markdown_fields(kind):
                data = visit(data, pattern, own, f"{file.stem}:")
            file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    taxonomy_file = root / "taxonomy" / "taxonomy.yaml"
    taxonomy = _load(taxonomy_file)

    def terms(items, parent):  # type: ignore[no-untyped-def]
        for item in items:
            path_id = f"{parent}/{item['id']}" if parent else item["id"]
            item["description"] = link(item["description"], Urls().term(path_id), f"term {path_id}")
            terms(item.get("children", []), path_id)

    terms(taxonomy["terms"], "")
    for item in taxonomy["retired"]:
        item["note"] = link(item["note"], Urls().taxonomy, f"retired {item['id']}")
    taxonomy_file.write_text(yaml.safe_dump(taxonomy, sort_keys=False), "utf-8")
    teams_file = root / "taxonomy" / "teams.yaml"
    teams = _load(teams_file)
    for team in teams["teams"]:
        team["description"] = link("A team.", Urls().team(team["id"]), f"team {team['id']}")
    teams_file.write_text(yaml.safe_dump(teams, sort_keys=False), "utf-8")
    return root, fields


def _broken_field_links(site_dir: Path) -> set[int]:
    """Numbers of the `fN` links in the built pages that lead to no file (pages are HTML: MkDocs checks none)."""
    broken: set[int] = set()
    for page in site_dir.rglob("*.html"):
        if page.name == "404.html":  # its navigation links are absolute from the site's root
            continue
        base = page.parent.relative_to(site_dir).as_posix()
        for href in re.findall(r'href="([^"#?]*\bf(\d+)[^"#?]*)"', page.read_text("utf-8")):
            target = posixpath.normpath(posixpath.join(base, href[0]))
            path = site_dir / target
            if not (path.is_file() or (path / "index.html").is_file()):
                broken.add(int(href[1]))
    return broken


def _field_numbers(lines: list[str]) -> set[int]:
    return {int(n) for line in lines for n in re.findall(r"\bf(\d+)\.md", line)}


def test_every_page_that_shows_record_text_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """MkDocs' own link check, run with ours off, finds no broken link that ours does not report.

    Every Markdown field of every record holds a link that works from the
    record's own page; a page that shows the text elsewhere breaks it. The
    fields MkDocs complains about must be among those `check_markdown_links`
    reports (checks._shown_on lists where each field is shown).
    """
    project = tmp_path / "project"
    project.mkdir()
    root, fields = _linked_kb(project)
    write_config(project, root, options={"today": "2026-11-27"})
    outcome = open_knowledge_base(root, base=project, today=date(2026, 11, 27), links=LinkTargets(docs_dir=project / "docs"))
    ours = [str(d) for d in outcome.diagnostics if d.rule == "markdown-link"]
    assert all(d.rule in ("markdown-link",) or d.severity.value != "error" for d in outcome.diagnostics), [str(d) for d in outcome.diagnostics.errors]
    flagged = _field_numbers(ours)
    assert flagged, "some fields are shown on other pages (the summary on the home page)"

    monkeypatch.setattr(checks, "check_markdown_links", lambda *args, **kwargs: None)
    site = mkdocs_build(project, strict=False)
    # The oracle: every link to an `fN` page in the built site, followed as a browser would.
    broken = _broken_field_links(site.site_dir)
    for n, label in fields.items():
        kind = "taxonomy" if label.startswith(("term ", "retired ")) else "teams" if label.startswith("team ") else {"INC": "incident", "SOP": "sop"}.get(label[:3], "path")
        reliability(test="links", kind=kind, rule="link shown on other pages", located=n in flagged or n not in broken, agree=True)
    missed = sorted(fields[n] for n in broken - flagged)
    assert not missed, f"the built site has broken links in fields the check passes: {missed}"
    # The check may ask more (a summary is checked from the home page whether or not it is among the newest).
    assert len(flagged) <= len(broken) + 4, sorted(fields[n] for n in flagged - broken)
    monkeypatch.undo()

    # `lessons validate` from the project folder reads docs_dir from mkdocs.yml and reports
    # exactly what the build reports (the build aborts on them before any page).
    monkeypatch.chdir(project)
    capsys.readouterr()
    assert cli.main(["validate"]) == 1
    validated = [line for line in capsys.readouterr().out.splitlines() if re.search(r"\bf\d+\.md", line)]
    with pytest.raises(Exception):  # noqa: B017 - MkDocs' Abort
        mkdocs_build(project, strict=True)
    built = [r.getMessage().split(": ", 1)[1] for r in caplog.records if r.name.startswith("mkdocs.plugins.mkdocs_lessons") and re.search(r"\bf\d+\.md", r.getMessage())]
    assert validated == built == [line for line in ours]
    assert len(validated) == len(flagged)


@pytest.mark.parametrize("fixture", ["minimal", "dashboard"])
@pytest.mark.parametrize("options", [{}, {"include_drafts": True, "prefix": "kb/", "pagefind": True, "generated_paths": True}], ids=["default", "drafts-prefix-pagefind"])
def test_the_link_check_knows_every_generated_page(fixture: str, options: dict) -> None:
    """`checks._site_files` lists exactly the Markdown pages `generate()` writes (no docs_dir)."""
    from mkdocs_lessons.checks.rules import _site_files
    from mkdocs_lessons.pages.site import generate, make_context

    root = MINIMAL.parent / fixture
    drafts = options.get("include_drafts", False)
    targets = LinkTargets(prefix=options.get("prefix", ""), pagefind=options.get("pagefind", False), generated_paths=options.get("generated_paths", False))
    outcome = open_knowledge_base(root, base=root, include_drafts=drafts, generated_paths=targets.generated_paths, today=date(2026, 11, 27), links=targets)
    assert outcome.kb is not None
    ctx = make_context(outcome.kb, today=date(2026, 11, 27), prefix=targets.prefix, pagefind=targets.pagefind)
    # Not listed (a link from record text to them is reported): a list's later pages
    # (paging.py) and one owner's or team's action items, which exist only while open items do.
    later = re.compile(r"(/page/[0-9]+/index\.md|actions/(owner|team)/[^/]+/index\.md)$")
    generated = {f.src_uri for f in generate(ctx) if f.src_uri.endswith(".md") and not later.search(f.src_uri)}
    known = {p for p in _site_files(outcome.loaded, targets, Urls(targets.prefix), drafts) if p.endswith(".md")}
    assert generated <= known
    # Only the Essentials path may be listed without being made (it is made when the records give it steps).
    assert {p for p in known - generated if "/essentials/" not in p} == set()


def test_date_range_is_read_from_mkdocs_yml_by_validate_and_build_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    project = tmp_path / "project"
    project.mkdir()
    root = project / "kb"
    shutil.copytree(MINIMAL, root)
    write_config(project, root, options={"date_range": [2024, 2030]})
    monkeypatch.chdir(project)
    assert cli.main(["validate"]) == 1
    validated = [line for line in capsys.readouterr().out.splitlines() if "date range" in line]
    assert validated == [
        'kb/incidents/INC-2023-044.yaml:5:11: [occurred] "2023-11-02T14:05:00Z" is outside the date range 2024-2030 (year 2023); a typo? (the range is the plugin option date_range)',
        'kb/incidents/INC-2023-044.yaml:6:11: [detected] "2023-11-02T14:30:00Z" is outside the date range 2024-2030 (year 2023); a typo? (the range is the plugin option date_range)',
        'kb/incidents/INC-2023-044.yaml:16:9: [review.date] "2023-11-06" is outside the date range 2024-2030 (year 2023); a typo? (the range is the plugin option date_range)',
        'kb/sops/SOP-007.yaml:8:16: [versions[0].effective] "2023-06-01" is outside the date range 2024-2030 (year 2023); a typo? (the range is the plugin option date_range)',
    ]
    with pytest.raises(Exception):  # noqa: B017 - MkDocs' Abort
        mkdocs_build(project, strict=True)
    built = [r.getMessage().split(": ", 1)[1] for r in caplog.records if r.name.startswith("mkdocs.plugins.mkdocs_lessons") and "date range" in r.getMessage()]
    assert built == validated
    # A malformed option is a usage error for the command and a configuration error for the build.
    write_config(project, root, options={"date_range": [2030, 2024]})
    assert cli.main(["validate"]) == 2
    assert "date_range" in capsys.readouterr().err
    caplog.clear()
    with pytest.raises(Exception):  # noqa: B017 - MkDocs' Abort
        mkdocs_build(project, strict=True)
    assert any("option 'date_range' must be two years" in r.getMessage() for r in caplog.records)

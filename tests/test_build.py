"""Real MkDocs builds of small knowledge bases, checked by reading the HTML."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from mkdocs.exceptions import Abort

from conftest import MINIMAL, build, copy_kb, internal_links, write_config
from mkdocs_lessons.records import schema

CONTRACT_PAGES = [
    "incidents/",
    "incidents/INC-2024-017/",
    "incidents/INC-2023-044/",
    "sops/",
    "sops/SOP-007/",
    "sops/SOP-007/v2/",
    "sops/SOP-007/v3/",
    "taxonomy/",
    "taxonomy/process-deviation/",
    "taxonomy/process-deviation/skipped-review/",
    "taxonomy/design-flaw/missing-guardrail/",
    "teams/",
    "teams/payments/",
    "teams/sre/",
    "paths/",
    "paths/new-engineer/",
]


@pytest.fixture
def minimal_site(build_kb):
    return build_kb(MINIMAL)


def test_every_contract_url_exists(minimal_site):
    for url in CONTRACT_PAGES:
        assert minimal_site.page(url).is_file(), url
    for kind in ("incident", "sop", "taxonomy", "teams", "path"):
        published = minimal_site.site_dir / f"schemas/{kind}.schema.json"
        assert json.loads(published.read_text("utf-8")) == schema.schema(kind)
    assert (minimal_site.site_dir / "kb.json").is_file()


def test_every_internal_link_resolves(minimal_site):
    broken = [(p.relative_to(minimal_site.site_dir), href) for p, href, target, _ in internal_links(minimal_site) if not target.exists()]
    assert broken == []


def test_incident_page_shows_facts_and_cross_links(minimal_site):
    article = minimal_site.article("incidents/INC-2024-017/")
    text = " ".join(article.get_text(" ", strip=True).split())
    assert article.find("h1").get_text(strip=True) == "INC-2024-017: Checkout outage after an unreviewed config push"
    assert "time to detect: 8 min" in text
    assert "time to restore: 1 h 25 min" in text
    hrefs = {a["href"]: a.get_text(" ", strip=True) for a in article.find_all("a")}
    assert hrefs["../../taxonomy/process-deviation/skipped-review/"] == "Process deviation › Skipped review"
    assert hrefs["../../taxonomy/design-flaw/missing-guardrail/"] == "Design flaw › Missing guardrail"
    assert hrefs["../../teams/payments/"] == "Payments"
    # The SOP reference links to the exact version it names.
    assert hrefs["../../sops/SOP-007/v2/"] == "SOP-007@2: Changing production configuration"
    assert hrefs["../../sops/SOP-007/v3/"] == "SOP-007@3"  # codified_in of action item A1
    assert "../INC-2023-044/" in hrefs
    # Sections in record order; an assumption that did not hold says so.
    headings = [h.get_text(strip=True) for h in article.find_all("h2")]
    assert headings[:4] == ["Summary", "Context", "Impact", "Timeline"]
    assert "did not hold" in text
    assert "Every config push goes through review, however small." in text


def test_sections_a_record_leaves_out_are_absent(minimal_site):
    headings = [h.get_text(strip=True) for h in minimal_site.article("incidents/INC-2023-044/").find_all("h2")]
    for absent in ("Context", "Impact", "Timeline", "Decisions", "Assumptions", "Action items"):
        assert absent not in headings


def test_backlinks_between_related_incidents(minimal_site):
    article = minimal_site.article("incidents/INC-2023-044/")
    links = [a for a in article.find_all("a") if a["href"] == "../INC-2024-017/"]
    assert links, "INC-2023-044 must link back to INC-2024-017, which names it as related"
    assert "refers to this incident" in minimal_site.text("incidents/INC-2023-044/")


def test_sop_pages_show_current_history_and_diff(minimal_site):
    text = minimal_site.text("sops/SOP-007/")
    assert "Current version: v3" in text
    assert "Review the diff preview with a second engineer." in text
    assert "Motivated by" in text and "INC-2024-017" in text
    article = minimal_site.article("sops/SOP-007/")
    assert article.find("a", href="v2/") is not None  # history links each version
    v3 = minimal_site.article("sops/SOP-007/v3/")
    added = [li.get_text(" ", strip=True) for li in v3.find_all("li") if li.find(class_="lessons-diff--added")]
    assert added == ["added Review the diff preview with a second engineer."]
    v2 = minimal_site.text("sops/SOP-007/v2/")
    assert "superseded" in v2 and "stood until 2024-05-02" in v2
    assert "INC-2024-017" in v2  # the incident that violated v2


def test_taxonomy_pages_list_incidents_with_counts(minimal_site):
    overview = minimal_site.text("taxonomy/")
    assert "human-error" in overview and "Retired terms" in overview
    parent = minimal_site.text("taxonomy/design-flaw/")
    assert "1 primary, 1 secondary" in parent  # INC-2023-044 primary on the child, INC-2024-017 secondary
    child = minimal_site.article("taxonomy/process-deviation/skipped-review/")
    assert child.find("a", href="../../../incidents/INC-2024-017/") is not None


def test_team_pages_list_incidents_and_owned_sops(minimal_site):
    sre = minimal_site.article("teams/sre/")
    assert sre.find("a", href="../../sops/SOP-007/") is not None
    assert sre.find("a", href="../../incidents/INC-2024-017/") is not None
    assert minimal_site.article("teams/payments/").find("a", href="../../incidents/INC-2023-044/") is not None


def test_reading_path_lists_steps_in_order(minimal_site):
    article = minimal_site.article("paths/new-engineer/")
    hrefs = [a["href"] for a in article.select(":not(nav) > ol > li a")]
    # Step links tell the step page which path the reader is on (tests/test_paths.py).
    assert hrefs == [
        "../../taxonomy/process-deviation/?path=new-engineer",
        "../../incidents/INC-2024-017/?path=new-engineer",
        "../../sops/SOP-007/?path=new-engineer",
    ]
    assert "A small change, a large outage." in minimal_site.text("paths/new-engineer/")


def test_drafts_are_validated_but_not_published(minimal_site, build_kb):
    assert not minimal_site.page("incidents/INC-2025-001/").exists()
    kb = json.loads((minimal_site.site_dir / "kb.json").read_text("utf-8"))
    assert [i["id"] for i in kb["incidents"]] == ["INC-2023-044", "INC-2024-017"]
    for page in minimal_site.html_pages():
        assert "INC-2025-001" not in page.read_text("utf-8"), page
    with_drafts = build_kb(MINIMAL, include_drafts=True)
    assert with_drafts.page("incidents/INC-2025-001/").is_file()


def test_kb_json_holds_every_published_record_with_urls(minimal_site):
    kb = json.loads((minimal_site.site_dir / "kb.json").read_text("utf-8"))
    incident = next(i for i in kb["incidents"] if i["id"] == "INC-2024-017")
    assert incident["url"] == "incidents/INC-2024-017/"
    assert incident["occurred"] == "2024-03-14T09:12:00Z"  # as written, not re-serialised
    assert [s["id"] for s in kb["sops"]] == ["SOP-007"]
    assert kb["sops"][0]["version_urls"] == {"2": "sops/SOP-007/v2/", "3": "sops/SOP-007/v3/"}
    assert [t["id"] for t in kb["teams"]] == ["payments", "sre"]
    assert kb["paths"][0]["url"] == "paths/new-engineer/"


def test_navigation_a_new_hire_understands(minimal_site):
    nav = minimal_site.soup("incidents/").select("nav.md-nav--primary > ul > li > a")
    titles = [a.get_text(" ", strip=True) for a in nav]
    assert titles[:8] == ["Home", "Dashboard", "Action items", "Lessons", "Incidents", "Procedures", "Taxonomy", "Teams"]
    # Record pages are linked from indexes, not listed in every page's sidebar.
    assert all("INC-" not in t for t in titles)


def test_edit_link_opens_the_yaml_source(build_kb):
    site = build_kb(
        MINIMAL,
        extra={
            "repo_url": "https://git.example/kb",
            "edit_uri": "edit/main/docs/",
            "theme": {"name": "material", "font": False, "features": ["content.action.edit"]},
        },
    )
    edit = site.soup("incidents/INC-2024-017/").find("a", attrs={"title": "Edit this page"})
    assert edit is not None
    assert edit["href"].endswith("/incidents/INC-2024-017.yaml")
    assert site.soup("incidents/").find("a", attrs={"title": "Edit this page"}) is None


def test_prefix_puts_everything_under_a_folder(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, MINIMAL, options={"prefix": "kb"})
    (project / "docs/index.md").write_text("# Handbook\n\nThe [knowledge base](kb/index.md).\n", "utf-8")
    site = build(project)
    assert site.article("").find("a", href="kb/") is not None
    for url in CONTRACT_PAGES:
        assert site.page(f"kb/{url}").is_file(), url
    assert (site.site_dir / "kb/kb.json").is_file()
    assert (site.site_dir / "kb/schemas/incident.schema.json").is_file()
    assert [p for p, h, t, _ in internal_links(site) if not t.exists()] == []


def test_without_directory_urls(build_kb):
    site = build_kb(MINIMAL, extra={"use_directory_urls": False})
    assert (site.site_dir / "incidents/INC-2024-017.html").is_file()
    assert (site.site_dir / "sops/SOP-007/v2.html").is_file()
    assert [p for p, h, t, _ in internal_links(site) if not t.exists()] == []


def test_hand_written_pages_keep_working(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, MINIMAL)
    (project / "docs/index.md").write_text("# Our handbook\n\nSee the [incidents](incidents/index.md).\n", "utf-8")
    (project / "docs/guide.md").write_text("# Guide\n\nRead [INC-2024-017](incidents/INC-2024-017.md).\n", "utf-8")
    site = build(project)
    assert site.article("").find("h1").get_text(strip=True) == "Our handbook"  # the hand-written home wins
    assert site.article("guide/").find("a", href="../incidents/INC-2024-017/") is not None
    nav = [a.get_text(" ", strip=True) for a in site.soup("guide/").select("nav.md-nav--primary > ul > li > a")]
    assert "Guide" in nav and "Incidents" in nav


def test_generated_page_clashing_with_a_docs_page_fails(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, MINIMAL)
    (project / "docs/incidents").mkdir()
    (project / "docs/incidents/INC-2024-017.md").write_text("# mine\n", "utf-8")
    with pytest.raises(Abort):
        build(project)


def test_broken_record_fails_the_build_with_every_error_located(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    record = kb / "incidents/INC-2024-017.yaml"
    record.write_text(
        record.read_text("utf-8").replace("severity: SEV2 ", "severity: SEV9 ").replace("teams: [payments, sre]", "teams: [payments, sales]"),
        "utf-8",
    )
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, kb)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert "../kb/incidents/INC-2024-017.yaml:5:11: [severity] \"SEV9\" is not one of: SEV1, SEV2, SEV3, SEV4 (did you mean 'SEV4'?)" in out
    assert "../kb/incidents/INC-2024-017.yaml:10:19: [teams[1]] unknown team 'sales'" in out


def test_escaping_of_hostile_record_text(tmp_path, build_kb):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    record = kb / "incidents/INC-2023-044.yaml"
    text = record.read_text("utf-8")
    text = text.replace('title: "Near miss: a currency table almost shipped empty"', 'title: "<script>alert(1)</script> | [x](javascript:alert(2)) *bold*"')
    text = text.replace(
        "summary: A config change that emptied the currency table was caught in staging by chance.",
        'summary: "<img src=x onerror=alert(3)> [click](javascript:alert(4)) {: onclick=alert(5) } `a<b`"',
    )
    record.write_text(text, "utf-8")
    site = build_kb(kb)
    for page in ("incidents/INC-2023-044/", "incidents/", "incidents/INC-2024-017/", "teams/payments/"):
        article = site.article(page)
        assert article.find("script") is None, page
        assert article.find("img") is None, page
        for a in article.find_all("a"):
            assert not a["href"].lower().startswith("javascript:"), (page, a)
        for tag in article.find_all(True):
            assert not any(name.startswith("on") for name in tag.attrs), (page, tag)
    text = site.text("incidents/INC-2023-044/")
    assert "<script>alert(1)</script> | [x](javascript:alert(2)) *bold*" in text  # shown literally
    assert "a<b" in text  # code spans are left as written


def test_same_input_builds_the_same_bytes(tmp_path, build_kb, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    first, second = build_kb(MINIMAL), build_kb(MINIMAL)

    from site_snapshot import differing, tree  # Pagefind's filter chunks change order from run to run: left out

    assert differing(tree(first.site_dir), tree(second.site_dir)) == []


def test_build_logs_a_summary_and_no_warnings(minimal_site):
    ours = [r for r in minimal_site.log if r.name.startswith("mkdocs.plugins.mkdocs_lessons")]
    assert any("3 incidents (1 drafts)" in r.getMessage() for r in ours)
    assert [r.getMessage() for r in minimal_site.log if r.levelno >= logging.WARNING] == []


def test_warnings_fail_a_strict_build(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    path = kb / "paths/new-engineer.yaml"
    path.write_text(path.read_text("utf-8").replace("  - ref: SOP-007                      # an SOP (current version)", "  - ref: SOP-007@2"), "utf-8")
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, kb)
    with pytest.raises(Abort, match="1 warnings"):
        build(project, strict=True)
    site = build(project, strict=False)
    assert site.page("paths/new-engineer/").is_file()


def test_kb_json_puts_each_record_on_a_line_of_its_own(minimal_site):
    text = (minimal_site.site_dir / "kb.json").read_text("utf-8")
    kb = json.loads(text)
    lines = text.splitlines()
    for incident in kb["incidents"]:
        # A diff of two builds shows exactly the records that changed.
        assert json.dumps(incident, ensure_ascii=False, separators=(",", ":")) in lines or \
            json.dumps(incident, ensure_ascii=False, separators=(",", ":")) + "," in lines


def test_a_large_kb_json_is_spilled_to_disk_with_the_same_bytes(minimal_site, tmp_path, build_kb, monkeypatch):
    from mkdocs_lessons import plugin

    monkeypatch.setattr(plugin, "SPILL_BYTES", 0)  # every data file goes through a temporary file
    site = build_kb(MINIMAL)
    for name in ("kb.json", "metrics.json", "feed.xml", "schemas/incident.schema.json"):
        assert (site.site_dir / name).read_bytes() == (minimal_site.site_dir / name).read_bytes(), name

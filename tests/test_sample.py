"""The embedded sample knowledge base: it is the first thing users see."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, internal_links
from mkdocs_lessons.cli.main import main as lessons
from mkdocs_lessons.knowledge import open_knowledge_base


@pytest.fixture(scope="module")
def outcome():
    return open_knowledge_base(SAMPLE, base=REPO)


def test_sample_validates_without_any_problem(outcome, capsys, monkeypatch):
    assert [str(d) for d in outcome.diagnostics] == []
    monkeypatch.chdir(REPO)
    assert lessons(["validate"]) == 0
    assert capsys.readouterr().out.strip().endswith("no problems")


def test_sample_is_large_enough_to_show_everything(outcome):
    kb = outcome.kb
    incidents = list(kb.incidents.values())
    kinds = Counter(i.kind for i in incidents)
    assert len(incidents) >= 40
    assert kinds["near-miss"] >= 8 and kinds["success"] >= 4
    assert len({i.year for i in incidents}) >= 3
    assert len(kb.teams) >= 6
    assert len(kb.sops) >= 10
    multi = [s for s in kb.sops.values() if len(s.versions) >= 3]
    assert len(multi) >= 5
    assert all(any(v.motivated_by for v in s.versions) for s in multi)
    top = [t for t in kb.taxonomy.terms.values() if t.parent is None]
    assert len(top) >= 4 and len(kb.taxonomy.terms) - len(top) >= 12
    assert len(kb.taxonomy.retired) >= 1
    assert len(kb.paths) >= 3
    assert any(i.is_draft for i in incidents), "the sample shows that drafts stay unpublished"


def test_sample_builds_strict_with_no_warnings(sample_site):
    warnings = [r.getMessage() for r in sample_site.log if r.levelno >= logging.WARNING]
    assert warnings == []


def test_every_record_has_its_page_at_its_contract_url(sample_site, outcome):
    kb = outcome.kb
    missing = []
    for incident in kb.incidents.values():
        page = sample_site.page(f"incidents/{incident.id}/")
        if incident.is_draft:
            assert not page.exists(), incident.id
        elif not page.is_file():
            missing.append(incident.id)
    for sop in kb.sops.values():
        urls = [f"sops/{sop.id}/"] + [f"sops/{sop.id}/v{v.version}/" for v in sop.versions]
        missing += [u for u in urls if not sample_site.page(u).is_file()]
    missing += [t for t in kb.taxonomy.terms if not sample_site.page(f"taxonomy/{t}/").is_file()]
    missing += [t for t in kb.teams if not sample_site.page(f"teams/{t}/").is_file()]
    missing += [p for p in kb.paths if not sample_site.page(f"paths/{p}/").is_file()]
    for url in ("", "incidents/", "sops/", "taxonomy/", "teams/", "paths/"):
        if not sample_site.page(url).is_file():
            missing.append(url)
    assert missing == []
    for kind in ("incident", "sop", "taxonomy", "teams", "path"):
        assert (sample_site.site_dir / f"schemas/{kind}.schema.json").is_file()


def test_every_internal_link_of_the_sample_resolves(sample_site):
    broken = sorted({(str(p.relative_to(sample_site.site_dir)), href) for p, href, target, _ in internal_links(sample_site) if not target.exists()})
    assert broken == []


def test_every_anchor_link_of_generated_pages_resolves(sample_site):
    """Links with a #fragment point at an element that exists."""
    from bs4 import BeautifulSoup

    ids: dict[Path, set[str]] = {}
    broken = []
    for page, href, target, fragment in internal_links(sample_site):
        if not fragment or target.suffix != ".html":
            continue
        if target not in ids:
            soup = BeautifulSoup(target.read_text("utf-8"), "html.parser")
            ids[target] = {tag["id"] for tag in soup.find_all(id=True)}
        if fragment not in ids[target]:
            broken.append((str(page.relative_to(sample_site.site_dir)), href))
    assert broken == []


def test_kb_json_has_every_published_record_exactly_once(sample_site, outcome):
    data = json.loads((sample_site.site_dir / "kb.json").read_text("utf-8"))
    published = sorted(i.id for i in outcome.kb.published_incidents)
    assert sorted(i["id"] for i in data["incidents"]) == published
    assert len({i["id"] for i in data["incidents"]}) == len(data["incidents"])
    assert sorted(s["id"] for s in data["sops"]) == sorted(outcome.kb.sops)
    # The index lists every published incident once.
    index = sample_site.article("incidents/")
    linked = [a["href"] for a in index.find_all("a") if a["href"].startswith("INC-")]
    assert sorted(h.rstrip("/") for h in linked) == published


def test_every_incident_page_links_its_terms_teams_and_sops(sample_site, outcome):
    for incident in outcome.kb.published_incidents:
        hrefs = {a["href"] for a in sample_site.article(f"incidents/{incident.id}/").find_all("a")}
        for term in incident.terms:
            assert f"../../taxonomy/{term}/" in hrefs, (incident.id, term)
        for team in incident.teams:
            assert f"../../teams/{team}/" in hrefs, (incident.id, team)
        for link in incident.sops:
            expected = f"../../sops/{link.ref.sop_id}/" + (f"v{link.ref.version}/" if link.ref.version else "")
            assert expected in hrefs, (incident.id, str(link.ref))


def test_backlinks_cover_every_related_pair(sample_site, outcome):
    kb = outcome.kb
    for incident in kb.published_incidents:
        for other in incident.related:
            if kb.is_published(other):
                hrefs = {a["href"] for a in sample_site.article(f"incidents/{other}/").find_all("a")}
                assert f"../{incident.id}/" in hrefs, (other, "should link back to", incident.id)


def test_no_page_loads_anything_from_the_internet(sample_site):
    from bs4 import BeautifulSoup

    for page in sample_site.html_pages():
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for tag in soup.find_all(["script", "link", "img", "iframe"]):
            if tag.name == "link" and not {"stylesheet", "preload", "icon", "modulepreload"} & set(tag.get("rel", [])):
                continue  # rel=canonical or alternate names a URL; it loads nothing
            url = tag.get("src") or (tag.get("href") if tag.name == "link" else None) or ""
            assert not url.startswith(("http:", "https:", "//")), (page, url)


def test_the_sample_site_directory_is_not_written_during_a_build(sample_site):
    # Generated pages live in memory: nothing appears in docs/ or content/.
    tracked = {p.relative_to(REPO).as_posix() for p in (REPO / "docs").rglob("*")}
    assert all(not name.endswith((".html",)) for name in tracked)
    assert not (REPO / "docs" / "incidents").exists()

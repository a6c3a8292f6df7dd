"""The default search: Pagefind behind Material's header box, what it indexes and how it weighs it (real builds)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import MINIMAL, SAMPLE

from mkdocs_lessons.search import words as search_words


@pytest.fixture(scope="module")
def default_site(tmp_path_factory):
    """The sample knowledge base with the plugin's defaults, plus a keyword on one record."""
    from conftest import build, write_config

    project = tmp_path_factory.mktemp("search")
    kb = project / "kb"
    shutil.copytree(SAMPLE, kb)
    record = kb / "incidents" / "INC-2024-017.yaml"
    record.write_text(record.read_text("utf-8") + "keywords: [money page broke, card declined]\n", "utf-8")
    synonyms = {"outage": ["downtime"], "payment provider": ["psp"]}
    write_config(project, kb, options={"search_synonyms": synonyms})  # mkdocs.yml still lists Material's `search`
    return build(project)


def _indexed(site, url: str) -> bool:
    article = site.soup(url).find("article")
    return article is not None and article.has_attr("data-pagefind-body")


def test_the_header_box_is_drawn_and_material_builds_no_index(default_site):
    soup = default_site.soup("incidents/INC-2024-017/")
    box = soup.select_one("header [data-lessons-search]")
    assert box is not None and box.select_one("input.md-search__input") is not None
    assert soup.select_one('[data-md-component="search"]') is None  # Material's script leaves the box alone
    assert box["data-bundle"] == "../../pagefind/" and box["data-root"] == "../../"
    assert not (default_site.site_dir / "search" / "search_index.json").exists()
    assert (default_site.site_dir / "pagefind" / "pagefind.js").is_file()
    assert any(s["src"].endswith("assets/lessons/search.js") for s in soup.select("script[src]"))


def test_without_materials_search_plugin_the_box_is_still_drawn(build_kb):
    site = build_kb(MINIMAL, extra={"plugins": [{"lessons": {"root": str(MINIMAL), "today": "2026-11-27"}}]})
    assert site.soup("incidents/INC-2024-017/").select_one("header [data-lessons-search]") is not None


def test_a_site_can_replace_the_search_box(build_kb, tmp_path):
    theme = tmp_path / "overrides" / "partials"
    theme.mkdir(parents=True)
    (theme / "search.html").write_text('<div class="site-own-search"></div>', "utf-8")
    site = build_kb(MINIMAL, extra={"theme": {"name": "material", "font": False, "custom_dir": str(tmp_path / "overrides")}})
    soup = site.soup("incidents/INC-2024-017/")
    assert soup.select_one(".site-own-search") is not None and soup.select_one("[data-lessons-search]") is None


@pytest.mark.parametrize(
    "url, indexed",
    [
        ("incidents/INC-2024-017/", True),
        ("sops/SOP-007/", True),
        ("sops/SOP-007/v2/", True),
        ("taxonomy/design-flaw/", True),
        ("teams/payments/", True),
        ("paths/new-engineer/", True),
        ("", False),  # the home page lists the newest reviews
        ("incidents/", False),
        ("incidents/2024/", False),
        ("sops/", False),
        ("dashboard/", False),
        ("actions/", False),
        ("lessons/", False),
        ("paths/new-engineer/print/", False),  # repeats every step's page
        ("search/", False),
    ],
)
def test_each_record_is_indexed_once_on_its_own_page(default_site, url, indexed):
    assert _indexed(default_site, url) is indexed, url


def test_lists_of_incidents_and_chart_data_are_left_out(default_site):
    team = default_site.soup("teams/payments/").find("article")
    listing = team.find("table")
    assert listing.find_parent(attrs={"data-pagefind-ignore": True}) is not None
    dashboard = default_site.soup("dashboard/")
    for details in dashboard.select("details.lessons-chart__data"):
        assert details["data-pagefind-ignore"] == "all"


def test_record_text_is_weighed_by_what_it_says(default_site):
    article = default_site.soup("incidents/INC-2024-017/").find("article")
    facts = article.select_one(".lessons-facts")
    assert float(facts["data-pagefind-weight"]) < 1  # a facts table says little about what happened
    summary = article.find("h2", string="Summary").find_next_sibling()
    assert float(summary["data-pagefind-weight"]) > 1
    assert "currency table" in summary.get_text()
    # The permalink "¶" of a heading is not part of any title or text.
    assert all(a.has_attr("data-pagefind-ignore") for a in article.select("a.headerlink"))


def test_the_preview_is_the_summary_or_the_purpose(default_site):
    incident = default_site.soup("incidents/INC-2024-017/").select_one('[data-pagefind-meta="summary"]')
    assert incident.get_text().startswith("A one-line change to the currency table in confctl was pushed")
    assert incident.has_attr("data-pagefind-ignore")  # shown as the preview, not indexed a second time
    sop = default_site.soup("sops/SOP-007/").select_one('[data-pagefind-meta="summary"]')
    assert sop.get_text() == "Keep configuration changes safe and reversible."  # v3, the version in force


def _search_words(site, url: str) -> str:
    hidden = site.soup(url).select_one(".lessons-pagefind-filters")
    return " ".join(p.get_text() for p in hidden.select("p[data-pagefind-weight]"))


def test_keywords_and_synonyms_are_indexed_like_a_title(default_site):
    words = _search_words(default_site, "incidents/INC-2024-017/")
    assert "money page broke" in words and "card declined" in words
    assert "downtime" in words  # the record says "outage"
    assert "psp" not in _search_words(default_site, "incidents/INC-2023-018/")  # a freezer door: no payment provider
    assert "SOP-007@2" in _search_words(default_site, "sops/SOP-007/v2/")


def test_the_vocabulary_holds_the_records_words(default_site):
    words = json.loads((default_site.site_dir / "search" / "words.json").read_text("utf-8"))
    assert "allergen" in words and "certificate" in words and "downtime" in words
    assert len(words) == len(set(words))


def test_synonym_groups_match_word_forms_and_phrases():
    synonyms = {"outage": ("downtime", "went down"), "double charge": ("charged twice",)}
    assert search_words.expansions(["Two outages in a week"], synonyms) == ["downtime", "went down"]
    assert search_words.expansions(["The shop went down at noon"], synonyms) == ["outage", "downtime"]
    assert search_words.expansions(["Customers were charged twice"], synonyms) == ["double charge"]
    assert search_words.expansions(["A double-charged customer"], synonyms) == []  # "double-charged" is one word
    assert search_words.expansions(["Nothing related"], synonyms) == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"search_synonyms": ["outage"]}, "option 'search_synonyms' must be a mapping of a word to a list of words"),
        ({"search_synonyms": {"outage": [3]}}, "option 'search_synonyms' must map a word to a list of words, got 'outage': [3]"),
    ],
)
def test_a_wrong_synonym_list_is_named(options, message):
    from mkdocs_lessons.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as raised:
        Settings.from_options(options)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_a_keyword_must_be_text(build_kb, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(MINIMAL, kb)
    record = kb / "incidents" / "INC-2024-017.yaml"
    record.write_text(record.read_text("utf-8") + "keywords: [outage, 42]\n", "utf-8")
    from mkdocs_lessons.knowledge import open_knowledge_base

    outcome = open_knowledge_base(kb)
    messages = [str(p) for p in outcome.diagnostics.errors]
    assert any("INC-2024-017.yaml:" in m and "[keywords[1]] expected text, got 42" in m for m in messages), messages


def test_the_incident_index_text_filter_has_the_summaries_causes_and_lessons(default_site):
    text = (default_site.site_dir / "incidents" / "texts.js").read_text("utf-8")
    data = json.loads(text.split("=", 1)[1].strip().rstrip(";"))
    assert data["labels"] == ["summary", "cause", "lessons"]
    summary, cause, lessons = data["texts"]["INC-2024-017"]
    assert "currency table" in summary and cause == "The config tool allows whole-file replacement without review."
    assert lessons.startswith("Every config push goes through review")
    assert "INC-2024-017" in data["texts"] and len(data["texts"]) == len(list((SAMPLE / "incidents").glob("*.yaml"))) - _drafts()


def _drafts() -> int:
    import yaml

    return sum(1 for f in (SAMPLE / "incidents").glob("*.yaml") if yaml.safe_load(f.read_text("utf-8"))["status"] == "draft")

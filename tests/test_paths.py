"""Onboarding reading paths on real builds: banners, path pages, print pages,
reading time, the generated Essentials path and the path checks."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import MINIMAL, Site, build, copy_kb, internal_links, write_config
from site_snapshot import differing, tree  # the whole-site comparison (Pagefind's bundle included)
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.records.essentials import build_essentials, incoming_references
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.pages.paths.printable import demote_headings
from mkdocs_lessons.analysis.reading_time import WORDS_PER_MINUTE, count_words, minutes

SECOND_PATH = """\
id: payments-onboarding
title: Joining the payments team
audience: New payments engineers
description: What went wrong in payments and what we changed.
steps:
  - ref: teams/payments
    note: Who we are.
  - ref: INC-2023-044
    note: The near miss that came first.
  - ref: INC-2024-017
    note: Then the outage.
  - ref: SOP-007@3
    note: The version that made diff review standard.
"""


def two_path_kb(tmp_path: Path) -> Path:
    """The minimal knowledge base plus a second path that shares INC-2024-017 with new-engineer."""
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    (kb / "paths/payments-onboarding.yaml").write_text(SECOND_PATH, "utf-8")
    return kb


def banners(site: Site, url: str, *, end: bool = False):
    """The banners of a page in document order: the top ones, or the ones closing the page."""
    found = site.article(url).select("nav.lessons-path-banner")
    return [b for b in found if ("lessons-path-banner--end" in b["class"]) == end]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def two_paths(tmp_path, build_kb):
    # Material's search: these tests read its index to show what stays out of search.
    return build_kb(two_path_kb(tmp_path), search="material")


# -- banners --------------------------------------------------------------------


def test_banner_on_a_step_page_says_step_k_of_n_with_previous_and_next(two_paths):
    shown, *others = banners(two_paths, "incidents/INC-2024-017/")
    # Hidden until paths.js finds the reader on the path; one quiet line offers it to everyone.
    assert shown.has_attr("hidden")
    assert shown["data-lessons-banner"] == "new-engineer"
    offer = two_paths.article("incidents/INC-2024-017/").select_one("[data-lessons-offer]")
    assert words(offer.get_text(" ")) == "On the reading paths Your first two weeks as an engineer (step 2 of 3) and Joining the payments team (step 3 of 4)."
    assert not offer.has_attr("hidden")
    assert words(shown.select_one(".lessons-path-banner__where").get_text(" ")).startswith(
        "Step 2 of 3 in Your first two weeks as an engineer"
    )
    assert shown.select_one(".lessons-path-banner__where a")["href"] == "../../paths/new-engineer/"
    prev, following = shown.select_one("a[rel=prev]"), shown.select_one("a[rel=next]")
    assert prev["href"] == "../../taxonomy/process-deviation/?path=new-engineer"
    assert words(prev.get_text(" ")) == "← Previous: Process deviation"
    assert following["href"] == "../../sops/SOP-007/?path=new-engineer"
    assert words(following.get_text(" ")) == "Next: SOP-007: Changing production configuration →"
    # The offer and the banners sit under the title, inside the article, before the record.
    first = two_paths.article("incidents/INC-2024-017/").find(["nav", "p", "div", "h2"], class_=lambda c: c != "lessons-crumbs")
    assert first.name == "p" and first.has_attr("data-lessons-offer")
    assert first.find_next_sibling("nav")["data-lessons-banner"] == "new-engineer"
    assert first.find_previous_sibling("h1").get_text(strip=True).startswith("INC-2024-017")


def test_a_page_in_two_paths_renders_both_banners_and_lists_the_other(two_paths):
    top = banners(two_paths, "incidents/INC-2024-017/")
    assert [b["data-lessons-banner"] for b in top] == ["new-engineer", "payments-onboarding"]
    second = top[1]
    assert second["hidden"] == "hidden"
    assert words(second.select_one(".lessons-path-banner__where").get_text(" ")).startswith("Step 3 of 4 in Joining the payments team")
    assert second.select_one("a[rel=prev]")["href"] == "../INC-2023-044/?path=payments-onboarding"
    assert second.select_one("a[rel=next]")["href"] == "../../sops/SOP-007/v3/?path=payments-onboarding"
    also = words(top[0].select_one(".lessons-path-banner__also").get_text())
    assert also == "Also step 3 of 4 in Joining the payments team."
    assert top[0].select_one(".lessons-path-banner__also a")["href"] == "../../paths/payments-onboarding/"
    assert "step 2 of 3 in Your first two weeks as an engineer" in words(second.select_one(".lessons-path-banner__also").get_text(" "))
    # The closing banners follow the same paths and the same default.
    end = banners(two_paths, "incidents/INC-2024-017/", end=True)
    assert [(b["data-lessons-banner"], b.has_attr("hidden")) for b in end] == [("new-engineer", True), ("payments-onboarding", True)]
    assert end[0].select_one("a[rel=next]")["href"] == "../../sops/SOP-007/?path=new-engineer"


def test_first_and_last_steps_lead_back_to_the_path(two_paths):
    (first,) = banners(two_paths, "teams/payments/")
    assert words(first.select_one(".lessons-path-banner__where").get_text(" ")).startswith("Step 1 of 4 in Joining the payments team")
    assert first.select_one("a[rel=prev]") is None
    assert first.select_one(".lessons-path-banner__prev")["href"] == "../../paths/payments-onboarding/"
    assert first.select_one("a[rel=next]")["href"] == "../../incidents/INC-2023-044/?path=payments-onboarding"
    (last,) = banners(two_paths, "sops/SOP-007/v3/")  # SOP-007@3 is a step of its own, on the version page
    assert words(last.select_one(".lessons-path-banner__where").get_text(" ")).startswith("Step 4 of 4 in Joining the payments team")
    assert last.select_one("a[rel=next]") is None
    assert last.select_one(".lessons-path-banner__next")["href"] == "../../../paths/payments-onboarding/"
    # The same SOP without a version is a step of the other path, on its main page.
    (current,) = banners(two_paths, "sops/SOP-007/")
    assert current["data-lessons-banner"] == "new-engineer"
    (term,) = banners(two_paths, "taxonomy/process-deviation/")
    assert words(term.select_one(".lessons-path-banner__where").get_text(" ")).startswith("Step 1 of 3")


def test_pages_outside_every_path_have_no_banner(two_paths):
    for url in ("teams/sre/", "taxonomy/design-flaw/", "sops/SOP-007/v2/", "incidents/", "paths/new-engineer/"):
        assert two_paths.article(url).select("nav.lessons-path-banner") == [], url


def test_banner_controls_are_for_the_script_and_out_of_search(two_paths):
    shown = banners(two_paths, "incidents/INC-2024-017/")[0]
    box = shown.select_one("label.lessons-read")
    assert box["hidden"] == "hidden"  # no script, no storage: no box that cannot keep its answer
    assert box.select_one("input[type=checkbox]")["data-lessons-read"] == "INC-2024-017"
    assert shown["data-lessons-root"] == "../../"
    assert shown["data-lessons-path-url"] == "../../paths/new-engineer/"
    index = (two_paths.site_dir / "search/search_index.json").read_text("utf-8")
    assert "Step 2 of 3" not in index and "Mark as read" not in index


@pytest.mark.parametrize("directory_urls", [True, False])
def test_step_links_keep_the_path_query_and_resolve(tmp_path, build_kb, directory_urls):
    site = build_kb(two_path_kb(tmp_path), extra={"use_directory_urls": directory_urls})
    page = "incidents/INC-2024-017/" if directory_urls else "incidents/INC-2024-017.html"
    hrefs = [a["href"] for a in banners(site, page)[0].select("a")]
    if directory_urls:
        assert "../../sops/SOP-007/?path=new-engineer" in hrefs
    else:
        assert "../sops/SOP-007/index.html?path=new-engineer" in hrefs
        assert banners(site, page)[0]["data-lessons-root"] == "../"
        assert banners(site, page)[0]["data-lessons-path-url"] == "../paths/new-engineer/index.html"
    linked = [(p, href) for p, href, target, _ in internal_links(site) if "?path=" in href]
    assert len(linked) > 10
    assert [(p.relative_to(site.site_dir).as_posix(), h) for p, h, t, _ in internal_links(site) if not t.exists()] == []


def test_banners_and_progress_under_a_prefix(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, two_path_kb(tmp_path), options={"prefix": "kb"})
    (project / "docs/index.md").write_text("# Handbook\n\nThe [knowledge base](kb/index.md).\n", "utf-8")
    site = build(project)
    shown = banners(site, "kb/incidents/INC-2024-017/")[0]
    # The root is the knowledge base's folder: progress is kept per knowledge base, not per host.
    assert shown["data-lessons-root"] == "../../"
    assert shown.select_one("a[rel=next]")["href"] == "../../sops/SOP-007/?path=new-engineer"
    assert site.article("kb/paths/").select_one(".lessons-progress")["data-lessons-root"] == "../"
    assert site.page("kb/paths/new-engineer/print/").is_file()
    assert [p for p, h, t, _ in internal_links(site) if not t.exists()] == []


def test_a_step_at_a_retired_term_puts_its_banner_on_the_replacement(tmp_path, build_kb):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    path = kb / "paths/new-engineer.yaml"
    path.write_text(path.read_text("utf-8").replace("ref: taxonomy/process-deviation", "ref: taxonomy/human-error"), "utf-8")
    site = build_kb(kb, strict=False)
    (banner,) = banners(site, "taxonomy/process-deviation/")
    assert words(banner.select_one(".lessons-path-banner__where").get_text(" ")).startswith("Step 1 of 3")
    assert banners(site, "incidents/INC-2024-017/")[0].select_one("a[rel=prev]")["href"] == "../../taxonomy/process-deviation/?path=new-engineer"


# -- the path pages ---------------------------------------------------------------


def test_path_page_lists_steps_with_notes_times_and_read_boxes(two_paths):
    article = two_paths.article("paths/payments-onboarding/")
    text = words(article.get_text(" "))
    assert "New payments engineers" in text and "4 steps" not in text  # the count is in the facts table
    facts = {row.find_all("td")[0].get_text(strip=True): words(row.find_all("td")[1].get_text(" ")) for row in article.select(".lessons-facts tbody tr")}
    assert facts["Steps"] == "4"
    assert facts["Reading time"] == "about 4 min (at 200 words a minute)"
    assert article.select_one(".lessons-facts a", string="all steps on one page")["href"] == "print/"
    items = article.select(":not(nav) > ol > li")
    assert len(items) == 4
    links = [li.select_one("a.lessons-step-link") for li in items]
    assert [a["href"] for a in links] == [
        "../../teams/payments/?path=payments-onboarding",
        "../../incidents/INC-2023-044/?path=payments-onboarding",
        "../../incidents/INC-2024-017/?path=payments-onboarding",
        "../../sops/SOP-007/v3/?path=payments-onboarding",
    ]
    assert [a["data-lessons-step"] for a in links] == ["teams/payments", "INC-2023-044", "INC-2024-017", "SOP-007@3"]
    first = words(items[1].get_text(" "))
    assert first.startswith("INC-2023-044: Near miss: a currency table almost shipped empty · Near miss · about 1 min")
    assert "The near miss that came first." in first
    assert "caught in staging by chance" in first  # the item's summary
    assert "Procedure, version 3 (approved)" in words(items[3].get_text(" "))
    assert [box["data-lessons-read"] for box in article.select("ol > li input[type=checkbox]")] == [a["data-lessons-step"] for a in links]
    progress = article.select_one("div.lessons-progress")
    assert progress["data-lessons-steps"] == "teams/payments INC-2023-044 INC-2024-017 SOP-007@3"
    assert progress["hidden"] == "hidden" and progress.select_one("progress")["max"] == "4"
    start = article.select_one("a.lessons-continue")
    assert start["href"] == links[0]["href"]
    assert words(start.get_text(" ")) == "Start with step 1: Payments"


def test_paths_overview_shows_audience_steps_time_and_progress(two_paths):
    article = two_paths.article("paths/")
    # One card per path: title, audience, what it covers, steps and time, progress.
    rows = {card.find("a").get_text(strip=True): card for card in article.select("li.lessons-path-card")}
    assert list(rows) == ["Your first two weeks as an engineer", "Joining the payments team"]  # natural id order
    card = rows["Joining the payments team"]
    assert card.select_one(".lessons-path-card__title")["role"] == "heading"
    cells = [words(card.select_one(f".lessons-path-card__{part}").get_text(" ")) for part in ("audience", "covers", "facts")]
    assert cells == ["For: New payments engineers", "What went wrong in payments and what we changed.", "4 steps · about 4 min to read"]
    bar = card.select_one(".lessons-progress")
    assert bar["data-lessons-progress"] == "payments-onboarding" and bar["data-lessons-root"] == "../"
    assert bar["data-lessons-steps"].split() == ["teams/payments", "INC-2023-044", "INC-2024-017", "SOP-007@3"]
    assert "kept in this browser only" in two_paths.text("paths/")


def test_reading_time_comes_from_the_words_of_the_step_page(tmp_path, build_kb):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    record = kb / "incidents/INC-2024-017.yaml"
    long_context = " ".join(["word"] * 1000)
    record.write_text(record.read_text("utf-8").replace("  What the system and the team looked like before it happened.", "  " + long_context), "utf-8")
    site = build_kb(kb)
    # ~1,160 words at 200 a minute: 6 min (rounded to the nearest minute).
    assert "about 6 min" in words(site.article("paths/new-engineer/").select(":not(nav) > ol > li")[1].get_text(" "))
    assert "about 6 min to read" in words(banners(site, "incidents/INC-2024-017/")[0].get_text(" "))
    facts = words(site.article("paths/new-engineer/").select_one(".lessons-facts").get_text(" "))
    assert "about 8 min" in facts  # 1 (term) + 6 (incident) + 1 (SOP)


def test_word_count_and_minutes():
    assert WORDS_PER_MINUTE == 200
    assert count_words(["Roll back, don't patch: see [SOP-007](../sops/SOP-007.md) <b>now</b> 2024-03-14."]) == 8
    assert count_words(["", "`code` and *emphasis*"]) == 3
    assert [minutes(n) for n in (1, 99, 299, 300, 1000)] == [1, 1, 1, 2, 5]


# -- the printable path ---------------------------------------------------------


def test_print_page_has_every_step_in_order_on_one_page(two_paths):
    article = two_paths.article("paths/payments-onboarding/print/")
    assert [h.get_text(strip=True) for h in article.find_all("h1")] == ["Joining the payments team: all steps"]
    steps = article.select("h2.lessons-print-step")
    assert [h.get_text(strip=True) for h in steps] == [
        "Step 1 of 4: Payments",
        "Step 2 of 4: INC-2023-044: Near miss: a currency table almost shipped empty",
        "Step 3 of 4: INC-2024-017: Checkout outage after an unreviewed config push",
        "Step 4 of 4: SOP-007 v3: Changing production configuration",
    ]
    assert [h["id"] for h in steps] == ["step-1", "step-2", "step-3", "step-4"]
    contents = [a["href"] for a in article.select("ol a[href^='#step-']")]
    assert contents == ["#step-1", "#step-2", "#step-3", "#step-4"]
    text = two_paths.text("paths/payments-onboarding/print/")
    # Each step's whole page body, in order: the incident's five whys, the SOP version's diff...
    order = [text.index(s) for s in ("Who we are.", "Nothing checks the currency table before a push.", "Why was that possible? The tool has no diff preview.", "added Review the diff preview with a second engineer.")]
    assert order == sorted(order)
    # ...under the step heading: record sections moved one level down.
    assert "Five whys" in [h.get_text(strip=True) for h in article.find_all("h4")]
    assert article.select("nav.lessons-path-banner") == []
    assert article.select_one(".lessons-print-source a")["href"] == "../../../teams/payments/?path=payments-onboarding"


def test_print_page_is_out_of_search_and_navigation_and_has_print_css(two_paths):
    index = json.loads((two_paths.site_dir / "search/search_index.json").read_text("utf-8"))
    assert not [d["location"] for d in index["docs"] if "/print/" in d["location"]]
    soup = two_paths.soup("paths/payments-onboarding/print/")
    assert soup.select_one(".md-sidebar--primary") is None or soup.select_one(".md-sidebar--primary").has_attr("hidden")
    css = (two_paths.site_dir / "assets/lessons/paths.css").read_text("utf-8")
    assert "@media print" in css and ".md-header" in css and ".md-sidebar" in css
    stylesheets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert any(h.endswith("assets/lessons/paths.css") for h in stylesheets)
    assert any(s.get("src", "").endswith("assets/lessons/paths.js") for s in soup.find_all("script"))


def test_demote_headings_leaves_code_alone():
    # Step bodies are HTML: headings move down (h6 stays h6); code, and tags that merely start with h, stay.
    source = '<h2 id="summary">Summary</h2>\n<pre><code># not a heading\n&lt;h2&gt;not one either&lt;/h2&gt;</code></pre>\n<hr>\n<h6>deepest</h6>\n<header>x</header>'
    expected = '<h3 id="summary">Summary</h3>\n<pre><code># not a heading\n&lt;h2&gt;not one either&lt;/h2&gt;</code></pre>\n<hr>\n<h6>deepest</h6>\n<header>x</header>'
    assert demote_headings(source) == expected


# -- the generated Essentials path -------------------------------------------------

INCIDENT = """\
id: {id}
title: {title}
kind: {kind}
status: {status}
{severity}occurred: {occurred}
teams: [sre]
summary: {title}.
classification:
  primary: {term}
root_cause:
  cause: A cause.
lessons:
  - A lesson.
review:
  date: 2025-06-01
{extra}"""


def add_incident(kb: Path, incident_id: str, *, term: str, severity: str = "SEV3", kind: str = "incident", status: str = "reviewed", occurred: str = "2025-05-01T10:00:00Z", extra: str = "") -> None:
    text = INCIDENT.format(
        id=incident_id,
        title=f"Review {incident_id}",
        kind=kind,
        status=status,
        severity=f"severity: {severity}\n" if severity else "",
        occurred=occurred,
        term=term,
        extra=extra,
    )
    (kb / f"incidents/{incident_id}.yaml").write_text(text, "utf-8")


def essentials_refs(kb: Path) -> list[str]:
    outcome = open_knowledge_base(kb, base=kb, generated_paths=True)
    assert outcome.ok, [str(d) for d in outcome.diagnostics]
    return [s.ref for s in outcome.kb.paths["essentials"].steps]


def test_essentials_picks_per_top_term_the_most_instructive_review_and_its_sop(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    # design-flaw: INC-2023-044 (a near miss, no severity) is the only reviewed one.
    # process-deviation: INC-2024-017 (SEV2) led to SOP-007 (its v3 is motivated by it).
    # external-shock: only the draft INC-2025-001: no step. data-gap: nothing.
    assert essentials_refs(kb) == ["INC-2023-044", "INC-2024-017", "SOP-007"]
    # A more severe review under design-flaw wins, whatever its links.
    add_incident(kb, "INC-2025-010", term="design-flaw/missing-guardrail", severity="SEV1", occurred="2022-01-01T00:00:00Z")
    # Same severity as INC-2024-017 but newer: loses to INC-2024-017, which has more incoming references.
    add_incident(kb, "INC-2025-011", term="process-deviation", severity="SEV2", occurred="2025-09-01T00:00:00Z")
    # Reviews still in progress never count.
    add_incident(kb, "INC-2025-012", term="external-shock", severity="SEV1", status="in-review")
    assert essentials_refs(kb) == ["INC-2025-010", "INC-2024-017", "SOP-007"]


def test_essentials_breaks_ties_by_links_then_newest_then_id(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    add_incident(kb, "INC-2025-020", term="data-gap", occurred="2025-01-01T00:00:00Z")
    add_incident(kb, "INC-2025-022", term="data-gap", occurred="2025-03-01T00:00:00Z")
    add_incident(kb, "INC-2025-021", term="data-gap", occurred="2025-03-01T00:00:00Z")
    # Same severity, no links: the newest; of two equally new, the lowest id. Taxonomy order of the terms.
    assert essentials_refs(kb) == ["INC-2023-044", "INC-2025-021", "INC-2024-017", "SOP-007"]
    # One incoming reference (a related incident) beats being newer.
    add_incident(kb, "INC-2025-023", term="external-shock", extra="related: [INC-2025-020]\n")
    assert essentials_refs(kb) == ["INC-2023-044", "INC-2025-020", "INC-2024-017", "SOP-007", "INC-2025-023"]


def test_essentials_counts_incoming_references(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    outcome = open_knowledge_base(kb, base=kb)
    counts = incoming_references(outcome.kb)
    # INC-2024-017: SOP-007 v3 motivated_by + the new-engineer path step; INC-2023-044: related from INC-2024-017.
    assert counts["INC-2024-017"] == 2
    assert counts["INC-2023-044"] == 1


def test_essentials_does_not_depend_on_record_order(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    # Four reviews per term that tie on severity, links and date: only the id can decide.
    for n in range(12):
        term = ("data-gap", "external-shock", "design-flaw/missing-guardrail")[n % 3]
        add_incident(kb, f"INC-2025-{100 + n}", term=term, severity="SEV1", occurred="2025-02-01T00:00:00Z")
    base = open_knowledge_base(kb, base=kb).kb
    expected = build_essentials(base)
    assert [s.ref for s in expected.steps] == ["INC-2025-102", "INC-2025-100", "INC-2024-017", "SOP-007", "INC-2025-101"]
    rng = random.Random(7)
    for _ in range(5):
        ids = list(base.incidents)
        rng.shuffle(ids)
        shuffled = replace(base, incidents={i: base.incidents[i] for i in ids})
        assert build_essentials(shuffled) == expected


def test_generated_path_is_rendered_like_the_others_and_deterministic(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    kb = two_path_kb(tmp_path)
    trees = []
    for name in ("a", "b"):
        project = tmp_path / name
        project.mkdir()
        write_config(project, kb, options={"generated_paths": True})
        site = build(project)
        trees.append(tree(site.site_dir))
    first, second = trees
    assert differing(first, second) == []
    assert "paths/essentials/index.html" in first and "paths/essentials/print/index.html" in first
    site = Site(tmp_path / "b", tmp_path / "b/site", [])
    article = site.article("paths/essentials/")
    assert article.find("h1").get_text(strip=True) == "Essentials"
    assert "How this path is chosen" in site.text("paths/essentials/")
    assert [a["data-lessons-step"] for a in article.select("a.lessons-step-link")] == ["INC-2023-044", "INC-2024-017", "SOP-007"]
    assert "The most instructive review under Process deviation (SEV2, referenced by 3 records)." in site.text("paths/essentials/")
    rows = [words(card.get_text(" ")) for card in site.article("paths/").select("li.lessons-path-card")]
    assert rows[0].startswith("Essentials (generated)")
    # Its steps get banners too; curated paths come first on a shared page.
    top = banners(site, "incidents/INC-2024-017/")
    assert [b["data-lessons-banner"] for b in top] == ["new-engineer", "payments-onboarding", "essentials"]
    data = json.loads((site.site_dir / "kb.json").read_text("utf-8"))
    assert [p["id"] for p in data["paths"]] == ["essentials", "new-engineer", "payments-onboarding"]
    assert [(p["generated"], p["print_url"]) for p in data["paths"]][:2] == [(True, "paths/essentials/print/"), (False, "paths/new-engineer/print/")]


def test_without_the_option_there_is_no_generated_path(two_paths):
    assert not two_paths.page("paths/essentials/").exists()


def test_a_curated_path_named_essentials_clashes_with_the_generated_one(tmp_path, monkeypatch, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    (kb / "paths/essentials.yaml").write_text((kb / "paths/new-engineer.yaml").read_text("utf-8").replace("id: new-engineer", "id: essentials"), "utf-8")
    message = "paths/essentials.yaml:1:5: [id] path id 'essentials' is reserved for the generated Essentials path (option generated_paths: true); rename this path or turn the option off"
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, kb, options={"generated_paths": True})
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert message in result.stderr.replace("../kb/", "")
    monkeypatch.chdir(kb)
    assert cli.main(["validate", ".", "--generated-paths"]) == 1
    assert message in capsys.readouterr().out
    assert cli.main(["validate", "."]) == 0  # without the option the id is free


# -- path checks -----------------------------------------------------------------


def _path_with_steps(tmp_path: Path, steps: list[str]) -> Path:
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    sop = kb / "sops/SOP-007.yaml"
    sop.write_text(
        sop.read_text("utf-8")
        + """  - version: 4
    status: proposed
    purpose: Keep configuration changes safe and reversible.
    steps:
      - Open a change ticket.
""",
        "utf-8",
    )
    lines = ["id: new-engineer", "title: Your first two weeks as an engineer", "steps:"]
    lines += [f"  - ref: {ref}" for ref in steps]
    (kb / "paths/new-engineer.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return kb


def test_steps_at_drafts_retired_terms_and_old_versions_are_located_warnings(tmp_path, monkeypatch, capsys):
    kb = _path_with_steps(tmp_path, ["INC-2025-001", "taxonomy/human-error", "SOP-007@2", "SOP-007@4", "INC-2024-017", "INC-2024-017"])
    expected = [
        "paths/new-engineer.yaml:4:10: warning: [steps[0].ref] INC-2025-001 is a draft and is not published; readers would meet a dead end",
        "paths/new-engineer.yaml:5:10: warning: [steps[1].ref] taxonomy term 'human-error' is retired; point the step at 'taxonomy/process-deviation'",
        "paths/new-engineer.yaml:6:10: warning: [steps[2].ref] SOP-007@2 is superseded; the current version is SOP-007@3",
        "paths/new-engineer.yaml:7:10: warning: [steps[3].ref] SOP-007@4 is proposed, not yet standard practice; the current version is SOP-007@3",
        "paths/new-engineer.yaml:9:10: warning: [steps[5].ref] INC-2024-017 is already step 5 of this path",
    ]
    outcome = open_knowledge_base(kb, base=kb)
    assert [str(d) for d in outcome.diagnostics] == expected
    assert outcome.ok  # warnings only: a normal build goes on
    monkeypatch.chdir(kb)
    assert cli.main(["validate", "."]) == 0
    assert cli.main(["validate", ".", "--strict"]) == 1
    out = capsys.readouterr().out
    assert all(line in out for line in expected)
    # Drafts published on purpose are still not onboarding material.
    drafts = open_knowledge_base(kb, base=kb, include_drafts=True)
    assert "paths/new-engineer.yaml:4:10: warning: [steps[0].ref] INC-2025-001 is a draft, published only because drafts are included; new hires would study an unreviewed story" in [str(d) for d in drafts.diagnostics]


def test_path_warnings_fail_a_strict_build_and_not_a_normal_one(tmp_path):
    kb = _path_with_steps(tmp_path, ["INC-2025-001", "INC-2024-017", "SOP-007"])
    project = tmp_path / "p"
    project.mkdir()
    write_config(project, kb)
    with pytest.raises(Abort, match="1 warnings"):
        build(project, strict=True)
    site = build(project, strict=False)
    warnings = [r.getMessage() for r in site.log if r.levelno == logging.WARNING]
    assert any("INC-2025-001 is a draft and is not published" in w and "new-engineer.yaml:4:10" in w for w in warnings)
    # The unpublished step is listed but not linked, and the banners skip over it.
    items = site.article("paths/new-engineer/").select(":not(nav) > ol > li")
    assert items[0].find("a") is None and "not published" in items[0].get_text()
    (banner,) = banners(site, "incidents/INC-2024-017/")
    assert words(banner.select_one(".lessons-path-banner__where").get_text(" ")).startswith("Step 2 of 3")
    assert banner.select_one("a[rel=prev]") is None
    assert [p for p, h, t, _ in internal_links(site) if not t.exists()] == []


# -- escaping ---------------------------------------------------------------------


def test_hostile_path_text_cannot_break_banners_tables_or_print(tmp_path, build_kb):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    path = kb / "paths/new-engineer.yaml"
    text = path.read_text("utf-8")
    text = text.replace("title: Your first two weeks as an engineer", 'title: "<script>alert(1)</script> | [x](javascript:alert(2)) {: onclick=alert(3) }"')
    text = text.replace("audience: New engineers in any product team", 'audience: "<img src=x onerror=alert(4)> a|b"')
    text = text.replace("note: A small change, a large outage.", 'note: "<b onmouseover=alert(5)>x</b> [y](javascript:alert(6))"')
    path.write_text(text, "utf-8")
    site = build_kb(kb)
    hostile = "<script>alert(1)</script> | [x](javascript:alert(2)) {: onclick=alert(3) }"
    for url in ("paths/", "paths/new-engineer/", "paths/new-engineer/print/", "incidents/INC-2024-017/", "sops/SOP-007/"):
        article = site.article(url)
        assert article.find("script") is None and article.find("img") is None and article.find("b") is None, url
        for tag in article.find_all(True):
            assert not any(name.startswith("on") for name in tag.attrs), (url, tag)
            assert not str(tag.get("href", "")).lower().startswith("javascript:"), (url, tag)
        assert hostile in words(article.get_text(" ")) or url == "paths/new-engineer/print/" and f"{hostile}: all steps" in words(article.get_text(" ")), url
    assert len(site.article("paths/").select("li.lessons-path-card")) == len(site.article("paths/").select(".lessons-path-card__covers"))  # the `|` did not split the card

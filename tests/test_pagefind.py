"""`search: pagefind` (the default): filter markup, the index, and the search page in a real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import MINIMAL


@pytest.fixture(scope="module")
def pagefind_site(tmp_path_factory):
    from conftest import build, write_config

    project = tmp_path_factory.mktemp("pagefind")
    # A Pagefind site drops Material's own search plugin (as the README says).
    lessons = {"root": str(MINIMAL), "today": "2026-11-27", "search": "pagefind"}
    write_config(project, MINIMAL, extra={"plugins": [{"lessons": lessons}]})
    return build(project)


def test_record_pages_carry_pagefind_filters(pagefind_site):
    soup = pagefind_site.soup("incidents/INC-2024-017/")
    article = soup.find("article")
    assert article.has_attr("data-pagefind-body")
    filters = sorted(span["data-pagefind-filter"] for span in article.select("[data-pagefind-filter]"))
    assert filters == sorted(
        [
            "section:Incidents",
            "kind:Incident",
            "status:reviewed",
            "severity:SEV2",
            "failure type:process",
            "failure class:Process deviation",
            "failure class:Process deviation › Skipped review",
            "failure class:Design flaw",
            "failure class:Design flaw › Missing guardrail",
            "team:Payments",
            "team:Site reliability",
            "year:2024",
            "tag:config",
            "tag:checkout",
        ]
    )
    sop = pagefind_site.article("sops/SOP-007/")
    assert [s["data-pagefind-filter"] for s in sop.select("[data-pagefind-filter]")] == ["section:Procedures"]


def test_the_index_and_search_page_are_written(pagefind_site):
    bundle = pagefind_site.site_dir / "pagefind"
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-ui.js").is_file()
    assert any((bundle / "index").iterdir())
    nav = [a.get_text(strip=True) for a in pagefind_site.soup("search/").select("nav.md-nav--primary > ul > li > a")]
    assert "Search" in nav


def test_material_search_sites_get_no_pagefind_markup(build_kb):
    site = build_kb(MINIMAL, search="material")
    assert not site.page("search/").exists()
    assert site.article("incidents/INC-2024-017/").select("[data-pagefind-filter]") == []


def _search_notes(site) -> list[str]:
    return [r.getMessage() for r in site.log if "search index is" in r.getMessage()]


def test_a_large_material_search_index_is_pointed_out(build_kb, monkeypatch):
    """Material's index is one download; past the threshold the build names it and the way out."""
    from mkdocs_lessons import plugin

    site = build_kb(MINIMAL, search="material")
    assert _search_notes(site) == []  # a small base: nothing to say
    size = (site.site_dir / "search" / "search_index.json").stat().st_size
    monkeypatch.setattr(plugin, "SEARCH_INDEX_NOTE_BYTES", size - 1)
    notes = _search_notes(build_kb(MINIMAL, search="material"))  # --strict: an info line, not a warning
    assert len(notes) == 1 and "every reader downloads all of it" in notes[0] and "`search: pagefind`" in notes[0], (
        notes
    )


@pytest.mark.browser
def test_pagefind_search_with_a_filter(pagefind_site, serve, page):
    base = serve(pagefind_site.site_dir)
    page.goto(base + "search/?q=config")
    page.wait_for_selector(".pagefind-ui__result-link")
    assert "results for config" in page.locator(".pagefind-ui__message").inner_text()

    page.locator(".pagefind-ui__filter-name", has_text="Kind").click()
    page.locator("label", has_text="Near miss").click()
    page.wait_for_function("() => document.querySelectorAll('.pagefind-ui__result').length === 1")
    result = page.locator(".pagefind-ui__result .pagefind-ui__result-link").first.inner_text()
    assert result == "INC-2023-044: Near miss: a currency table almost shipped empty"

    page.goto(base + "search/?q=INC-2024-017")  # an id is one word in the index
    page.wait_for_selector(".pagefind-ui__result-link")
    first = page.locator(".pagefind-ui__result-title .pagefind-ui__result-link").first.inner_text()
    assert first == "INC-2024-017: Checkout outage after an unreviewed config push"
    assert page.console_errors == []


def _niceness_of_runs(marker: str) -> list[int]:
    """The niceness of every running process whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes().decode("utf-8", "replace"):
                found.append(int((entry / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or not shutil.which("nice"), reason="needs /proc and nice")
def test_the_background_index_under_serve_gives_way_to_the_rebuild(pagefind_site, tmp_path):
    """Under `mkdocs serve` Pagefind runs after each rebuild; niced, a save made meanwhile is rebuilt first."""
    import threading

    from mkdocs_lessons.search.pagefind import BACKGROUND_NICENESS, run_pagefind

    seen: list[int] = []
    for background, output in ((True, tmp_path / "niced"), (False, tmp_path / "plain")):
        run = threading.Thread(target=run_pagefind, args=(pagefind_site.site_dir, "pagefind", output), kwargs={"background": background})
        run.start()
        observed: list[int] = []
        while run.is_alive():  # to the end: `nice` itself is seen for a moment before it lowers the priority
            observed += _niceness_of_runs(str(output))
        run.join()
        assert observed, "the Pagefind run ended before it was seen"
        seen.append(max(observed))
    assert seen == [min(19, BACKGROUND_NICENESS + os.nice(0)), os.nice(0)]

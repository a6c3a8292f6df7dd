"""Readers first (issue 21), in Debian's Chromium: the sample site as a person sees it.

Every page family at 1366, 1920 and 390 px, light and dark: axe-core 4 finds no
critical or serious problem in the plugin's markup (Material's own findings are
listed in MATERIAL_FINDINGS, so a change there shows too), no table is clipped,
no page scrolls sideways on a phone, and record pages say where they are. The
onboarding banner shows only to a reader on the path, the incident filter shows
why a row matched, Back undoes a filter, the 404 page guesses a mistyped id, and
a printable path comes to a sensible number of A4 pages.

axe-core is the copy the PyPI package `axe-playwright-python` ships
(`axe.min.js`), injected into the page: nothing is loaded from a CDN.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

pytestmark = pytest.mark.browser

# One page of each family the plugin generates (and the site's hand-written page).
PAGES = [
    "",
    "incidents/",
    "incidents/INC-2024-017/",
    "incidents/2024/",
    "sops/",
    "sops/SOP-001/",
    "sops/SOP-001/v2/",
    "taxonomy/",
    "taxonomy/capacity-limit/",
    "taxonomy/capacity-limit/demand-surge/",
    "teams/",
    "teams/sre/",
    "paths/",
    "paths/new-engineer/",
    "paths/new-engineer/print/",
    "dashboard/",
    "actions/",
    "actions/team/sre/",
    "actions/closed/",
    "lessons/",
    "incidents/INC-2025-066/",  # a review with learning buddies, discussed in sessions
    "sessions/",
    "sessions/2024-01-25-config-changes-across-teams/",
    "indicators/",
    "indicators/time-to-restore/",
    "renewal/",
    "search/",
    "about/",
    "incidents/INC-2024-17/",  # no such page: the 404 page
]

# Material's own findings (not the plugin's markup), by rule and the selector of the
# element axe names. Listed so that a change in Material shows: each must still be found.
# (The search box is the plugin's own partial now, adapter/header_search.py: its dialog is named.)
MATERIAL_FINDINGS = {
    ("color-contrast", ".md-copyright"): {"light"},  # "Made with Material for MkDocs": 4.47:1 on the footer
}


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


@pytest.fixture(scope="module")
def site_url(sample_site) -> Iterator[str]:
    """The sample site over HTTP; a missing page answers with the site's 404.html, as a web server does."""
    root = sample_site.site_dir

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def send_error(self, code: int, message: Any = None, explain: Any = None) -> None:
            if code != 404:
                return super().send_error(code, message, explain)
            body = (root / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_page(chromium):
    """open_page(width, scheme) -> a page of a fresh context; console errors are collected."""
    contexts = []

    def _open(width: int = 1366, scheme: str = "light"):
        context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        contexts.append(context)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.console_errors = errors  # type: ignore[attr-defined]
        return tab

    yield _open
    for context in contexts:
        context.close()


def serious_findings(page, axe: str) -> list[tuple[str, str, str]]:
    """(rule, target, summary) of every critical or serious axe finding on the page."""
    page.add_script_tag(content=axe)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'critical' || v.impact === 'serious')
            .flatMap(v => v.nodes.map(n => [v.id, n.target.join(' '), (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200)]))"""
    )
    return [tuple(f) for f in found]


@pytest.mark.parametrize(("width", "scheme"), [(1366, "light"), (1366, "dark"), (390, "dark")])
def test_axe_finds_nothing_serious_in_plugin_markup(site_url, open_page, width, scheme):
    axe = axe_source()
    page = open_page(width, scheme)
    problems, seen = [], set()
    for url in PAGES:
        page.goto(site_url + url)
        page.wait_for_load_state("load")
        for rule, target, summary in serious_findings(page, axe):
            known = next(((r, t) for r, t in MATERIAL_FINDINGS if r == rule and target.endswith(t)), None)
            if known:
                seen.add(known)
            else:
                problems.append(f"{url or '/'}: {rule} at {target}: {summary}")
    assert not problems, "\n".join(problems)
    # A Material finding that went away: take it off the list.
    assert seen == {finding for finding, schemes in MATERIAL_FINDINGS.items() if scheme in schemes}


def _overflow(page) -> dict[str, Any]:
    """Page width against the viewport, and every table whose right edge passes its content column."""
    return page.evaluate(
        """() => {
            const column = document.querySelector('article.md-content__inner').getBoundingClientRect();
            const clipped = [];
            for (const table of document.querySelectorAll('article table')) {
                if (!table.offsetParent) continue;  // folded away (a closed <details>)
                const wrap = table.closest('.md-typeset__scrollwrap');
                // A table that scrolls inside a wrapper with room to scroll is not clipped; one cut off is.
                const right = table.getBoundingClientRect().right;
                const scrolls = wrap && wrap.scrollWidth > wrap.clientWidth && getComputedStyle(wrap).overflowX !== 'hidden';
                if (right > column.right + 2 && !scrolls) clipped.push((table.tHead ? table.tHead.innerText : table.innerText).slice(0, 60));
            }
            return {page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth, clipped};
        }"""
    )


@pytest.mark.parametrize("width", [1366, 1920])
def test_tables_fit_the_column_on_wide_screens(site_url, open_page, width):
    page = open_page(width)
    wide = []
    for url in PAGES:
        page.goto(site_url + url)
        result = _overflow(page)
        assert result["page"] <= result["viewport"], url
        assert result["clipped"] == [], url
        widths = page.evaluate("[...document.querySelectorAll('article table')].filter(t => t.offsetParent).map(t => t.getBoundingClientRect().width)")
        wide += widths
    # The empty navigation sidebar is gone: record pages' tables are wider than Material's 720 px column.
    page.goto(site_url + "incidents/INC-2024-017/")
    assert page.locator(".md-sidebar--primary").is_hidden()
    assert page.evaluate("document.querySelector('article.md-content__inner').getBoundingClientRect().width") > 900


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_scrolls_sideways_on_a_phone(site_url, open_page, scheme):
    page = open_page(390, scheme)
    for url in PAGES:
        page.goto(site_url + url)
        page.wait_for_load_state("load")
        result = _overflow(page)
        assert result["page"] <= result["viewport"], f"{url} is {result['page']} px wide at 390 px"
        # A facts panel (label, value) never scrolls: its values would sit off the screen.
        column = page.evaluate("document.querySelector('article.md-content__inner').getBoundingClientRect().right")
        rights = page.eval_on_selector_all(".lessons-facts table", "tables => tables.filter(t => t.offsetParent).map(t => t.getBoundingClientRect().right)")
        assert all(right <= column + 2 for right in rights), f"{url}: a facts table passes the column ({rights} > {column})"


def test_wide_tables_become_labelled_cards_on_a_phone(site_url, open_page):
    page = open_page(390)
    page.goto(site_url + "sops/")
    row = page.locator("article table tbody tr").first
    cells = row.locator("td")
    assert cells.first.get_attribute("data-label") == "Id"
    # Every cell of a row is visible one under the other, inside the screen.
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        if box and box["width"]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1
    assert page.locator("article table thead").evaluate("h => h.getBoundingClientRect().height") <= 1


def test_record_pages_say_where_they_are(site_url, open_page):
    page = open_page()
    for url, trail, tab in [
        ("incidents/INC-2024-017/", ["Home", "Incidents", "INC-2024-017"], "Incidents"),
        ("sops/SOP-001/v2/", ["Home", "Procedures", "SOP-001", "SOP-001 v2"], "Procedures"),
        ("taxonomy/capacity-limit/demand-surge/", ["Home", "Taxonomy", "Capacity limit"], "Taxonomy"),
        ("teams/sre/", ["Home", "Teams"], "Teams"),
        ("paths/new-engineer/print/", ["Home", "Onboarding"], "Onboarding"),
    ]:
        page.goto(site_url + url)
        crumbs = page.locator("nav.lessons-crumbs li").all_inner_texts()
        assert crumbs[: len(trail)] == trail, url
        assert page.locator("nav.lessons-crumbs [aria-current=page]").count() == 1
        assert page.locator(".md-tabs__item--active").inner_text().strip() == tab, url
        # The way back to the list.
        page.locator("nav.lessons-crumbs a", has_text=trail[1]).click()
        assert page.locator("article h1").count() == 1
        assert page.locator(".md-tabs__item--active").inner_text().strip() == tab


def test_onboarding_banner_only_for_readers_on_the_path(site_url, open_page):
    page = open_page()
    # From search: one quiet line offers the paths, no "Step 2 of 8" and no "Mark as read".
    page.goto(site_url + "incidents/INC-2024-017/")
    assert page.locator("nav.lessons-path-banner:visible").count() == 0
    offer = page.locator("[data-lessons-offer]")
    assert offer.is_visible() and "step 2 of 8" in offer.inner_text()
    # From the path: the banner of that path, top and bottom, and no offer line.
    page.goto(site_url + "incidents/INC-2024-017/?path=new-engineer")
    assert page.locator("nav.lessons-path-banner:visible").count() == 2
    assert offer.is_hidden()
    page.locator("nav.lessons-path-banner:visible input[data-lessons-read]").first.check()
    # A reader who has started the path sees its banner on its other steps, however they arrive.
    page.goto(site_url + "sops/SOP-007/")
    banner = page.locator("nav.lessons-path-banner:not(.lessons-path-banner--end):visible")
    assert banner.get_attribute("data-lessons-banner") == "new-engineer"
    assert page.console_errors == []


def test_reader_pages_carry_no_contributor_jargon(sample_site):
    for url in ["incidents/INC-2024-017/", "incidents/INC-2025-014/", "sops/SOP-001/", "sops/SOP-001/v2/", "dashboard/"]:
        text = sample_site.text(url)
        assert "Review quality" not in text and not re.search(r"\bLL0\d\d\b", text), url
        assert "derived from" not in text and "plugin option" not in text and "option renewal_every_months" not in text, url


def test_a_filter_shows_why_a_row_matched_and_back_undoes_it(site_url, open_page):
    page = open_page()
    page.goto(site_url + "incidents/")
    page.locator("input[name=term][value=design-flaw]").check()
    page.wait_for_function("document.querySelector('[data-lessons-status]').textContent.includes('match')")
    cells = page.locator("table.lessons-index__table tbody tr td:last-child").all_inner_texts()
    assert cells and all("Design flaw" in cell for cell in cells)
    assert any("(secondary)" in cell for cell in cells)  # some match on a secondary cause only
    assert "term=design-flaw" in page.url
    page.go_back()
    page.wait_for_function("!location.search")
    assert not page.locator("input[name=term][value=design-flaw]").is_checked()
    assert page.console_errors == []


def test_phone_index_starts_with_the_table_and_charts_start_at_the_newest_data(site_url, open_page):
    page = open_page(390)
    page.goto(site_url + "incidents/")
    assert page.locator("details.lessons-facets__panel").evaluate("d => d.open") is False
    assert page.locator("table.lessons-index__table").bounding_box()["y"] < 900 * 1.2
    page.goto(site_url + "dashboard/")
    figure = page.locator("figure.lessons-chart.lessons-chart--scrolls").first
    assert figure.evaluate("f => f.scrollLeft + f.clientWidth >= f.scrollWidth - 1")
    assert "scroll sideways" in figure.locator(".lessons-chart__scroll-note").inner_text()


def test_team_page_lists_open_and_overdue_actions(site_url, open_page):
    page = open_page()
    page.goto(site_url + "teams/sre/")
    heading = page.locator("h2", has_text="Open action items")
    assert re.search(r"Open action items \(\d+, \d+ overdue\)", heading.inner_text())
    page.locator("a", has_text="action list").first.click()
    page.wait_for_url("**/actions/team/sre/")


def test_dashboard_has_no_duplicate_table_and_names_every_id(sample_site):
    article = sample_site.article("dashboard/")
    tables = [" ".join(t.get_text(" ").split()) for t in article.find_all("table")]
    assert len(tables) == len(set(tables))
    for link in article.find_all("a", href=re.compile(r"incidents/INC-")):
        if link.find_parent("svg") is None and link.find_parent("details") is None:
            assert re.match(r"INC-\d{4}-\d{3}: \S", link.get_text()), link.get_text()


def test_404_page_offers_search_the_lists_and_a_guess(site_url, open_page):
    page = open_page()
    response = page.goto(site_url + "incidents/INC-2024-17/")
    assert response.status == 404
    guess = page.locator(".lessons-notfound__guess a")
    guess.wait_for()
    assert guess.inner_text().startswith("INC-2024-017: ")
    assert page.locator("a", has_text="all incidents").get_attribute("href") == "/incidents/"
    page.locator("#lessons-notfound-q").fill("checkout")
    page.locator("#lessons-notfound-q").press("Enter")
    page.wait_for_selector(".md-search-result__item")
    guess_href = site_url + "incidents/INC-2024-017/"
    page.goto(site_url + "sops/sop-1/")
    page.locator(".lessons-notfound__guess a").wait_for()
    assert page.locator(".lessons-notfound__guess a").inner_text().startswith("SOP-001: ")
    assert guess_href  # the guessed page exists (the link test covers its address)


def test_printable_path_is_a_sensible_length(site_url, open_page):
    page = open_page()
    page.goto(site_url + "paths/new-engineer/print/")
    page.wait_for_load_state("networkidle")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4")))
    # About 18 minutes of reading in 8 steps: 53 sheets before, one step a sheet with every
    # list; 16 now (the bound leaves room for records to grow).
    assert pages <= 18, pages
    page.emulate_media(media="print")
    assert page.evaluate("[...document.querySelectorAll('h2.lessons-print-step')].every(h => getComputedStyle(h).breakBefore !== 'page')")
    assert page.locator(".lessons-other-records").first.is_hidden()  # similar incidents, histories, lists
    assert page.locator(".lessons-print-only").is_visible()  # and the page says so


@pytest.fixture(scope="module")
def default_palette_site(tmp_path_factory, serve):
    """60 synthetic incidents under Material's own colours (no palette): what a new site starts with."""
    from conftest import build, synthetic_kb, write_config

    project = tmp_path_factory.mktemp("default-palette")
    kb = synthetic_kb(project / "kb", 60)
    write_config(project, kb)
    return serve(build(project, strict=False).site_dir)  # the synthetic paths name a few drafts: warnings


# Material's own chrome under its default colours (indigo tabs, the footer line): Material's, not the plugin's.
MATERIAL_CHROME = (".md-tabs", ".md-copyright", ".md-header", ".md-footer")


@pytest.mark.parametrize(("width", "scheme"), [(1366, "light"), (390, "dark")])
def test_axe_finds_nothing_serious_under_materials_default_colours(default_palette_site, open_page, width, scheme):
    """Search results with "Load more results", the index, a record, a team: the plugin's markup in the colours
    most sites never change."""
    axe = axe_source()
    page = open_page(width, scheme)
    problems = []
    for url in ("search/?q=the", "incidents/", "dashboard/", "teams/"):
        page.goto(default_palette_site + url)
        page.wait_for_load_state("load")
        if url.startswith("search/"):
            page.wait_for_selector(".pagefind-ui__button")  # "Load more results": more than one screen of them
        for rule, target, summary in serious_findings(page, axe):
            if not any(part in target for part in MATERIAL_CHROME):
                problems.append(f"{url}: {rule} at {target}: {summary}")
    page.goto(default_palette_site + "incidents/")
    first = page.locator("article table tbody a").first.get_attribute("href")
    page.goto(default_palette_site + "incidents/" + first)
    for rule, target, summary in serious_findings(page, axe):
        if not any(part in target for part in MATERIAL_CHROME):
            problems.append(f"{first}: {rule} at {target}: {summary}")
    assert not problems, "\n".join(problems)

"""The faceted incident index in a real browser: filters, counts, sorting, URL state."""

from __future__ import annotations

import json

import pytest

from conftest import MINIMAL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def index_site(tmp_path_factory):
    from conftest import build, write_config

    project = tmp_path_factory.mktemp("index")
    write_config(project, MINIMAL)
    return build(project)


def rows_file(site, folder: str = "incidents/") -> dict:
    """incidents/rows.js read back as the JSON it wraps."""
    text = (site.site_dir / folder / "rows.js").read_text("utf-8")
    body = text[text.index("window.lessonsIncidentRows = ") + len("window.lessonsIncidentRows = ") :].rstrip()
    assert body.endswith(";")
    return json.loads(body[:-1])


def row_record(data: dict, incident_id: str) -> dict:
    """One row of rows.js by its field names, teams and terms by id."""
    row = next(r for r in data["rows"] if r[0] == incident_id)
    record = dict(zip(data["fields"], row))
    record["teams"] = [data["teams"][t][0] for t in record.get("teams", [])]
    record["term"] = data["terms"][record["term"]][0]
    record["terms"] = [data["terms"][t][0] for t in record.get("terms", [])]
    return record


def visible_ids(page) -> list[str]:
    # Filtered views wait for rows.js: `data-shown` is set once the table shows the view.
    page.wait_for_selector("[data-lessons-index][data-shown]", state="attached")
    return page.eval_on_selector_all(
        "[data-lessons-index] tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.id)"
    )


def count(page, key: str) -> str:
    return page.locator(f'[data-count-for="{key}"]').inner_text()


def test_ticking_facets_filters_rows_updates_counts_and_url(index_site, serve, page):
    base = serve(index_site.site_dir)
    page.goto(base + "incidents/")
    assert page.locator("[data-lessons-facets]").is_visible()
    assert visible_ids(page) == ["INC-2024-017", "INC-2023-044"]  # newest first
    assert count(page, "team=sre") == "1" and count(page, "kind=near-miss") == "1"

    page.locator('input[name="kind"][value="near-miss"]').check()
    assert visible_ids(page) == ["INC-2023-044"]
    assert page.url.endswith("incidents/?kind=near-miss")
    assert count(page, "team=sre") == "0"  # counts follow the other filters
    assert count(page, "kind=incident") == "1"  # ...but not the facet's own
    assert "1 of 2 reviews match." in page.locator("[data-lessons-status]").inner_text()

    page.locator('input[name="kind"][value="incident"]').check()  # OR within a facet
    assert sorted(visible_ids(page)) == ["INC-2023-044", "INC-2024-017"]
    page.locator('input[name="team"][value="sre"]').check()  # AND across facets
    assert visible_ids(page) == ["INC-2024-017"]
    assert "kind=near-miss&kind=incident&team=sre" in page.url
    assert page.console_errors == []


def test_a_shared_url_opens_the_same_view(index_site, serve, page):
    base = serve(index_site.site_dir)
    page.goto(base + "incidents/?term=process-deviation&sort=id&dir=asc")
    assert visible_ids(page) == ["INC-2024-017"]  # a parent term matches its children
    assert page.locator('input[name="term"][value="process-deviation"]').is_checked()
    assert "Failure class: Process deviation" in page.locator("[data-lessons-active]").inner_text()

    page.goto(base + "incidents/?quarter=2023-Q4")  # the dashboard heat map's filter
    assert visible_ids(page) == ["INC-2023-044"]
    page.locator("[data-lessons-active] .lessons-chip").first.click()  # remove it
    assert len(visible_ids(page)) == 2
    assert page.url.endswith("incidents/")
    assert page.console_errors == []


def test_facets_a_row_leaves_to_the_script(index_site, serve, page):
    """Rows carry their own terms and their day; the broader terms, the year and the quarter are derived."""
    row = row_record(rows_file(index_site), "INC-2024-017")
    assert row["terms"] == ["process-deviation/skipped-review", "design-flaw/missing-guardrail"] and row["date"] == "2024-03-14"
    base = serve(index_site.site_dir)
    page.goto(base + "incidents/?year=2023")
    assert visible_ids(page) == ["INC-2023-044"]
    assert count(page, "year=2024") == "1" and count(page, "term=process-deviation") == "0"
    page.goto(base + "incidents/?quarter=2024-Q1&term=process-deviation")
    assert visible_ids(page) == ["INC-2024-017"]
    assert count(page, "year=2024") == "1" and count(page, "year=2023") == "0"
    page.goto(base + "incidents/?sort=title&dir=desc")  # "Near miss: ..." before "Checkout ..."
    assert visible_ids(page) == ["INC-2023-044", "INC-2024-017"]
    assert page.console_errors == []


def test_text_filter_and_sorting(index_site, serve, page):
    base = serve(index_site.site_dir)
    page.goto(base + "incidents/")
    page.locator("#lessons-q").fill("currency table")
    page.wait_for_function("document.querySelector('[data-lessons-index]').dataset.shown === '1'")
    assert visible_ids(page) == ["INC-2023-044"]
    assert "q=currency+table" in page.url
    page.locator("#lessons-q").fill("")
    page.wait_for_function("document.querySelector('[data-lessons-index]').dataset.shown === '2'")
    page.locator('button[data-sort-key="id"]').click()
    assert visible_ids(page) == ["INC-2023-044", "INC-2024-017"]
    assert page.locator('th[data-column="id"]').get_attribute("aria-sort") == "ascending"
    page.locator('button[data-sort-key="id"]').click()
    assert visible_ids(page) == ["INC-2024-017", "INC-2023-044"]
    assert page.console_errors == []


def test_works_from_a_file_url(index_site, page):
    url = (index_site.site_dir / "incidents" / "index.html").as_uri()
    page.goto(url + "?severity=SEV2")
    assert visible_ids(page) == ["INC-2024-017"]
    page.locator('input[name="severity"][value="SEV2"]').uncheck()
    assert len(visible_ids(page)) == 2
    # Material itself fetches sitemap.xml, which file:// refuses; nothing else may fail.
    assert [e for e in page.console_errors if "sitemap.xml" not in e and "Failed to load resource" not in e] == []


# -- an index over several pages: the script works over every review, loading rows.js on demand ---------

PAGED_SIZE = 10


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    """A synthetic knowledge base of 60 reviews at 10 rows a page, and its records."""
    from mkdocs_lessons.knowledge import open_knowledge_base
    from test_index_pages import build_paged, synth_kb

    folder = tmp_path_factory.mktemp("paged")
    kb = synth_kb(folder / "kb", 60)
    site = build_paged(folder / "project", kb, PAGED_SIZE)
    return site, open_knowledge_base(kb).kb


def all_ids(page) -> list[str]:
    """Every row of the current view: "Show more" until the table holds them all."""
    ids = visible_ids(page)
    more = page.locator("[data-lessons-more] button")
    while more.is_visible():
        more.click()
        ids = visible_ids(page)
    return ids


def status(page) -> str:
    return page.locator("[data-lessons-status]").inner_text()


def test_a_chart_link_filters_every_page_and_a_plain_visit_loads_no_rows(paged, serve, page):
    from mkdocs_lessons.records.model import quarter_of

    site, kb = paged
    base = serve(site.site_dir)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base + "incidents/")
    page.wait_for_load_state("load")
    assert len(visible_ids(page)) == PAGED_SIZE and page.locator("nav.lessons-pager").first.is_visible()
    assert not any(url.endswith("rows.js") for url in requests)  # a plain visit: the page, no rows file

    page.goto(base + "dashboard/")
    cells = page.locator('#lessons-term-quarter a.lessons-heat__cell')
    counts = [int(c) for c in cells.evaluate_all("cells => cells.map(c => c.dataset.count)")]
    cell = cells.nth(counts.index(max(counts)))
    term, quarter = cell.get_attribute("data-category"), cell.get_attribute("data-period")
    cell.click()
    page.wait_for_url(f"**/incidents/?term={term}**quarter={quarter}")
    expected = [
        i.id for i in kb.newest_first(kb.published_incidents)
        if term in i.under_terms and i.kind in ("incident", "near-miss") and quarter_of(i.occurred) == quarter
    ]
    assert all_ids(page) == expected and len(expected) == max(counts)
    assert status(page) == f"{len(expected)} of {len(kb.published_incidents)} reviews match."
    assert not page.locator("nav.lessons-pager").first.is_visible()  # the view spans every page
    assert sum(url.endswith("incidents/rows.js") for url in requests) == 1
    assert page.console_errors == []


def test_typing_in_the_text_box_searches_every_page(paged, serve, page):
    site, kb = paged
    newest = [i.id for i in kb.newest_first(kb.published_incidents)]
    oldest = newest[-1]  # on the last page
    base = serve(site.site_dir)
    page.goto(base + "incidents/")
    assert oldest not in visible_ids(page)
    box = page.locator("#lessons-q")
    box.click()
    box.press_sequentially(oldest.lower(), delay=90)
    page.wait_for_function("document.querySelector('[data-lessons-index]').dataset.shown === '1'")
    assert visible_ids(page) == [oldest]
    assert status(page) == f"1 of {len(newest)} reviews match."
    assert f"q={oldest.lower()}" in page.url

    # Words AND together, over the title and the team names the cells show, and the summary, cause and lessons.
    from mkdocs_lessons.search.words import plain

    def searched(i):
        cause = i.root_cause.cause if i.root_cause else ""
        return " ".join([i.title, *(kb.teams[t].title for t in i.teams), plain(i.summary), plain(cause), *(plain(x) for x in i.lessons)]).lower()

    target = kb.incidents[newest[-3]]
    team = kb.teams[target.teams[0]].title
    words = f"{target.title.split()[0]} {team}".lower()
    expected = [i.id for i in kb.newest_first(kb.published_incidents) if all(w in searched(i) for w in words.split())]
    box.fill("")
    box.press_sequentially(words, delay=60)
    page.wait_for_function(f"document.querySelector('[data-lessons-index]').dataset.shown === '{len(expected)}'")
    assert target.id in all_ids(page) and set(all_ids(page)) >= set(expected)
    assert status(page).startswith(f"{len(expected)} of {len(newest)} reviews match")

    for _ in words:
        box.press("Backspace", delay=40)
    page.wait_for_function(f"document.querySelector('[data-lessons-index]').dataset.shown === '{PAGED_SIZE}'")
    assert visible_ids(page) == newest[:PAGED_SIZE]  # back to the first page's own rows
    assert page.locator("nav.lessons-pager").first.is_visible()
    assert page.console_errors == []


def test_sorting_sorts_every_review_and_shows_more_on_demand(paged, serve, page):
    from mkdocs_lessons.records.model import natural_key

    site, kb = paged
    by_id = sorted((i.id for i in kb.published_incidents), key=natural_key)
    base = serve(site.site_dir)
    page.goto(base + "incidents/page/3/")
    page.locator('button[data-sort-key="id"]').click()
    assert visible_ids(page) == by_id[:PAGED_SIZE]  # from every page, not page 3's rows
    assert page.locator('th[data-column="id"]').get_attribute("aria-sort") == "ascending"
    assert page.url.endswith("incidents/page/3/?sort=id&dir=asc")
    assert status(page) == f"{len(by_id)} reviews."
    more = page.locator("[data-lessons-more] button")
    assert more.inner_text() == f"Show {PAGED_SIZE} more ({PAGED_SIZE} of {len(by_id)} shown)"
    more.click()
    assert visible_ids(page) == by_id[: 2 * PAGED_SIZE]
    page.locator('button[data-sort-key="id"]').click()
    assert all_ids(page) == by_id[::-1]
    assert page.locator('th[data-column="id"]').get_attribute("aria-sort") == "descending"

    page.locator('button[data-sort-key="severity"]').click()
    severities = page.eval_on_selector_all("[data-lessons-index] tbody tr td:nth-child(5)", "cells => cells.map(c => c.textContent)")
    ranks = [("SEV1", "SEV2", "SEV3", "SEV4").index(s) if s.startswith("SEV") else 9 for s in severities]
    assert ranks == sorted(ranks)
    assert page.console_errors == []


@pytest.mark.parametrize("url", ["incidents/", "incidents/page/3/"])
def test_rows_from_the_script_have_the_markup_of_the_page(paged, serve, page, url):
    """Every row the script renders is the row the build wrote, links included (from a later page too)."""
    site, _ = paged
    base = serve(site.site_dir)
    page.goto(base + url)
    rows = "rows => rows.map(r => [r.dataset.id, r.outerHTML])"
    own = dict(page.eval_on_selector_all("[data-lessons-index] tbody tr", rows))
    assert len(own) == PAGED_SIZE
    page.goto(base + url + "?sort=date&dir=asc")  # every review, rendered by the script
    all_ids(page)
    rendered = dict(page.eval_on_selector_all("[data-lessons-index] tbody tr", rows))
    assert len(rendered) == int(page.locator("[data-lessons-index]").get_attribute("data-total"))
    assert {key: rendered[key] for key in own} == own
    assert page.console_errors == []


def test_a_later_page_filters_from_a_file_url(paged, page):
    site, kb = paged
    team = "payments"
    expected = [i.id for i in kb.newest_first(kb.published_incidents) if team in i.teams]
    page.goto((site.site_dir / "incidents/page/2/index.html").as_uri() + f"?team={team}")
    assert all_ids(page) == expected and len(expected) > PAGED_SIZE
    href = page.locator("[data-lessons-index] tbody tr a").first.get_attribute("href")
    assert href == f"../../{expected[0]}/"
    material = ("sitemap.xml", "Failed to load resource")
    assert [e for e in page.console_errors if not any(m in e for m in material)] == []


def test_rows_arriving_while_typing_keep_what_was_typed(paged, serve, page):
    """The rows file lands between two keystrokes: the text box keeps the later ones."""
    site, kb = paged
    oldest = kb.newest_first(kb.published_incidents)[-1].id.lower()
    base = serve(site.site_dir)
    held = []
    page.route("**/rows.js", lambda route: held.append(route))
    page.clock.install()  # the text box's pause before filtering runs when the test says
    page.goto(base + "incidents/")
    box = page.locator("#lessons-q")
    box.click()
    box.press_sequentially(oldest[:8], delay=80)
    page.clock.run_for(500)  # the pause: the script asks for the rows
    page.wait_for_function("document.querySelector('[data-lessons-status]').textContent.startsWith('Loading')")
    box.press_sequentially(oldest[8:], delay=80)  # ...and the reader types on
    held[0].continue_()
    page.wait_for_function("!document.querySelector('[data-lessons-status]').textContent.startsWith('Loading')")
    assert box.input_value() == oldest
    page.clock.run_for(500)
    page.wait_for_function("document.querySelector('[data-lessons-index]').dataset.shown === '1'")
    assert visible_ids(page) == [oldest.upper()]
    assert page.console_errors == []

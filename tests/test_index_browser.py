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

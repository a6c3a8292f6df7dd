"""The shipped scripts on a Zensical build, in Chromium: the incident index filters, reading progress."""

from __future__ import annotations

import pytest

from conftest import SAMPLE, MINIMAL
from mkdocs_lessons.knowledge import open_knowledge_base
from test_platform import zensical_project

pytestmark = [pytest.mark.browser, pytest.mark.platform]


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory):
    return zensical_project(tmp_path_factory.mktemp("zensical-browser") / "project", MINIMAL)


def test_the_incident_index_filters_from_the_url_under_zensical(zensical_site, serve, page):
    base = serve(zensical_site.site_dir)
    kb = open_knowledge_base(MINIMAL).kb
    expected = sorted(i.id for i in kb.published_incidents if i.kind == "near-miss")
    page.goto(base + "kb/incidents/?kind=near-miss")
    page.wait_for_function("document.querySelector('[data-lessons-index]').dataset.shown !== undefined")
    shown = page.eval_on_selector_all("[data-lessons-index] tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.id)")
    assert sorted(shown) == expected and expected
    assert page.locator("[data-lessons-facets]").is_visible()
    page.locator('input[name="kind"][value="near-miss"]').uncheck()
    assert len(page.eval_on_selector_all("[data-lessons-index] tbody tr:not([hidden])", "rows => rows")) == len(kb.published_incidents)
    assert page.console_errors == []


def test_reading_progress_works_under_zensical(zensical_site, serve, page):
    base = serve(zensical_site.site_dir)
    page.goto(base + "kb/incidents/INC-2024-017/?path=new-engineer")  # on the path: its banner shows
    box = page.locator("nav.lessons-path-banner:visible input[data-lessons-read]").first
    box.check()
    page.reload()
    assert page.locator("nav.lessons-path-banner:visible input[data-lessons-read]").first.is_checked()
    page.goto(base + "kb/paths/new-engineer/")
    assert page.locator("ol input[data-lessons-read]:checked").count() == 1
    assert page.console_errors == []


def test_sample_pages_load_without_console_errors_under_zensical(tmp_path, serve, page):
    site = zensical_project(tmp_path / "project", SAMPLE)
    base = serve(site.site_dir)
    for url in ("kb/", "kb/dashboard/", "kb/incidents/", "kb/incidents/INC-2024-017/", "kb/sops/SOP-007/", "kb/teams/payments/", "kb/paths/new-engineer/"):
        page.goto(base + url)
        assert page.locator("article h1").count() == 1, url
    assert page.console_errors == []

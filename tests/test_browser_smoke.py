"""The generated pages render in a real browser, offline, without script errors."""

from __future__ import annotations

import pytest

from conftest import MINIMAL

pytestmark = pytest.mark.browser


def test_incident_page_renders_without_errors_and_offline(build_kb, serve, page):
    site = build_kb(MINIMAL)
    base = serve(site.site_dir)
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(base) else None)
    page.goto(base + "incidents/INC-2024-017/")
    assert page.locator("article h1").inner_text() == "INC-2024-017: Checkout outage after an unreviewed config push"
    assert page.locator(".lessons-facts").first.is_visible()
    page.locator("article a", has_text="Process deviation › Skipped review").click()
    page.wait_for_url("**/taxonomy/process-deviation/skipped-review/")
    assert page.console_errors == []
    assert outside == [], "nothing may be loaded from outside the site"

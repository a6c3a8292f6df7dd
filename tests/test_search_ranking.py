"""The header search box (Pagefind, the sample's default) finds the right page first when opened with `?q=`, in a real browser.

Each row is a question a reader brings and the page that must come first.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

# query -> the page (site-relative URL) that must be the top result
RANKING = [
    ("INC-2024-017", "incidents/INC-2024-017/"),  # an incident id
    ("INC-2023-044", "incidents/INC-2023-044/"),
    ("SOP-007", "sops/SOP-007/"),  # an SOP id: the SOP, not one of its versions
    ("Changing production configuration", "sops/SOP-007/"),  # an SOP title
    ("Deploying services", "sops/SOP-003/"),
    ("staged rollout", "sops/SOP-012/"),
    ("Skipped review", "taxonomy/process-deviation/skipped-review/"),  # a taxonomy term title
    ("Design flaw", "taxonomy/design-flaw/"),  # a broad term before its narrower ones
    ("Data gap", "taxonomy/data-gap/"),
    ("human error", "taxonomy/process-deviation/"),  # a retired term leads to its replacement
    ("Payments", "teams/payments/"),  # a team
    ("Site reliability", "teams/sre/"),
    ("Kestrel Park", "teams/logistics/"),  # a place, owned by a team
    ("config push checkout", "incidents/INC-2024-017/"),  # the question in the issue
    ("freezer", "incidents/INC-2023-018/"),
    ("snow vans", "incidents/INC-2023-008/"),
    ("3-D Secure", "incidents/INC-2024-063/"),
    ("credential stuffing", "incidents/INC-2024-070/"),
    ("allergen", "incidents/INC-2024-022/"),
    ("Millbrook power cut", "incidents/INC-2023-049/"),
    ("provider failover procedure", "sops/SOP-004/"),  # a question about what to do
    ("Your first two weeks", "paths/new-engineer/"),  # a reading path
]


def top_result(page, base: str, query: str) -> str:
    page.goto(base + "?q=" + quote(query))  # ?q= opens the header box with a query, as Material's search does
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    first = page.locator(".md-search-result__list > li > a.md-search-result__link").first
    # Results can be rendered more than once while the query settles: read until stable.
    def address() -> str:
        return first.evaluate("a => a.href")  # resolved: the box links from the site's root

    href, previous = address(), None
    while href != previous:
        page.wait_for_timeout(250)
        previous, href = href, address()
    return href.split("?")[0].split("#")[0].removeprefix(base)


def test_ranking_table_is_large_enough():
    assert len(RANKING) >= 15


def test_material_search_finds_the_right_page_first(sample_site, serve, page):
    base = serve(sample_site.site_dir)
    misses = []
    for query, expected in RANKING:
        got = top_result(page, base, query)
        if got != expected:
            misses.append((query, expected, got))
    assert misses == []
    assert page.console_errors == []

"""The learning programme's pages in headless Chromium, in Material's light and dark palettes.

Screenshots of the session index and a session, the indicator index and an
indicator, the dashboard's learning sections, a team's learning record and
an incident's sessions: each must show something (many colours, no single
colour covering it), follow the palette (dark text on light, light on dark),
raise no console error and load nothing from outside the site. The session
index filters by kind and team, from the controls and from the address.
"""

from __future__ import annotations

import pytest

from test_dashboard_browser import LUMINANCE, image_stats

from conftest import watched_page

pytestmark = pytest.mark.browser

PAGES = [
    ("sessions/", "table[data-lessons-sessions]"),
    ("sessions/2024-03-19-checkout-review/", "h2#learning-buddies"),
    ("indicators/", "article table"),
    ("indicators/checkout-conversion/", "#lessons-indicator-checkout-conversion svg"),
    ("dashboard/#learning-activity", "#lessons-learning-activity svg"),
    ("teams/payments/", "h2#learning-record"),
    ("incidents/INC-2024-017/", "h2#discussed-in-sessions"),
]


@pytest.mark.parametrize("scheme, material", [("light", "default"), ("dark", "slate")])
def test_learning_pages_render_in_both_palettes(chromium, sample_site, serve, tmp_path, scheme, material):
    base = serve(sample_site.site_dir)
    context, page, errors, outside = watched_page(chromium, base, scheme)
    try:
        for url, selector in PAGES:
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            assert page.locator("body").get_attribute("data-md-color-scheme") == material
            target = page.locator(selector).first
            target.scroll_into_view_if_needed()
            assert target.is_visible(), (url, selector)
            shot = page.screenshot(full_page=True)
            name = url.strip("/").replace("/", "-").replace("#", "-") or "home"
            (tmp_path / f"{name}-{scheme}.png").write_bytes(shot)
            stats = image_stats(chromium, shot)
            assert stats["distinct"] > 30 and stats["dominant"] < 0.97, (url, stats)
            assert (stats["luminance"] > 0.7) if scheme == "light" else (stats["luminance"] < 0.35), (url, stats)
            heading = page.locator("article h1").first
            colour = heading.evaluate("el => getComputedStyle(el).color").strip("rgba()").split(",")
            text = (0.2126 * float(colour[0]) + 0.7152 * float(colour[1]) + 0.0722 * float(colour[2])) / 255
            assert (text < 0.45) if scheme == "light" else (text > 0.55), (url, text)

        # The indicator chart: its line, points and incident markers are drawn in palette colours, not black.
        page.goto(base + "indicators/checkout-conversion/")
        chart = page.locator("#lessons-indicator-checkout-conversion svg")
        box = chart.bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 150
        assert page.locator("#lessons-indicator-checkout-conversion path.lessons-marker").count() >= 5
        marker = page.locator("#lessons-indicator-checkout-conversion path.lessons-marker").first
        assert marker.evaluate("el => getComputedStyle(el).fill") not in ("rgb(0, 0, 0)", "none")
        title = page.locator("#lessons-indicator-checkout-conversion .lessons-chart__title")
        luminance = title.evaluate(LUMINANCE)
        assert (luminance < 0.4) if scheme == "light" else (luminance > 0.6), luminance
        chart_stats = image_stats(chromium, chart.screenshot())
        assert chart_stats["distinct"] > 10 and chart_stats["dominant"] < 0.95, chart_stats
        # Show data opens the series as a table.
        details = page.locator("#lessons-indicator-checkout-conversion details")
        details.locator("summary").click()
        assert page.locator("#lessons-indicator-checkout-conversion details table").is_visible()
        assert errors == []
        assert outside == [], "nothing may be loaded from outside the site"
    finally:
        context.close()


def test_the_session_index_filters_by_kind_and_team(sample_site, serve, page):
    base = serve(sample_site.site_dir)
    page.goto(base + "sessions/")
    page.wait_for_selector("[data-lessons-session-filters]:not([hidden])")
    visible = "rows => rows.filter(r => !r.hidden).map(r => r.dataset.kind + ' ' + r.dataset.teams)"
    assert len(page.eval_on_selector_all("[data-lessons-sessions] tbody tr", visible)) == 26
    page.select_option("[data-lessons-session-filters] select[name=kind]", "drill")
    shown = page.eval_on_selector_all("[data-lessons-sessions] tbody tr", visible)
    assert len(shown) == 2 and all(row.startswith("drill ") for row in shown)
    assert page.url.endswith("sessions/?kind=drill")
    page.select_option("[data-lessons-session-filters] select[name=team]", "fulfilment")
    shown = page.eval_on_selector_all("[data-lessons-sessions] tbody tr", visible)
    assert len(shown) == 1 and "fulfilment" in shown[0].split()
    assert "1 of 26 sessions" in page.locator("[data-lessons-session-count]").inner_text()
    # The address alone filters too: a shared link opens the same list.
    page.goto(base + "sessions/?team=security")
    page.wait_for_selector("[data-lessons-session-filters]:not([hidden])")
    shown = page.eval_on_selector_all("[data-lessons-sessions] tbody tr", visible)
    assert shown and all("security" in row.split()[1:] for row in shown)
    assert page.console_errors == []

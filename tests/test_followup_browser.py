"""The timeline strip and the renewal agenda in Chromium (issue 23): both palettes, "Show data", nothing fetched."""

from __future__ import annotations

import pytest

from test_dashboard_browser import LUMINANCE, image_stats

from conftest import watched_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme, material", [("light", "default"), ("dark", "slate")])
def test_timeline_strip_in_both_palettes(chromium, sample_site, serve, scheme, material):
    base = serve(sample_site.site_dir)
    context, page, errors, outside = watched_page(chromium, base, scheme)
    try:
        page.goto(base + "incidents/INC-2024-017/")
        page.wait_for_load_state("networkidle")
        assert page.locator("body").get_attribute("data-md-color-scheme") == material
        figure = page.locator("#timeline-INC-2024-017")
        box = figure.locator("svg").bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 120
        shot = image_stats(chromium, figure.locator("svg").screenshot())
        assert shot["distinct"] > 10 and shot["dominant"] < 0.95, shot
        # The phases are coloured (not black, not transparent) and the title follows the palette.
        fill = figure.locator(".lessons-phase--response").evaluate("el => getComputedStyle(el).fill")
        assert fill not in ("rgb(0, 0, 0)", "none", ""), fill
        title = figure.locator(".lessons-chart__title").evaluate(LUMINANCE)
        assert (title < 0.4) if scheme == "light" else (title > 0.6), title
        # "Show data": the same events as a table.
        assert not figure.locator("details table").is_visible()
        figure.locator("details summary").click()
        assert figure.locator("details table").is_visible()
        assert figure.locator("details tbody tr").count() == figure.locator('svg [data-kind="event"], svg [data-kind="decision"], svg [data-kind="assumption"]').count() + 3
        # The process map: the step new since the previous version stands out from the others, in either palette.
        page.goto(base + "sops/SOP-007/")
        flow = page.locator("#process-SOP-007 svg")
        assert flow.locator("[data-step]").count() >= 3
        changed = flow.locator('[data-changed="true"] rect').first.evaluate("el => getComputedStyle(el).stroke")
        same = flow.locator('[data-step][data-changed="false"] rect').first.evaluate("el => getComputedStyle(el).stroke")
        assert changed != same and changed not in ("none", ""), (changed, same)
        label = flow.locator("[data-step] .lessons-flow__label").first.evaluate(LUMINANCE)
        assert (label < 0.4) if scheme == "light" else (label > 0.6), label
        # The renewal agenda prints: its questions are there, and no request leaves the site.
        page.goto(base + "renewal/")
        assert page.locator("ol.lessons-renewal__questions li").count() > 3
        assert not errors and not outside, (errors, outside)
    finally:
        context.close()

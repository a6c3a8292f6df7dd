"""The dashboard in headless Chromium, in Material's light and dark palettes.

Screenshots are decoded in the browser (a canvas) and checked to show
something: many colours, no single colour covering the page, dark text on
the light palette and light text on the dark one. No console errors, and
nothing is loaded from outside the site.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from conftest import FIXTURES, build, watched_page, write_config

pytestmark = pytest.mark.browser

PALETTE = [
    {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": "teal", "accent": "deep orange",
     "toggle": {"icon": "material/weather-night", "name": "Switch to dark mode"}},
    {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "primary": "teal", "accent": "deep orange",
     "toggle": {"icon": "material/weather-sunny", "name": "Switch to light mode"}},
]

STATS = """async (b64) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width; canvas.height = img.height;
  const g = canvas.getContext("2d");
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, img.width, img.height).data;
  const counts = new Map();
  let luminance = 0, samples = 0;
  for (let i = 0; i < d.length; i += 4 * 3) {
    const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
    luminance += (0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2]) / 255;
    samples += 1;
  }
  let top = 0;
  for (const v of counts.values()) top = Math.max(top, v);
  return { width: img.width, height: img.height, distinct: counts.size, dominant: top / samples, luminance: luminance / samples };
}"""

LUMINANCE = """(el) => {
  const m = getComputedStyle(el).fill.match(/\\d+(\\.\\d+)?/g).map(Number);
  return (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255;
}"""


@pytest.fixture(scope="module")
def dashboard_site(tmp_path_factory):
    project = tmp_path_factory.mktemp("dashboard-browser")
    write_config(project, FIXTURES / "dashboard", extra={"theme": {"name": "material", "font": False, "palette": PALETTE}})
    return build(project)


def image_stats(browser, png: bytes) -> dict[str, Any]:
    context = browser.new_context()
    try:
        blank = context.new_page()
        return blank.evaluate(STATS, base64.b64encode(png).decode("ascii"))
    finally:
        context.close()


@pytest.mark.parametrize("scheme, material", [("light", "default"), ("dark", "slate")])
def test_dashboard_renders_in_both_palettes(chromium, dashboard_site, serve, tmp_path, scheme, material):
    base = serve(dashboard_site.site_dir)
    context, page, errors, outside = watched_page(chromium, base, scheme)
    try:
        page.goto(base + "dashboard/")
        page.wait_for_load_state("networkidle")
        assert page.locator("body").get_attribute("data-md-color-scheme") == material
        assert page.locator("figure.lessons-chart svg").count() == 8  # seven charts of failures and one of learning activity
        for svg in page.locator("figure.lessons-chart svg").all():
            box = svg.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100

        full = page.screenshot(full_page=True)
        (tmp_path / f"dashboard-{scheme}.png").write_bytes(full)
        stats = image_stats(chromium, full)
        assert stats["height"] > 2000 and stats["distinct"] > 50, stats
        assert stats["dominant"] < 0.97, stats  # a blank page is one colour
        assert (stats["luminance"] > 0.75) if scheme == "light" else (stats["luminance"] < 0.3), stats
        heat = image_stats(chromium, page.locator("#lessons-term-quarter svg").screenshot())
        assert heat["distinct"] > 10 and heat["dominant"] < 0.9, heat

        # Text follows the palette: dark on light, light on dark; the heat colour is visible on both.
        title = page.locator("#lessons-term-quarter .lessons-chart__title")
        text_luminance = title.evaluate(LUMINANCE)
        assert (text_luminance < 0.4) if scheme == "light" else (text_luminance > 0.6), text_luminance
        strongest = page.locator("#lessons-term-quarter rect.lessons-heat--5").first
        assert strongest.evaluate("el => getComputedStyle(el).fillOpacity") == "0.92"
        assert "rgb(0, 0, 0)" != strongest.evaluate("el => getComputedStyle(el).fill")

        # "Show data" opens an accessible table without JavaScript of ours.
        details = page.locator("#lessons-reporting details")
        assert not page.locator("#lessons-reporting details table").is_visible()
        details.locator("summary").click()
        assert page.locator("#lessons-reporting details table").is_visible()
        assert errors == []
        assert outside == [], "nothing may be loaded from outside the site"
    finally:
        context.close()


def test_a_heat_map_cell_opens_the_index_filtered_to_its_incidents(dashboard_site, serve, page):
    base = serve(dashboard_site.site_dir)
    page.goto(base + "dashboard/")
    cell = page.locator('#lessons-term-quarter a.lessons-heat__cell[data-category="process-deviation"][data-period="2024-Q1"]')
    expected = int(cell.get_attribute("data-count"))
    cell.click()
    page.wait_for_url("**/incidents/?term=process-deviation&kind=incident&kind=near-miss&quarter=2024-Q1")
    page.wait_for_selector("[data-lessons-index][data-shown]", state="attached")  # the rows are loaded
    rows = page.eval_on_selector_all("[data-lessons-index] tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.id)")
    assert len(rows) == expected == 1 and rows == ["INC-2024-017"]
    assert page.console_errors == []


def test_dashboard_opens_from_the_file_system(dashboard_site, page):
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((dashboard_site.site_dir / "dashboard/index.html").as_uri())
    page.wait_for_load_state("load")
    assert page.locator("#lessons-term-team svg").is_visible()
    assert page.locator(".lessons-kpi").count() == 6
    # From file:// Material's own script cannot fetch sitemap.xml (CORS, on every page); nothing else may fail.
    assert all(url.endswith("/sitemap.xml") for url in failed), failed
    material = ("sitemap.xml", "Failed to load resource: net::ERR_FAILED")
    assert [e for e in page.console_errors if not any(m in e for m in material)] == []

"""Reading paths in a real browser: read marks survive a reload, progress bars
follow them, and a page in two paths shows the banner of the path the reader
came from. No console errors, nothing loaded from outside the site."""

from __future__ import annotations

import pytest

from test_paths import two_path_kb

pytestmark = pytest.mark.browser


@pytest.fixture
def site_url(tmp_path, build_kb, serve):
    site = build_kb(two_path_kb(tmp_path))
    return serve(site.site_dir)


def shown_banner(page) -> str:
    return page.locator("nav.lessons-path-banner:not(.lessons-path-banner--end):visible").get_attribute("data-lessons-banner")


def test_mark_as_read_survives_a_reload_and_fills_the_progress_bars(site_url, page):
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(site_url) else None)
    page.goto(site_url + "incidents/INC-2024-017/?path=new-engineer")
    box = page.locator("nav.lessons-path-banner:visible input[data-lessons-read]").first
    assert box.is_visible() and not box.is_checked()
    box.check()
    # Every box for the same page follows (the closing banner's too).
    assert page.locator("nav.lessons-path-banner--end:visible input[data-lessons-read]").is_checked()
    page.reload()
    assert page.locator("nav.lessons-path-banner:visible input[data-lessons-read]").first.is_checked()

    page.goto(site_url + "paths/new-engineer/")
    progress = page.locator("div.lessons-progress")
    assert progress.is_visible()
    assert progress.locator(".lessons-progress__label").inner_text() == "1 of 3 read"
    assert progress.locator("progress").evaluate("bar => [bar.value, bar.max]") == [1, 3]
    boxes = page.locator("ol input[data-lessons-read]")
    assert [boxes.nth(i).is_checked() for i in range(3)] == [False, True, False]
    assert page.locator("a.lessons-continue").inner_text() == "Start with step 1: Process deviation"

    # Marking on the path page counts too, and the button moves on to the first unread step.
    boxes.nth(0).check()
    assert progress.locator(".lessons-progress__label").inner_text() == "2 of 3 read"
    assert page.locator("a.lessons-continue").inner_text() == "Continue with step 3: SOP-007: Changing production configuration"
    assert page.locator("a.lessons-continue").get_attribute("href") == "../../sops/SOP-007/?path=new-engineer"

    page.goto(site_url + "paths/")
    labels = page.locator(".lessons-path-card .lessons-progress .lessons-progress__label")
    # The page read in one path counts in the other path that includes it.
    assert [labels.nth(i).inner_text() for i in range(labels.count())] == ["2 of 3 read", "1 of 4 read"]
    assert page.console_errors == []
    assert outside == []


def test_unmarking_and_progress_are_kept_per_knowledge_base(site_url, page):
    page.goto(site_url + "paths/new-engineer/")
    box = page.locator("ol input[data-lessons-read]").nth(1)
    box.check()
    box.uncheck()
    page.reload()
    assert not page.locator("ol input[data-lessons-read]").nth(1).is_checked()
    keys = page.evaluate("Object.keys(localStorage)")
    assert keys == ["mkdocs-lessons:read:/"]  # named after the knowledge base's root folder
    assert page.evaluate("localStorage.getItem('mkdocs-lessons:read:/')") == "[]"
    assert page.console_errors == []


def test_query_selects_the_banner_of_the_path_the_reader_is_on(site_url, page):
    page.goto(site_url + "incidents/INC-2024-017/")
    # Not on a path: no banner, one quiet line that offers both paths.
    assert page.locator("nav.lessons-path-banner:visible").count() == 0
    assert page.locator("[data-lessons-offer]").is_visible()
    page.goto(site_url + "incidents/INC-2024-017/?path=payments-onboarding")
    assert shown_banner(page) == "payments-onboarding"
    banner = page.locator("nav.lessons-path-banner:visible").first
    assert "Step 3 of 4 in Joining the payments team" in banner.inner_text()
    assert page.locator("nav.lessons-path-banner--end:visible").get_attribute("data-lessons-banner") == "payments-onboarding"
    # Following "next" stays on the path.
    banner.locator("a[rel=next]").click()
    page.wait_for_url("**/sops/SOP-007/v3/?path=payments-onboarding")
    assert "Step 4 of 4" in page.locator("nav.lessons-path-banner:visible").first.inner_text()
    page.goto(site_url + "incidents/INC-2024-017/?path=no-such-path")
    assert page.locator("nav.lessons-path-banner:visible").count() == 0
    assert page.console_errors == []


def test_referrer_selects_the_banner_and_is_kept_in_the_address(site_url, page):
    page.goto(site_url + "paths/payments-onboarding/")
    # A plain link from the path page (no query): the referrer decides.
    page.evaluate("location.href = '../../incidents/INC-2024-017/'")
    page.wait_for_url("**/incidents/INC-2024-017/**")
    assert shown_banner(page) == "payments-onboarding"
    assert page.url.endswith("incidents/INC-2024-017/?path=payments-onboarding")
    page.reload()
    assert shown_banner(page) == "payments-onboarding"
    assert page.console_errors == []


@pytest.mark.parametrize(
    "blocking",
    [
        # Storage that refuses writes (a full quota, older Safari private windows).
        "Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };",
        # Storage that cannot even be opened (cookies blocked). Material's own inline
        # script then throws once per page; ours must still work and add nothing.
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('blocked', 'SecurityError'); }});",
    ],
    ids=["writes-refused", "access-denied"],
)
def test_without_storage_the_page_still_works_for_the_visit(site_url, chromium, blocking):
    context = chromium.new_context()
    context.add_init_script(blocking)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        tab.goto(site_url + "incidents/")  # no reading-path markup: only the theme's own errors, if any
        baseline = list(errors)
        errors.clear()
        tab.goto(site_url + "paths/new-engineer/")
        box = tab.locator("ol input[data-lessons-read]").nth(0)
        assert box.is_visible()
        box.check()
        assert tab.locator("div.lessons-progress .lessons-progress__label").inner_text() == "1 of 3 read"
        assert "keep your progress" in (tab.locator("ol label.lessons-read").first.get_attribute("title") or "")
        assert errors == baseline
        if "setItem" in blocking:
            assert errors == []
    finally:
        context.close()


def test_progress_works_from_file_urls_and_pages_without_paths_stay_quiet(tmp_path, build_kb, page):
    site = build_kb(two_path_kb(tmp_path), extra={"use_directory_urls": False})
    page.goto((site.site_dir / "incidents/INC-2024-017.html").as_uri() + "?path=payments-onboarding")
    assert shown_banner(page) == "payments-onboarding"
    page.locator("nav.lessons-path-banner:visible input[data-lessons-read]").first.check()
    page.goto((site.site_dir / "paths/payments-onboarding/index.html").as_uri())
    assert page.locator("div.lessons-progress .lessons-progress__label").inner_text() == "1 of 4 read"
    page.goto((site.site_dir / "incidents/index.html").as_uri())
    page.goto((site.site_dir / "paths/payments-onboarding/print.html").as_uri())
    assert page.locator(".lessons-print-button button").is_visible()
    # From file:// Material's own requests (sitemap, search index) are refused
    # by the browser; nothing else may fail.
    theirs = ("Access to XMLHttpRequest", "net::ERR_FAILED", "search_index.json", "sitemap.xml")
    assert [e for e in page.console_errors if not any(t in e for t in theirs)] == []

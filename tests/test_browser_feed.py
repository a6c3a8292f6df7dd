"""In a real browser: every page announces the Atom feed, the feed loads and
parses, and a record page shows when its record last changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import MINIMAL, build, write_config

pytestmark = [pytest.mark.browser, pytest.mark.skipif(shutil.which("git") is None, reason="needs git")]


def test_feed_is_discoverable_and_last_updated_is_shown(tmp_path: Path, serve, page) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    shutil.copytree(MINIMAL, project / "content")
    write_config(project, Path("content"), options={"prefix": "kb"})
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.invalid", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.invalid",
           "GIT_AUTHOR_DATE": "2025-04-05T10:00:00Z", "GIT_COMMITTER_DATE": "2025-04-05T10:00:00Z", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "kb"]):
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True, env=env)
    site = build(project)
    base = serve(site.site_dir)
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(base + "kb/sops/SOP-007/")
    assert page.locator("article .lessons-updated").inner_text() == "Last updated: 2025-04-05"
    assert page.locator("article .lessons-updated").is_visible()
    feed = page.evaluate(
        """async () => {
            // Feed readers find it the way the HTML standard says: a token "alternate" in rel.
            const link = document.querySelector('link[rel~="alternate"][type="application/atom+xml"]');
            const response = await fetch(link.href);
            const xml = new DOMParser().parseFromString(await response.text(), 'application/xml');
            return {
                href: link.href,
                status: response.status,
                broken: xml.getElementsByTagName('parsererror').length,
                titles: [...xml.getElementsByTagName('entry')].map(e => e.getElementsByTagName('title')[0].textContent),
            };
        }"""
    )
    assert feed["href"] == base + "kb/feed.xml"
    assert feed["status"] == 200
    assert feed["broken"] == 0
    assert feed["titles"][0] == "SOP-007 v3: Changing production configuration"
    # The feed's relative entry links lead to the pages.
    page.goto(base + "kb/feed.xml")
    # Chromium asks the test server for /favicon.ico while it shows the raw XML, at times
    # after the next page has opened: that 404 is the browser's, not the site's.
    page.wait_for_timeout(300)
    page.console_errors.clear()
    page.goto(base + "kb/" + "incidents/INC-2024-017/")
    assert page.locator("article h1").inner_text().startswith("INC-2024-017")
    # Material must not take the feed link for a language version (it would fetch kb/sitemap.xml).
    assert failed == []
    assert page.console_errors == []

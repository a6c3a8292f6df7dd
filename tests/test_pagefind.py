"""`search: pagefind` (the default): filter markup, the index, and the search page in a real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import MINIMAL


@pytest.fixture(scope="module")
def pagefind_site(tmp_path_factory):
    from conftest import build, write_config

    project = tmp_path_factory.mktemp("pagefind")
    # A Pagefind site drops Material's own search plugin (as the README says).
    lessons = {"root": str(MINIMAL), "today": "2026-11-27", "search": "pagefind"}
    write_config(project, MINIMAL, extra={"plugins": [{"lessons": lessons}]})
    return build(project)


def test_record_pages_carry_pagefind_filters(pagefind_site):
    soup = pagefind_site.soup("incidents/INC-2024-017/")
    article = soup.find("article")
    assert article.has_attr("data-pagefind-body")
    filters = sorted(span["data-pagefind-filter"] for span in article.select("[data-pagefind-filter]"))
    assert filters == sorted(
        [
            "section:Incidents",
            "kind:Incident",
            "status:reviewed",
            "severity:SEV2",
            "failure type:process",
            "failure class:Process deviation",
            "failure class:Process deviation › Skipped review",
            "failure class:Design flaw",
            "failure class:Design flaw › Missing guardrail",
            "team:Payments",
            "team:Site reliability",
            "year:2024",
            "tag:config",
            "tag:checkout",
        ]
    )
    sop = pagefind_site.article("sops/SOP-007/")
    assert [s["data-pagefind-filter"] for s in sop.select("[data-pagefind-filter]")] == ["section:Procedures"]


def test_the_index_and_search_page_are_written(pagefind_site):
    bundle = pagefind_site.site_dir / "pagefind"
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-ui.js").is_file()
    assert any((bundle / "index").iterdir())
    nav = [a.get_text(strip=True) for a in pagefind_site.soup("search/").select("nav.md-nav--primary > ul > li > a")]
    assert "Search" in nav


def test_material_search_sites_get_no_pagefind_markup(build_kb):
    site = build_kb(MINIMAL, search="material")
    assert not site.page("search/").exists()
    assert site.article("incidents/INC-2024-017/").select("[data-pagefind-filter]") == []


def _search_notes(site) -> list[str]:
    return [r.getMessage() for r in site.log if "search index is" in r.getMessage()]


def test_a_large_material_search_index_is_pointed_out(build_kb, monkeypatch):
    """Material's index is one download; past the threshold the build names it and the way out."""
    from mkdocs_lessons import plugin

    site = build_kb(MINIMAL, search="material")
    assert _search_notes(site) == []  # a small base: nothing to say
    size = (site.site_dir / "search" / "search_index.json").stat().st_size
    monkeypatch.setattr(plugin, "SEARCH_INDEX_NOTE_BYTES", size - 1)
    notes = _search_notes(build_kb(MINIMAL, search="material"))  # --strict: an info line, not a warning
    assert len(notes) == 1 and "every reader downloads all of it" in notes[0] and "`search: pagefind`" in notes[0], (
        notes
    )


@pytest.mark.browser
def test_pagefind_search_with_a_filter(pagefind_site, serve, page):
    base = serve(pagefind_site.site_dir)
    page.goto(base + "search/?q=config")
    page.wait_for_selector(".pagefind-ui__result-link")
    assert "results for config" in page.locator(".pagefind-ui__message").inner_text()

    page.locator(".pagefind-ui__filter-name", has_text="Kind").click()
    page.locator("label", has_text="Near miss").click()
    page.wait_for_function("() => document.querySelectorAll('.pagefind-ui__result').length === 1")
    result = page.locator(".pagefind-ui__result .pagefind-ui__result-link").first.inner_text()
    assert result == "INC-2023-044: Near miss: a currency table almost shipped empty"

    page.goto(base + "search/?q=INC-2024-017")  # an id is one word in the index
    page.wait_for_selector(".pagefind-ui__result-link")
    first = page.locator(".pagefind-ui__result-title .pagefind-ui__result-link").first.inner_text()
    assert first == "INC-2024-017: Checkout outage after an unreviewed config push"
    assert page.console_errors == []


# -- Pagefind fed page by page while the site is built (search/pagefind_service.py) ---------------------------------


def _fragments(bundle) -> dict[str, bytes]:
    """Every page Pagefind holds, by URL: its text, meta, filters and anchors (gzip'd JSON fragments)."""
    import gzip
    import json

    pages = {}
    for path in (bundle / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        pages[json.loads(data[len(b"pagefind_dcd") :])["url"]] = data
    return pages


def _entry(bundle) -> dict:
    import json

    return json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))


def _command_line_index(site_dir, tmp_path):
    from mkdocs_lessons.search.pagefind import run_pagefind

    output = tmp_path / "command-line"
    run_pagefind(site_dir, "pagefind", output)
    return output


def _pagefind_project(tmp_path, hook: str = ""):
    from conftest import write_config

    extra: dict = {"plugins": [{"lessons": {"root": str(MINIMAL), "today": "2026-11-27", "search": "pagefind"}}]}
    tmp_path.mkdir(parents=True, exist_ok=True)
    if hook:
        (tmp_path / "hook.py").write_text(hook, "utf-8")
        extra["hooks"] = ["hook.py"]
    write_config(tmp_path, MINIMAL, extra=extra)
    return tmp_path


def test_the_index_is_made_while_the_pages_are_built_and_matches_the_command_lines(pagefind_site, tmp_path):
    """The streamed index holds exactly the pages, texts, filters and anchors the `pagefind` command makes of the
    written site (page numbers differ: the command takes files in directory order)."""
    messages = [r.getMessage() for r in pagefind_site.log]
    assert any(m.endswith("Pagefind index written (pages indexed while the site was built)") for m in messages), (
        messages
    )
    streamed = pagefind_site.site_dir / "pagefind"
    command_line = _command_line_index(pagefind_site.site_dir, tmp_path)
    assert _fragments(streamed) == _fragments(command_line)
    assert _entry(streamed)["languages"]["en"]["page_count"] == _entry(command_line)["languages"]["en"]["page_count"]
    assert "/incidents/INC-2024-017/" in _fragments(streamed)


REWRITE_HOOK = """
from pathlib import Path
from mkdocs.plugins import event_priority

@event_priority(0)  # after MkDocs wrote the page, before the plugin's index is finished (-50)
def on_post_build(config):
    page = Path(config.site_dir) / "incidents" / "INC-2024-017" / "index.html"
    html = page.read_text("utf-8")
    page.write_text(html.replace("</article>", "<p>zanzibarquux</p></article>", 1), "utf-8")
"""


def test_a_page_another_plugin_rewrites_after_it_was_written_is_indexed_as_rewritten(tmp_path):
    from conftest import build

    site = build(_pagefind_project(tmp_path, REWRITE_HOOK))
    fragment = _fragments(site.site_dir / "pagefind")["/incidents/INC-2024-017/"]
    assert b"zanzibarquux" in fragment


KILL_HOOK = """
def on_post_page(output, page, config):
    service = config.plugins["lessons"].pagefind
    if service is not None and page.file.src_uri.startswith("incidents/"):
        service._process.kill()  # Pagefind dies half-way through the build
    return output
"""


def test_a_pagefind_that_dies_during_the_build_is_replaced_by_the_command_line(tmp_path):
    from conftest import build

    site = build(_pagefind_project(tmp_path / "project", KILL_HOOK))
    messages = [r.getMessage() for r in site.log]
    assert any("indexing the written site instead" in m for m in messages), messages
    assert _fragments(site.site_dir / "pagefind") == _fragments(_command_line_index(site.site_dir, tmp_path))


FAIL_HOOK = """
from pathlib import Path
from mkdocs.exceptions import PluginError

def on_post_page(output, page, config):
    service = config.plugins["lessons"].pagefind
    if service is not None:
        Path(config.config_file_path).with_name("pagefind.pid").write_text(str(service._process.pid))
        raise PluginError("a plugin fails half-way through the build")
    return output
"""


def test_a_failed_build_leaves_no_pagefind_running(tmp_path):
    import os

    from conftest import build
    from mkdocs.exceptions import Abort, PluginError

    with pytest.raises((PluginError, Abort)):
        build(_pagefind_project(tmp_path, FAIL_HOOK))
    pid = int((tmp_path / "pagefind.pid").read_text())
    with pytest.raises(ProcessLookupError):  # ended and reaped, not left running or a zombie
        os.kill(pid, 0)


def test_a_page_pagefind_cannot_take_raw_is_sent_as_mkdocs_writes_it(tmp_path):
    """A lone surrogate (a `\\ud800` escape in a record's text) is a character reference in the written file;
    sent raw, Pagefind refuses the message and the build falls back to the command line."""
    from mkdocs_lessons.search.pagefind_service import PagefindService

    site = tmp_path / "site"
    page = site / "odd" / "index.html"
    page.parent.mkdir(parents=True)
    html = "<html lang='en'><body><main data-pagefind-body><h1>Odd \ud800 title</h1><p>zebrafish</p></main></body></html>"
    page.write_bytes(html.encode("utf-8", errors="xmlcharrefreplace"))
    service = PagefindService.start()
    service.add("odd/index.html", html)
    service.finish(site, site / "pagefind", skip="pagefind")  # raises PagefindError on a refused message
    assert [b"zebrafish" in data for data in _fragments(site / "pagefind").values()] == [True]


def _niceness_of_runs(marker: str) -> list[int]:
    """The niceness of every running process whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes().decode("utf-8", "replace"):
                found.append(int((entry / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or not shutil.which("nice"), reason="needs /proc and nice")
def test_the_background_index_under_serve_gives_way_to_the_rebuild(pagefind_site, tmp_path):
    """Under `mkdocs serve` Pagefind runs after each rebuild; niced, a save made meanwhile is rebuilt first."""
    import threading

    from mkdocs_lessons.search.pagefind import BACKGROUND_NICENESS, run_pagefind

    seen: list[int] = []
    for background, output in ((True, tmp_path / "niced"), (False, tmp_path / "plain")):
        run = threading.Thread(target=run_pagefind, args=(pagefind_site.site_dir, "pagefind", output), kwargs={"background": background})
        run.start()
        observed: list[int] = []
        while run.is_alive():  # to the end: `nice` itself is seen for a moment before it lowers the priority
            observed += _niceness_of_runs(str(output))
        run.join()
        assert observed, "the Pagefind run ended before it was seen"
        seen.append(max(observed))
    assert seen == [min(19, BACKGROUND_NICENESS + os.nice(0)), os.nice(0)]

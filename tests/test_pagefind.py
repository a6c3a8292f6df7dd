"""`search: pagefind` (the default): filter markup, the index, and the search page in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
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


# -- a byte-stable bundle (search/stable_bundle.py) ---------------------------------------


def _data(path: Path):
    import gzip

    import cbor2

    from mkdocs_lessons.search.stable_bundle import SIGNATURE

    raw = gzip.decompress(path.read_bytes())
    assert raw.startswith(SIGNATURE)
    return cbor2.loads(raw[len(SIGNATURE) :]), raw[len(SIGNATURE) :]


def _encode(value) -> bytes:
    """A Pagefind data file (gzip over the signature and CBOR), as the test's stand-in for Pagefind writes it."""
    import gzip

    import cbor2

    from mkdocs_lessons.search.stable_bundle import SIGNATURE

    return gzip.compress(SIGNATURE + cbor2.dumps(value))


def _name(language: str, data: bytes, digits: int) -> str:
    import hashlib

    return f"{language}_{hashlib.md5(data).hexdigest()[:digits]}"  # not the plugin's names


def _bundle_files(bundle: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


def _disorder(bundle: Path) -> None:
    """Rewrite a bundle as Pagefind may on another run: each filter's values and the list of filters in another
    order, every file renamed after its new bytes, as Pagefind names them."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text("utf-8"))
    for language, info in entry["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta, _ = _data(meta_path)
        listed = []
        for name, chunk in meta[3]:
            (filter_name, values), _ = _data(bundle / "filter" / f"{chunk}.pf_filter")
            data = _encode([filter_name, list(reversed(values))])
            (bundle / "filter" / f"{chunk}.pf_filter").unlink()
            new = _name(language, data, 7)
            (bundle / "filter" / f"{new}.pf_filter").write_bytes(data)
            listed.append([name, new])
        meta[3] = list(reversed(listed))
        data = _encode(meta)
        meta_path.unlink()
        new_meta = _name(language, data, 10)
        (bundle / f"pagefind.{new_meta}.pf_meta").write_bytes(data)
        entry_path.write_text(entry_path.read_text("utf-8").replace(info["hash"], new_meta), "utf-8")


def test_the_bundle_is_the_same_whatever_order_pagefind_wrote_its_filters_in(pagefind_site, tmp_path):
    """Pagefind 1.5 writes each facet's values in hash-map order; after a run they are in order, named by their bytes."""
    from mkdocs_lessons.search.stable_bundle import stabilise

    built = pagefind_site.site_dir / "pagefind"
    reference = _bundle_files(built)
    entry = json_entry = json.loads(reference["pagefind-entry.json"])
    meta, _ = _data(built / f"pagefind.{entry['languages']['en']['hash']}.pf_meta")
    names = [name for name, _ in meta[3]]
    assert names == sorted(names) and {"kind", "team", "severity"} <= set(names), names
    several = 0
    for _, chunk in meta[3]:
        (_, values), _ = _data(built / "filter" / f"{chunk}.pf_filter")
        assert [v[0] for v in values] == sorted(v[0] for v in values)
        several += len(values) > 1
    assert several >= 3  # the reversal below changes something

    copy = shutil.copytree(built, tmp_path / "pagefind")
    _disorder(copy)
    assert _bundle_files(copy) != reference
    stabilise(copy)
    assert _bundle_files(copy) == reference
    assert json_entry["languages"]["en"]["page_count"] > 10


def test_pagefind_data_files_read_and_written_again_are_pagefinds_own_bytes(pagefind_site, tmp_path):
    """What the plugin writes back differs from Pagefind's files in order only: cbor2 re-encodes them byte for byte."""
    import subprocess
    import sys

    import cbor2

    from mkdocs_lessons.search.pagefind import INCLUDE_CHARACTERS
    from mkdocs_lessons.search.stable_bundle import stabilise

    raw = tmp_path / "raw"
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(pagefind_site.site_dir), "--output-path", str(raw),
         f"--include-characters={INCLUDE_CHARACTERS}", "--quiet"],
        check=True,
    )
    files = sorted(raw.glob("filter/*.pf_filter")) + sorted(raw.glob("pagefind.*.pf_meta"))
    assert len(files) > 3
    before = {}
    for path in files:
        value, payload = _data(path)
        assert cbor2.dumps(value) == payload, path.name
        before[path.parent.name] = before.get(path.parent.name, []) + ([value] if path.parent.name == "filter" else [])
    stabilise(raw)
    after = [_data(p)[0] for p in sorted(raw.glob("filter/*.pf_filter"))]
    # The same facets with the same pages: only their order changed.
    assert sorted((name, sorted(map(str, values))) for name, values in after) == sorted(
        (name, sorted(map(str, values))) for name, values in before["filter"]
    )
    assert len(list(raw.glob("pagefind.*.pf_meta"))) == 1


def test_a_bundle_of_another_shape_is_left_as_pagefind_wrote_it(pagefind_site, tmp_path):
    from mkdocs_lessons.search.stable_bundle import BundleError, stabilise

    copy = shutil.copytree(pagefind_site.site_dir / "pagefind", tmp_path / "pagefind")
    _disorder(copy)
    entry = json.loads((copy / "pagefind-entry.json").read_text("utf-8"))
    meta_path = copy / f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    meta, _ = _data(meta_path)
    # A later Pagefind's layout, say, in the last filter listed: the ones before it are in order by then.
    last = copy / "filter" / f"{meta[3][-1][1]}.pf_filter"
    last.write_bytes(_encode({"filter": _data(last)[0]}))
    before = _bundle_files(copy)
    with pytest.raises(BundleError, match="not a filter's name and values"):
        stabilise(copy)
    assert _bundle_files(copy) == before  # what was written on the way is gone, nothing of Pagefind's removed

    meta_path.write_bytes(_encode([*meta[:3], {"filters": meta[3]}, *meta[4:]]))
    before = _bundle_files(copy)
    with pytest.raises(BundleError, match="no list of filters"):
        stabilise(copy)
    assert _bundle_files(copy) == before


def test_a_bundle_that_cannot_be_put_in_order_still_serves_search(pagefind_site, tmp_path, monkeypatch):
    """A later Pagefind's layout leaves the bundle as it wrote it, and the run's summary says so: no failed build."""
    from mkdocs_lessons.search import stable_bundle
    from mkdocs_lessons.search.pagefind import run_pagefind

    def refuse(bundle: Path) -> None:
        raise stable_bundle.BundleError("pagefind.en_x.pf_meta: no list of filters where Pagefind 1.5 keeps it")

    monkeypatch.setattr(stable_bundle, "stabilise", refuse)
    summary = run_pagefind(pagefind_site.site_dir, "pagefind", tmp_path / "out")
    assert "filter files left in Pagefind's order: pagefind.en_x.pf_meta" in summary
    assert (tmp_path / "out" / "pagefind-entry.json").exists() and list((tmp_path / "out" / "filter").iterdir())


# -- what Pagefind reads: each page cut to what it indexes (search/index_input.py) ---------


_CHROME = '<header class="md-header"><nav>{nav}</nav></header><div class="md-content">'
_PAGE = (
    '<!doctype html>\n<html lang="en"><head><title>T</title></head><body dir="ltr">'
    + _CHROME
    + '<article data-pagefind-body class="md-content__inner">{article}</article></div><footer>{foot}</footer></body></html>'
)


def _page(article: str = "<h1>A</h1><p>text</p>", nav: str = "Home", foot: str = "(c)") -> str:
    return _PAGE.format(article=article, nav=nav, foot=foot)


def test_a_page_is_cut_to_its_head_and_marked_article():
    from mkdocs_lessons.search.index_input import cut

    assert cut(_page()) == (
        '<!doctype html>\n<html lang="en"><head><title>T</title></head><body dir="ltr">'
        '<article data-pagefind-body class="md-content__inner"><h1>A</h1><p>text</p></article></body></html>\n'
    )
    # A "<body>" in a script of the head is not where the body starts: the head stays whole.
    head = '<script>document.write("<body>")</script><!-- <body> --><title>T</title>'
    assert cut(_page().replace("<title>T</title>", head)).startswith(f'<!doctype html>\n<html lang="en"><head>{head}</head>')


@pytest.mark.parametrize(
    "article",
    [
        "<article><p>nested</p></article><p>after the nested one</p>",
        "<!-- </article> --><p>after a comment</p>",
        '<script>var s = "</article>";</script><p>after a script</p>',
        "<style>/* </article> */</style><textarea></article></textarea><p>after raw text</p>",
        "<ARTICLE><p>upper case</p></ARTICLE ><p>after it</p>",
    ],
)
def test_the_article_ends_where_a_parser_ends_it(article):
    from mkdocs_lessons.search.index_input import cut

    cut_page = cut(_page(article))
    assert cut_page is not None and "<nav>" not in cut_page and "(c)" not in cut_page
    assert cut_page.endswith(article + "</article></body></html>\n")


@pytest.mark.parametrize(
    "page",
    [
        _page(nav='<span data-pagefind-filter="team:SRE"></span>'),  # Pagefind reads filters anywhere
        _page(foot='<p data-pagefind-meta="owner">me</p>'),
        _page(nav="<H1>The site</H1>"),  # a result's title is the page's first h1, wherever it is
        _page("<p>an unclosed comment <!-- runs to the end"),  # no end to be sure of
        # Marked some other way than the plugin marks the article.
        _page().replace("<article data-pagefind-body", "<article").replace("<footer>", "<footer data-pagefind-body>"),
    ],
)
def test_a_page_whose_chrome_pagefind_reads_is_kept_whole(page):
    from mkdocs_lessons.search.index_input import cut

    assert cut(page) == page


def test_a_page_without_the_mark_is_left_out():
    from mkdocs_lessons.search.index_input import cut

    assert cut(_page().replace(" data-pagefind-body", "")) is None


def test_the_index_from_the_cut_pages_is_the_index_of_the_site(tmp_path, monkeypatch):
    """A real `mkdocs build` (its page loop on two processes) indexes the cut pages; Pagefind run on the written
    site must give the same bundle, byte for byte. The site has what a cut could lose: a page whose template
    puts a filter outside the article, a Markdown page with raw HTML that hides `</article>`, and an HTML file
    shipped as is with its own mark."""
    from conftest import build, synthetic_kb, write_config
    from mkdocs_lessons.search.pagefind import run_pagefind

    project = tmp_path / "project"
    kb = synthetic_kb(project / "kb", 60)
    overrides = project / "overrides"
    overrides.mkdir(parents=True)
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}\n{% block header %}{{ super() }}'
        "{% if page and page.url == 'incidents/INC-2019-001/' %}"
        '<span data-pagefind-filter="pinned:yes"></span><h1>Pinned</h1>{% endif %}{% endblock %}\n',
        "utf-8",
    )
    lessons = {"root": str(kb), "today": "2026-11-27", "search": "pagefind"}
    write_config(
        project,
        kb,
        extra={
            "theme": {"name": "material", "font": False, "custom_dir": "overrides"},
            "plugins": [{"lessons": lessons}],
            "markdown_extensions": ["md_in_html"],
        },
    )
    (project / "docs" / "notes.md").write_text(
        "# Notes\n\n<!-- </article> -->\n\n<article markdown><p>nested</p></article>\n\n"
        '<script>var s = "</article>";</script>\n\nThe words after every trap: zebracrossing.\n',
        "utf-8",
    )
    (project / "docs" / "shipped.html").write_text(
        '<html lang="en"><body><main data-pagefind-body><h1>Shipped</h1><p>quokkaword</p></main></body></html>',
        "utf-8",
    )
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    site = build(project, strict=False).site_dir  # synthetic paths name a few drafts: warnings
    whole = tmp_path / "whole"
    run_pagefind(site, "pagefind", whole)
    assert _bundle_files(site / "pagefind") == _bundle_files(whole)
    fragments = b"".join(_fragment(path) for path in (whole / "fragment").iterdir())
    assert b"zebracrossing" in fragments
    assert b"quokkaword" in fragments
    assert b'"pinned":["yes"]' in fragments
    assert not list(temporary.glob("mkdocs-lessons-index-*"))  # the cut pages are gone


def _fragment(path: Path) -> bytes:
    import gzip

    return gzip.decompress(path.read_bytes())


def test_a_full_temporary_folder_fails_no_build_and_cuts_no_page_short(tmp_path, monkeypatch):
    """A cut page that cannot be written whole is cut again from the written site; when nothing can be written,
    Pagefind reads the site itself. Never a page cut short."""
    from mkdocs_lessons.search.index_input import IndexInput, cut

    site = tmp_path / "site"
    pages = {f"p{n}/index.html": _page(f"<h1>Page {n}</h1><p>words {n}</p>") for n in range(3)}
    for relative, html in pages.items():
        (site / relative).parent.mkdir(parents=True)
        (site / relative).write_text(html, "utf-8")
    original = Path.write_bytes
    full = {"p1/index.html"}

    def filling(path: Path, data: bytes) -> int:
        if any(path.as_posix().endswith(name) for name in full):
            original(path, data[:10])  # the disk fills part way
            raise OSError(28, "No space left on device")
        return original(path, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    first = IndexInput()
    try:
        for relative, html in pages.items():
            first.add(relative, html)  # no error reaches the build
        assert not (first.folder / "p1/index.html").exists()
        full.clear()  # room again once MkDocs is done: the page is cut from the site
        assert first.source(site) == first.folder
        assert {p.relative_to(first.folder).as_posix(): p.read_text("utf-8") for p in first.folder.rglob("*.html")} == {
            relative: cut(html) for relative, html in pages.items()
        }
    finally:
        first.close()
    full.update(pages)  # no room at all
    second = IndexInput()
    try:
        for relative, html in pages.items():
            second.add(relative, html)
        assert second.source(site) == site
    finally:
        second.close()
    assert not first.folder.exists() and not second.folder.exists()

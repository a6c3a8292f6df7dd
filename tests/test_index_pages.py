"""The incident index over numbered pages, and the rows file its script filters: real builds, no browser."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from conftest import FIXTURES, REPO, Site, build, internal_links, write_config
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.model import KIND_LABELS

DASHBOARD = FIXTURES / "dashboard"


def build_paged(project: Path, kb: Path, page_size: int, *, options: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Site:
    """A site whose lists hold `page_size` rows a page (paging.PAGE_SIZE, read at build time)."""
    from mkdocs_lessons.pages import paging

    project.mkdir(parents=True, exist_ok=True)
    write_config(project, kb, options=options, extra=extra)
    prefix = (options or {}).get("prefix")
    if prefix:  # a site root page, as a site that mixes the knowledge base with other docs has
        (project / "docs/index.md").write_text(f"# Handbook\n\nThe [knowledge base]({prefix}/index.md).\n", "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paging, "PAGE_SIZE", page_size)
        return build(project)


def synth_kb(folder: Path, incidents: int) -> Path:
    """A synthetic knowledge base (benchmarks/synth.py), the same every time."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    synth.generate(folder, incidents)
    for path in (folder / "paths").glob("*.yaml"):
        path.unlink()  # random steps may name drafts: warnings a strict build stops on
    return folder


def read_rows(path: Path) -> dict[str, Any]:
    """incidents/rows.js read back as the JSON it wraps."""
    text = path.read_text("utf-8")
    start = "window.lessonsIncidentRows = "
    body = text[text.index(start) + len(start) :].rstrip()
    assert body.endswith(";")
    return json.loads(body[:-1])


def numbered_pages(site: Site, index: str) -> list[str]:
    """The pages of the index, from its first page (`index`, a URL), following the pager: site-relative URLs in order."""
    first = site.soup(index) if index.endswith("/") else _soup_file(site, index)
    pager = first.select_one("article nav.lessons-pager")
    if pager is None:
        return [index]
    numbers = [int(a.get_text()) for a in pager.find_all("a")]
    assert numbers == list(range(2, len(numbers) + 2))
    return [index] + [_join(index, a["href"]) for a in pager.find_all("a")]


def _soup_file(site: Site, url: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site.site_dir / url).read_text("utf-8"), "html.parser")


def _join(page: str, href: str) -> str:
    return unquote(urlsplit(urljoin("http://x/" + page, href)).path).lstrip("/")


def _article(site: Site, url: str):
    soup = site.soup(url) if url.endswith("/") else _soup_file(site, url)
    return soup.find("article")


def table_rows(site: Site, url: str) -> list[dict[str, Any]]:
    """The index table of one page: id and every cell as text, links as (text, resolved target)."""
    out = []
    for tr in _article(site, url).select("table.lessons-index__table tbody tr"):
        cells = tr.find_all("td")
        out.append(
            {
                "id": tr["data-id"],
                "text": [" ".join(td.get_text().split()) for td in cells],
                "links": [[(a.get_text(), _join(url, a["href"])) for a in td.find_all("a")] for td in cells],
            }
        )
    return out


@pytest.fixture(scope="module")
def two_pages(tmp_path_factory) -> Site:
    """The dashboard fixture (8 published reviews) at 5 rows a page: a 2-page index."""
    return build_paged(tmp_path_factory.mktemp("two-pages") / "project", DASHBOARD, 5)


def published_newest_first(kb_root: Path) -> list[str]:
    kb = open_knowledge_base(kb_root).kb
    return [i.id for i in kb.newest_first(kb.published_incidents)]


def test_every_incident_is_on_exactly_one_numbered_page(two_pages):
    expected = published_newest_first(DASHBOARD)
    pages = numbered_pages(two_pages, "incidents/")
    assert pages == ["incidents/", "incidents/page/2/"] and len(expected) == 8
    listed = [[row["id"] for row in table_rows(two_pages, url)] for url in pages]
    assert [len(ids) for ids in listed] == [5, 3]
    assert sum(listed, []) == expected  # each once, newest first across the pages
    # The pager says where a reader is, and page 2 leads back to the contract URL.
    assert "Rows 6–8 of 8. Page 2 of 2:" in two_pages.text("incidents/page/2/")
    back = _article(two_pages, "incidents/page/2/").select_one("nav.lessons-pager a")
    assert _join("incidents/page/2/", back["href"]) == "incidents/"
    assert two_pages.soup("incidents/page/2/").title.get_text().startswith("Incidents, page 2 of 2")


def test_the_rows_file_holds_every_incident_once_as_the_pages_show_it(two_pages):
    data = read_rows(two_pages.site_dir / "incidents/rows.js")
    assert [row[0] for row in data["rows"]] == published_newest_first(DASHBOARD)
    fields = data["fields"]
    for url in numbered_pages(two_pages, "incidents/"):
        for shown in table_rows(two_pages, url):
            row = dict(zip(fields, next(r for r in data["rows"] if r[0] == shown["id"])))
            teams = [data["teams"][t] for t in row.get("teams", [])]
            term = data["terms"][row["term"]]
            expected = [row["date"], row["id"], row["title"], KIND_LABELS[row["kind"]], row.get("severity") or "–", row["status"],
                        ", ".join(t[1] for t in teams), term[1]]
            assert shown["text"] == expected, (url, shown["id"])
            # Its links, resolved from the rows file's folder, open what the page's links open.
            base = "incidents/rows.js"
            assert shown["links"][1] == [(row["id"], _join(base, data["incident"].replace("{id}", row["id"])))]
            assert shown["links"][6] == [(t[1], _join(base, t[2])) for t in teams]
            assert shown["links"][7] == [(term[1], _join(base, term[2]))]


def test_the_script_finds_the_rows_file_from_every_page(two_pages):
    for url in numbered_pages(two_pages, "incidents/"):
        root = _article(two_pages, url).select_one("[data-lessons-index]")
        assert (two_pages.site_dir / _join(url, root["data-rows"])).is_file(), url
        assert root["data-total"] == "8" and root["data-page-size"] == "5"


def test_later_pages_are_left_out_of_search_and_navigation(two_pages):
    # Pagefind (the default) indexes none of the index's pages: each review is found on its own page.
    for url in ("incidents/", "incidents/page/2/"):
        assert not _article(two_pages, url).has_attr("data-pagefind-body"), url
    newest = published_newest_first(DASHBOARD)[0]
    assert _article(two_pages, f"incidents/{newest}/").has_attr("data-pagefind-body")
    nav = [a.get("href") for a in two_pages.soup("incidents/").select("nav.md-nav--primary a")]
    assert not any("page/2" in (href or "") for href in nav)


def test_without_javascript_the_page_says_where_to_go(two_pages):
    note = _article(two_pages, "incidents/").find("noscript")
    assert "need JavaScript" in note.get_text()
    targets = {_join("incidents/", a["href"]) for a in _article(two_pages, "incidents/").find_all("a")}
    assert {"taxonomy/", "teams/", "incidents/2024/"} <= targets


@pytest.mark.parametrize(
    "options, extra, index",
    [
        ({"prefix": "kb"}, None, "kb/incidents/"),
        ({}, {"use_directory_urls": False}, "incidents/index.html"),
        ({"prefix": "kb"}, {"use_directory_urls": False}, "kb/incidents/index.html"),
    ],
    ids=["prefix", "no-directory-urls", "prefix-no-directory-urls"],
)
def test_pages_and_rows_under_a_prefix_and_without_directory_urls(tmp_path, options, extra, index):
    site = build_paged(tmp_path / "project", DASHBOARD, 5, options=options, extra=extra)
    pages = numbered_pages(site, index)
    second = index.replace("incidents/", "incidents/page/2/")
    assert pages == [index, second]
    assert sum(([row["id"] for row in table_rows(site, url)] for url in pages), []) == published_newest_first(DASHBOARD)
    folder = index[: index.index("incidents/") + len("incidents/")]
    data = read_rows(site.site_dir / folder / "rows.js")
    for url in pages:
        root = _article(site, url).select_one("[data-lessons-index]")
        assert _join(url, root["data-rows"]) == folder + "rows.js"
        for shown in table_rows(site, url):
            # rows.js links resolve from its folder to what the page links to.
            assert shown["links"][1][0][1] == _join(folder + "rows.js", data["incident"].replace("{id}", shown["id"]))
            assert (site.site_dir / shown["links"][1][0][1]).is_file() or (site.site_dir / shown["links"][1][0][1] / "index.html").is_file()
    # The dashboard's links into the index still open its first page.
    dashboard = folder.replace("incidents/", "dashboard/") + ("" if index.endswith("/") else "index.html")
    cell = _article(site, dashboard).select_one("a.lessons-heat__cell")
    assert _join(dashboard, cell["href"].split("?")[0]) == index and "term=" in cell["href"]
    assert [h for p, h, t, _ in internal_links(site) if not t.exists()] == []


def test_one_page_when_the_list_fits(build_kb):
    site = build_kb(DASHBOARD)
    assert _article(site, "incidents/").select_one("nav.lessons-pager") is None
    assert not (site.site_dir / "incidents/page").exists()
    assert len(table_rows(site, "incidents/")) == 8


def test_a_synthetic_index_pages_and_rows_agree(tmp_path):
    kb = synth_kb(tmp_path / "kb", 60)
    site = build_paged(tmp_path / "project", kb, 10)
    pages = numbered_pages(site, "incidents/")
    expected = published_newest_first(kb)
    assert len(pages) == -(-len(expected) // 10) > 2
    assert sum(([row["id"] for row in table_rows(site, url)] for url in pages), []) == expected
    assert [row[0] for row in read_rows(site.site_dir / "incidents/rows.js")["rows"]] == expected

"""Long lists over numbered pages: term, team and year pages, the backlog, the lessons, printed paths.

A synthetic knowledge base of 60 incidents is built once with `PAGE_SIZE`
made small, so every list runs over several pages. What is counted here
comes from the YAML records (read as plain strings), not from the plugin.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from conftest import REPO, Site, build, internal_links, write_config

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

SIZE = 4  # rows a page in these builds
LIST_FOLDERS = ("taxonomy/", "teams/", "incidents/20", "actions/", "lessons/", "paths/lists/print/")
_INCIDENT = re.compile(r"(?:^|/)incidents/(INC-[^/]+)/$")


def load_yaml(path: Path):
    return yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)


class Records:
    def __init__(self, root: Path) -> None:
        self.published = [i for i in (load_yaml(p) for p in sorted((root / "incidents").glob("*.yaml"))) if i["status"] != "draft"]
        self.teams = [t["id"] for t in load_yaml(root / "taxonomy/teams.yaml")["teams"]]

    def newest_first(self, incidents) -> list[str]:
        return [i["id"] for i in sorted(incidents, key=lambda i: datetime.fromisoformat(i["occurred"]), reverse=True)]

    def under(self, term: str) -> list[str]:
        def terms(i):
            c = i["classification"]
            return [c["primary"], *c.get("secondary", [])]

        return self.newest_first(i for i in self.published if any(t == term or t.startswith(term + "/") for t in terms(i)))


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    root = synth.generate(tmp_path_factory.mktemp("lists-kb") / "kb", 60)
    for path in (root / "paths").glob("*.yaml"):  # random steps: some are drafts (warnings in a strict build)
        path.unlink()
    steps = [{"ref": "teams/sre"}, {"ref": "taxonomy/process-deviation"}]
    (root / "paths/lists.yaml").write_text(yaml.safe_dump({"id": "lists", "title": "Lists", "steps": steps}), "utf-8")
    return root


@pytest.fixture(scope="module")
def records(kb) -> Records:
    return Records(kb)


@pytest.fixture(scope="module")
def site(kb, tmp_path_factory) -> Site:
    from mkdocs_lessons.pages import paging

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paging, "PAGE_SIZE", SIZE)
        project = tmp_path_factory.mktemp("lists")
        write_config(project, kb, options={"search": "material"})  # a test reads Material's index
        return build(project)


_ARTICLES: dict[tuple[Path, str], object] = {}


def article(site: Site, url: str):
    """`site.article(url)`, parsed once for this module (the lists walk the same pages several times)."""
    key = (site.site_dir, url)
    if key not in _ARTICLES:
        _ARTICLES[key] = site.article(url)
    return _ARTICLES[key]


def resolve(url: str, href: str) -> str:
    """The site-relative URL a link on page `url` opens."""
    path = urlsplit(urljoin("http://x/" + url, href)).path
    return unquote(path).lstrip("/")


def pages_of(site: Site, first: str) -> list[str]:
    """Every page of the list whose first page is `first`, in order; checks each pager on the way."""
    nav = article(site, first).select_one("nav.lessons-pager")
    if nav is None:
        return [first]
    pages = {1: first}
    for a in nav.select("a"):
        pages[int(a.get_text())] = resolve(first, a["href"])
    ordered = [pages[n] for n in sorted(pages)]
    assert sorted(pages) == list(range(1, len(pages) + 1))
    assert ordered[1:] == [f"{first}page/{n}/" for n in range(2, len(ordered) + 1)]
    for number, url in enumerate(ordered, 1):
        pagers = article(site, url).select("nav.lessons-pager")
        assert pagers, url
        for pager in pagers:  # every page links every other page, and says where it is
            assert {resolve(url, a["href"]) for a in pager.select("a")} == set(ordered) - {url}, url
            assert f"Page {number} of {len(ordered)}" in pager.get_text(" ", strip=True)
    return ordered


def incident_rows(site: Site, url: str) -> list[str]:
    """The incidents of the standard incident tables on a page, in order (chart data tables have no such rows)."""
    found = []
    for row in article(site, url).select("table tbody tr"):
        cells = row.find_all("td", recursive=False)
        link = cells[1].find("a") if len(cells) > 1 else None
        match = _INCIDENT.search(resolve(url, link["href"])) if link else None
        if match:
            found.append(match.group(1))
    return found


def listed(site: Site, first: str) -> list[str]:
    """The incidents of a paged incident list, page after page; no page holds more than SIZE."""
    rows = []
    for url in pages_of(site, first):
        on_page = incident_rows(site, url)
        assert 0 < len(on_page) <= SIZE, url
        rows += on_page
    return rows


# -- term, team and year pages ------------------------------------------------------------------


def test_term_pages_list_every_incident_once_newest_first(site, records):
    terms = [p.parent.relative_to(site.site_dir / "taxonomy").as_posix() for p in (site.site_dir / "taxonomy").rglob("index.html")]
    terms = [t for t in terms if t != "." and "/page/" not in f"/{t}/"]
    several = 0
    for term in terms:
        expected = records.under(term)
        if not expected:
            continue
        assert listed(site, f"taxonomy/{term}/") == expected, term
        several += len(expected) > SIZE
    assert several >= 5  # the test means something: many terms run over several pages


def test_team_pages_list_every_incident_once_newest_first(site, records):
    several = 0
    for team in records.teams:
        expected = records.newest_first(i for i in records.published if team in i["teams"])
        if expected:
            assert listed(site, f"teams/{team}/") == expected, team
            several += len(expected) > SIZE
    assert several >= 3


def test_year_pages_list_every_incident_once_by_quarter(site, records):
    years = sorted({i["occurred"][:4] for i in records.published})
    for year in years:
        expected = records.newest_first(i for i in records.published if i["occurred"][:4] == year)
        pages = pages_of(site, f"incidents/{year}/")
        assert listed(site, f"incidents/{year}/") == expected, year
        quarters = Counter(f"{year}-Q{(int(i['occurred'][5:7]) - 1) // 3 + 1}" for i in records.published if i["occurred"][:4] == year)
        for url in pages:  # a quarter's heading on every page it has rows on, "continued" after the first
            for heading in article(site, url).select("h2[id]"):
                label = heading.get_text(" ", strip=True).rstrip("¶").strip()
                quarter = label.split(" ")[0]
                assert label.startswith(f"{quarter} ({quarters[quarter]})"), label
        if len(pages) > 1:  # the first page says where each quarter starts
            contents = article(site, f"incidents/{year}/").find("strong", string="Quarters:").parent
            for a in contents.select("a"):
                target, _, fragment = resolve(f"incidents/{year}/", a["href"]).partition("#")
                assert article(site, target or f"incidents/{year}/").find(id=a["href"].rsplit("#", 1)[1]) is not None, a["href"]


def test_first_page_keeps_the_summary_and_charts_later_pages_the_rows(site):
    first = article(site, "taxonomy/process-deviation/")
    later = pages_of(site, "taxonomy/process-deviation/")[1]
    assert first.find("h2", string=re.compile("Trends")) is not None and first.select("svg")
    assert "Narrower terms" in first.get_text() and "Incidents (" in first.get_text()
    second = article(site, later)
    assert not second.select("svg") and "Narrower terms" not in second.get_text()
    assert second.find("h1").get_text(" ", strip=True).startswith("Process deviation (page 2 of")
    assert second.find("a", href="../../").get_text() == "Process deviation"  # what list this is a page of
    team = pages_of(site, "teams/sre/")
    assert len(team) > 1 and "Procedures owned" not in site.text(team[1]) and not article(site, team[1]).select("svg")


# -- the backlog ---------------------------------------------------------------------------------


def test_backlog_lists_every_item_once_on_its_pages(site, records):
    summary = article(site, "actions/")
    open_items = Counter()
    expected_team = Counter()
    closed = []
    for i in records.published:
        for a in i.get("action_items", []):
            if a["status"] in ("open", "in-progress"):
                open_items[(a.get("owner", ""), i["id"], a["id"])] += 1
                for team in i["teams"]:
                    expected_team[(team, i["id"], a["id"])] += 1
            else:
                closed.append((i["id"], a["id"]))

    def items(first: str) -> list[tuple[str, str]]:
        found = []
        for url in pages_of(site, first):
            rows = article(site, url).select("tbody tr")
            assert 0 < len(rows) <= SIZE, url
            for row in rows:  # the fourth column, "Incident", says `INC-… · A1` in every list
                incident, _, item = row.find_all("td")[3].get_text(" ", strip=True).partition(" · ")
                found.append((incident, item))
        return found

    by_owner = Counter()
    for row in summary.select("tr[id^=owner-]"):
        link = row.find("a")
        owner = "" if link.find("em") else link.get_text()
        for incident, item in items(resolve("actions/", link["href"])):
            by_owner[(owner, incident, item)] += 1
    assert by_owner == open_items and max(by_owner.values()) == 1
    by_team = Counter()
    for row in summary.select("tr[id^=team-]"):
        team = row["id"][len("team-") :]
        for incident, item in items(resolve("actions/", row.find("a")["href"])):
            by_team[(team, incident, item)] += 1
    assert by_team == expected_team
    assert len(pages_of(site, "actions/closed/")) > 1
    assert Counter(items("actions/closed/")) == Counter(closed)


# -- the lessons ---------------------------------------------------------------------------------


def test_lessons_are_each_on_one_page(site, records):
    pages = pages_of(site, "lessons/")
    assert len(pages) > 5
    seen = Counter()
    for url in pages:
        page = article(site, url)
        lessons = page.select("h2 + p + ul > li")
        assert 0 < len(lessons) <= SIZE, url
        for li in lessons:
            seen[_INCIDENT.search(resolve(url, li.find("small").find("a")["href"])).group(1)] += 1
    assert seen == Counter({i["id"]: len(i["lessons"]) for i in records.published if i.get("lessons")})
    # The first page names every term and links it to the page its lessons start on.
    contents = article(site, "lessons/").find("strong", string="Terms:").parent.select("a")
    assert len(contents) == len({i["classification"]["primary"] for i in records.published if i.get("lessons")})
    for a in contents:
        target, _, fragment = resolve("lessons/", a["href"]).partition("#")
        fragment = a["href"].rsplit("#", 1)[1]
        heading = article(site, target or "lessons/").find(id=fragment)
        assert heading is not None and heading.get_text(" ", strip=True).startswith(a.get_text()), a["href"]
        assert "continued" not in heading.get_text()


# -- printed paths, search, links, size ----------------------------------------------------------


def test_printed_path_shows_a_first_page_of_rows_and_links_the_rest(site, records):
    printed = article(site, "paths/lists/print/")
    steps = printed.select("h2.lessons-print-step")
    assert len(steps) == 2
    for step, target, expected in ((steps[0], "teams/sre/", [i for i in records.published if "sre" in i["teams"]]), (steps[1], "taxonomy/process-deviation/", None)):
        total = len(expected) if expected is not None else len(records.under("process-deviation"))
        assert total > SIZE
        body = []
        for sibling in step.find_next_siblings():
            if sibling.name == "h2" and "lessons-print-step" in (sibling.get("class") or []):
                break
            body.append(sibling)
        # The step's list of incidents (a team step also lists its open action items, which link incidents too).
        rows = [r for part in body for r in part.select("tbody tr") if r.find("a", href=_INCIDENT) and r.find_parent(class_="lessons-other-records")]
        assert len(rows) == SIZE
        more = [a for part in body for a in part.select("a") if a.get_text().startswith(f"all {total} on the")]
        assert len(more) == 1 and resolve("paths/lists/print/", more[0]["href"]) == target
        assert not [part for part in body if part.select("nav.lessons-pager")]


def test_later_pages_stay_out_of_search_and_nav(site):
    import json

    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "taxonomy/process-deviation/" in locations and "lessons/" in locations
    assert not [loc for loc in locations if "/page/" in loc]
    nav = " ".join(a["href"] for a in site.soup("lessons/").select("nav.md-nav--primary a[href]"))
    assert "/page/" not in nav


def test_every_link_and_anchor_resolves(site):
    """Every link of every list page opens a page, and every anchor it names is there (the pagers, "where each part starts")."""

    class Lists(Site):
        def html_pages(self) -> list[Path]:
            return [p for p in super().html_pages() if p.relative_to(self.site_dir).as_posix().startswith(LIST_FOLDERS)]

    lists = Lists(site.root, site.site_dir, site.log)
    assert len(lists.html_pages()) > 100
    links = list(internal_links(lists))
    assert [(p.relative_to(site.site_dir), h) for p, h, t, _ in links if not t.exists()] == []
    ids: dict[Path, set[str]] = {}
    missing = []
    for page, href, target, fragment in links:
        if fragment and target.suffix == ".html":
            if target not in ids:
                ids[target] = set(re.findall(r' id="([^"]+)"', target.read_text("utf-8")))
            if fragment not in ids[target]:
                missing.append((page.relative_to(site.site_dir).as_posix(), href))
    assert missing == []


def test_heaviest_list_page(site):
    """Every list page holds at most SIZE rows (checked above); here, what they weigh at this size."""
    lists = [p for p in site.html_pages() if "/page/" in p.as_posix() or p.parent.parent.name in ("owner", "team")]
    assert lists
    heaviest = max(lists, key=lambda p: p.stat().st_size)
    # Material's frame (navigation of this small site) and SIZE rows: far from 1 MB, and no list page can grow past it.
    assert heaviest.stat().st_size < 120_000, (heaviest, heaviest.stat().st_size)

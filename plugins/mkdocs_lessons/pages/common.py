"""What every page renderer shares: the output type, links, formatting."""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, MutableMapping, Optional, TypeVar, Union

from markupsafe import Markup

from mkdocs_lessons import text
from mkdocs_lessons.analysis.derive import AnalysisView
from mkdocs_lessons.analysis.link_graph import LinkGraph
from mkdocs_lessons.checks.lints import LintConfig
from mkdocs_lessons.records.model import INCIDENT_KINDS, KIND_LABELS, Incident, KnowledgeBase, SopRef
from mkdocs_lessons.render.kept_rows import KeptRows
from mkdocs_lessons.render.prose import EXTENSION_OPTIONS, REQUIRED_EXTENSIONS, Prose
from mkdocs_lessons.render.templates import Templates
from mkdocs_lessons.timing import Timings
from mkdocs_lessons.urls import Urls

T = TypeVar("T")


@dataclass
class GeneratedFile:
    """One file of the site: a Markdown page or a data/asset file."""

    src_uri: str
    content: Union[str, bytes]
    source: Optional[Path] = None  # the YAML record it comes from (for "edit this page")
    in_nav: bool = False  # listed in the navigation (index pages) or only linked (records)
    title: str = ""
    # The content is the page's HTML (title heading first), rendered from a
    # template: no adapter sends it through Markdown. False: Markdown or data.
    html: bool = False
    meta: dict[str, Any] = field(default_factory=dict)  # a page's front matter (search boost)
    # What the adapter made of the finished page where it was rendered (Context.prepare): not part of the file.
    prepared: Any = field(default=None, compare=False, repr=False)


@dataclass
class Context:
    """Everything a renderer needs; built once per build."""

    kb: KnowledgeBase
    analysis: AnalysisView  # every derived fact (analysis/derive.py); `graph` is its link graph
    graph: LinkGraph
    urls: Urls
    today: date
    allow_html: bool = False
    use_directory_urls: bool = True
    pagefind: bool = False  # mark up pages for Pagefind and add the search page
    search_synonyms: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # option search_synonyms (search/words.py)
    timings: Timings = field(default_factory=Timings)  # time per generation phase
    site_name: str = ""  # the feed's title
    site_url: str = ""  # absolute base URL; "" = the feed links relatively
    feed_size: int = 50  # entries in feed.xml; 0 = no feed
    lint: LintConfig = field(default_factory=LintConfig)  # review-quality lints (checks/lints.py)
    # Readers do not see the lints (contributor jargon: codes, YAML lines) unless the site opts in.
    show_review_notes: bool = False
    renewal_every_months: int = 12  # how often the taxonomy (the learning framework) is due for review
    # The builder rewrites raw-HTML links as relative to the Markdown file (Zensical; see link_href).
    links_from_source: bool = False
    # Render half the pages in a forked second process (pages/parallel.py): `mkdocs build` on two cores.
    parallel: bool = False
    # Record file (resolved) -> the day git last saw it change (records/gitdates.py); empty without git.
    # A Mapping, like `memo` below: under `mkdocs serve` pages get watched views of both (render/reads.py).
    last_updated: Mapping[Path, date] = field(default_factory=dict)
    # Per-build results a renderer computes once and reads from many pages
    # (e.g. a reading path's steps, shown on every step page). Keyed by a tuple
    # starting with the owning module's name.
    memo: MutableMapping[tuple[str, ...], Any] = field(default_factory=dict, repr=False, compare=False)
    # Kept by the plugin across `mkdocs serve` rebuilds: caches keyed by their exact
    # inputs inside (the similar-incident finder's vectors).
    carry: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    templates: Templates = field(default_factory=Templates, repr=False, compare=False)
    prose_renderer: Optional[Prose] = field(default=None, repr=False, compare=False)
    # The adapter's work on each finished file, done in the process that rendered it (pages/parallel.py): MkDocs'
    # heading anchors and Material's search sections are worked out on two cores with the pages.
    prepare: Optional[Callable[["GeneratedFile"], None]] = field(default=None, repr=False, compare=False)
    # Under `mkdocs serve`: rows of long lists kept across rebuilds while what each read holds (render/kept_rows.py).
    kept_rows: Optional[KeptRows] = field(default=None, repr=False, compare=False)
    _links: dict[tuple, Markup] = field(default_factory=dict, repr=False, compare=False)
    _origins: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    # -- pages --------------------------------------------------------------
    def page(
        self,
        template: str,
        src_uri: str,
        title: str,
        *,
        source: Optional[Path] = None,
        in_nav: bool = False,
        numbered: bool = False,
        **view: Any,
    ) -> "GeneratedFile":
        """A generated page rendered from `lessons/<template>`; `view` is what the template receives.

        Every template also gets `page` (its src_uri) and `title` (plain text). `numbered`: one of several numbered
        pages of a long list (pages/paging.py); under `mkdocs serve` its HTML is kept while its view is the same.
        """
        from mkdocs_lessons.pages.layout import crumbs, page_meta

        def render() -> str:
            return self.templates.render(template, page=src_uri, title=title, **view)

        # Under serve, a numbered page of a list made again whose view is the last build's keeps its HTML
        # (kept_views.py). Only those: a page alone is made again because what it shows changed, and keeping
        # every page's HTML would hold the whole site's HTML twice.
        if self.kept_rows is None or not numbered:
            body = render()
        else:
            body = self.kept_rows.html((template, src_uri, title), view, render)
        # The breadcrumb first, then the template's title heading (layout.py).
        body = str(crumbs(self, src_uri, title, template)) + body
        return GeneratedFile(
            src_uri, body, source=source, in_nav=in_nav, title=title, html=True, meta=page_meta(template)
        )

    def row(self, key: Any, make: Callable[[], T]) -> T:
        """One row of a long list, `make()`'s; under `mkdocs serve` the last build's while all it read holds.

        `key` holds everything the row is made of that `make` does not read through the context: the page it is
        on, the record it shows, any cell computed outside it (render/kept_rows.py).
        """
        rows = self.kept_rows
        return make() if rows is None else rows.row(key, make)

    def prose(self, value: object, page: str) -> Markup:
        """A record's Markdown field as HTML, with relative links resolved for `page`."""
        return self._prose().block(value, page, lambda target: self.link_href(page, target))

    def prose_line(self, value: object, page: str) -> Markup:
        """A record's Markdown field on one line (table cells, list items), as HTML."""
        return self._prose().line(value, page, lambda target: self.link_href(page, target))

    def _prose(self) -> Prose:
        if self.prose_renderer is None:
            self.prose_renderer = Prose(list(REQUIRED_EXTENSIONS), dict(EXTENSION_OPTIONS), allow_html=self.allow_html)
        return self.prose_renderer

    def a(self, page: str, target: str, label: object, query: str = "", **attrs: str) -> Markup:
        """`<a href="...">label</a>` from `page` to the page `target`; a `str` label is escaped, `Markup` kept."""
        # Pages link the same few pages thousands of times, and a link's href depends
        # only on the folder it is followed from: each link is made once per folder.
        key = (self._origin(page), target, label, isinstance(label, Markup), query, tuple(attrs.items()))
        link = self._links.get(key)
        if link is None:
            extra = "".join(
                f' {name.rstrip("_").replace("_", "-")}="{text.attr(value)}"' for name, value in attrs.items()
            )
            link = self._links[key] = Markup(
                f'<a href="{text.attr(self.link_href(page, target, query))}"{extra}>{Markup.escape(label)}</a>'
            )
        return link

    def _origin(self, page: str) -> str:
        """The folder a relative link on `page` is resolved from (see href and link_href)."""
        origin = self._origins.get(page)
        if origin is None:
            if self.links_from_source:
                origin = posixpath.dirname(page)
            else:
                url = self.page_url(page)
                origin = url if url.endswith("/") or url == "" else posixpath.dirname(url)
            self._origins[page] = origin
        return origin

    def term_label(self, path: str) -> str:
        """`Process deviation › Skipped review`."""
        terms = self.kb.taxonomy.terms
        parts = path.split("/")
        names = [
            terms["/".join(parts[: i + 1])].title if "/".join(parts[: i + 1]) in terms else parts[i]
            for i in range(len(parts))
        ]
        return " › ".join(names)

    def incident_a(self, page: str, incident_id: str, *, title: bool = False) -> Markup:
        """A link to an incident (`INC-…: title` with `title`); a draft is named, not linked."""
        incident = self.kb.incidents.get(incident_id)
        label = f"{incident_id}: {incident.title}" if title and incident is not None else incident_id
        if not self.kb.is_published(incident_id):
            return Markup("{} <em>(draft, not published)</em>").format(label)
        return self.a(page, self.urls.incident(incident_id), label)

    def term_a(self, page: str, path: str) -> Markup:
        return self.a(page, self.urls.term(path), self.term_label(path) if path in self.kb.taxonomy.terms else path)

    def team_a(self, page: str, team_id: str) -> Markup:
        team = self.kb.teams.get(team_id)
        return self.a(page, self.urls.team(team_id), team.title if team else team_id)

    def teams_html(self, page: str, team_ids: Iterable[str]) -> Markup:
        return Markup(", ".join([self.team_a(page, t) for t in team_ids]))

    def sop_a(self, page: str, ref: SopRef, *, title: bool = False) -> Markup:
        sop = self.kb.sops.get(ref.sop_id)
        label = f"{ref}: {sop.title}" if title and sop is not None else str(ref)
        return self.a(page, self.urls.sop_ref(ref), label)

    def href(self, page: str, target: str, query: str = "") -> str:
        """The final relative URL from one page to another, for raw HTML.

        MkDocs rewrites `.md` links in Markdown but not inside raw HTML
        blocks (tables with data attributes, SVG), so those get the URL the
        reader's browser needs, for either `use_directory_urls` setting.
        """
        url = _url_between(self.page_url(page), self.page_url(target))
        return url + (f"?{query}" if query else "")

    def link_href(self, page: str, target: str, query: str = "") -> str:
        """An `href` in raw HTML (a chart's links), for the builder that will rewrite it or not.

        MkDocs leaves raw HTML alone, so the link must be the final URL
        (`href`). Zensical rewrites every relative link in a page as if it
        were relative to the Markdown file, so for it (`links_from_source`,
        set by `lessons generate`) the link starts from the file's folder.
        Not for data attributes that scripts resolve against the address bar:
        those always take `href`.
        """
        if not self.links_from_source:
            return self.href(page, target, query)
        destination = self.page_url(target)
        url = posixpath.relpath(destination or ".", posixpath.dirname(page) or ".")
        if destination.endswith("/") or destination == "":
            url = url.rstrip("/") + "/"
            url = "./" if url in ("./", "/") else url
        return url + (f"?{query}" if query else "")

    def page_url(self, src_uri: str) -> str:
        """The site-relative URL of a generated page (for kb.json)."""
        if not src_uri.endswith(".md"):
            return src_uri
        stem = src_uri[:-3]
        if self.use_directory_urls:
            if stem == "index" or stem.endswith("/index"):
                return stem[: -len("index")]
            return stem + "/"
        return stem + ".html"


@lru_cache(maxsize=1 << 16)
def _url_between(source: str, destination: str) -> str:
    """The relative URL from one page's address to another's (pages link each other by the ten thousand).

    What `posixpath.relpath` gives, by splitting the two paths once (relpath
    makes both absolute first, which was most of the cost of a page's links).
    """
    base = source if source.endswith("/") or source == "" else posixpath.dirname(source)
    here = [part for part in base.split("/") if part]
    there = [part for part in (destination or ".").split("/") if part and part != "."]
    common = 0
    for a, b in zip(here, there):
        if a != b:
            break
        common += 1
    url = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    if destination.endswith("/") or destination == "":
        url = url.rstrip("/") + "/"
        url = "./" if url == "./" or url == "/" else url
    return url


# -- formatting --------------------------------------------------------------


def fmt_timestamp(moment: datetime) -> str:
    offset = moment.utcoffset()
    zone = "UTC" if not offset else moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]
    return f"{moment:%Y-%m-%d %H:%M} {zone}"


def fmt_date(day: Optional[date]) -> str:
    return day.isoformat() if day else ""


def fmt_duration(delta: Optional[timedelta]) -> str:
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


_KIND_NOUNS = {
    "incident": ("incident", "incidents"),
    "near-miss": ("near miss", "near misses"),
    "success": ("success", "successes"),
}


def kind_counts(incidents: Iterable[Incident]) -> str:
    """`34 incidents, 11 near misses, 6 successes` (kinds with none are left out)."""
    counts = Counter(i.kind for i in incidents)
    parts = []
    for kind in INCIDENT_KINDS:
        if counts[kind]:
            singular, plural = _KIND_NOUNS[kind]
            parts.append(f"{counts[kind]} {singular if counts[kind] == 1 else plural}")
    return ", ".join(parts)


def kind_label(incident: Incident) -> str:
    return KIND_LABELS.get(incident.kind, incident.kind)


@lru_cache(maxsize=4096)
def badge(label: str, modifier: str) -> Markup:
    """A small coloured label (styled by lessons.css); HTML, so Markdown pages take it as it is."""
    return Markup('<span class="lessons-badge lessons-badge--{}">{}</span>').format(
        " ".join(modifier.split()), " ".join(label.split())
    )


@dataclass(frozen=True)
class IncidentRow:
    """One row of the standard incident list, as `partials/macros.html` `incident_table` shows it."""

    date: str
    link: Markup
    kind: str
    severity: str
    status: str
    teams: Markup
    classified: Markup = Markup("")


def incident_rows(
    ctx: Context, page: str, incidents: Iterable[Incident], *, classified: Optional[dict[str, Markup]] = None
) -> list[IncidentRow]:
    """The rows of the standard incident list on `page`, newest first; `classified` adds a column by incident id.

    Each row is one `ctx.row`: under `mkdocs serve` a list page made again after one incident's edit makes that
    incident's row again and keeps the others.
    """
    cells = classified or {}
    return [
        ctx.row(
            ("incident row", page, incident.id, cells.get(incident.id)),
            partial(_incident_row, ctx, page, incident, cells.get(incident.id, Markup(""))),
        )
        for incident in ctx.kb.newest_first(incidents)
    ]


def _incident_row(ctx: Context, page: str, incident: Incident, classified: Markup) -> IncidentRow:
    return IncidentRow(
        incident.occurred.date().isoformat(),
        ctx.incident_a(page, incident.id, title=True),
        kind_label(incident),
        incident.severity or "–",
        incident.status,
        ctx.teams_html(page, incident.teams),
        classified,
    )

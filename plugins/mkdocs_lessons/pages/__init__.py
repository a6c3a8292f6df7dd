"""The page generator: a checked knowledge base in, every generated file out.

Shared by the MkDocs plugin and any other adapter; it never touches MkDocs
or the disk. Output order and content depend only on the input.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Optional, Union

from ..link import build_graph
from ..lint import LintConfig
from ..model import Incident, KnowledgeBase
from ..timing import Timings
from ..urls import Urls
from .actions import render_actions
from .common import Context, GeneratedFile
from .dashboard import render_dashboard, render_metrics_json
from .data import incident_line, render_kb_json, render_schemas
from .feed import newest_reviewed, render_feed
from .incident import incident_page_reads, render_incident
from .incident_index import render_incident_index
from .learning import similar_to
from .lessons import render_lessons
from .indexes import render_home, render_sop_catalog
from .paths import render_paths
from .reuse import Reuse, Scope
from .search import apply_search_boosts, render_search_page, section_filter
from .sop import render_sop_pages
from . import archive, taxonomy, teams
from .updated import stamp_last_updated

# Files shipped in `assets/` and published under `assets/lessons/`. The
# adapter links every `.css` as a stylesheet and every `.js` as a script on
# all pages; each feature keeps its own file.
ASSETS: tuple[str, ...] = ("lessons.css", "incidents.js", "paths.css", "paths.js", "dashboard.css", "learning.css")

__all__ = ["Context", "GeneratedFile", "generate", "make_context"]


_SECTIONS = (("incidents/", "Incidents"), ("sops/", "Procedures"), ("taxonomy/", "Taxonomy"), ("teams/", "Teams"), ("paths/", "Onboarding"))


def _mark_sections(ctx: Context, files: list[GeneratedFile]) -> None:
    """Give every generated page a Pagefind `section` filter (incident pages carry theirs)."""
    for file in files:
        if not file.src_uri.endswith(".md") or not isinstance(file.content, str) or "data-pagefind-filter" in file.content:
            continue
        relative = file.src_uri[len(ctx.urls.prefix) :]
        section = next((name for start, name in _SECTIONS if relative.startswith(start)), None)
        if section is None:
            continue
        heading, _, rest = file.content.partition("\n")
        file.content = f"{heading}\n\n{section_filter(ctx, section)}\n{rest}"


def make_context(
    kb: KnowledgeBase,
    *,
    today: date,
    prefix: str = "",
    allow_html: bool = False,
    use_directory_urls: bool = True,
    pagefind: bool = False,
    site_name: str = "",
    site_url: str = "",
    feed_size: int = 50,
    last_updated: Optional[dict[Path, date]] = None,
    lint: Optional[LintConfig] = None,
    renewal_every_months: int = 12,
    links_from_source: bool = False,
    carry: Optional[dict[str, Any]] = None,
) -> Context:
    timings = Timings()
    with timings.phase("link"):
        graph = build_graph(kb)
    return Context(
        kb=kb,
        graph=graph,
        timings=timings,
        urls=Urls(prefix),
        today=today,
        allow_html=allow_html,
        use_directory_urls=use_directory_urls,
        pagefind=pagefind,
        site_name=site_name,
        site_url=site_url,
        feed_size=feed_size,
        last_updated=dict(last_updated or {}),
        lint=lint or LintConfig(),
        renewal_every_months=renewal_every_months,
        links_from_source=links_from_source,
        carry=carry if carry is not None else {},
        incremental=carry is not None,
    )


def generate(ctx: Context, *, home: bool = True) -> list[GeneratedFile]:
    """Every file of the knowledge base, in a stable order; time per phase in `ctx.timings`.

    Across `mkdocs serve` rebuilds (`ctx.carry`), a file whose inputs did
    not change is taken from the last build (reuse.py).
    """
    phase = ctx.timings.phase
    kb = ctx.kb
    reuse = Reuse(ctx)
    files: list[GeneratedFile] = []

    def add(
        name: str,
        key: Any,
        render: Callable[[], Union[GeneratedFile, list[GeneratedFile]]],
        scope: Scope = "shared",
        narrow: Optional[Callable[[], Any]] = None,
    ) -> None:
        files.extend(reuse.get(name, key, lambda: _finish(ctx, render()), scope=scope, narrow=narrow))

    with phase("charts"):  # the dashboard and the backlog are mostly charts and figures
        if home:
            add("home", None, lambda: render_home(ctx))  # the newest summaries: always made
        add("dashboard", (), lambda: render_dashboard(ctx))
        add("actions", (), lambda: render_actions(ctx), "page")  # action items, teams, ids: the page key
        lessons = tuple((i.id, tuple(i.lessons)) for i in kb.published_incidents)
        add("lessons", lessons, lambda: render_lessons(ctx), "page")
    with phase("pages"):
        add("incident index", (), lambda: render_incident_index(ctx))
        steps = {s.ref for p in kb.paths.values() for s in p.steps if s.ref in kb.incidents}
        keys = {ref: _incident_key(ctx, reuse, kb.incidents[ref]) for ref in sorted(steps)}
        shown = tuple(keys.values())
        shown_key = None if None in shown else shown  # the whole file of every incident a path shows
        for incident in kb.published_incidents:
            key = keys[incident.id] if incident.id in keys else _incident_key(ctx, reuse, incident)
            if incident.id in steps:
                # A step's banners show the path's other steps: titles and summaries of the
                # incidents (their whole files), titles of a term's or team's incidents (page key).
                key = None if key is None or shown_key is None else (key, shown_key)
            # When the page key changed (a record added, a title edited), the pages that
            # show nothing of it are kept: the narrow key lists what a page shows of others.
            add(
                f"incident {incident.id}",
                key,
                lambda: render_incident(ctx, incident),
                "page",
                narrow=lambda: _narrow_incident_key(ctx, reuse, incident, key),
            )
        years = archive.by_year(ctx)
        for year in years:
            add(f"year {year}", (), lambda: archive.year_file(ctx, years, year), narrow=lambda: (tuple(years), reuse.rows_of(years[year])))
        add("sop catalog", (), lambda: render_sop_catalog(ctx))
        for sop in kb.sops.values():
            # Of the incidents, SOP pages show only links, dates, procedure relations and action items: the page key.
            add(f"sop {sop.id}", (), lambda: render_sop_pages(ctx, sop), "page")
        # One entry per page, each with its narrow key: an edit makes again the
        # pages of the edited incident's terms and teams, not all of them.
        add("taxonomy", (), lambda: taxonomy.overview_file(ctx), narrow=lambda: taxonomy.overview_reads(ctx))
        for term in kb.taxonomy.terms.values():
            add(f"term {term.path}", (), lambda: taxonomy.term_file(ctx, term), narrow=lambda: taxonomy.term_page_reads(ctx, term, reuse.rows_of))
        add("teams", (), lambda: teams.overview_file(ctx), narrow=lambda: teams.overview_reads(ctx))
        for team in kb.teams.values():
            add(f"team {team.id}", (), lambda: teams.team_file(ctx, team), narrow=lambda: teams.team_page_reads(ctx, team, reuse.rows_of))
        add("paths", shown_key, lambda: render_paths(ctx))
        if ctx.pagefind:
            add("search page", (), lambda: render_search_page(ctx))
    with phase("data"):
        def line(incident: Incident) -> str:  # a record's line reads that record only
            return reuse.get(f"kb.json {incident.id}", reuse.incident(incident), lambda: incident_line(ctx, incident), scope="settings")

        add("kb.json", None, lambda: render_kb_json(ctx, line))
        if ctx.feed_size > 0:
            # The newest reviews, their whole files (summaries); of the others, nothing.
            newest = tuple(reuse.incident(i) for i in newest_reviewed(ctx, ctx.feed_size)) if ctx.incremental else (None,)
            newest_key = None if None in newest else newest
            add("feed", newest_key, lambda: render_feed(ctx), narrow=lambda: newest_key)
        add("metrics.json", (), lambda: render_metrics_json(ctx))
        add("schemas", (), lambda: render_schemas(ctx))
    reuse.done()
    package = resources.files("mkdocs_lessons").joinpath("assets")
    files += [GeneratedFile(ctx.urls.asset(name), package.joinpath(name).read_text("utf-8")) for name in ASSETS]
    ctx.memo[("reuse", "files")] = len(files)
    return files


def _incident_key(ctx: Context, reuse: Reuse, incident: Incident) -> Any:
    """What an incident page reads besides the page (or shared) key: its own file and its similar incidents."""
    own = reuse.incident(incident)
    # What the page shows of each similar incident (not its score: an edit that moves
    # scores but not the list leaves the page as it was).
    return None if own is None else (own, tuple((s.incident_id, s.terms, s.teams, s.tags) for s in similar_to(ctx, incident.id)))


def _narrow_incident_key(ctx: Context, reuse: Reuse, incident: Incident, key: Any) -> Any:
    """The page's own key (file, similar list) and what it shows of other incidents; None if unknown."""
    reads = None if key is None else incident_page_reads(ctx, incident, reuse.rows_of)
    return None if reads is None else (key, reads)


def _finish(ctx: Context, rendered: Union[GeneratedFile, list[GeneratedFile]]) -> list[GeneratedFile]:
    """What every generated file gets once rendered: last-updated line, search markup."""
    files = rendered if isinstance(rendered, list) else [rendered]
    stamp_last_updated(ctx, files)
    if ctx.pagefind:
        _mark_sections(ctx, files)
    apply_search_boosts(ctx, files)
    return files

"""The page generator: a checked knowledge base in, every generated file out.

Shared by the MkDocs plugin and any other adapter; it never touches MkDocs
or the disk. Output order and content depend only on the input.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Optional, Union

from mkdocs_lessons.analysis.derive import Analysis
from mkdocs_lessons.analysis.kept_products import KeptProducts
from mkdocs_lessons.analysis.similar import SimilarFinder
from mkdocs_lessons.checks.lints import LintConfig
from mkdocs_lessons.pages import taxonomy, teams
from mkdocs_lessons.pages.actions import render_actions
from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.pages.dashboard.page import render_dashboard, render_metrics_json
from mkdocs_lessons.pages.data.feed import render_feed
from mkdocs_lessons.pages.data.records import incident_line, render_kb_json, render_schemas
from mkdocs_lessons.pages.home import render_home
from mkdocs_lessons.pages.incidents.index import render_incident_index, render_incident_texts
from mkdocs_lessons.pages.incidents.page import render_incident
from mkdocs_lessons.pages.incidents.years import by_year, year_file
from mkdocs_lessons.pages.indicators import render_indicator, render_indicators_index
from mkdocs_lessons.pages.lessons import render_lessons
from mkdocs_lessons.pages.notfound import render_ids
from mkdocs_lessons.pages.parallel import Parallel, Pending, fork
from mkdocs_lessons.pages.paths.index import render_paths
from mkdocs_lessons.pages.procedures.catalog import render_sop_catalog
from mkdocs_lessons.pages.procedures.page import render_sop_pages
from mkdocs_lessons.pages.renewal import render_renewal
from mkdocs_lessons.pages.search import apply_search_boosts, render_search_page, render_vocabulary, section_filter
from mkdocs_lessons.pages.sessions import render_session, render_sessions_index
from mkdocs_lessons.pages.updated import stamp_last_updated
from mkdocs_lessons.records.model import KnowledgeBase
from mkdocs_lessons.render.kept_rows import KeptRows
from mkdocs_lessons.render.prose import Prose
from mkdocs_lessons.render.reads import KeptRenders, Watch
from mkdocs_lessons.render.templates import Templates
from mkdocs_lessons.timing import Timings
from mkdocs_lessons.urls import Urls

# Files shipped in `assets/` and published under `assets/lessons/`. The
# adapter links every `.css` as a stylesheet and every `.js` as a script on
# all pages; each feature keeps its own file.
ASSETS: tuple[str, ...] = (
    "lessons.css",
    "incidents.js",
    "paths.css",
    "paths.js",
    "dashboard.css",
    "learning.css",
    "sessions.js",
    "layout.css",
    "layout.js",
    "search.js",
)

__all__ = ["Context", "GeneratedFile", "generate", "make_context"]


_SECTIONS = (
    ("incidents/", "Incidents"),
    ("sops/", "Procedures"),
    ("taxonomy/", "Taxonomy"),
    ("teams/", "Teams"),
    ("paths/", "Onboarding"),
    ("sessions/", "Sessions"),
    ("indicators/", "Indicators"),
)


def _mark_sections(ctx: Context, files: list[GeneratedFile]) -> None:
    """Give every generated page a Pagefind `section` filter (incident pages carry theirs)."""
    for file in files:
        if (
            not file.src_uri.endswith(".md")
            or not isinstance(file.content, str)
            or "data-pagefind-filter" in file.content
        ):
            continue
        relative = file.src_uri[len(ctx.urls.prefix) :]
        section = next((name for start, name in _SECTIONS if relative.startswith(start)), None)
        if section is None:
            continue
        parts = relative.split("/")
        # A team is asked for as "payments team" or by its slug as often as by its name.
        team = (
            ctx.kb.teams.get(parts[1].removesuffix(".md")) if section == "Teams" and len(parts) == 2 else None
        )  # teams/payments.md
        words = f"{team.title} team {team.id}" if team else ""
        heading, _, rest = file.content.partition("\n")
        file.content = f"{heading}\n\n{section_filter(ctx, section, words)}\n{rest}"


def make_context(
    kb: KnowledgeBase,
    *,
    today: date,
    prefix: str = "",
    allow_html: bool = False,
    use_directory_urls: bool = True,
    pagefind: bool = False,
    search_synonyms: Optional[dict[str, tuple[str, ...]]] = None,
    site_name: str = "",
    site_url: str = "",
    feed_size: int = 50,
    last_updated: Optional[dict[Path, date]] = None,
    lint: Optional[LintConfig] = None,
    renewal_every_months: int = 12,
    show_review_notes: bool = False,
    links_from_source: bool = False,
    parallel: bool = False,
    prepare: Optional[Callable[[GeneratedFile], None]] = None,
    templates: Optional[Templates] = None,
    prose: Optional[Prose] = None,
    carry: Optional[dict[str, Any]] = None,
    analysis: Optional[Analysis] = None,
) -> Context:
    timings = Timings()
    if analysis is None:
        carried = (carry or {}).get("similar")
        with timings.phase("link"):
            analysis = Analysis(
                kb,
                today=today,
                lint_config=lint,
                similar_finder=carried if isinstance(carried, SimilarFinder) else None,
                kept=_kept_products(carry),
            )
    if carry is not None:
        carry["similar"] = analysis.similar_finder
    return Context(
        kb=kb,
        analysis=analysis,
        graph=analysis.graph,
        timings=timings,
        urls=Urls(prefix),
        today=today,
        allow_html=allow_html,
        use_directory_urls=use_directory_urls,
        pagefind=pagefind,
        search_synonyms=dict(search_synonyms or {}),
        site_name=site_name,
        site_url=site_url,
        feed_size=feed_size,
        last_updated=dict(last_updated or {}),
        lint=lint or LintConfig(),
        renewal_every_months=renewal_every_months,
        show_review_notes=show_review_notes,
        links_from_source=links_from_source,
        parallel=parallel,
        prepare=prepare,
        templates=templates or Templates(),
        prose_renderer=prose,
        carry=carry if carry is not None else {},
    )


#: The phases `generate` lists its pages in (timed under these names); the second process's share is picked by them.
CHARTS, PAGES, DATA = "charts", "pages", "data"


def generate(ctx: Context, *, home: bool = True) -> list[GeneratedFile]:
    """Every file of the knowledge base, in a stable order; time per phase in `ctx.timings`."""
    kb = ctx.kb
    files: list[Any] = []  # GeneratedFile, or a Pending page while they are listed for two processes

    def add(rendered: Union[Rendered, Pending]) -> None:
        if isinstance(rendered, Pending):
            rendered.finish = True  # finished where it is rendered (pages/parallel.py)
            files.append(rendered)
        else:
            files.extend(_complete(ctx, rendered, finish=True))

    # Every page and data file through `page(key, render)`: under `mkdocs serve` each is kept while what it read holds.
    page = _record_pages(ctx)
    # A one-off build lists its pages first, then renders them in two processes (pages/parallel.py).
    parallel = (
        Parallel(ctx.timings, lambda rendered, finish: _complete(ctx, rendered, finish=finish))
        if ctx.parallel and not isinstance(ctx.carry.get(KEPT_RENDERS), KeptRenders)
        else None
    )
    if parallel is not None:
        page = lambda key, render: parallel.defer(lambda: render(ctx))  # noqa: E731  # keys matter to serve only
        if isinstance(ctx.analysis, Analysis):
            with ctx.timings.phase("derive"):
                # Worked out once, before the pages fork, and read by both processes; the similar lists (half a
                # second at 1,000 incidents) on both cores.
                ctx.analysis.settle(fork)

    def phase(name: str) -> Any:
        if parallel is not None:
            parallel.phase = name
        return ctx.timings.phase(name)

    with phase(CHARTS):  # the dashboard and the backlog are mostly charts and figures
        if home:
            add(page(("home",), render_home))
        add(page(("dashboard",), render_dashboard))
        add(page(("actions",), render_actions))
        add(page(("lessons",), render_lessons))
        add(page(("renewal",), render_renewal))
    with phase(PAGES):
        add(page(("incidents",), render_incident_index))
        add(page(("incident texts",), render_incident_texts))  # summaries: apart, so a summary edit keeps the index
        for incident in kb.published_incidents:
            add(page(("incident", incident.id), lambda c, i=incident.id: render_incident(c, c.kb.incidents[i])))
        for year in by_year(ctx):
            # Which years there are is a part of the year's render, kept under serve while the incidents' years hold.
            add(page(("year", year), lambda c, y=year: year_file(c, c.row(("years",), partial(_years, c)), y)))
        add(page(("sops",), render_sop_catalog))
        for sop in kb.sops.values():
            add(page(("sop", sop.id), lambda c, s=sop.id: render_sop_pages(c, c.kb.sops[s])))
        add(page(("taxonomy",), taxonomy.overview_file))
        for term in kb.taxonomy.terms.values():
            add(page(("term", term.path), lambda c, t=term.path: taxonomy.term_file(c, c.kb.taxonomy.terms[t])))
        add(page(("teams",), teams.overview_file))
        for team in kb.teams.values():
            add(page(("team", team.id), lambda c, t=team.id: teams.team_file(c, c.kb.teams[t])))
        add(page(("paths",), render_paths))
        add(page(("sessions",), render_sessions_index))
        for session in ctx.analysis.programme.sessions:
            add(page(("session", session.id), lambda c, s=session.id: render_session(c, c.kb.sessions[s])))
        add(page(("indicators",), render_indicators_index))
        for indicator in kb.indicators.values():
            add(page(("indicator", indicator.id), lambda c, i=indicator.id: render_indicator(c, c.kb.indicators[i])))
        if ctx.pagefind:
            add(page(("search",), render_search_page))
            files.append(page(("vocabulary",), render_vocabulary))
    with phase(DATA):
        # Every field of every record: any edit changes it, so it is rendered each build, unwatched
        # (under serve, an unchanged incident's line is the last build's: _kb_lines).
        if parallel is not None:  # rendered while the second process renders its pages
            add(parallel.defer(lambda: render_kb_json(ctx, _kb_lines(ctx))))
        else:
            add(render_kb_json(ctx, _kb_lines(ctx)))
        if ctx.feed_size > 0:
            add(page(("feed",), render_feed))
        add(render_metrics_json(ctx))  # data made of whole products (Metrics.as_dict), not of reads: unwatched
        add(page(("schemas",), render_schemas))
        add(page(("ids",), render_ids))  # the 404 page's "did you mean" (notfound.py)
    kept = ctx.carry.get(KEPT_RENDERS)
    if isinstance(kept, KeptRenders):
        kept.end()
        rows = ctx.carry.get(KEPT_ROWS)
        if isinstance(rows, KeptRows):
            rows.end(kept.keys())
    if parallel is not None:
        files = _resolve(ctx, parallel, files)
    package = resources.files("mkdocs_lessons").joinpath("assets")
    files += [GeneratedFile(ctx.urls.asset(name), package.joinpath(name).read_text("utf-8")) for name in ASSETS]
    return files


Rendered = Union[GeneratedFile, list[GeneratedFile]]

#: Where the plugin keeps generated files' renders across `mkdocs serve` rebuilds (`ctx.carry`).
KEPT_RENDERS = "renders"
#: Where the rows of long lists are kept across `mkdocs serve` rebuilds (`ctx.carry`, render/kept_rows.py).
KEPT_ROWS = "rows"
#: Where the analysis' products are kept across `mkdocs serve` rebuilds (`ctx.carry`, analysis/kept_products.py).
KEPT_PRODUCTS = "products"


def _years(ctx: Context) -> dict[int, None]:
    """The years of the published incidents, in order (what a year page needs of the others: its neighbours)."""
    return dict.fromkeys(by_year(ctx))


def _kept_products(carry: Optional[dict[str, Any]]) -> Optional[KeptProducts]:
    """Under `mkdocs serve` (renders are kept too): the products kept across rebuilds, made on the first."""
    if carry is None or not isinstance(carry.get(KEPT_RENDERS), KeptRenders):
        return None
    found = carry.get(KEPT_PRODUCTS)
    if not isinstance(found, KeptProducts):
        found = carry[KEPT_PRODUCTS] = KeptProducts()
    return found


def _record_pages(ctx: Context) -> Any:
    """`page(key, render)`: a generated file or files, rendered by `render(context)`, or kept from the last serve build.

    Only under `mkdocs serve` (the plugin puts a `KeptRenders` in
    `ctx.carry`): the render gets a context whose knowledge base, link graph,
    analysis and memo note what it reads (render/reads.py), and its files
    are reused while all of that holds. Elsewhere it renders with `ctx`.
    """
    kept = ctx.carry.get(KEPT_RENDERS)
    if not isinstance(kept, KeptRenders):
        return lambda key, render: render(ctx)
    rows = ctx.carry.get(KEPT_ROWS)
    if not isinstance(rows, KeptRows):
        rows = ctx.carry[KEPT_ROWS] = KeptRows()
    watch = Watch()
    kb = watch.record("kb", ctx.kb)
    graph = watch.record("graph", ctx.graph)
    watched = dataclasses.replace(
        ctx,
        kb=kb,
        graph=graph,
        analysis=watch.products("analysis", ctx.analysis, graph=graph, kb=kb),
        memo=watch.unsettled(ctx.memo),
        last_updated=watch.map("last_updated", ctx.last_updated),
        kept_rows=rows,
    )
    with ctx.timings.phase("judge"):  # what moved since the last build, and which kept renders read it
        site = _site_key(ctx)
        kept.begin(site, watch)
        rows.begin(site, watch)

    def page(key: Any, render: Any) -> Rendered:
        # A render made again makes its rows within it: the rows it shows are kept with it (render/kept_rows.py).
        made = kept.render(watch, key, lambda: rows.within(key, lambda: render(watched)))
        # Copies: what `_finish` adds (the last-updated line) is added again each build.
        return [dataclasses.replace(f) for f in made] if isinstance(made, list) else dataclasses.replace(made)

    return page


#: Where the plugin keeps `kb.json`'s incident lines across `mkdocs serve` rebuilds (`ctx.carry`).
KB_LINES = "kb-lines"


def _kb_lines(ctx: Context) -> Any:
    """`kb.json`'s line of an incident: under serve, the last build's while the record is the same object.

    A line is the record as written and its page's URL (data.py
    `incident_line`); the URL comes from options in the site key, so the
    lines are kept while that key holds. At 10,000 incidents encoding every
    line took about half a second of each rebuild.
    """
    if not isinstance(ctx.carry.get(KEPT_RENDERS), KeptRenders):
        return lambda incident: incident_line(ctx, incident)
    site = _site_key(ctx)
    kept_site, kept = ctx.carry.get(KB_LINES, ("", {}))
    if kept_site != site:
        kept = {}
    now: dict[str, tuple[Any, str]] = {}
    ctx.carry[KB_LINES] = (site, now)

    def line(incident: Any) -> str:
        found = kept.get(incident.id)
        if found is None or found[0] is not incident:
            found = (incident, incident_line(ctx, incident))
        now[incident.id] = found
        return found[1]

    return line


#: Context fields that are watched or that no page output is made of; every other field is in the site key.
_WATCHED_OR_INERT = frozenset(
    {
        "kb",
        "analysis",
        "graph",
        "memo",
        "carry",
        "last_updated",
        "timings",
        "templates",
        "prose_renderer",
        "_links",
        "_origins",
        "parallel",  # how pages are rendered, not what they hold (tests/test_parallel.py)
        "prepare",  # the adapter's work on finished files, which leaves them as they are
        "kept_rows",  # rows kept under serve: each is judged by its own reads (render/kept_rows.py)
    }
)


def _site_key(ctx: Context) -> str:
    """What every render is made of besides the watched sources: the options, the templates, the Markdown settings."""
    parts = [f"{f.name}={getattr(ctx, f.name)!r}" for f in dataclasses.fields(ctx) if f.name not in _WATCHED_OR_INERT]
    parts.append(ctx.templates.fingerprint())
    parts.append(ctx._prose().fingerprint)
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _here(pending: Pending) -> bool:
    """Rendered in this process: the data files (the copy would only hand them back)."""
    return pending.phase == DATA


def _heavy(pending: Pending) -> bool:
    """The charts pages: the heaviest few, which the copy starts with (so no process ends on one)."""
    return pending.phase == CHARTS


def _resolve(ctx: Context, parallel: Parallel, files: list[Any]) -> list[GeneratedFile]:
    """The listed pages rendered (and finished, as `add` would) in two processes, then put back where they were
    listed."""
    done = parallel.resolve(_here, _heavy)  # the analysis is settled by then (`generate`)
    resolved: list[GeneratedFile] = []
    for item in files:
        if isinstance(item, Pending):
            resolved.extend(done[item.index])
        else:
            resolved.append(item)
    return resolved


def _complete(ctx: Context, rendered: Rendered, *, finish: bool) -> list[GeneratedFile]:
    """A render's files, finished (when `add` asked) and prepared by the adapter, in the process that rendered them."""
    files = _finish(ctx, rendered) if finish else rendered if isinstance(rendered, list) else [rendered]
    if ctx.prepare is not None:
        for file in files:
            ctx.prepare(file)
    return files


def _finish(ctx: Context, rendered: Union[GeneratedFile, list[GeneratedFile]]) -> list[GeneratedFile]:
    """What every generated file gets once rendered: last-updated line, search markup."""
    files = rendered if isinstance(rendered, list) else [rendered]
    stamp_last_updated(ctx, files)
    if ctx.pagefind:
        _mark_sections(ctx, files)
    apply_search_boosts(ctx, files)
    return files

"""The page generator: a checked knowledge base in, every generated file out.

Shared by the MkDocs plugin and any other adapter; it never touches MkDocs
or the disk. Output order and content depend only on the input.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from ..link import build_graph
from ..lint import LintConfig
from ..model import KnowledgeBase
from ..timing import Timings
from ..urls import Urls
from .actions import render_actions
from .common import Context, GeneratedFile
from .dashboard import render_dashboard, render_metrics_json
from .archive import render_archive
from .data import render_kb_json, render_schemas
from .feed import render_feed
from .incident import render_incident
from .incident_index import render_incident_index
from .lessons import render_lessons
from .indexes import render_home, render_sop_catalog
from .paths import render_paths
from .search import apply_search_boosts, render_search_page, section_filter
from .sop import render_sop_pages
from .taxonomy import render_taxonomy
from .teams import render_teams
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
    )


def generate(ctx: Context, *, home: bool = True) -> list[GeneratedFile]:
    """Every file of the knowledge base, in a stable order; time per phase in `ctx.timings`."""
    phase = ctx.timings.phase
    files: list[GeneratedFile] = []
    with phase("charts"):  # the dashboard and the backlog are mostly charts and figures
        if home:
            files.append(render_home(ctx))
        files.append(render_dashboard(ctx))
        files.append(render_actions(ctx))
        files.append(render_lessons(ctx))
    with phase("pages"):
        files.append(render_incident_index(ctx))
        files += [render_incident(ctx, i) for i in ctx.kb.published_incidents]
        files += render_archive(ctx)
        files.append(render_sop_catalog(ctx))
        for sop in ctx.kb.sops.values():
            files += render_sop_pages(ctx, sop)
        files += render_taxonomy(ctx)
        files += render_teams(ctx)
        files += render_paths(ctx)
        if ctx.pagefind:
            files.append(render_search_page(ctx))
    with phase("data"):
        files.append(render_kb_json(ctx))
        if ctx.feed_size > 0:
            files.append(render_feed(ctx))
        files.append(render_metrics_json(ctx))
        files += render_schemas(ctx)
        stamp_last_updated(ctx, files)
    with phase("search"):
        if ctx.pagefind:
            _mark_sections(ctx, files)
        apply_search_boosts(ctx, files)
    package = resources.files("mkdocs_lessons").joinpath("assets")
    files += [GeneratedFile(ctx.urls.asset(name), package.joinpath(name).read_text("utf-8")) for name in ASSETS]
    return files

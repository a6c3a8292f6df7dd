"""The page generator: a checked knowledge base in, every generated file out.

Shared by the MkDocs plugin and any other adapter; it never touches MkDocs
or the disk. Output order and content depend only on the input.
"""

from __future__ import annotations

from datetime import date
from importlib import resources

from ..link import build_graph
from ..model import KnowledgeBase
from ..urls import Urls
from .common import Context, GeneratedFile
from .archive import render_archive
from .data import render_kb_json, render_schemas
from .incident import render_incident
from .incident_index import render_incident_index
from .indexes import render_home, render_sop_catalog
from .paths import render_paths
from .sop import render_sop_pages
from .taxonomy import render_taxonomy
from .teams import render_teams

# Files shipped in `assets/` and published under `assets/lessons/`. The
# adapter links every `.css` as a stylesheet and every `.js` as a script on
# all pages; each feature keeps its own file.
ASSETS: tuple[str, ...] = ("lessons.css", "incidents.js")

__all__ = ["Context", "GeneratedFile", "generate", "make_context"]


def make_context(
    kb: KnowledgeBase, *, today: date, prefix: str = "", allow_html: bool = False, use_directory_urls: bool = True
) -> Context:
    return Context(kb=kb, graph=build_graph(kb), urls=Urls(prefix), today=today, allow_html=allow_html, use_directory_urls=use_directory_urls)


def generate(ctx: Context, *, home: bool = True) -> list[GeneratedFile]:
    """Every file of the knowledge base, in a stable order."""
    files: list[GeneratedFile] = []
    if home:
        files.append(render_home(ctx))
    files.append(render_incident_index(ctx))
    files += [render_incident(ctx, i) for i in ctx.kb.published_incidents]
    files += render_archive(ctx)
    files.append(render_sop_catalog(ctx))
    for sop in ctx.kb.sops.values():
        files += render_sop_pages(ctx, sop)
    files += render_taxonomy(ctx)
    files += render_teams(ctx)
    files += render_paths(ctx)
    files.append(render_kb_json(ctx))
    files += render_schemas(ctx)
    package = resources.files("mkdocs_lessons").joinpath("assets")
    files += [GeneratedFile(ctx.urls.asset(name), package.joinpath(name).read_text("utf-8")) for name in ASSETS]
    return files

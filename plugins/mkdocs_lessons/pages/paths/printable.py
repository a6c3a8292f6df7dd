"""The printable reading path: `paths/<id>/print/`, every step's page on one page, in order.

The step bodies come from the same functions that build the step pages
(incident, SOP, SOP version, term, team), rendered with links relative to
this page and their headings moved one level down under "Step k of n".
The page stays out of search (it repeats every step) and hides Material's
navigation and table of contents; `paths.css` drops the rest when printing
and starts each step on a new sheet. Template: `path_print.html`.
"""

from __future__ import annotations

import re
from typing import Optional

from markupsafe import Markup

from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.pages.incidents.page import incident_body
from mkdocs_lessons.pages.paths.steps import StepView, fmt_minutes, path_facts, step_href, step_views
from mkdocs_lessons.pages.procedures.page import sop_body, sop_version_body
from mkdocs_lessons.pages.taxonomy import term_body
from mkdocs_lessons.pages.teams import team_body
from mkdocs_lessons.records.model import ReadingPath, SopRef

# Bodies are HTML from templates and Python-Markdown: a heading's tag is
# `<hN` followed by its attributes or `>`, and `<` in text is always escaped.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")


def demote_headings(html: str, levels: int = 1) -> Markup:
    """`html` with every heading moved `levels` down (at most to h6)."""
    return Markup(_HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + levels)}", str(html)))


def step_body(ctx: Context, page: str, view: StepView) -> Optional[Markup]:
    """The body of the page a step opens (without its title) as HTML seen from `page`; None when it is not published."""
    kb = ctx.kb
    kind, target = view.step.target_kind, view.step.target
    if view.target is None:
        return None
    if kind == "incident":
        return incident_body(ctx, page, kb.incidents[target])
    if kind == "sop":
        ref = SopRef.parse(target)
        sop = kb.sops[ref.sop_id]
        if ref.version is None:
            return sop_body(ctx, page, sop)
        index = next(i for i, v in enumerate(sop.versions) if v.version == ref.version)
        previous = sop.versions[index - 1] if index else None
        following = sop.versions[index + 1] if index + 1 < len(sop.versions) else None
        return sop_version_body(ctx, page, sop, sop.versions[index], previous, following)
    if kind == "team":
        return team_body(ctx, page, kb.teams[target])
    return term_body(ctx, page, kb.taxonomy.terms[view.key.split("/", 1)[1]])


def render_path_print(ctx: Context, reading_path: ReadingPath) -> GeneratedFile:
    page = ctx.urls.path_print(reading_path.id)
    views = step_views(ctx, reading_path)
    steps = []
    for view in views:
        body = step_body(ctx, page, view)
        steps.append(
            {
                "number": view.number,
                "total": view.total,
                "anchor": f"step-{view.number}",
                "title": view.title,
                "kind": view.kind,
                "minutes": fmt_minutes(view.minutes) if view.minutes else "",
                "note": ctx.prose_line(view.step.note, page) if view.step.note else "",
                "href": step_href(ctx, page, view) if view.target is not None else None,
                "url": ctx.page_url(view.target) if view.target is not None else "",
                "body": demote_headings(body) if body is not None else None,
            }
        )
    generated = ctx.page(
        "path_print.html",
        page,
        f"{reading_path.title}: all steps",
        source=reading_path.source.file if reading_path.source else None,
        **path_facts(ctx, page, reading_path, views),
        path_href=ctx.link_href(page, ctx.urls.path(reading_path.id)),
        steps=steps,
    )
    # Front matter: out of search, without Material's navigation and table of contents.
    generated.meta.update({"search": {"exclude": True}, "hide": ["navigation", "toc"]})
    return generated

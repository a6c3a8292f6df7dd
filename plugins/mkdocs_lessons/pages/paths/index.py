"""Onboarding reading paths: `paths/`, `paths/<id>/` and `paths/<id>/print/`.

Progress ("mark as read") lives in the reader's browser only: the pages
carry the step keys in data attributes and `assets/paths.js` fills in the
boxes and bars. Without JavaScript those controls stay hidden, so nobody
sees a progress bar that cannot move.

Templates: `paths.html` (the overview), `path.html` (one path), with the
progress bar in `partials/path_macros.html`.
"""

from __future__ import annotations

from typing import Any, Optional

from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.pages.paths.printable import render_path_print
from mkdocs_lessons.pages.paths.steps import (
    RATE_NOTE,
    StepView,
    fmt_minutes,
    path_facts,
    path_minutes,
    root_url,
    step_href,
    step_views,
)
from mkdocs_lessons.records.essentials import ESSENTIALS_ID
from mkdocs_lessons.records.model import ReadingPath


def render_paths(ctx: Context) -> list[GeneratedFile]:
    files = [_overview(ctx)]
    for reading_path in ctx.kb.paths.values():
        files.append(_path_page(ctx, reading_path))
        files.append(render_path_print(ctx, reading_path))
    return files


def progress_view(ctx: Context, page: str, reading_path: ReadingPath, views: list[StepView]) -> dict[str, Any]:
    """What `partials/path_macros.html` `progress` shows: a bar paths.js fills from the reader's marks."""
    keys = list(dict.fromkeys(v.key for v in views if v.target is not None))
    return {
        "id": reading_path.id,
        "steps": " ".join(keys),
        "count": len(keys),
        "root": root_url(ctx, page),
        "title": reading_path.title,
    }


def _overview(ctx: Context) -> GeneratedFile:
    page = ctx.urls.paths
    rows = []
    for reading_path in ctx.kb.paths.values():
        views = step_views(ctx, reading_path)
        rows.append(
            {
                "link": ctx.a(page, ctx.urls.path(reading_path.id), reading_path.title),
                "generated": reading_path.generated,
                "audience": ctx.prose_line(reading_path.audience, page) if reading_path.audience else "",
                "description": ctx.prose_line(reading_path.description, page) if reading_path.description else "",
                "steps": len(reading_path.steps),
                "minutes": fmt_minutes(path_minutes(views)),
                "progress": progress_view(ctx, page, reading_path, views),
            }
        )
    return ctx.page("paths.html", page, "Onboarding", in_nav=True, rows=rows, rate_note=RATE_NOTE)


def _step(ctx: Context, page: str, view: StepView) -> dict[str, Any]:
    """One item of a path page's step list."""
    return {
        "number": view.number,
        "key": view.key,
        "title": view.title,
        "kind": view.kind,
        "href": step_href(ctx, page, view) if view.target is not None else None,
        "minutes": fmt_minutes(view.minutes) if view.minutes else "",
        "note": ctx.prose_line(view.step.note, page) if view.step.note else "",
        "summary": ctx.prose_line(view.summary, page) if view.summary else "",
    }


def _path_page(ctx: Context, reading_path: ReadingPath) -> GeneratedFile:
    page = ctx.urls.path(reading_path.id)
    views = step_views(ctx, reading_path)
    steps = [_step(ctx, page, v) for v in views]
    start: Optional[dict[str, Any]] = next((s for s in steps if s["href"] is not None), None)
    return ctx.page(
        "path.html",
        page,
        reading_path.title,
        source=reading_path.source.file if reading_path.source else None,
        # The Essentials path says how it is chosen (paths generated otherwise would not).
        essentials=reading_path.generated and reading_path.id == ESSENTIALS_ID,
        **path_facts(ctx, page, reading_path, views),
        print_href=ctx.link_href(page, ctx.urls.path_print(reading_path.id)),
        bar=progress_view(ctx, page, reading_path, views),
        start=start,
        steps=steps,
    )

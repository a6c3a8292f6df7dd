"""Reading-path steps as pages show them: what a step opens, its title and reading time.

Shared by the path pages, the printable path and the banners on step pages,
so all three agree on titles, targets, minutes and the progress key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from mkdocs_lessons.analysis.link_graph import step_key
from mkdocs_lessons.analysis.reading_time import WORDS_PER_MINUTE, step_minutes
from mkdocs_lessons.pages.common import Context, kind_label
from mkdocs_lessons.records.model import PathStep, ReadingPath, SopRef


@dataclass(frozen=True)
class StepView:
    path: ReadingPath
    index: int  # 0-based
    step: PathStep
    key: str  # the ref of the page it opens; the reader's progress is kept under it
    kind: str  # "Incident", "Procedure", "Taxonomy term", ...
    title: str  # plain text
    target: Optional[str]  # src_uri of the page it opens; None when that page is not published
    summary: str  # the record's Markdown text as written; pages render it with `ctx.prose_line` for themselves
    minutes: int  # 0 only when there is no page to read

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def total(self) -> int:
        return len(self.path.steps)


def step_views(ctx: Context, reading_path: ReadingPath) -> list[StepView]:
    """The path's steps, computed once per build (every step page shows its neighbours)."""
    key = ("steps", reading_path.id)
    if key not in ctx.memo:
        ctx.memo[key] = [_view(ctx, reading_path, index, step) for index, step in enumerate(reading_path.steps)]
    return ctx.memo[key]


def _view(ctx: Context, reading_path: ReadingPath, index: int, step: PathStep) -> StepView:
    kb, urls = ctx.kb, ctx.urls
    key = step_key(kb, step)
    minutes = step_minutes(kb, ctx.graph, step)

    def view(kind: str, title: str, target: Optional[str], summary: str) -> StepView:
        return StepView(reading_path, index, step, key, kind, title, target, summary, minutes)

    kind, target = step.target_kind, step.target
    if kind == "incident":
        incident = kb.incidents.get(target)
        if incident is None:
            return view("Incident", target, None, "")
        page = urls.incident(target) if kb.is_published(target) else None
        return view(kind_label(incident), f"{incident.id}: {incident.title}", page, incident.summary)
    if kind == "sop":
        ref = SopRef.parse(target)
        sop = kb.sops.get(ref.sop_id)
        version = sop.resolve(ref) if sop is not None else None
        if sop is None or version is None:
            return view("Procedure", target, None, "")
        if ref.version is None:
            return view("Procedure", f"{sop.id}: {sop.title}", urls.sop(sop.id), version.purpose)
        return view(
            f"Procedure, version {version.version} ({version.status})",
            f"{sop.id} v{version.version}: {sop.title}",
            urls.sop_ref(ref),
            version.purpose,
        )
    if kind == "team":
        team = kb.teams.get(target)
        if team is None:
            return view("Team", target, None, "")
        return view("Team", team.title, urls.team(target), team.description or "")
    path = key.split("/", 1)[1]  # a retired term's step opens its replacement
    term = kb.taxonomy.terms.get(path)
    if term is None:
        return view("Taxonomy term", path, None, "")
    return view("Taxonomy term", ctx.term_label(path), urls.term(path), term.description)


def path_minutes(views: list[StepView]) -> int:
    return sum(v.minutes for v in views)


def fmt_minutes(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


RATE_NOTE = f"at {WORDS_PER_MINUTE} words a minute"


def path_facts(ctx: Context, page: str, reading_path: ReadingPath, views: list[StepView]) -> dict[str, Any]:
    """What the path page and the printable page both say of a path: description, audience, steps, reading time."""
    return {
        "description": ctx.prose(reading_path.description, page) if reading_path.description else "",
        "audience": ctx.prose_line(reading_path.audience, page) if reading_path.audience else "",
        "step_count": len(views),
        "minutes": fmt_minutes(path_minutes(views)),
        "rate_note": RATE_NOTE,
    }


def step_href(ctx: Context, page: str, view: StepView) -> str:
    """The URL of the step's page from `page`, telling it which path the reader is on (`?path=`)."""
    assert view.target is not None
    return ctx.link_href(page, view.target, f"path={view.path.id}")


def root_url(ctx: Context, from_page: str) -> str:
    """The relative URL of the knowledge base's root folder (the prefix) from a page.

    The browser script resolves it to an absolute path and keeps progress
    under that name, so two knowledge bases on one host never share it.
    """
    return ctx.href(from_page, ctx.urls.prefix)

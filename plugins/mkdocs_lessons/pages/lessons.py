"""Every lesson of every published review, grouped by taxonomy term: `lessons/`.

The reusable knowledge itself, not only the stories: each lesson stands
under the primary term of the review it comes from (the cause it teaches
about), with a link back to that review. Terms follow the taxonomy's file
order; within a term, newest review first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from markupsafe import Markup

from ..model import Incident
from .common import Context, GeneratedFile
from .figures import index_href, plural


@dataclass(frozen=True)
class TermLessons:
    """One term's section: its heading, where to read more, and its lessons (each with the review it comes from)."""

    label: str
    anchor: str
    lessons: str  # "3 lessons"
    reviews: str  # "2 reviews"
    about: Optional[Markup]  # the term's page; None for a term the taxonomy does not know
    incidents_href: str  # the incident index filtered to the term
    items: list[tuple[Markup, Markup]]  # (lesson, "INC-…: title, 2024-03-14")


def render_lessons(ctx: Context) -> GeneratedFile:
    page = ctx.urls.lessons
    grouped: dict[str, list[Incident]] = defaultdict(list)
    for incident in ctx.kb.published_incidents:
        if incident.lessons:
            grouped[incident.primary].append(incident)
    order = [path for path in ctx.kb.taxonomy.terms if path in grouped]
    order += sorted(path for path in grouped if path not in ctx.kb.taxonomy.terms)
    total = sum(len(i.lessons) for items in grouped.values() for i in items)
    reviews = sum(len(items) for items in grouped.values())
    sections = []
    for path in order:
        incidents = ctx.kb.newest_first(grouped[path])
        items: list[tuple[Markup, Markup]] = []
        for incident in incidents:
            source = Markup("{}, {}").format(ctx.incident_a(page, incident.id, title=True), incident.occurred.date().isoformat())
            items += [(ctx.prose_line(lesson, page), source) for lesson in incident.lessons]
        sections.append(
            TermLessons(
                label=" ".join(ctx.term_label(path).split()),
                anchor=_anchor(path),
                lessons=plural(len(items), "lesson", "lessons"),
                reviews=plural(len(incidents), "review", "reviews"),
                about=ctx.a(page, ctx.urls.term(path), "About this term") if path in ctx.kb.taxonomy.terms else None,
                incidents_href=index_href(ctx, page, [("term", path)]),
                items=items,
            )
        )
    return ctx.page(
        "lessons.html",
        page,
        "Lessons",
        in_nav=True,
        lessons=plural(total, "lesson", "lessons"),
        reviews=plural(reviews, "review", "reviews"),
        terms=plural(len(order), "taxonomy term", "taxonomy terms"),
        sections=sections,
    )


def _anchor(path: str) -> str:
    return "lessons-" + path.replace("/", "--")

"""Every lesson of every published review, grouped by taxonomy term: `lessons/`.

The reusable knowledge itself, not only the stories: each lesson stands
under the primary term of the review it comes from (the cause it teaches
about), with a link back to that review. Terms follow the taxonomy's file
order; within a term, newest review first. A long list continues on
numbered pages (`lessons/page/2/`, `paging.py`), a term that runs over a
page break taking its heading again; the first page lists every term with
the page its lessons start on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Optional

from markupsafe import Markup

from mkdocs_lessons.charts.dashboard import index_href, plural
from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.pages.paging import later_page_meta, page_title, paged
from mkdocs_lessons.records.model import Incident


@dataclass(frozen=True)
class TermLessons:
    """One term's section on one page: its heading, where to read more, and its lessons there (each with the review it
    comes from).
    """

    label: str
    anchor: str
    lessons: str  # "3 lessons" (all of the term's, on every page)
    reviews: str  # "2 reviews"
    about: Optional[Markup]  # the term's page; None for a term the taxonomy does not know
    incidents_href: str  # the incident index filtered to the term
    continued: bool  # the term's lessons started on an earlier page
    items: list[tuple[Markup, Markup]]  # (lesson, "INC-…: title, 2024-03-14")


@dataclass(frozen=True)
class _Lesson:
    path: str  # the primary term of its review
    incident: Incident
    text: str


@dataclass(frozen=True)
class _Plan:
    """Every lesson in the order of the list, by the id of its review, and how many reviews each term has."""

    order: tuple[str, ...]  # the terms, in the taxonomy's order, then the unknown ones
    reviews: dict[str, int]
    lessons: tuple[tuple[str, str, str], ...]  # (term, incident id, lesson)


def _plan(ctx: Context) -> _Plan:
    grouped: dict[str, list[Incident]] = defaultdict(list)
    for incident in ctx.kb.published_incidents:
        if incident.lessons:
            grouped[incident.primary].append(incident)
    order = [path for path in ctx.kb.taxonomy.terms if path in grouped]
    order += sorted(path for path in grouped if path not in ctx.kb.taxonomy.terms)
    lessons = tuple(
        (path, incident.id, lesson)
        for path in order
        for incident in ctx.kb.newest_first(grouped[path])
        for lesson in incident.lessons
    )
    return _Plan(tuple(order), {path: len(found) for path, found in grouped.items()}, lessons)


def render_lessons(ctx: Context) -> list[GeneratedFile]:
    base = ctx.urls.lessons
    # Which lessons in which order reads every review's lessons, term and date: under serve one part, kept while
    # those hold (a title edit leaves it). Ids, not records: a kept part holds no record of an older build.
    plan = ctx.row(("lessons plan",), partial(_plan, ctx))
    order = plan.order
    incidents = ctx.kb.incidents
    lessons = [_Lesson(path, incidents[incident_id], text) for path, incident_id, text in plan.lessons]
    counts = Counter(lesson.path for lesson in lessons)
    pages = paged(ctx, base, lessons)
    starts: dict[str, str] = {}  # term -> the src_uri of the page its lessons start on
    for uri, chunk, _ in pages:
        for lesson in chunk:
            starts.setdefault(lesson.path, uri)
    files = []
    for uri, chunk, pager in pages:
        on_page: dict[str, list[_Lesson]] = defaultdict(list)
        for lesson in chunk:
            on_page[lesson.path].append(lesson)
        sections = []
        for path, items in on_page.items():  # in the order of the list
            # One row per lesson: under `mkdocs serve` a title edit makes that review's rows again, not the page's.
            shown = [
                ctx.row(
                    ("lesson", uri, lesson.incident.id, lesson.text),
                    partial(_lesson_row, ctx, uri, lesson),
                )
                for lesson in items
            ]
            sections.append(
                TermLessons(
                    label=_label(ctx, path),
                    anchor=_anchor(path),
                    lessons=plural(counts[path], "lesson", "lessons"),
                    reviews=plural(plan.reviews[path], "review", "reviews"),
                    about=ctx.a(uri, ctx.urls.term(path), "About this term") if path in ctx.kb.taxonomy.terms else None,
                    incidents_href=index_href(ctx, uri, [("term", path)]),
                    continued=starts[path] != uri,
                    items=shown,
                )
            )
        first = pager.number == 1
        generated = ctx.page(
            "lessons.html",
            uri,
            page_title("Lessons", pager),
            in_nav=first,
            numbered=pager.total > 1,
            first=first,
            lessons=plural(len(lessons), "lesson", "lessons"),
            reviews=plural(sum(plan.reviews.values()), "review", "reviews"),
            terms=plural(len(order), "taxonomy term", "taxonomy terms"),
            # Every term, linked to where its lessons start (this page or a later one).
            contents=[(_label(ctx, path), _term_href(ctx, uri, starts[path], path), counts[path]) for path in order]
            if first
            else [],
            pager=pager,
            sections=sections,
        )
        generated.meta.update(later_page_meta(pager))
        files.append(generated)
    return files


def _lesson_row(ctx: Context, page: str, lesson: _Lesson) -> tuple[Markup, Markup]:
    """A lesson as HTML, and where it comes from: "INC-…: title, 2024-03-14"."""
    incident = lesson.incident
    link = ctx.incident_a(page, incident.id, title=True)
    source = Markup("{}, {}").format(link, incident.occurred.date().isoformat())
    return ctx.prose_line(lesson.text, page), source


def _label(ctx: Context, path: str) -> str:
    return " ".join(ctx.term_label(path).split())


def _term_href(ctx: Context, page: str, target: str, path: str) -> str:
    """The href from `page` to a term's heading on `target` (a page of the lessons)."""
    return ("" if target == page else ctx.link_href(page, target)) + "#" + _anchor(path)


def _anchor(path: str) -> str:
    return "lessons-" + path.replace("/", "--")

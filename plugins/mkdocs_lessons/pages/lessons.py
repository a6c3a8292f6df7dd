"""Every lesson of every published review, grouped by taxonomy term: `lessons/`.

The reusable knowledge itself, not only the stories: each lesson stands
under the primary term of the review it comes from (the cause it teaches
about), with a link back to that review. Terms follow the taxonomy's file
order; within a term, newest review first.
"""

from __future__ import annotations

from collections import defaultdict

from .. import text
from ..model import Incident
from .common import Context, GeneratedFile, join_blocks
from .figures import index_href, plural


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
    intro = (
        f"{plural(total, 'lesson', 'lessons')} from {plural(reviews, 'review', 'reviews')}, under {plural(len(order), 'taxonomy term', 'taxonomy terms')}. "
        "Each lesson stands under the primary cause of the review it was learned in; follow the link to read the whole story."
    )
    contents = ", ".join(f"[{text.inline(ctx.term_label(p))}](#{_anchor(p)})" for p in order)
    sections = []
    for path in order:
        incidents = ctx.kb.newest_first(grouped[path])
        count = sum(len(i.lessons) for i in incidents)
        heading = f"## {text.inline(ctx.term_label(path))} {{#{_anchor(path)}}}"
        term = ctx.kb.taxonomy.terms.get(path)
        links = [ctx.link(page, ctx.urls.term(path), "About this term")] if term else []
        links.append(f'<a href="{text.attr(index_href(ctx, page, [("term", path)]))}">incidents under it</a>')
        meta = f"*{plural(count, 'lesson', 'lessons')} from {plural(len(incidents), 'review', 'reviews')}* · " + " · ".join(links)
        lines = []
        for incident in incidents:
            source = f"{ctx.incident_link(page, incident.id, title=True)}, {incident.occurred.date().isoformat()}"
            for lesson in incident.lessons:
                lines.append(f"- {ctx.md_line(lesson)}  \n  <small>from {source}</small>")
        sections.append(join_blocks(heading, meta, "\n".join(lines)))
    body = join_blocks("# Lessons", intro, f"**Terms:** {contents}" if order else "No reviewed incident has lessons yet.", *sections)
    return GeneratedFile(page, body, in_nav=True, title="Lessons")


def _anchor(path: str) -> str:
    return "lessons-" + path.replace("/", "--")

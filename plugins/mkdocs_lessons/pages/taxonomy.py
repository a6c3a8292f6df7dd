"""The failure taxonomy: `taxonomy/` and one page per term."""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any, Optional, Sequence

from markupsafe import Markup

from mkdocs_lessons.charts.small import term_charts
from mkdocs_lessons.pages import paging
from mkdocs_lessons.pages.common import Context, GeneratedFile, incident_rows
from mkdocs_lessons.pages.paging import Pager, numbered_pages
from mkdocs_lessons.records.model import Incident, Term

REMEDY_LABELS = {
    "process": "a process fix (stabilise the way work is done)",
    "strategic": "a strategic fix (change direction, design or investment)",
}


def _counts(ctx: Context, path: str) -> tuple[int, int]:
    """(primary, secondary) classifications under a term and its descendants."""
    tally = Counter(c.primary for c in ctx.graph.under_term(path))
    return tally[True], tally[False]


def overview_file(ctx: Context) -> GeneratedFile:
    page = ctx.urls.taxonomy
    taxonomy = ctx.kb.taxonomy
    terms = []
    for term in taxonomy.terms.values():
        primary, secondary = _counts(ctx, term.path)
        terms.append(
            {
                "depth": term.depth,
                "link": ctx.a(page, ctx.urls.term(term.path), term.title),
                "description": ctx.prose_line(term.description, page),
                "remedy": term.remedy or "",
                "primary": primary,
                "secondary": secondary,
            }
        )
    retired = [
        [
            r.path,
            ctx.term_a(page, r.replaced_by) if r.replaced_by in taxonomy.terms else r.replaced_by,
            ctx.prose_line(r.note, page),
        ]
        for r in taxonomy.retired.values()
    ]
    return ctx.page(
        "taxonomy.html",
        page,
        "Taxonomy",
        source=_source(ctx),
        in_nav=True,
        version=taxonomy.version,
        updated=taxonomy.updated.isoformat() if taxonomy.updated else "",
        terms=terms,
        retired=retired,
    )


def term_file(ctx: Context, term: Term) -> list[GeneratedFile]:
    """The term's page and, when its incidents are many, the numbered pages after it (`taxonomy/<path>/page/2/`)."""
    base = ctx.urls.term(term.path)
    incidents, roles = _classified(ctx, term)
    # The term's own name as the title (short titles rank well in search); the
    # facts panel says what a narrower term is part of.
    return numbered_pages(
        ctx,
        "term.html",
        base,
        term.title,
        incidents,
        source=_source(ctx),
        ref=f"taxonomy/{term.path}",
        body=lambda uri, chunk, pager: term_view(ctx, uri, term, chunk, roles, total=len(incidents), pager=pager),
        trends=lambda uri: term_charts(ctx, uri, term),
    )


def _source(ctx: Context):
    doc = ctx.kb.taxonomy.source
    return doc.file if doc else None


def term_body(ctx: Context, page: str, term: Term) -> Markup:
    """A term's first page under its title as HTML, links relative to `page` (printed reading paths reuse it).

    Its first page of incidents only, and a link to the term's page for the rest.
    """
    incidents, roles = _classified(ctx, term)
    shown, more = paging.first_page(ctx, page, incidents, ctx.urls.term(term.path), "term's")
    return Markup(
        ctx.templates.render(
            "partials/term_body.html", body=term_view(ctx, page, term, shown, roles, total=len(incidents), more=more)
        )
    )


def _classified(ctx: Context, term: Term) -> tuple[list[Incident], dict[str, Markup]]:
    """The incidents classified under a term or a narrower one, newest first, and how each is (the "Classified as"
    cell).

    Under `mkdocs serve` one part, kept while what it read holds (a title edit leaves it); by id, not by record.
    """
    ids, roles = ctx.row(("term order", term.path), partial(_classified_ids, ctx, term.path))
    incidents = ctx.kb.incidents
    return [incidents[incident_id] for incident_id in ids], roles


def _classified_ids(ctx: Context, path: str) -> tuple[tuple[str, ...], dict[str, Markup]]:
    classified = ctx.graph.under_term(path)
    roles: dict[str, list[str]] = {}
    for c in classified:
        label = ("primary" if c.primary else "secondary") + ("" if c.term == path else f" ({ctx.term_label(c.term)})")
        roles.setdefault(c.incident.id, []).append(label)
    incidents = {c.incident.id: c.incident for c in classified}
    newest = tuple(incident.id for incident in ctx.kb.newest_first(incidents.values()))
    return newest, {k: Markup.escape(", ".join(v)) for k, v in roles.items()}


def term_view(
    ctx: Context,
    page: str,
    term: Term,
    incidents: Sequence[Incident],
    roles: dict[str, Markup],
    *,
    total: int,
    pager: Optional[Pager] = None,
    more: Optional[Markup] = None,
) -> dict[str, Any]:
    """What `partials/term_body.html` shows of a term on `page`: `incidents` are this page's, newest first.

    A page after the first of a long list (`pager.number` > 1) shows those rows only.
    """
    rows = incident_rows(ctx, page, incidents, classified=roles)
    if pager is not None and pager.number > 1:
        return {
            "first": False,
            "about": ctx.a(page, ctx.urls.term(term.path), ctx.term_label(term.path)),
            "total": total,
            "incidents": rows,
            "pager": pager,
            "more": None,
        }
    taxonomy = ctx.kb.taxonomy
    facts: list[tuple[str, Any]] = []
    if term.parent:
        facts.append(("Part of", ctx.term_a(page, term.parent)))
    remedy = term.remedy or (taxonomy.terms[term.top].remedy if term.top in taxonomy.terms else None)
    if remedy:
        facts.append(("Usual remedy", REMEDY_LABELS.get(remedy, remedy)))
    primary, secondary = _counts(ctx, term.path)
    facts.append(("Incidents", f"{primary} primary, {secondary} secondary"))
    children = []
    for child_path in term.children:
        child = taxonomy.terms[child_path]
        p, s = _counts(ctx, child_path)
        children.append(
            {
                "link": ctx.a(page, ctx.urls.term(child_path), child.title),
                "description": ctx.prose_line(child.description, page),
                "primary": p,
                "secondary": s,
            }
        )
    replaced = [
        {"path": r.path, "note": ctx.prose(r.note, page) if r.note else None}
        for r in taxonomy.retired.values()
        if r.replaced_by == term.path
    ]
    return {
        "first": True,
        "description": ctx.prose(term.description, page) if term.description else None,
        "facts": facts,
        "children": children,
        "replaced": replaced,
        "total": total,
        "incidents": rows,
        "pager": pager,
        "more": more,
    }

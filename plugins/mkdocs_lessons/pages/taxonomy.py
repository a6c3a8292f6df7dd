"""The failure taxonomy: `taxonomy/` and one page per term."""

from __future__ import annotations

from collections import Counter
from typing import Any

from markupsafe import Markup

from ..model import Term
from .banners import path_banners
from .common import Context, GeneratedFile, incident_rows
from .trends import term_trends

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
        [r.path, ctx.term_a(page, r.replaced_by) if r.replaced_by in taxonomy.terms else r.replaced_by, ctx.prose_line(r.note, page)]
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


def term_file(ctx: Context, term: Term) -> GeneratedFile:
    page = ctx.urls.term(term.path)
    # The term's own name as the title (short titles rank well in search); the
    # facts panel says what a narrower term is part of.
    return ctx.page(
        "term.html",
        page,
        term.title,
        source=_source(ctx),
        banners=path_banners(ctx, page, f"taxonomy/{term.path}"),
        body=term_view(ctx, page, term),
        trends=term_trends(ctx, page, term),
    )


def _source(ctx: Context):
    doc = ctx.kb.taxonomy.source
    return doc.file if doc else None


def term_body(ctx: Context, page: str, term: Term) -> Markup:
    """A term's page under its title as HTML, links relative to `page` (printed reading paths reuse it)."""
    return Markup(ctx.templates.render("partials/term_body.html", body=term_view(ctx, page, term)))


def term_view(ctx: Context, page: str, term: Term) -> dict[str, Any]:
    """What `partials/term_body.html` shows of a term on `page`."""
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
        {"path": r.path, "note": ctx.prose(r.note, page) if r.note else None} for r in taxonomy.retired.values() if r.replaced_by == term.path
    ]
    classified = ctx.graph.under_term(term.path)
    roles: dict[str, list[str]] = {}
    for c in classified:
        label = ("primary" if c.primary else "secondary") + ("" if c.term == term.path else f" ({ctx.term_label(c.term)})")
        roles.setdefault(c.incident.id, []).append(label)
    incidents = {c.incident.id: c.incident for c in classified}
    return {
        "description": ctx.prose(term.description, page) if term.description else None,
        "facts": facts,
        "children": children,
        "replaced": replaced,
        "incidents": incident_rows(ctx, page, incidents.values(), classified={k: Markup.escape(", ".join(v)) for k, v in roles.items()}),
    }

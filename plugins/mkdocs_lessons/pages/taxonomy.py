"""The failure taxonomy: `taxonomy/` and one page per term."""

from __future__ import annotations

from collections import Counter

from .. import text
from ..model import Term
from .banners import with_path_banners
from .common import Context, GeneratedFile, bullets, incident_table, join_blocks, section, table
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
    return GeneratedFile(ctx.urls.taxonomy, _overview(ctx), source=_source(ctx), in_nav=True, title="Taxonomy")


def term_file(ctx: Context, term: Term) -> GeneratedFile:
    return GeneratedFile(ctx.urls.term(term.path), _term_page(ctx, term), source=_source(ctx), title=ctx.term_label(term.path))


def _source(ctx: Context):
    doc = ctx.kb.taxonomy.source
    return doc.file if doc else None


def _overview(ctx: Context) -> str:
    page = ctx.urls.taxonomy
    taxonomy = ctx.kb.taxonomy
    intro = (
        f"The words we use for causes. Taxonomy version {taxonomy.version}"
        + (f", updated {taxonomy.updated.isoformat()}" if taxonomy.updated else "")
        + ". Each incident names one primary term and any number of secondary ones; counts include child terms."
    )
    rows = []
    for term in taxonomy.terms.values():
        primary, secondary = _counts(ctx, term.path)
        indent = "&emsp;" * term.depth
        rows.append(
            [
                indent + ctx.link(page, ctx.urls.term(term.path), text.inline(term.title)),
                ctx.md_line(term.description),
                text.inline(term.remedy) if term.remedy else "",
                str(primary),
                str(secondary),
            ]
        )
    retired = [
        [text.inline(r.path), ctx.term_link(page, r.replaced_by) if r.replaced_by in taxonomy.terms else text.inline(r.replaced_by), ctx.md_line(r.note)]
        for r in taxonomy.retired.values()
    ]
    return join_blocks(
        "# Failure taxonomy",
        intro,
        table(["Term", "Description", "Usual remedy", "Primary", "Secondary"], rows),
        section("Retired terms", "Records may no longer use these; validation names the replacement.\n\n" + table(["Retired term", "Use instead", "Why"], retired)) if retired else "",
    )


def _term_page(ctx: Context, term: Term) -> str:
    page = ctx.urls.term(term.path)
    # The term's own name as the title (short titles rank well in search); the
    # facts panel says what a narrower term is part of.
    body = join_blocks(f"# {text.inline(term.title)}", term_body(ctx, page, term), term_trends(ctx, page, term))
    return with_path_banners(ctx, page, f"taxonomy/{term.path}", body)


def term_body(ctx: Context, page: str, term: Term) -> str:
    """A term's page under its title, links relative to `page` (printed reading paths reuse it)."""
    taxonomy = ctx.kb.taxonomy
    facts = []
    if term.parent:
        facts.append(["Part of", ctx.term_link(page, term.parent)])
    remedy = term.remedy or (taxonomy.terms[term.top].remedy if term.top in taxonomy.terms else None)
    if remedy:
        facts.append(["Usual remedy", REMEDY_LABELS.get(remedy, remedy)])
    primary, secondary = _counts(ctx, term.path)
    facts.append(["Incidents", f"{primary} primary, {secondary} secondary"])
    children = []
    for child_path in term.children:
        child = taxonomy.terms[child_path]
        p, s = _counts(ctx, child_path)
        children.append(f"{ctx.link(page, ctx.urls.term(child_path), text.inline(child.title))}: {ctx.md_line(child.description)} ({p} primary, {s} secondary)")
    replaced = [r for r in taxonomy.retired.values() if r.replaced_by == term.path]
    classified = ctx.graph.under_term(term.path)
    roles: dict[str, list[str]] = {}
    for c in classified:
        label = ("primary" if c.primary else "secondary") + ("" if c.term == term.path else f" ({text.inline(ctx.term_label(c.term))})")
        roles.setdefault(c.incident.id, []).append(label)
    incidents = {c.incident.id: c.incident for c in classified}
    return join_blocks(
        ctx.md(term.description),
        '<div class="lessons-facts" markdown>\n\n' + table(["Fact", "Value"], facts) + "\n\n</div>",
        section("Narrower terms", bullets(children)) if children else "",
        section(
            "Replaces retired terms",
            "\n\n".join(f"### {text.inline(r.path)} (retired)\n\n" + (ctx.md(r.note) if r.note else "Use this term instead.") for r in replaced),
        )
        if replaced
        else "",
        section(
            f"Incidents ({len(incidents)})",
            incident_table(ctx, page, incidents.values(), extra={k: ", ".join(v) for k, v in roles.items()}) if incidents else "No published incident is classified here yet.",
        ),
    )

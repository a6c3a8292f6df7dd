"""Search helpers: Pagefind filter markup on record pages and the Pagefind search page.

With `search: pagefind`, each record page carries its facets as Pagefind
filters (the same facets as the incident index), and `search/` hosts
Pagefind's UI, styled by lessons.css to fit Material.
"""

from __future__ import annotations

from .. import text
from ..model import KIND_LABELS, Incident
from .common import Context, GeneratedFile


def _filter(name: str, value: str) -> str:
    # Empty elements: the filter value lives in the attribute, so no text is indexed twice.
    return f'<span data-pagefind-filter="{text.attr(name)}:{text.attr(value)}"></span>'


def incident_filters(ctx: Context, incident: Incident) -> str:
    """Hidden Pagefind filter markup for an incident page ("" unless Pagefind is on)."""
    if not ctx.pagefind:
        return ""
    spans = [_filter("section", "Incidents"), _filter("kind", KIND_LABELS.get(incident.kind, incident.kind)), _filter("status", incident.status)]
    if incident.severity:
        spans.append(_filter("severity", incident.severity))
    if incident.failure_type:
        spans.append(_filter("failure type", incident.failure_type))
    seen: set[str] = set()
    for path in incident.terms:
        parts = path.split("/")
        for depth in range(len(parts)):
            prefix = "/".join(parts[: depth + 1])
            if prefix not in seen:
                seen.add(prefix)
                spans.append(_filter("failure class", ctx.term_label(prefix)))
    for team in incident.teams:
        spans.append(_filter("team", ctx.kb.teams[team].title if team in ctx.kb.teams else team))
    spans.append(_filter("year", str(incident.year)))
    for tag in incident.tags:
        spans.append(_filter("tag", tag))
    meta = f'<span data-pagefind-meta="date:{incident.occurred.date().isoformat()}"></span>'
    sort = f'<span data-pagefind-sort="date:{incident.occurred.isoformat()}"></span>'
    return '<div class="lessons-pagefind-filters" hidden>' + "".join(spans) + meta + sort + "</div>"


def section_filter(ctx: Context, section: str) -> str:
    """The one Pagefind filter of a non-incident page: which part of the knowledge base it is."""
    if not ctx.pagefind:
        return ""
    return f'<div class="lessons-pagefind-filters" hidden>{_filter("section", section)}</div>'


def render_search_page(ctx: Context) -> GeneratedFile:
    page = ctx.urls.search
    return ctx.page(
        "search.html",
        page,
        "Search",
        in_nav=True,
        # Pagefind's bundle: the script resolves `data-bundle` against the address bar.
        bundle=ctx.href(page, ctx.urls.pagefind_dir),
        index=ctx.a(page, ctx.urls.incidents, "incident index"),
    )


def _boost(ctx: Context, relative: str) -> float:
    """How strongly Material's search should prefer a page (1 is neutral).

    A record's own page must come before the aggregate pages that merely list
    it (every incident title is on the index, the archive, team pages...), and
    an SOP's main page before its superseded versions.
    """
    parts = relative[:-3].split("/")  # without ".md"
    if parts == ["index"] or parts[-1] == "index" and len(parts) == 2:
        return 0.2  # home, incidents/, sops/, taxonomy/ overview, teams/, paths/, dashboard/, actions/...
    if parts[0] == "incidents" and len(parts) == 3 and parts[1].isdigit():
        return 0.2  # the year archive
    if parts[0] == "sops" and len(parts) == 3:
        sop = ctx.kb.sops.get(parts[1])
        if parts[2] == "index":
            return 2.0
        current = sop.current if sop else None
        return 1.0 if current is not None and parts[2] == f"v{current.version}" else 0.3
    if parts[0] == "taxonomy":
        return 1.5
    if parts[0] == "teams" and len(parts) == 2:
        return 3.0
    if parts[0] == "paths" and len(parts) >= 3 and parts[-1] == "index":
        return 2.0
    return 1.0


def apply_search_boosts(ctx: Context, files: list[GeneratedFile]) -> None:
    """Front matter `search:` on generated pages (read by Material's search plugin): a boost, or out of the index."""
    for file in files:
        if not file.src_uri.endswith(".md") or not isinstance(file.content, str) or not file.html:
            continue
        if "search" in file.meta:  # the page chose already (e.g. out of search: a later page of a long list)
            continue
        boost = _boost(ctx, file.src_uri[len(ctx.urls.prefix) :])
        if boost != 1.0:
            file.meta["search"] = {"boost": boost}

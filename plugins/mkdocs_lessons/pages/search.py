"""Search markup: what Pagefind indexes of a page, the record facts it shows, and the Pagefind search page.

With `search: pagefind` (the default), each record page carries:
- its facets as Pagefind filters (the same facets as the incident index);
- its preview text (an incident's summary, an SOP's purpose) as the
  `summary` meta, which the header's search box shows under the title;
- its `keywords:` and the site's synonyms it matches (search/words.py),
  as hidden text weighted like a title.
Pages that only list other records (the home page, indexes, archives, the
dashboard) stay out of the index, so a record is found on its own page
and nowhere else. `search/` hosts Pagefind's UI with filters.
"""

from __future__ import annotations

from markupsafe import escape

from mkdocs_lessons import text
from mkdocs_lessons.pages.common import Context, GeneratedFile
from mkdocs_lessons.records.model import KIND_LABELS, Incident, Sop
from mkdocs_lessons.search import words as search_words

#: How strongly a record's `keywords:` count (Pagefind's scale: body text 1, an h1 7): its authors chose them.
KEYWORD_WEIGHT = 7
#: How strongly the site's synonyms count on a record: a guess from its words, so less than a keyword.
SYNONYM_WEIGHT = 2


def _filter(name: str, value: str) -> str:
    # Empty elements: the filter value lives in the attribute, so no text is indexed twice.
    return f'<span data-pagefind-filter="{text.attr(name)}:{text.attr(value)}"></span>'


def incident_filters(ctx: Context, incident: Incident) -> str:
    """Hidden Pagefind filter markup for an incident page ("" unless Pagefind is on)."""
    if not ctx.pagefind:
        return ""
    spans = [
        _filter("section", "Incidents"),
        _filter("kind", KIND_LABELS.get(incident.kind, incident.kind)),
        _filter("status", incident.status),
    ]
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
    texts = [
        incident.title,
        incident.summary,
        incident.root_cause.cause if incident.root_cause else "",
        *incident.lessons,
        *incident.tags,
    ]
    terms = _terms(ctx, incident.id, incident.summary, texts, incident.keywords)
    return '<div class="lessons-pagefind-filters" hidden>' + "".join(spans) + meta + sort + terms + "</div>"


def sop_filters(ctx: Context, sop: Sop) -> str:
    """Hidden Pagefind markup of an SOP's page: its section, its purpose as the preview, its keywords."""
    if not ctx.pagefind:
        return ""
    current = sop.current or (sop.versions[-1] if sop.versions else None)
    purpose = current.purpose if current else sop.summary
    texts = [sop.title, sop.summary, purpose, *sop.tags]
    return (
        '<div class="lessons-pagefind-filters" hidden>'
        + _filter("section", "Procedures")
        + _terms(ctx, sop.id, purpose, texts, sop.keywords)
        + "</div>"
    )


def sop_version_filters(ctx: Context, sop: Sop, version: int) -> str:
    """Hidden Pagefind markup of an SOP version's page: its id as readers write it (SOP-007@2)."""
    if not ctx.pagefind:
        return ""
    words = f'<p data-pagefind-weight="{KEYWORD_WEIGHT}">{escape(f"{sop.id}@{version}")}</p>'
    return '<div class="lessons-pagefind-filters" hidden>' + _filter("section", "Procedures") + words + "</div>"


def _terms(ctx: Context, record_id: str, preview: str, texts: list[str], keywords: list[str]) -> str:
    """The preview as Pagefind meta (not indexed again), and keywords plus matching synonyms as weighted words."""
    synonyms = search_words.expansions([*texts, *keywords], ctx.search_synonyms)
    # The element's text is the meta value; `data-pagefind-ignore` keeps it
    # out of the word index (the summary is indexed where the page shows it).
    summary = f'<p data-pagefind-meta="summary" data-pagefind-ignore>{escape(search_words.plain(preview))}</p>'
    words = f'<p data-pagefind-weight="{KEYWORD_WEIGHT}">{escape(" ".join([record_id, *keywords]))}</p>'
    if synonyms:
        words += f'<p data-pagefind-weight="{SYNONYM_WEIGHT}">{escape(" ".join(synonyms))}</p>'
    return summary + words


def section_filter(ctx: Context, section: str, words: str = "") -> str:
    """The one Pagefind filter of a non-record page (which part of the knowledge base it is), and words it is
    found by.
    """
    if not ctx.pagefind:
        return ""
    found_by = f'<p data-pagefind-weight="{KEYWORD_WEIGHT}">{escape(words)}</p>' if words else ""
    return f'<div class="lessons-pagefind-filters" hidden>{_filter("section", section)}{found_by}</div>'


def render_vocabulary(ctx: Context) -> GeneratedFile:
    """`search/words.json`: the records' words, for correcting a misspelled query (fetched only when a query finds
    nothing).
    """
    texts: list[str] = []
    for incident in ctx.kb.published_incidents:
        texts += [
            incident.title,
            incident.summary,
            incident.root_cause.cause if incident.root_cause else "",
            *incident.lessons,
            *incident.tags,
            *incident.keywords,
        ]
    for sop in ctx.kb.sops.values():
        texts += [sop.title, sop.summary, *(v.purpose for v in sop.versions), *sop.tags, *sop.keywords]
    texts += [term.title for term in ctx.kb.taxonomy.terms.values()]
    texts += [team.title for team in ctx.kb.teams.values()]
    for word, others in ctx.search_synonyms.items():
        texts += [word, *others]
    return GeneratedFile(ctx.urls.search_words, search_words.vocabulary(texts))


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


def _pagefind_skips(ctx: Context, relative: str) -> bool:
    """Pages Pagefind leaves out: they only list records (or figures about them) found on their own pages."""
    parts = relative[:-3].split("/")  # without ".md"
    if parts[0] == "search":
        return True
    if parts == ["index"] or parts[0] in ("dashboard", "actions", "lessons", "updated", "trends", "renewal"):
        return True  # the home page, figures, backlogs, lists of lessons, the renewal agenda
    if (
        parts[-1] == "index"
        and len(parts) == 2
        and parts[0] in ("incidents", "sops", "taxonomy", "teams", "paths", "sessions", "indicators")
    ):
        return True  # the lists of every record of a kind
    if parts[0] == "incidents" and len(parts) == 3 and parts[1].isdigit():
        return True  # a year's archive
    if parts[0] in ("taxonomy", "teams") and len(parts) >= 3 and parts[-1] == "index" and parts[-2].isdigit():
        return True  # page 2, 3... of a term's or team's incidents
    if parts[0] == "paths" and parts[-1] == "print":
        return True  # a printable path repeats every step's page
    return False


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
    if parts[0] == "sessions":
        return 0.5  # a session repeats the words of the records it discussed: they come first
    return 1.0


def apply_search_boosts(ctx: Context, files: list[GeneratedFile]) -> None:
    """Front matter `search:` on generated pages (read by Material's search plugin): a boost, or out of the index."""
    for file in files:
        if not file.src_uri.endswith(".md") or not isinstance(file.content, str) or not file.html:
            continue
        if "search" in file.meta:  # the page chose already (e.g. out of search: a later page of a long list)
            continue
        relative = file.src_uri[len(ctx.urls.prefix) :]
        if ctx.pagefind:
            if _pagefind_skips(ctx, relative):
                file.meta["search"] = {"exclude": True}
            continue
        boost = _boost(ctx, relative)
        if boost != 1.0:
            file.meta["search"] = {"boost": boost}

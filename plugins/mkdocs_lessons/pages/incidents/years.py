"""The time archive: `incidents/<year>/`, every published review of one year."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import partial

from markupsafe import Markup

from mkdocs_lessons.pages.common import Context, GeneratedFile, incident_rows, kind_counts
from mkdocs_lessons.pages.paging import later_page_meta, page_title, paged
from mkdocs_lessons.records.model import Incident, quarter_of


def by_year(ctx: Context) -> dict[int, list[Incident]]:
    """The published incidents of each year, the years in order."""
    found: dict[int, list[Incident]] = defaultdict(list)
    for incident in ctx.kb.published_incidents:
        found[incident.year].append(incident)
    return {year: found[year] for year in sorted(found)}


def year_file(ctx: Context, years: Iterable[int], year: int) -> list[GeneratedFile]:
    """One year's pages; they read that year's incidents and which years there are (`years`, in order: its
    neighbours).

    Newest first under a heading per quarter; a long year continues on
    numbered pages (`incidents/2024/page/2/`), a quarter that runs over a
    page break taking its heading again ("continued"). The first page lists
    the quarters with the page each starts on.
    """
    order = list(years)
    index = order.index(year)
    base = ctx.urls.year(year)
    incidents = _newest_first(ctx, year)
    quarter_counts = Counter(quarter_of(incident.occurred) for incident in incidents)
    pages = paged(ctx, base, incidents)
    starts: dict[str, str] = {}  # quarter -> the src_uri of the page it starts on
    for uri, chunk, _ in pages:
        for incident in chunk:
            starts.setdefault(quarter_of(incident.occurred), uri)
    summary = kind_counts(incidents)  # once, not once a page: it reads every incident of the year
    files = []
    for uri, chunk, pager in pages:
        by_quarter: dict[str, list[Incident]] = defaultdict(list)
        for incident in chunk:
            by_quarter[quarter_of(incident.occurred)].append(incident)
        quarters = [
            {
                "quarter": quarter,
                "anchor": quarter.lower(),
                "count": quarter_counts[quarter],
                "continued": starts[quarter] != uri,
                "rows": incident_rows(ctx, uri, rows),
            }
            for quarter, rows in by_quarter.items()  # newest first, as the incidents
        ]
        first = pager.number == 1
        generated = ctx.page(
            "year.html",
            uri,
            page_title(f"Incidents in {year}", pager),
            numbered=pager.total > 1,
            count=len(incidents),
            summary=summary,
            previous=ctx.a(uri, ctx.urls.year(order[index - 1]), str(order[index - 1])) if index > 0 else None,
            all=ctx.a(uri, ctx.urls.incidents, "all incidents"),
            following=ctx.a(uri, ctx.urls.year(order[index + 1]), str(order[index + 1]))
            if index + 1 < len(order)
            else None,
            # Where each quarter starts, when the year runs over several pages.
            contents=[(_quarter_link(ctx, uri, starts[q], q), quarter_counts[q]) for q in quarter_counts]
            if first and pager.total > 1
            else [],
            pager=pager,
            quarters=quarters,
        )
        generated.meta.update(later_page_meta(pager))
        files.append(generated)
    return files


def _newest_first(ctx: Context, year: int) -> list[Incident]:
    """The year's incidents, newest first: under `mkdocs serve` one part (by id), kept while what it read holds."""
    ids = ctx.row(("year order", year), partial(_newest_ids, ctx, year))
    incidents = ctx.kb.incidents
    return [incidents[incident_id] for incident_id in ids]


def _newest_ids(ctx: Context, year: int) -> tuple[str, ...]:
    return tuple(i.id for i in ctx.kb.newest_first(i for i in ctx.kb.published_incidents if i.year == year))


def _quarter_link(ctx: Context, page: str, target: str, quarter: str) -> Markup:
    """A link from `page` to where `quarter` starts: its heading on `target`, a page of the same year."""
    href = "" if target == page else ctx.link_href(page, target)
    return Markup('<a href="{}#{}">{}</a>').format(href, quarter.lower(), quarter)

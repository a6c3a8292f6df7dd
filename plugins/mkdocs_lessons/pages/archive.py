"""The time archive: `incidents/<year>/`, every published review of one year."""

from __future__ import annotations

from collections import defaultdict

from ..model import Incident, quarter_of
from .common import kind_counts, Context, GeneratedFile, incident_rows


def by_year(ctx: Context) -> dict[int, list[Incident]]:
    """The published incidents of each year, the years in order."""
    found: dict[int, list[Incident]] = defaultdict(list)
    for incident in ctx.kb.published_incidents:
        found[incident.year].append(incident)
    return {year: found[year] for year in sorted(found)}


def year_file(ctx: Context, years: dict[int, list[Incident]], year: int) -> GeneratedFile:
    """One year's page; it reads that year's incidents and which years there are (its neighbours)."""
    order = list(years)
    index = order.index(year)
    page = ctx.urls.year(year)
    incidents = years[year]
    by_quarter: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_quarter[quarter_of(incident.occurred)].append(incident)
    return ctx.page(
        "year.html",
        page,
        f"Incidents in {year}",
        count=len(incidents),
        summary=kind_counts(incidents),
        previous=ctx.a(page, ctx.urls.year(order[index - 1]), str(order[index - 1])) if index > 0 else None,
        all=ctx.a(page, ctx.urls.incidents, "all incidents"),
        following=ctx.a(page, ctx.urls.year(order[index + 1]), str(order[index + 1])) if index + 1 < len(order) else None,
        quarters=[(quarter, incident_rows(ctx, page, by_quarter[quarter])) for quarter in sorted(by_quarter, reverse=True)],
    )

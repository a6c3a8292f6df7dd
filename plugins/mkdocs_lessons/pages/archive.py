"""The time archive: `incidents/<year>/`, every published review of one year."""

from __future__ import annotations

from collections import defaultdict

from ..model import Incident, quarter_of
from .common import kind_counts, Context, GeneratedFile, incident_table, join_blocks, section


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
    summary = kind_counts(incidents)
    neighbours = []
    if index > 0:
        neighbours.append("← " + ctx.link(page, ctx.urls.year(order[index - 1]), str(order[index - 1])))
    neighbours.append(ctx.link(page, ctx.urls.incidents, "all incidents"))
    if index + 1 < len(order):
        neighbours.append(ctx.link(page, ctx.urls.year(order[index + 1]), str(order[index + 1])) + " →")
    by_quarter: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_quarter[quarter_of(incident.occurred)].append(incident)
    quarters = [section(f"{q} ({len(by_quarter[q])})", incident_table(ctx, page, by_quarter[q])) for q in sorted(by_quarter, reverse=True)]
    return GeneratedFile(
        page,
        join_blocks(f"# Incidents in {year}", f"{len(incidents)} reviews: {summary}.", " · ".join(neighbours), *quarters),
        title=f"Incidents in {year}",
    )

"""The time archive: `incidents/<year>/`, every published review of one year."""

from __future__ import annotations

from collections import defaultdict

from ..model import Incident, quarter_of
from .common import kind_counts, Context, GeneratedFile, incident_table, join_blocks, section


def render_archive(ctx: Context) -> list[GeneratedFile]:
    by_year: dict[int, list[Incident]] = defaultdict(list)
    for incident in ctx.kb.published_incidents:
        by_year[incident.year].append(incident)
    years = sorted(by_year)
    files = []
    for index, year in enumerate(years):
        page = ctx.urls.year(year)
        incidents = by_year[year]
        summary = kind_counts(incidents)
        neighbours = []
        if index > 0:
            neighbours.append("← " + ctx.link(page, ctx.urls.year(years[index - 1]), str(years[index - 1])))
        neighbours.append(ctx.link(page, ctx.urls.incidents, "all incidents"))
        if index + 1 < len(years):
            neighbours.append(ctx.link(page, ctx.urls.year(years[index + 1]), str(years[index + 1])) + " →")
        by_quarter: dict[str, list[Incident]] = defaultdict(list)
        for incident in incidents:
            by_quarter[quarter_of(incident.occurred)].append(incident)
        quarters = [section(f"{q} ({len(by_quarter[q])})", incident_table(ctx, page, by_quarter[q])) for q in sorted(by_quarter, reverse=True)]
        files.append(
            GeneratedFile(
                page,
                join_blocks(f"# Incidents in {year}", f"{len(incidents)} reviews: {summary}.", " · ".join(neighbours), *quarters),
                title=f"Incidents in {year}",
            )
        )
    return files

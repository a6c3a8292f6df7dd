"""The time archive: `incidents/<year>/`, every published review of one year."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..model import INCIDENT_KINDS, KIND_LABELS, Incident, quarter_of
from .common import Context, GeneratedFile, incident_table, join_blocks, section


def render_archive(ctx: Context) -> list[GeneratedFile]:
    by_year: dict[int, list[Incident]] = defaultdict(list)
    for incident in ctx.kb.published_incidents:
        by_year[incident.year].append(incident)
    years = sorted(by_year)
    files = []
    for index, year in enumerate(years):
        page = ctx.urls.year(year)
        incidents = by_year[year]
        kinds = Counter(i.kind for i in incidents)
        summary = ", ".join(f"{kinds[k]} {KIND_LABELS[k].lower()}{'s' if kinds[k] != 1 else ''}" for k in INCIDENT_KINDS if kinds[k])
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

"""The incident index `incidents/`: a faceted browser over every published review.

The page is complete without JavaScript: a table of every incident, newest
first. `assets/incidents.js` turns it into a faceted browser (filters with
counts, a text filter, sortable columns) whose state lives in the URL query,
so a filtered view can be shared and the dashboard can link into it:

    incidents/?term=design-flaw&quarter=2024-Q1&team=payments&q=checkout

Every row carries its facets as `data-*` attributes; the facet panel is
rendered here, at build time, so the lists are complete and stable. The
page grows with every incident, so a row carries nothing twice: no empty
attributes, its own terms only (the script adds the broader ones, as
`Incident.under_terms` does), no year or quarter (the script reads them off
`data-date`, the timestamp as written, as `Incident.year` and `quarter_of`
do) and no copy of what a cell already shows (the script sorts the title
column by its cell and the date column by `data-date`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from markupsafe import Markup

from ..model import INCIDENT_KINDS, KIND_LABELS, SEVERITIES, STATUSES, Incident, natural_key, quarter_of
from .common import Context, GeneratedFile, kind_counts

FAILURE_TYPES = ("process", "outcome")


@dataclass(frozen=True)
class Facet:
    key: str  # URL query key and data attribute suffix
    label: str
    values: Callable[[Incident], list[str]]
    # What a row's data attribute holds, when less than `values` (the script derives the rest).
    row: Optional[Callable[[Incident], list[str]]] = None


def _own_terms(incident: Incident) -> list[str]:
    """The incident's terms without those another of them lies under (`a` beside `a/b`)."""
    terms = list(dict.fromkeys(incident.terms))
    return [t for t in terms if not any(o.startswith(t + "/") for o in terms)]


def _from_date(incident: Incident) -> list[str]:
    """Nothing: incidents.js reads the year and the quarter off the row's `data-date`."""
    return []


FACETS = (
    Facet("kind", "Kind", lambda i: [i.kind]),
    Facet("severity", "Severity", lambda i: [i.severity] if i.severity else []),
    Facet("status", "Status", lambda i: [i.status]),
    Facet("failure_type", "Failure type", lambda i: [i.failure_type] if i.failure_type else []),
    # A term matches everything under it; rows carry their own terms, incidents.js adds the broader ones.
    Facet("term", "Failure class", lambda i: list(i.under_terms), row=_own_terms),
    Facet("team", "Team", lambda i: list(i.teams)),
    Facet("year", "Year", lambda i: [str(i.year)], row=_from_date),
    Facet("tag", "Tag", lambda i: list(i.tags)),
)
# Filters that links may set but that get no checkbox list (the heat map's period).
HIDDEN_FILTERS = (Facet("quarter", "Quarter", lambda i: [quarter_of(i.occurred)], row=_from_date),)

COLUMNS = (("date", "Date"), ("id", "Id"), ("title", "Title"), ("kind", "Kind"), ("severity", "Severity"), ("status", "Status"), ("teams", "Teams"), ("term", "Primary cause"))


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One incident of the index table, as `incident_index.html` shows it."""

    id: str
    occurred: str  # the full timestamp: `data-date`, what the date column sorts by
    data: list[tuple[str, str]]  # (data attribute suffix, space-separated values); empty ones left out
    date: str
    link: Markup
    title: str
    kind: str
    severity: str
    severity_rank: int
    status: str
    status_rank: int
    teams: Markup
    term: Markup


@dataclass(frozen=True)
class FacetGroup:
    """One fieldset of the facet panel: `values` are (value, label, count, depth) in display order."""

    key: str
    label: str
    long: bool
    values: list[tuple[str, str, int, int]]


def _ordered(ctx: Context, facet: Facet, counts: Counter[str]) -> list[str]:
    fixed = {"kind": INCIDENT_KINDS, "severity": SEVERITIES, "status": STATUSES, "failure_type": FAILURE_TYPES}
    if facet.key in fixed:
        return [v for v in fixed[facet.key] if counts[v]]
    if facet.key == "term":
        return [p for p in ctx.kb.taxonomy.terms if counts[p]]  # taxonomy order, parents before children
    if facet.key == "team":
        return [t for t in ctx.kb.teams if counts[t]]
    if facet.key == "year":
        return sorted(counts, reverse=True)
    return sorted(counts, key=natural_key)


def _value_label(ctx: Context, facet: Facet, value: str) -> str:
    if facet.key == "kind":
        return KIND_LABELS.get(value, value)
    if facet.key == "term":
        term = ctx.kb.taxonomy.terms.get(value)
        return term.title if term else value
    if facet.key == "team":
        team = ctx.kb.teams.get(value)
        return team.title if team else value
    return value


def _facet_groups(ctx: Context, incidents: list[Incident]) -> list[FacetGroup]:
    groups = []
    for facet in FACETS:
        counts: Counter[str] = Counter(v for i in incidents for v in facet.values(i))
        if not counts:
            continue
        values = [
            (value, _value_label(ctx, facet, value), counts[value], value.count("/") if facet.key == "term" else 0)
            for value in _ordered(ctx, facet, counts)
        ]
        groups.append(FacetGroup(facet.key, facet.label, len(values) > 8, values))
    return groups


_ROW_FACETS = tuple((f.key.replace("_", "-"), f.row or f.values) for f in (*FACETS, *HIDDEN_FILTERS))


def _rows(ctx: Context, page: str, incidents: list[Incident]) -> list[IndexRow]:
    rows = []
    urls = ctx.urls
    # A few teams and terms recur on every row: each cell is made once for this page.
    teams: dict[tuple[str, ...], Markup] = {}
    terms: dict[str, Markup] = {}
    for incident in incidents:
        team_ids = tuple(incident.teams)
        team_cell = teams.get(team_ids)
        if team_cell is None:
            team_cell = teams[team_ids] = ctx.teams_html(page, team_ids)
        term_cell = terms.get(incident.primary)
        if term_cell is None:
            term_cell = terms[incident.primary] = ctx.a(page, urls.term(incident.primary), ctx.term_label(incident.primary))
        data = []
        for name, values in _ROW_FACETS:
            value = " ".join(values(incident))
            if value:
                data.append((name, value))
        rows.append(
            IndexRow(
                incident.id,
                incident.occurred.isoformat(),
                data,
                incident.occurred.date().isoformat(),
                ctx.a(page, urls.incident(incident.id), incident.id),
                incident.title,
                KIND_LABELS.get(incident.kind, incident.kind),
                incident.severity or "–",
                SEVERITIES.index(incident.severity) if incident.severity in SEVERITIES else 9,
                incident.status,
                STATUSES.index(incident.status),
                team_cell,
                term_cell,
            )
        )
    return rows


def render_incident_index(ctx: Context) -> GeneratedFile:
    page = ctx.urls.incidents
    incidents = ctx.kb.newest_first(ctx.kb.published_incidents)
    years = sorted({i.year for i in incidents}, reverse=True)
    view: dict[str, Any] = {
        "total": len(incidents),
        "summary": kind_counts(incidents),
        "years": [ctx.a(page, ctx.urls.year(y), str(y)) for y in years],
        "columns": COLUMNS,
        "facets": _facet_groups(ctx, incidents) if incidents else [],
        "rows": _rows(ctx, page, incidents),
    }
    file = ctx.page("incident_index.html", page, "Incidents", in_nav=True, **view)
    # The table needs the width: no table of contents beside it (the page has no sections).
    file.meta["hide"] = ["toc"]
    return file


def facet_values(incidents: Iterable[Incident], key: str) -> Counter[str]:
    """How many incidents carry each value of a facet (used by tests and metrics)."""
    facet = next(f for f in (*FACETS, *HIDDEN_FILTERS) if f.key == key)
    return Counter(v for i in incidents for v in facet.values(i))

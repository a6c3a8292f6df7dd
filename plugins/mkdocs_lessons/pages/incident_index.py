"""The incident index `incidents/`: a faceted browser over every published review.

The page is complete without JavaScript: a table of every incident, newest
first. `assets/incidents.js` turns it into a faceted browser (filters with
counts, a text filter, sortable columns) whose state lives in the URL query,
so a filtered view can be shared and the dashboard can link into it:

    incidents/?term=design-flaw&quarter=2024-Q1&team=payments&q=checkout

Every row carries its facets as `data-*` attributes; the facet panel is
rendered here, at build time, so the lists are complete and stable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from .. import text
from ..model import INCIDENT_KINDS, KIND_LABELS, SEVERITIES, STATUSES, Incident, natural_key, quarter_of
from .common import kind_counts, Context, GeneratedFile, join_blocks

FAILURE_TYPES = ("process", "outcome")


@dataclass(frozen=True)
class Facet:
    key: str  # URL query key and data attribute suffix
    label: str
    values: Callable[[Incident], list[str]]


FACETS = (
    Facet("kind", "Kind", lambda i: [i.kind]),
    Facet("severity", "Severity", lambda i: [i.severity] if i.severity else []),
    Facet("status", "Status", lambda i: [i.status]),
    Facet("failure_type", "Failure type", lambda i: [i.failure_type] if i.failure_type else []),
    Facet("term", "Failure class", lambda i: list(i.under_terms)),  # a term matches everything under it
    Facet("team", "Team", lambda i: list(i.teams)),
    Facet("year", "Year", lambda i: [str(i.year)]),
    Facet("tag", "Tag", lambda i: list(i.tags)),
)
# Filters that links may set but that get no checkbox list (the heat map's period).
HIDDEN_FILTERS = (Facet("quarter", "Quarter", lambda i: [quarter_of(i.occurred)]),)


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


def _facet_panel(ctx: Context, incidents: list[Incident]) -> str:
    groups = []
    for facet in FACETS:
        counts: Counter[str] = Counter(v for i in incidents for v in facet.values(i))
        if not counts:
            continue
        items = []
        for value in _ordered(ctx, facet, counts):
            depth = value.count("/") if facet.key == "term" else 0
            items.append(
                f'<li class="lessons-facet__value" style="--depth:{depth}"><label>'
                f'<input type="checkbox" name="{facet.key}" value="{text.attr(value)}"> '
                f"<span>{text.attr(_value_label(ctx, facet, value))}</span> "
                f'<span class="lessons-facet__count" data-count-for="{facet.key}={text.attr(value)}">{counts[value]}</span>'
                "</label></li>"
            )
        many = " lessons-facet--long" if len(items) > 8 else ""
        groups.append(
            f'<fieldset class="lessons-facet{many}" data-facet="{facet.key}"><legend>{facet.label}</legend>'
            f'<ul>{"".join(items)}</ul></fieldset>'
        )
    return (
        '<form class="lessons-facets" data-lessons-facets hidden role="search" aria-label="Filter incidents">'
        '<div class="lessons-facets__search"><label for="lessons-q">Filter by text</label> '
        '<input id="lessons-q" type="search" name="q" placeholder="id, title, team, term, tag…" autocomplete="off"></div>'
        '<div class="lessons-facets__active" data-lessons-active></div>'
        f'<div class="lessons-facets__groups">{"".join(groups)}</div>'
        "</form>"
    )


def _row(ctx: Context, page: str, incident: Incident) -> str:
    attrs = {
        "data-id": incident.id,
        "data-date": incident.occurred.isoformat(),
        "data-title": incident.title,
    }
    for facet in (*FACETS, *HIDDEN_FILTERS):
        attrs[f"data-{facet.key.replace('_', '-')}"] = " ".join(facet.values(incident))
    attributes = " ".join(f'{k}="{text.attr(v)}"' for k, v in attrs.items())
    teams = ", ".join(
        f'<a href="{ctx.href(page, ctx.urls.team(t))}">{text.attr(ctx.kb.teams[t].title if t in ctx.kb.teams else t)}</a>' for t in incident.teams
    )
    term = f'<a href="{ctx.href(page, ctx.urls.term(incident.primary))}">{text.attr(ctx.term_label(incident.primary))}</a>'
    severity = incident.severity or "–"
    return (
        f"<tr {attributes}>"
        f'<td data-sort="{text.attr(incident.occurred.isoformat())}">{incident.occurred.date().isoformat()}</td>'
        f'<td><a href="{ctx.href(page, ctx.urls.incident(incident.id))}">{text.attr(incident.id)}</a></td>'
        f"<td>{text.attr(incident.title)}</td>"
        f"<td>{text.attr(KIND_LABELS.get(incident.kind, incident.kind))}</td>"
        f'<td data-sort="{SEVERITIES.index(incident.severity) if incident.severity in SEVERITIES else 9}">{severity}</td>'
        f'<td data-sort="{STATUSES.index(incident.status)}">{text.attr(incident.status)}</td>'
        f"<td>{teams}</td>"
        f"<td>{term}</td>"
        "</tr>"
    )


COLUMNS = (("date", "Date"), ("id", "Id"), ("title", "Title"), ("kind", "Kind"), ("severity", "Severity"), ("status", "Status"), ("teams", "Teams"), ("term", "Primary cause"))


def render_incident_index(ctx: Context) -> GeneratedFile:
    page = ctx.urls.incidents
    incidents = ctx.kb.newest_first(ctx.kb.published_incidents)
    summary = kind_counts(incidents)
    years = sorted({i.year for i in incidents}, reverse=True)
    archive = "By year: " + " · ".join(ctx.link(page, ctx.urls.year(y), str(y)) for y in years) if years else ""
    head = "".join(
        f'<th scope="col" data-column="{key}"><button type="button" class="lessons-sort" data-sort-key="{key}">{label}</button></th>'
        for key, label in COLUMNS
    )
    rows = "".join([_row(ctx, page, i) for i in incidents])
    table = (
        f'<div class="lessons-index" data-lessons-index data-total="{len(incidents)}">\n'
        f"{_facet_panel(ctx, incidents)}"
        f'<p class="lessons-index__status" data-lessons-status aria-live="polite">{len(incidents)} reviews, newest first.</p>'
        f'<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table class="lessons-index__table">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></div>"
        '<p class="lessons-index__empty" data-lessons-empty hidden>No review matches these filters.</p>'
        "\n</div>"
    )
    return GeneratedFile(
        page,
        # The table needs the width: no table of contents beside it (the page has no sections).
        "---\nhide:\n  - toc\n---\n\n"
        + join_blocks(
            "# Incidents",
            f"{len(incidents)} reviews ({summary}). Filter them by any facet, search the text, sort by any column; "
            "the address bar keeps the view, so you can share it." if incidents else "No published review yet.",
            archive,
            table if incidents else "",
        ),
        in_nav=True,
        title="Incidents",
    )


def facet_values(incidents: Iterable[Incident], key: str) -> Counter[str]:
    """How many incidents carry each value of a facet (used by tests and metrics)."""
    facet = next(f for f in (*FACETS, *HIDDEN_FILTERS) if f.key == key)
    return Counter(v for i in incidents for v in facet.values(i))

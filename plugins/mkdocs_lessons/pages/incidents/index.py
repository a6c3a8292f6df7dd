"""The incident index `incidents/`: a faceted browser over every published review.

Without JavaScript the index is a table of every incident, newest first,
over numbered pages of `paging.PAGE_SIZE` rows (`incidents/`,
`incidents/page/2/`...), beside the year pages. `assets/incidents.js`
turns it into a faceted browser (filters with counts, a text filter,
sortable columns) over all incidents, whose state lives in the URL query,
so a filtered view can be shared and the dashboard can link into it:

    incidents/?term=design-flaw&quarter=2024-Q1&team=payments&q=checkout

The facet panel and its counts are rendered here, at build time, so a plain
visit needs nothing more. The rows behind a filter, a search or a sort come
from `incidents/rows.js`, which the script loads only then: one short list
per incident (`ROW_FIELDS`), the same lists the HTML rows are made from
(`row_data`, `_html_rows`), so the page and the script never disagree.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable

from markupsafe import Markup

from mkdocs_lessons.pages import paging
from mkdocs_lessons.pages.common import Context, GeneratedFile, kind_counts
from mkdocs_lessons.records.model import (
    INCIDENT_KINDS,
    KIND_LABELS,
    SEVERITIES,
    STATUSES,
    Incident,
    natural_key,
    quarter_of,
)
from mkdocs_lessons.search import words as search_words

FAILURE_TYPES = ("process", "outcome")


@dataclass(frozen=True)
class Facet:
    key: str  # URL query key
    label: str
    values: Callable[[Incident], list[str]]  # what the build counts; incidents.js derives the same from a row


def _own_terms(incident: Incident) -> list[str]:
    """The incident's terms without those another of them lies under (`a` beside `a/b`)."""
    terms = list(dict.fromkeys(incident.terms))
    return [t for t in terms if not any(o.startswith(t + "/") for o in terms)]


FACETS = (
    Facet("kind", "Kind", lambda i: [i.kind]),
    Facet("severity", "Severity", lambda i: [i.severity] if i.severity else []),
    Facet("status", "Status", lambda i: [i.status]),
    Facet("failure_type", "Failure type", lambda i: [i.failure_type] if i.failure_type else []),
    # A term matches everything under it; rows carry their own terms, incidents.js adds the broader ones.
    Facet("term", "Failure class", lambda i: list(i.under_terms)),
    Facet("team", "Team", lambda i: list(i.teams)),
    Facet("year", "Year", lambda i: [str(i.year)]),
    Facet("tag", "Tag", lambda i: list(i.tags)),
)
# Filters that links may set but that get no checkbox list (the heat map's period).
HIDDEN_FILTERS = (Facet("quarter", "Quarter", lambda i: [quarter_of(i.occurred)]),)

COLUMNS = (
    ("date", "Date"),
    ("id", "Id"),
    ("title", "Title"),
    ("kind", "Kind"),
    ("severity", "Severity"),
    ("status", "Status"),
    ("teams", "Teams"),
    ("term", "Primary cause"),
)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One incident of the index table, as `incident_index.html` shows it (and incidents.js from rows.js)."""

    id: str
    date: str
    link: Markup
    title: str
    kind: str
    severity: str
    status: str
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


def _order(ctx: Context) -> tuple[tuple[str, ...], tuple[int, ...], str]:
    """The published incidents' ids newest first, their years newest first, and how many of each kind."""
    incidents = ctx.kb.newest_first(ctx.kb.published_incidents)
    years = tuple(sorted({i.year for i in incidents}, reverse=True))
    return tuple(i.id for i in incidents), years, kind_counts(incidents)


def _published_facets(ctx: Context) -> list[FacetGroup]:
    return _facet_groups(ctx, ctx.kb.published_incidents)


# -- the rows: one list per incident, the source of both the HTML table and rows.js --------------------------

#: The data file beside the index that incidents.js loads when a reader filters, searches or sorts.
ROWS_FILE = "rows.js"

#: What a row list holds, in order (`rows.js` names them in `fields`). Teams and terms are
#: positions in the file's `teams` and `terms` tables; trailing empty values are left out.
ROW_FIELDS = ("id", "date", "title", "kind", "severity", "status", "teams", "term", "terms", "failure_type", "tags")


def rows_uri(ctx: Context) -> str:
    """Where the rows file is written: beside the index's first page (`incidents/rows.js`)."""
    return posixpath.join(posixpath.dirname(ctx.urls.incidents), ROWS_FILE)


@dataclass
class RowTables:
    """The teams and terms rows refer to by position: (id, label, href from the index's first page)."""

    teams: list[tuple[str, str, str]]
    terms: list[tuple[str, str, str]]
    team_at: dict[str, int]
    term_at: dict[str, int]

    @classmethod
    def empty(cls) -> "RowTables":
        return cls([], [], {}, {})

    def team(self, ctx: Context, team_id: str) -> int:
        at = self.team_at.get(team_id)
        if at is None:
            team = ctx.kb.teams.get(team_id)
            at = self.team_at[team_id] = len(self.teams)
            self.teams.append(
                (team_id, team.title if team else team_id, ctx.href(ctx.urls.incidents, ctx.urls.team(team_id)))
            )
        return at

    def term(self, ctx: Context, path: str) -> int:
        at = self.term_at.get(path)
        if at is None:
            at = self.term_at[path] = len(self.terms)
            self.terms.append((path, ctx.term_label(path), ctx.href(ctx.urls.incidents, ctx.urls.term(path))))
        return at


def row_data(ctx: Context, tables: RowTables, incident: Incident) -> list[Any]:
    """One incident as the index shows and filters it (`ROW_FIELDS`): what rows.js holds and the HTML is made of."""
    cells = ctx.row(("index row", incident.id), lambda: _row_cells(incident))
    row: list[Any] = list(cells)
    # Teams and terms as positions in the file's tables, which list them in order of first appearance.
    row[6] = [tables.team(ctx, t) for t in cells[6]]
    row[7] = tables.term(ctx, cells[7])
    row[8] = [tables.term(ctx, t) for t in cells[8]]
    row[10] = list(cells[10])
    while row and row[-1] in ("", []):
        row.pop()
    return row


def _row_cells(incident: Incident) -> tuple[Any, ...]:
    """An incident's `ROW_FIELDS` with teams and terms by id: under `mkdocs serve` one row, kept while it holds."""
    return (
        incident.id,
        incident.occurred.date().isoformat(),  # the day as written; the script takes the year and quarter from it
        incident.title,
        incident.kind,
        incident.severity or "",
        incident.status,
        tuple(incident.teams),
        incident.primary,
        # Its own terms; the script adds the broader ones, as `Incident.under_terms` does.
        tuple(_own_terms(incident)),
        incident.failure_type or "",
        tuple(incident.tags),
    )


def _field(row: list[Any], name: str) -> Any:
    at = ROW_FIELDS.index(name)
    return row[at] if at < len(row) else ("" if name in ("severity", "failure_type") else [])


def _html_rows(ctx: Context, page: str, tables: RowTables, rows: Iterable[list[Any]]) -> list[IndexRow]:
    """The table rows of one page of the index, made from the row lists (what incidents.js does with rows.js)."""
    urls = ctx.urls
    # A few teams and terms recur on every row: each cell is made once for this page.
    team_cells: dict[tuple[int, ...], Markup] = {}
    term_cells: dict[int, Markup] = {}
    out = []
    for row in rows:
        team_ids = tuple(_field(row, "teams"))
        team_cell = team_cells.get(team_ids)
        if team_cell is None:
            team_cell = team_cells[team_ids] = Markup(", ").join(
                ctx.a(page, urls.team(tables.teams[t][0]), tables.teams[t][1]) for t in team_ids
            )
        primary = _field(row, "term")
        term_cell = term_cells.get(primary)
        if term_cell is None:
            term_cell = term_cells[primary] = ctx.a(page, urls.term(tables.terms[primary][0]), tables.terms[primary][1])
        kind = _field(row, "kind")
        out.append(
            IndexRow(
                row[0],
                _field(row, "date"),
                ctx.a(page, urls.incident(row[0]), row[0]),
                _field(row, "title"),
                KIND_LABELS.get(kind, kind),
                _field(row, "severity") or "–",
                _field(row, "status"),
                team_cell,
                term_cell,
            )
        )
    return out


def _rows_file(ctx: Context, tables: RowTables, rows: list[list[Any]]) -> GeneratedFile:
    """`incidents/rows.js`: every row as a list, newest first, for incidents.js.

    A script rather than JSON: a `<script>` element loads it from `file://`
    too, where browsers refuse `fetch`. One row a line.
    """
    page = ctx.urls.incidents
    sample = ctx.href(page, ctx.urls.incident("{id}"))
    head = {
        "fields": ROW_FIELDS,
        "incident": sample,  # an incident's href from the index: "{id}" replaced by its id
        "kinds": KIND_LABELS,
        "severities": SEVERITIES,
        "statuses": STATUSES,
        "teams": tables.teams,
        "terms": tables.terms,
    }

    def dump(value: Any) -> str:
        # JSON is JavaScript but for two line separators older engines reject inside strings.
        return (
            json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029")
        )

    lines = ",\n".join(dump(row) for row in rows)
    text = (
        "/* mkdocs-lessons: every published review of the incident index, newest first (assets/incidents.js loads it "
        "on demand). */\n"
        f'window.lessonsIncidentRows = {dump(head)[:-1]},"rows":[\n{lines}\n]}};\n'
    )
    return GeneratedFile(rows_uri(ctx), text)


#: What `texts.js` holds of each incident, and how the index names the field a word matched in.
TEXT_FIELDS = (("summary", "summary"), ("cause", "cause"), ("lessons", "lessons"))


def _texts_file(ctx: Context, incidents: list[Incident]) -> GeneratedFile:
    """`incidents/texts.js`: each incident's summary, cause and lessons as plain text, for the index's text filter.

    Apart from rows.js: only a reader who types in the text filter loads it.
    """
    texts = {
        incident.id: [
            search_words.plain(incident.summary),
            search_words.plain(incident.root_cause.cause if incident.root_cause else ""),
            " ".join(search_words.plain(lesson) for lesson in incident.lessons),
        ]
        for incident in incidents
    }
    head = {"fields": [f for f, _ in TEXT_FIELDS], "labels": [label for _, label in TEXT_FIELDS]}
    body = (
        json.dumps({**head, "texts": texts}, ensure_ascii=False, separators=(",", ":"))
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    text = (
        "/* mkdocs-lessons: the summaries, causes and lessons of the incident index's reviews (assets/incidents.js "
        "loads it for the text filter). */\n"
        f"window.lessonsIncidentTexts = {body};\n"
    )
    return GeneratedFile(rows_uri(ctx)[: -len(ROWS_FILE)] + "texts.js", text)


def render_incident_index(ctx: Context) -> list[GeneratedFile]:
    """The index's numbered pages (`incidents/`, `incidents/page/2/`...) and `incidents/rows.js`.

    Its `texts.js` is render_incident_texts'.
    """
    base = ctx.urls.incidents
    # Which incidents in which order, their years and kinds read every incident: under serve one part, kept while
    # those hold (a title edit leaves it). Ids, not records: a kept part holds no record of an older build.
    incidents, years, summary = ctx.row(("index order",), partial(_order, ctx))
    tables = RowTables.empty()
    rows = [row_data(ctx, tables, ctx.kb.incidents[incident_id]) for incident_id in incidents]
    # The facet panel counts every incident's kind, teams, terms...: one part too.
    # It lists the incidents itself: which incidents there are is a read of its own, not a part of its key.
    facets = ctx.row(("facets",), partial(_published_facets, ctx)) if incidents else []
    files = []
    for uri, chunk, pager in paging.paged(ctx, base, rows, paging.PAGE_SIZE):
        title = "Incidents" if pager.number == 1 else f"Incidents, page {pager.number} of {pager.total}"
        view: dict[str, Any] = {
            "total": len(incidents),
            "summary": summary,
            "years": [ctx.a(uri, ctx.urls.year(y), str(y)) for y in years],
            "browse": [ctx.a(uri, ctx.urls.taxonomy, "failure class"), ctx.a(uri, ctx.urls.teams, "team")],
            "columns": COLUMNS,
            "facets": facets,
            "rows": _html_rows(ctx, uri, tables, chunk),
            "pager": pager,
            "page_size": paging.PAGE_SIZE,
            # The script resolves it against the address bar: the final URL, for any builder.
            "rows_href": ctx.href(uri, rows_uri(ctx)),
        }
        file = ctx.page("incident_index.html", uri, title, in_nav=pager.number == 1, numbered=pager.total > 1, **view)
        # The table needs the width: no table of contents beside it (the page has no sections).
        file.meta.update(paging.later_page_meta(pager))  # page 2 and on: out of search
        files.append(file)
    if incidents:
        files.append(_rows_file(ctx, tables, rows))
    return files


def render_incident_texts(ctx: Context) -> list[GeneratedFile]:
    """`incidents/texts.js` apart from the index's pages: under `mkdocs serve` a summary edit keeps those."""
    incidents = ctx.kb.newest_first(ctx.kb.published_incidents)
    return [_texts_file(ctx, incidents)] if incidents else []


def facet_values(incidents: Iterable[Incident], key: str) -> Counter[str]:
    """How many incidents carry each value of a facet (used by tests and metrics)."""
    facet = next(f for f in (*FACETS, *HIDDEN_FILTERS) if f.key == key)
    return Counter(v for i in incidents for v in facet.values(i))

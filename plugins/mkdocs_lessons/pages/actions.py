"""The action-item backlog `actions/`: every action item of every published review.

`actions/` is the summary: the figures, who owes what (open and overdue
items per owner) and what each team owes, and how many items are done or
dropped. Each owner's open items (what do I owe?) are on
`actions/owner/<name>/` and each team's (what does my team owe?) on
`actions/team/<id>/`, most overdue first, overdue ones marked with how
many days, each with its indicator, latest and next check-in and a link
to its incident; items whose check-in is overdue come first. The summary
lists every overdue check-in and the PDSA experiments ("Experiments"). Done and dropped items, newest first, are on
`actions/closed/`.
Every list continues on numbered pages when it is long (`paging.py`), so
no page grows with the knowledge base: at 10,000 reviews the backlog holds
tens of thousands of items.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from markupsafe import Markup

from mkdocs_lessons.analysis.metrics import DUE_SOON_DAYS
from mkdocs_lessons.charts.dashboard import plural, share
from mkdocs_lessons.pages.common import Context, GeneratedFile, badge, fmt_date
from mkdocs_lessons.pages.incidents.followup import check_in_cell, experiment_rows
from mkdocs_lessons.pages.paging import later_page_meta, page_title, paged
from mkdocs_lessons.records.model import ActionItem, Incident, natural_key

NO_OWNER = "No owner"


@dataclass(frozen=True)
class Entry:
    incident: Incident
    item: ActionItem

    def overdue_days(self, today: date) -> Optional[int]:
        if self.item.is_open and self.item.due is not None and self.item.due < today:
            return (today - self.item.due).days
        return None


def _entries(ctx: Context) -> list[Entry]:
    return [Entry(i, a) for i in ctx.kb.published_incidents for a in i.action_items]


def _open_order(entry: Entry, today: date):
    """Overdue check-ins first (the most overdue first): the owner owes a report now.
    Then by due date, so the most overdue come first (no due date last), then by incident and item id."""
    check_in, due = entry.item.next_check_in, entry.item.due
    late = check_in is not None and check_in < today
    return (
        not late,
        check_in if late else date.max,
        due is None,
        due or date.max,
        natural_key(entry.incident.id),
        natural_key(entry.item.id),
    )


def _closed_order(entry: Entry):
    closed = entry.item.closed
    # Newest closed first; items without a closed date after those with one.
    return (
        closed is None,
        -(closed.toordinal()) if closed else 0,
        natural_key(entry.incident.id),
        natural_key(entry.item.id),
    )


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


def _status(ctx: Context, entry: Entry) -> Markup:
    item = entry.item
    cell = badge(item.status, item.status)
    overdue = entry.overdue_days(ctx.today)
    if overdue is not None:
        cell += Markup(" ") + badge(f"overdue {overdue} d", "overdue")
    elif item.is_open and item.due is not None and (item.due - ctx.today).days <= DUE_SOON_DAYS:
        cell += Markup(" ") + badge(f"due in {(item.due - ctx.today).days} d", "due-soon")
    return cell


def _action(ctx: Context, page: str, item: ActionItem) -> Markup:
    action = ctx.prose_line(item.action, page)
    return action + Markup(" <em>({})</em>").format(item.type) if item.type else action


def _check_in(ctx: Context, page: str, entry: Entry) -> Markup:
    return check_in_cell(ctx, page, entry.incident, entry.item)


def _indicator(ctx: Context, page: str, item: ActionItem) -> Markup:
    return ctx.prose_line(item.indicator, page) if item.indicator else Markup("")


def _reference(ctx: Context, page: str, entry: Entry) -> Markup:
    return Markup("{} · {}").format(ctx.incident_a(page, entry.incident.id), entry.item.id)


def _one_line(value: str) -> str:
    return " ".join(value.split())


@dataclass(frozen=True)
class OpenRow:
    """One open item as the backlog's tables show it (under its owner and under each of its teams)."""

    status: Markup
    due: str
    action: Markup
    incident: Markup
    teams: Markup
    owner: str
    indicator: Markup
    check_in: Markup


@dataclass(frozen=True)
class Group:
    """The open items of one owner or one team: a row of the summary, and pages of their own."""

    key: str  # the owner as written (`""`: no owner) or the team id
    label: Markup
    anchor: str  # the summary row's id, e.g. `owner-dana-kim` (the backlog's anchors before it had pages)
    target: str  # the src_uri of the group's first page
    entries: list[Entry]


def _open_row(ctx: Context, page: str, entry: Entry, teams: Markup) -> OpenRow:
    item = entry.item
    return OpenRow(
        _status(ctx, entry),
        fmt_date(item.due) or "no due date",
        _action(ctx, page, item),
        _reference(ctx, page, entry),
        teams,
        _one_line(item.owner or NO_OWNER),
        _indicator(ctx, page, item),
        _check_in(ctx, page, entry),
    )


def _counts(entries: list[Entry], today: date) -> str:
    overdue = sum(1 for e in entries if e.overdue_days(today) is not None)
    return plural(len(entries), "open item", "open items") + (f", {overdue} overdue" if overdue else "")


def _anchors(keys: Iterable[str], prefix: str) -> dict[str, str]:
    """A stable, unique heading id per group, e.g. `owner-dana-kim`."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for key in keys:
        anchor = f"{prefix}-{_slug(key or NO_OWNER)}"
        suffix = 2
        while anchor in used:  # two owners that differ only in punctuation
            anchor = f"{prefix}-{_slug(key or NO_OWNER)}-{suffix}"
            suffix += 1
        used.add(anchor)
        anchors[key] = anchor
    return anchors


def render_actions(ctx: Context) -> list[GeneratedFile]:
    """The summary page, then each owner's, each team's and the closed items' pages."""
    page = ctx.urls.actions
    entries = _entries(ctx)
    today = ctx.today
    open_entries = sorted((e for e in entries if e.item.is_open), key=lambda e: _open_order(e, today))
    closed_entries = sorted((e for e in entries if not e.item.is_open), key=_closed_order)
    figures = ctx.analysis.metrics.actions

    by_owner: dict[str, list[Entry]] = defaultdict(list)
    for entry in open_entries:
        by_owner[entry.item.owner].append(entry)
    owners = sorted((o for o in by_owner if o), key=lambda o: (o.casefold(), o)) + ([""] if "" in by_owner else [])
    # Items without an owner are grouped last, under a label no real owner can take.
    owner_anchors = _anchors(owners, "owner")
    owner_groups = [
        Group(
            o,
            Markup.escape(_one_line(o)) if o else Markup("<em>{}</em>").format(NO_OWNER),
            owner_anchors[o],
            ctx.urls.actions_owner(owner_anchors[o][len("owner-") :]),
            by_owner[o],
        )
        for o in owners
    ]

    by_team: dict[str, list[Entry]] = defaultdict(list)
    for entry in open_entries:
        for team in entry.incident.teams:
            by_team[team].append(entry)
    team_ids = [t for t in ctx.kb.teams if t in by_team]
    team_anchors = _anchors(team_ids, "team")
    team_groups = [
        Group(t, Markup.escape(_one_line(ctx.kb.teams[t].title)), team_anchors[t], ctx.urls.actions_team(t), by_team[t])
        for t in team_ids
    ]
    quiet_teams = [t for t in ctx.kb.teams if t not in by_team]

    def summary_rows(groups: list[Group]) -> list[dict[str, object]]:
        return [
            {
                "anchor": g.anchor,
                "link": ctx.a(page, g.target, g.label),
                "open": len(g.entries),
                "overdue": sum(1 for e in g.entries if e.overdue_days(today) is not None),
                "late_check_ins": sum(
                    1 for e in g.entries if ctx.analysis.followup.days_late(e.incident.id, e.item.id)
                ),
                "next_due": fmt_date(min((e.item.due for e in g.entries if e.item.due), default=None)),
            }
            for g in groups
        ]

    files = [
        ctx.page(
            "actions.html",
            page,
            "Action items",
            in_nav=True,
            today=today.isoformat(),
            open_count=len(open_entries),
            overdue_count=sum(1 for e in open_entries if e.overdue_days(today) is not None),
            done=figures.done,
            dropped=figures.dropped,
            on_time=share(figures.on_time_share),
            done_with_due=figures.done_with_due,
            dashboard=ctx.a(page, ctx.urls.dashboard, "dashboard"),
            by_owner=summary_rows(owner_groups),
            by_team=summary_rows(team_groups),
            quiet_teams=Markup(", ").join(ctx.team_a(page, t) for t in quiet_teams),
            late_check_ins=_late_check_in_rows(ctx, page),
            experiments=experiment_rows(ctx, page, ctx.analysis.followup.experiments, True),
            closed_total=len(closed_entries),
            closed=ctx.a(
                page,
                ctx.urls.actions_closed,
                plural(len(closed_entries), "done or dropped item", "done and dropped items"),
            ),
        )
    ]
    for group in owner_groups:
        files += _open_pages(ctx, group, "owner", f"Action items: {_one_line(group.key) or NO_OWNER}")
    for group in team_groups:
        files += _open_pages(ctx, group, "team", f"Action items: {_one_line(ctx.kb.teams[group.key].title)}")
    files += _closed_pages(ctx, closed_entries)
    return files


def _late_check_in_rows(ctx: Context, page: str) -> list[list[Markup]]:
    """Every overdue check-in, most overdue first: days late, owner, teams, the item."""
    rows = []
    for c in ctx.analysis.followup.overdue:
        entry = Entry(c.ref.incident, c.ref.item)
        rows.append(
            [
                badge(f"{c.days_late} d", "overdue"),
                Markup.escape(fmt_date(c.on)),
                Markup.escape(_one_line(entry.item.owner or NO_OWNER)),
                ctx.teams_html(page, entry.incident.teams),
                _action(ctx, page, entry.item),
                _reference(ctx, page, entry),
            ]
        )
    return rows


def _open_pages(ctx: Context, group: Group, by: str, title: str) -> list[GeneratedFile]:
    """One owner's (`by` "owner": a teams column) or one team's (an owner column) open items, most overdue first."""
    files = []
    for uri, chunk, pager in paged(ctx, group.target, group.entries):
        teams_of: dict[str, Markup] = {}  # an incident's team links, the same for each of its items
        rows = []
        for entry in chunk:
            teams = teams_of.get(entry.incident.id)
            if teams is None:
                teams = teams_of[entry.incident.id] = ctx.teams_html(uri, entry.incident.teams)
            rows.append(_open_row(ctx, uri, entry, teams))
        generated = ctx.page(
            "action_list.html",
            uri,
            page_title(title, pager),
            kind=by,
            counts=_counts(group.entries, ctx.today),
            today=ctx.today.isoformat(),
            backlog=ctx.a(uri, ctx.urls.actions, "all action items"),
            team=ctx.team_a(uri, group.key) if by == "team" else None,
            pager=pager,
            rows=rows,
        )
        generated.meta.update(later_page_meta(pager))
        files.append(generated)
    return files


def _closed_pages(ctx: Context, closed_entries: list[Entry]) -> list[GeneratedFile]:
    """Every done and dropped item, newest closed first (none: no page; the summary says so)."""
    if not closed_entries:
        return []
    files = []
    for uri, chunk, pager in paged(ctx, ctx.urls.actions_closed, closed_entries):
        rows = [
            [
                fmt_date(e.item.closed) or "no closed date",
                badge(e.item.status, e.item.status)
                + (
                    Markup(" ") + badge("late", "overdue")
                    if e.item.status == "done" and e.item.closed and e.item.due and e.item.closed > e.item.due
                    else Markup("")
                ),
                _action(ctx, uri, e.item),
                _reference(ctx, uri, e),
                _one_line(e.item.owner or NO_OWNER),
                fmt_date(e.item.due),
                _indicator(ctx, uri, e.item),
                _check_in(ctx, uri, e),
                ctx.sop_a(uri, e.item.codified_in) if e.item.codified_in else "",
            ]
            for e in chunk
        ]
        generated = ctx.page(
            "action_list.html",
            uri,
            page_title("Done and dropped action items", pager),
            kind="closed",
            counts=plural(len(closed_entries), "done or dropped item", "done and dropped items"),
            today=ctx.today.isoformat(),
            backlog=ctx.a(uri, ctx.urls.actions, "all action items"),
            team=None,
            pager=pager,
            rows=rows,
        )
        generated.meta.update(later_page_meta(pager))
        files.append(generated)
    return files


# A team page lists this many of the team's open items (most overdue first); the rest are on its backlog page.
TEAM_PAGE_ITEMS = 10


def team_actions_view(ctx: Context, page: str, team_id: str) -> Optional[dict[str, object]]:
    """A team's open action items for its page: counts, the first rows, and a link to the team's view of `actions/`."""
    entries = sorted(
        (e for e in _entries(ctx) if e.item.is_open and team_id in e.incident.teams),
        key=lambda e: _open_order(e, ctx.today),
    )
    if not entries:
        return None
    overdue = sum(1 for e in entries if e.overdue_days(ctx.today) is not None)
    rows = [
        [
            _status(ctx, e),
            fmt_date(e.item.due) if e.item.due else "",
            _action(ctx, page, e.item),
            _reference(ctx, page, e),
            Markup.escape(_one_line(e.item.owner)),
        ]
        for e in entries[:TEAM_PAGE_ITEMS]
    ]
    return {
        "open": len(entries),
        "overdue": overdue,
        "rows": rows,
        "all": ctx.a(
            page,
            ctx.urls.actions_team(team_id),
            f"all {len(entries)} on the team's action list" if len(entries) > len(rows) else "the team's action list",
        ),
    }

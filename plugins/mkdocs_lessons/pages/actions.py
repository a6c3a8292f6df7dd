"""The action-item backlog `actions/`: every action item of every published review.

Open and in-progress items come first, overdue ones marked with how many
days, grouped by owner (what do I owe?) and by team (what does my team
owe?), each with its indicator and latest check-in and a link to its
incident. Done and dropped items follow in a collapsed section.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from markupsafe import Markup

from ..metrics import DUE_SOON_DAYS
from ..model import ActionItem, Incident, natural_key
from .common import Context, GeneratedFile, badge, fmt_date
from .figures import metrics, plural, share

NO_OWNER = "No owner"
# The collapsed history shows the newest closed items only: with thousands of
# reviews the full list would make the page megabytes long. Every item stays
# on its incident's page and in kb.json.
CLOSED_SHOWN = 500


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


def _open_order(entry: Entry):
    """By due date, so the most overdue come first (no due date last), then by incident and item id."""
    due = entry.item.due
    return (due is None, due or date.max, natural_key(entry.incident.id), natural_key(entry.item.id))


def _closed_order(entry: Entry):
    closed = entry.item.closed
    # Newest closed first; items without a closed date after those with one.
    return (closed is None, -(closed.toordinal()) if closed else 0, natural_key(entry.incident.id), natural_key(entry.item.id))


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


def _check_in(ctx: Context, page: str, item: ActionItem) -> Markup:
    latest = item.check_ins[-1] if item.check_ins else None
    return Markup("{}: {}").format(fmt_date(latest.date), ctx.prose_line(latest.note, page)) if latest else Markup("")


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
    """The open items of one owner or one team, under a heading with a stable id."""

    label: Markup
    anchor: str
    counts: str  # "2 open items, 1 overdue"
    rows: list[OpenRow]


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
        _check_in(ctx, page, item),
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


def _groups(groups: dict[str, list[Entry]], labels: dict[str, Markup], anchors: dict[str, str], rows: dict[int, OpenRow], today: date) -> list[Group]:
    return [Group(labels[key], anchors[key], _counts(entries, today), [rows[id(e)] for e in entries]) for key, entries in groups.items()]


def render_actions(ctx: Context) -> GeneratedFile:
    page = ctx.urls.actions
    entries = _entries(ctx)
    today = ctx.today
    open_entries = sorted((e for e in entries if e.item.is_open), key=_open_order)
    closed_entries = sorted((e for e in entries if not e.item.is_open), key=_closed_order)
    figures = metrics(ctx).actions
    # Each open item's cells are made once: it is listed under its owner and under every team of its incident.
    # (`id` only finds an entry's row again; it never reaches the page.)
    rows: dict[int, OpenRow] = {}
    teams_of: dict[str, Markup] = {}  # an incident's team links, the same for each of its items
    for entry in open_entries:
        teams = teams_of.get(entry.incident.id)
        if teams is None:
            teams = teams_of[entry.incident.id] = ctx.teams_html(page, entry.incident.teams)
        rows[id(entry)] = _open_row(ctx, page, entry, teams)

    by_owner: dict[str, list[Entry]] = defaultdict(list)
    for entry in open_entries:
        by_owner[entry.item.owner].append(entry)
    owners = sorted((o for o in by_owner if o), key=lambda o: (o.casefold(), o)) + ([""] if "" in by_owner else [])
    # Items without an owner are grouped last, under a label no real owner can take.
    owner_groups = {o: by_owner[o] for o in owners}
    owner_labels = {o: Markup.escape(_one_line(o)) if o else Markup("<em>{}</em>").format(NO_OWNER) for o in owners}
    owner_anchors = _anchors(owners, "owner")

    by_team: dict[str, list[Entry]] = defaultdict(list)
    for entry in open_entries:
        for team in entry.incident.teams:
            by_team[team].append(entry)
    team_groups = {t: by_team[t] for t in ctx.kb.teams if t in by_team}
    team_labels = {t: Markup.escape(_one_line(ctx.kb.teams[t].title)) for t in team_groups}
    quiet_teams = [t for t in ctx.kb.teams if t not in by_team]

    summary = [
        [
            Markup('<a href="#{}">{}</a>').format(owner_anchors[o], owner_labels[o]),
            str(len(es)),
            str(sum(1 for e in es if e.overdue_days(today) is not None)),
            fmt_date(min((e.item.due for e in es if e.item.due), default=None)),
        ]
        for o, es in owner_groups.items()
    ]

    closed_rows = [
        [
            fmt_date(e.item.closed) or "no closed date",
            badge(e.item.status, e.item.status) + (Markup(" ") + badge("late", "overdue") if e.item.status == "done" and e.item.closed and e.item.due and e.item.closed > e.item.due else Markup("")),
            _action(ctx, page, e.item),
            _reference(ctx, page, e),
            _one_line(e.item.owner or NO_OWNER),
            fmt_date(e.item.due),
            _indicator(ctx, page, e.item),
            _check_in(ctx, page, e.item),
            ctx.sop_a(page, e.item.codified_in) if e.item.codified_in else "",
        ]
        for e in closed_entries[:CLOSED_SHOWN]
    ]

    return ctx.page(
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
        summary=summary,
        by_owner=_groups(owner_groups, owner_labels, owner_anchors, rows, today),
        by_team=_groups(team_groups, team_labels, _anchors(team_groups, "team"), rows, today),
        quiet_teams=Markup(", ").join(ctx.team_a(page, t) for t in quiet_teams),
        closed_total=len(closed_entries),
        closed_rows=closed_rows,
        closed_items=plural(len(closed_rows), "done or dropped item", "done and dropped items"),
        older=plural(len(closed_entries) - len(closed_rows), "older item is", "older items are"),
    )

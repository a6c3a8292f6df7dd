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

from .. import text
from ..metrics import DUE_SOON_DAYS
from ..model import ActionItem, Incident, natural_key
from .common import Context, GeneratedFile, badge, fmt_date, join_blocks, section, table
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


def _status(ctx: Context, entry: Entry) -> str:
    item = entry.item
    cell = badge(item.status, item.status)
    overdue = entry.overdue_days(ctx.today)
    if overdue is not None:
        cell += " " + badge(f"overdue {overdue} d", "overdue")
    elif item.is_open and item.due is not None and (item.due - ctx.today).days <= DUE_SOON_DAYS:
        cell += " " + badge(f"due in {(item.due - ctx.today).days} d", "due-soon")
    return cell


def _action(ctx: Context, item: ActionItem) -> str:
    return ctx.md_line(item.action) + (f" *({text.inline(item.type)})*" if item.type else "")


def _check_in(ctx: Context, item: ActionItem) -> str:
    latest = item.check_ins[-1] if item.check_ins else None
    return f"{fmt_date(latest.date)}: {ctx.md_line(latest.note)}" if latest else ""


def _reference(ctx: Context, page: str, entry: Entry) -> str:
    return f"{ctx.incident_link(page, entry.incident.id)} · {text.inline(entry.item.id)}"


def _open_table(ctx: Context, page: str, entries: Iterable[Entry], *, by: str) -> str:
    """`by` is the grouping (owner or team): that column is left out."""
    header = ["Status", "Due", "Action", "Incident"]
    header += ["Teams"] if by == "owner" else ["Owner"]
    header += ["Indicator", "Latest check-in"]
    rows = []
    for entry in entries:
        row = [_status(ctx, entry), fmt_date(entry.item.due) or "no due date", _action(ctx, entry.item), _reference(ctx, page, entry)]
        row.append(ctx.teams_links(page, entry.incident.teams) if by == "owner" else text.inline(entry.item.owner or NO_OWNER))
        row += [ctx.md_line(entry.item.indicator), _check_in(ctx, entry.item)]
        rows.append(row)
    return table(header, rows)


def _group_heading(label: str, anchor: str, entries: list[Entry], today: date) -> str:
    overdue = sum(1 for e in entries if e.overdue_days(today) is not None)
    counts = plural(len(entries), "open item", "open items") + (f", {overdue} overdue" if overdue else "")
    return f"### {label} · {counts} {{ #{anchor} }}"


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


def _grouped(ctx: Context, page: str, groups: dict[str, list[Entry]], labels: dict[str, str], anchors: dict[str, str], by: str) -> str:
    blocks = [
        _group_heading(labels[key], anchors[key], entries, ctx.today) + "\n\n" + _open_table(ctx, page, entries, by=by)
        for key, entries in groups.items()
    ]
    return join_blocks(*blocks)


def render_actions(ctx: Context) -> GeneratedFile:
    page = ctx.urls.actions
    entries = _entries(ctx)
    today = ctx.today
    open_entries = sorted((e for e in entries if e.item.is_open), key=_open_order)
    closed_entries = sorted((e for e in entries if not e.item.is_open), key=_closed_order)
    figures = metrics(ctx).actions

    by_owner: dict[str, list[Entry]] = defaultdict(list)
    for entry in open_entries:
        by_owner[entry.item.owner].append(entry)
    owners = sorted((o for o in by_owner if o), key=lambda o: (o.casefold(), o)) + ([""] if "" in by_owner else [])
    # Items without an owner are grouped last, under a label no real owner can take.
    owner_groups = {o: by_owner[o] for o in owners}
    owner_labels = {o: text.inline(o) if o else f"*{NO_OWNER}*" for o in owners}
    owner_anchors = _anchors(owners, "owner")

    by_team: dict[str, list[Entry]] = defaultdict(list)
    for entry in open_entries:
        for team in entry.incident.teams:
            by_team[team].append(entry)
    team_groups = {t: by_team[t] for t in ctx.kb.teams if t in by_team}
    team_labels = {t: text.inline(ctx.kb.teams[t].title) for t in team_groups}
    quiet_teams = [t for t in ctx.kb.teams if t not in by_team]

    overdue = [e for e in open_entries if e.overdue_days(today) is not None]
    intro = (
        f"Every action item agreed in a published review, as of {today.isoformat()}: "
        f"**{len(open_entries)}** open or in progress, of which **{len(overdue)}** overdue; "
        f"{figures.done} done and {figures.dropped} dropped. "
        f"{share(figures.on_time_share)} of the done items with a due date were done by it (n = {figures.done_with_due}). "
        "Trends are on the " + ctx.link(page, ctx.urls.dashboard, "dashboard") + "."
    )
    summary_rows = [
        [
            f"[{owner_labels[o]}](#{owner_anchors[o]})",
            str(len(es)),
            str(sum(1 for e in es if e.overdue_days(today) is not None)),
            fmt_date(min((e.item.due for e in es if e.item.due), default=None)),
        ]
        for o, es in owner_groups.items()
    ]

    open_part = ""
    if open_entries:
        open_part = join_blocks(
            section("Who owes what", table(["Owner", "Open", "Overdue", "Next due"], summary_rows), level=2),
            section("Open items by owner", _grouped(ctx, page, owner_groups, owner_labels, owner_anchors, "owner")),
            section(
                "Open items by team",
                join_blocks(
                    "An item belongs to every team of its incident.",
                    _grouped(ctx, page, team_groups, team_labels, _anchors(team_groups, "team"), "team"),
                    ("Teams without open items: " + ", ".join(ctx.team_link(page, t) for t in quiet_teams) + ".") if quiet_teams else "",
                ),
            ),
        )
    else:
        open_part = "No action item is open."

    closed_part = ""
    if closed_entries:
        rows = [
            [
                fmt_date(e.item.closed) or "no closed date",
                badge(e.item.status, e.item.status) + (" " + badge("late", "overdue") if e.item.status == "done" and e.item.closed and e.item.due and e.item.closed > e.item.due else ""),
                _action(ctx, e.item),
                _reference(ctx, page, e),
                text.inline(e.item.owner or NO_OWNER),
                fmt_date(e.item.due),
                ctx.md_line(e.item.indicator),
                _check_in(ctx, e.item),
                ctx.sop_link(page, e.item.codified_in) if e.item.codified_in else "",
            ]
            for e in closed_entries[:CLOSED_SHOWN]
        ]
        done_table = table(["Closed", "Status", "Action", "Incident", "Owner", "Due", "Indicator", "Latest check-in", "Codified in"], rows)
        shown = min(len(closed_entries), CLOSED_SHOWN)
        label = f"Show the {plural(shown, 'done or dropped item', 'done and dropped items')}, newest first"
        if shown < len(closed_entries):
            label = f"Show the newest {shown} of {len(closed_entries)} done and dropped items"
        older = len(closed_entries) - shown
        note = f"\n\n{plural(older, 'older item is', 'older items are')} on {'its incident page' if older == 1 else 'their incident pages'} and in `kb.json`." if older else ""
        closed_part = section(
            f"Done and dropped ({len(closed_entries)})",
            f'<details class="lessons-closed" markdown>\n<summary>{label}</summary>\n\n{done_table}{note}\n\n</details>',
        )

    body = join_blocks("# Action items", intro, open_part, closed_part)
    return GeneratedFile(page, body, in_nav=True, title="Action items")

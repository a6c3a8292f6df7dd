"""A Timeline section as timestamped entries.

Entries are list items, lines, or table rows that open with a time; a date
line (or a date heading) sets the day for the bare times below it, and a
bare time that falls more than 12 hours before the entry above is read as
the next day (noted as a guess). A zone is taken from the entry itself,
else a note in the timeline (`2015-10-21 (all times UTC)`), else its
heading (`Timeline (all times in PST/PDT)`), else the document, else
`--timezone`, else UTC (noted as a guess). What is not an entry is handed
back for `context`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Optional

from mkdocs_lessons.importers import moments
from mkdocs_lessons.importers.draft import Draft, ImportProblem
from mkdocs_lessons.importers.mdblocks import plain
from mkdocs_lessons.importers.sections import Section
from mkdocs_lessons.importers.vocabulary import norm, quote


@dataclass
class Entry:
    at: datetime
    event: str
    line: int


class Clock:
    """The zone for times written without one: the entry's own, the timeline's, the document's, --timezone, else UTC."""

    def __init__(self, draft: Draft, document_zone: Optional[str], option_zone: Optional[str]) -> None:
        self.draft = draft
        self.document_zone = document_zone
        self.option_zone = option_zone
        self.noted_default = False

    def zone_for(self, written: Optional[str], section_zone: Optional[str], line: int) -> tzinfo:
        for name in (written, section_zone, self.document_zone, self.option_zone):
            if name:
                try:
                    return moments.zone(name)
                except moments.ZoneError as problem:
                    raise ImportProblem(line, str(problem)) from None
        if not self.noted_default:
            self.noted_default = True
            self.draft.guess(
                "time zone", "UTC", f"no zone is written (line {line}); pass --timezone if these are local times"
            )
        return moments.UTC


def read_timeline(section: Section, day: Optional[date], clock: Clock, draft: Draft) -> tuple[list[Entry], list[str]]:
    """Entries, and the lines that are not entries (kept for `context`)."""
    zone_name = moments.zone_in_text(section.title)
    entries: list[Entry] = []
    leftovers: list[str] = []
    state: dict[str, Any] = {"day": day, "zone": None}

    def add(text: str, line: int, extra: str = "") -> bool:
        lead = moments.leading(text)
        if lead is None:
            return False
        if lead.day and not lead.time and (not lead.rest or moments.zone_in_text(lead.rest)):
            state["day"] = lead.day  # a date line, perhaps with a note: `2015-10-21 (all times UTC)`
            if lead.rest:
                state["zone"] = moments.zone_in_text(lead.rest)
                draft.map("time zone", f"line {line}: '{quote(lead.rest)}'")
            return True
        if lead.time is None or not (lead.rest or extra):
            return False
        when_day = lead.day or state["day"]
        if when_day is None:
            raise ImportProblem(
                line, "a time with no date: write a date line above the timeline (or a Date: line at the top)"
            )
        if lead.day:
            state["day"] = lead.day
        where = clock.zone_for(lead.zone, state.get("zone") or zone_name, line)
        at = moments.moment(when_day, lead.time, where)
        if entries and not lead.day and at < entries[-1].at and entries[-1].at - at > timedelta(hours=12):
            at += timedelta(days=1)  # 23:50 then 00:10: the night went on
            state["day"] = at.date()
            draft.guess(
                f"timeline (line {line})",
                at.date().isoformat(),
                f"a bare time after {entries[-1].at.strftime('%H:%M')}: read as the next day",
            )
        event = (lead.rest + (f" ({extra})" if extra else "")).strip()
        entries.append(Entry(at, event, line))
        return True

    for piece in section.pieces:
        if piece.kind == "heading":
            found = moments.parse_date(plain(piece.title))
            if found:
                state["day"] = found
            else:
                zone_name = moments.zone_in_text(piece.title) or zone_name
                leftovers.append(f"**{piece.title}**")
        elif piece.kind in ("paragraph", "code"):
            for number, line in piece.lines():
                stripped = line.strip()
                if not stripped or stripped.startswith("```") or stripped.startswith("~~~"):
                    continue
                if add(stripped, number):
                    continue
                note_zone = moments.zone_in_text(stripped)
                if note_zone and len(stripped) < 60:
                    state["zone"] = note_zone
                    draft.map("time zone", f"line {number}: '{quote(stripped)}'")
                elif entries and piece.kind == "paragraph" and entries[-1].line >= piece.line:
                    entries[-1].event += " " + stripped  # a wrapped line of the entry above
                else:
                    leftovers.append(stripped)
        elif piece.kind == "list":
            for item in piece.items:
                first, _, more = item.text.partition("\n")
                if add(first, item.line):
                    if more.strip() and entries and entries[-1].line == item.line:
                        entries[-1].event += (
                            "\n" + more.strip()
                        )  # the rest of the item (a nested list, a second paragraph)
                    elif more.strip():
                        leftovers.append(more.strip())
                    continue
                leftovers.append(f"- {item.text}")
        elif piece.kind == "table":
            header = [norm(h) for h in piece.header]
            time_col = next(
                (i for i, h in enumerate(header) if re.search(r"\b(?:time|timestamp|when|utc|at)\b", h)), None
            )
            date_col = next((i for i, h in enumerate(header) if h == "date" and i != time_col), None)
            event_col = next(
                (
                    i
                    for i, h in enumerate(header)
                    if re.search(r"\b(?:event|description|what|activity|action|happened|details|update)\b", h)
                ),
                None,
            )
            if time_col is None:
                time_col = 0
            if event_col is None:
                event_col = next((i for i in range(len(header)) if i not in (time_col, date_col)), None)
            zone_name = moments.zone_in_text(" ".join(piece.header)) or zone_name
            for row, number in zip(piece.rows, piece.row_lines):
                cells = row + [""] * (len(header) - len(row))
                stamp = (cells[date_col] + " " if date_col is not None else "") + cells[time_col]
                others = [
                    f"{piece.header[i]}: {c}"
                    for i, c in enumerate(cells)
                    if i not in (time_col, date_col, event_col) and c
                ]
                event = cells[event_col] if event_col is not None else ""
                if not add(f"{stamp} - {event}".strip(), number, "; ".join(others)):
                    # A row with no readable time: kept with its column names (a lone table row is no table).
                    leftovers.append(
                        "- " + "; ".join(f"{plain(piece.header[i]) or i + 1}: {c}" for i, c in enumerate(cells) if c)
                    )
        elif piece.source.strip():
            leftovers.append(piece.source.strip())
    return entries, leftovers

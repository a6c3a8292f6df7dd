"""One Markdown postmortem onto the record contract.

The four public templates (Google SRE book/workbook, PagerDuty, Atlassian,
GitLab) and the variations people make of them share a vocabulary of
section names; `SECTIONS` lists the names each contract field is written
under. Headings, bold `**Field:** value` lines and plain `Field: value`
lines all open a section. Sections the contract has no field for go into
`context` under their own heading, and field lines nobody maps go into a
"Details" list there: nothing in the source is dropped.

Every value records where it came from: `mapped` (a section or field line
named for it), `guessed` (read from free text: detection from the
Detection text, detected/resolved from timeline wording, a severity from
`P1`), and `missing` (what a reviewer must add). The header comment of the
record lists all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Optional

from .. import placeholders
from . import moments
from .mdblocks import Block, Item, plain, read_blocks


def _norm(text: str) -> str:
    """A heading or label as a lookup key: `1. Root Cause(s):` -> `root causes`."""
    value = plain(text).lower().replace("&", " and ").replace("’", "'")
    value = re.sub(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[a-z][.)])\s+", "", value)
    value = re.sub(r"\([^)]*\)", " ", value)  # `Timeline (UTC)`, `Root cause(s)`
    value = re.sub(r"[^a-z0-9 ]+", " ", value.replace("'", ""))
    return " ".join(value.split())


SECTIONS: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "incident summary", "overview", "executive summary", "description", "tldr", "tl dr", "abstract", "synopsis", "incident overview"),
    "impact": ("impact", "customer impact", "user impact", "impact and metrics", "impact assessment", "business impact", "impact analysis", "user impact summary"),
    "cause": ("root cause", "root causes", "root cause s", "blameless root cause", "cause", "causes", "root cause analysis", "rca", "underlying cause", "root cause and trigger"),
    "contributing": ("contributing factors", "contributing factor", "contributing factor s", "contributors", "contributing conditions", "contributors enablers", "enablers"),
    "trigger": ("trigger", "triggers", "triggering event", "triggering change"),
    "whys": ("five whys", "5 whys", "the five whys", "5 whys analysis", "five whys analysis", "whys"),
    "detection": ("detection", "detection and response", "how was it detected", "how it was detected", "detection method"),
    "timeline": ("timeline", "timeline of events", "incident timeline", "chronology", "detailed timeline", "timeline detailed", "sequence of events", "timeline summary"),
    "lessons": ("lessons learned", "lessons", "lessons learnt", "key takeaways", "takeaways", "what we learned", "learnings", "key learnings"),
    "went_well": ("what went well", "what worked", "went well", "things that went well", "what worked well", "what went right"),
    "went_wrong": (
        "what went wrong", "what didnt go so well", "what didnt work", "what went poorly", "what could be improved", "what can be improved",
        "where we can improve", "things that went wrong", "what went badly", "what didnt go well", "what could have gone better", "went wrong",
    ),
    "got_lucky": ("where we got lucky", "got lucky", "what we got lucky with", "where did we get lucky", "lucky", "where were we lucky", "where we were lucky"),
    "actions": (
        "action items", "actions", "corrective actions", "follow up tasks", "follow up actions", "follow ups", "followups", "follow up",
        "remediation items", "next steps", "action plan", "preventive actions", "remediations", "action items and follow ups", "corrective action",
    ),
    # Sections with no field of their own: into `context` under their heading.
    "context": (
        "resolution", "recovery", "response", "leadup", "lead up", "fault", "what happened", "mitigation", "supporting information",
        "background", "related records", "incident response analysis", "post incident analysis", "messaging", "responders", "appendix",
        "context", "mitigators", "risks", "how d we do", "howd we do", "how did we do", "guidelines", "stabilization steps", "glossary",
        "recurrence", "backlog check", "blameless", "details", "metadata", "incident information", "basic information", "incident details",
    ),
}
_SECTION_OF = {alias: key for key, aliases in SECTIONS.items() for alias in aliases}
#: Headings whose field lines (even unknown ones) are the record's metadata.
_METADATA = {"details", "metadata", "incident information", "basic information", "incident details", "summary", "overview"}

FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "incident title", "incident name", "incident"),
    "occurred": (
        "start time", "started", "start", "impact start", "impact start time", "incident start", "incident start time", "occurred", "date time",
        "date and time", "incident date and time", "incident date time", "date of incident", "incident date", "date", "began", "start of impact",
        "started at", "occurred at",
    ),
    "detected": ("detected", "detection time", "time detected", "detected at", "time of detection", "first alert", "paged at", "time of page"),
    "resolved": ("resolved", "end time", "end", "impact end", "impact end time", "resolved at", "resolution time", "end of impact", "recovered", "time resolved", "ended", "recovered at"),
    "duration": ("duration", "total duration", "minutes downtime or degradation", "downtime", "outage duration", "length"),
    "severity": ("severity", "sev", "severity level", "priority", "incident severity", "impact level"),
    "teams": ("team", "teams", "team attribution", "owning team", "owning teams", "teams involved", "team s", "responsible team"),
    "tags": ("tags", "labels", "keywords"),
    "kind": ("kind", "incident kind", "event type"),
    "term": ("classification", "failure class", "cause class", "taxonomy"),
    "review_date": ("review date", "postmortem date", "post mortem date", "meeting date", "meeting scheduled for", "review meeting", "reviewed on"),
    "facilitator": ("facilitator", "review facilitator"),
    "participants": ("participants", "attendees", "review participants"),
    "timezone": ("timezone", "time zone", "times in", "all times in"),
}
_FIELD_OF = {alias: key for key, aliases in FIELDS.items() for alias in aliases}

_FIELD_LINE = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)(?P<blabel>[^*_\n]{1,60}?)(?:\s*:\s*(?:\*\*|__)|(?:\*\*|__)\s*:?)\s*(?P<bvalue>.*)$"
    r"|^\s{0,3}(?:[-*+]\s+)?(?P<label>[A-Za-z][A-Za-z0-9 /&()'’#.-]{0,40}?)\s*:\s+(?P<value>\S.*)$"
    r"|^\s{0,3}(?:[-*+]\s+)?(?P<elabel>[A-Za-z][A-Za-z0-9 /&()'’#.-]{0,40}?):\s*$"
)
_DETECTION_WORDS = (
    ("alert", r"\balert(?:s|ed|ing)?\b|\balarm|\bpage[ds]?\b|\bpaging\b|\bmonitor(?:ing|s)?\b|pagerduty|opsgenie|borgmon|prometheus|datadog|nagios|grafana|synthetic|\bprobe"),
    ("customer", r"\bcustomers?\b|\buser reports?\b|users? reported|support (?:ticket|case|request)s?|\btwitter\b|social media|complain"),
    ("employee", r"\bemployees?\b|\bengineers? noticed|\bstaff\b|colleague|team member|\bwe noticed|noticed by|internal report|\bmanually\b"),
    ("audit", r"\baudit"),
)
_CHANGE_WORDS = re.compile(r"\b(?:deploy(?:ed|ment|s)?|release[ds]?|config(?:uration)? (?:change|push)|rollout|rolled out|migration|upgrade[ds]?|pushed)\b", re.IGNORECASE)
_DETECTED_WORDS = re.compile(r"\b(?:alert(?:s|ed)?|alarm|paged|page[ds]?|detected|noticed|reported|fired|escalated)\b", re.IGNORECASE)
_RESOLVED_WORDS = re.compile(r"\b(?:resolved|restored|recovered|back to normal|all[- ]clear|service (?:is )?healthy|incident (?:ends|ended|closed))\b", re.IGNORECASE)
_TITLE_PREFIX = re.compile(r"^(?:post[- ]?mortem|incident (?:review|post[- ]?mortem|report)|rca|root cause analysis|retrospective|pir)\s*[:\-–—]\s*", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s*[:\-–—]?\s*(?:post[- ]?mortem|incident review)(?:\s*\(incident #?\d+\))?$", re.IGNORECASE)


@dataclass
class Note:
    """Where one value of the record came from."""

    field: str
    source: str  # what a reviewer reads: `"Root Causes" (line 12)`
    value: str = ""  # for guesses: what was guessed


@dataclass
class Draft:
    """A record before it is rendered: the values and the notes on each."""

    path: Path
    text: str
    values: dict[str, Any] = field(default_factory=dict)
    mapped: list[Note] = field(default_factory=list)
    guessed: list[Note] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    template: str = ""
    context_parts: list[str] = field(default_factory=list)
    detail_lines: list[str] = field(default_factory=list)
    year: int = 0

    def map(self, name: str, source: str) -> None:
        self.mapped.append(Note(name, source))

    def guess(self, name: str, value: str, source: str) -> None:
        self.guessed.append(Note(name, source, value))


class ImportProblem(Exception):
    """A source that cannot become a record; `line` is 1-based (0: the file as a whole)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Options:
    """What the command line gives for every file: fallbacks for what a source lacks."""

    teams: list[str] = field(default_factory=list)
    term: Optional[str] = None
    severity: Optional[str] = None
    timezone: Optional[str] = None
    known_teams: dict[str, str] = field(default_factory=dict)  # id -> title
    known_terms: dict[str, str] = field(default_factory=dict)  # path -> title


# -- the document as sections ------------------------------------------------------------------


@dataclass
class Section:
    title: str
    key: Optional[str]
    level: int
    line: int
    pieces: list[Block] = field(default_factory=list)
    type_hint: str = ""

    def where(self) -> str:
        return f'"{plain(self.title)}" (line {self.line})' if self.title else f"line {self.line}"

    def markdown(self) -> str:
        parts = []
        for piece in self.pieces:
            if piece.kind == "heading":
                parts.append(f"{'#' * min(6, max(4, piece.level))} {piece.title}")
            else:
                parts.append(piece.source.strip("\n"))
        return "\n\n".join(p for p in parts if p.strip()).strip()


@dataclass
class FieldLine:
    label: str
    key: Optional[str]
    value: str
    line: int
    text: str


def _text_block(lines: list[tuple[int, str]]) -> Block:
    return Block("paragraph", lines[0][0] - 1, lines[-1][0], "\n".join(t for _, t in lines))


def _field(line: str) -> Optional[tuple[str, str]]:
    match = _FIELD_LINE.match(line)
    if not match:
        return None
    label = match.group("blabel") or match.group("label") or match.group("elabel") or ""
    value = match.group("bvalue") if match.group("blabel") is not None else (match.group("value") or "")
    label = label.strip().rstrip(":").strip()
    if not label or len(label.split()) > 7:
        return None
    return label, (value or "").strip()


def sections_of(text: str) -> tuple[Optional[tuple[str, int]], list[Section], list[FieldLine]]:
    """(title and its line, sections in order, field lines)."""
    blocks, front = read_blocks(text)
    title: Optional[tuple[str, int]] = None
    preamble = Section("", "preamble", 0, 1)
    sections: list[Section] = [preamble]
    fields: list[FieldLine] = []
    for number, line in front:
        parsed = _field(line)
        if parsed:
            fields.append(FieldLine(parsed[0], _FIELD_OF.get(_norm(parsed[0])), parsed[1], number, line))
    for block in blocks:
        current = sections[-1]
        if block.kind == "heading":
            first = current is preamble and not preamble.pieces and len(sections) == 1
            if title is None and first and (block.level == 1 or (block.level == 2 and _norm(block.title) not in _SECTION_OF)):
                title = (plain(block.title), block.line)
                continue
            absorbing = current.key in ("timeline", "actions") and block.level > current.level
            if absorbing:
                current.pieces.append(block)
                continue
            label = block.title
            parsed = _field(label) if ":" in plain(label) else None
            if parsed and _norm(parsed[0]) in _FIELD_OF:  # `### Severity: SEV2`
                fields.append(FieldLine(parsed[0], _FIELD_OF[_norm(parsed[0])], parsed[1], block.line, block.source))
                continue
            sections.append(Section(block.title, _SECTION_OF.get(_norm(label)), block.level, block.line))
            continue
        opens = block.kind == "paragraph" and _field(block.source.split("\n")[0]) is not None
        if opens:
            label = _norm(_field(block.source.split("\n")[0])[0])  # type: ignore[index]
            opens = label in _SECTION_OF and block.source.lstrip().startswith(("**", "__"))
        if block.kind in ("paragraph", "list") and (current.key not in ("timeline", "actions") or opens):
            _split_fields(block, sections, fields, preamble)
            continue
        if block.kind == "table" and (current is preamble or _norm(current.title) in _METADATA) and len(block.header) == 2:
            rows = [block.header] + block.rows if _norm(block.header[0]) not in ("field", "question", "property", "key", "item") else block.rows
            lines = [block.line] + block.row_lines if rows and rows[0] is block.header else block.row_lines
            for row, number in zip(rows, lines):
                if len(row) == 2 and row[0]:
                    fields.append(FieldLine(plain(row[0]).rstrip(":"), _FIELD_OF.get(_norm(row[0])), row[1], number, f"| {row[0]} | {row[1]} |"))
            continue
        current.pieces.append(block)
    return title, sections, fields


def _split_fields(block: Block, sections: list[Section], fields: list[FieldLine], preamble: Section) -> None:
    """Field lines and inline sections (`**Root Causes:** text`) out of a paragraph or list; the rest stays text."""
    current = sections[-1]
    metadata = current is preamble or _norm(current.title) in _METADATA or current.title == "" and current.key != "preamble"
    if block.kind == "list":
        kept: list[Item] = []
        for item in block.items:
            parsed = _field(item.text.split("\n")[0])
            key = _FIELD_OF.get(_norm(parsed[0])) if parsed else None
            if parsed and "\n" not in item.text and (key or metadata) and _norm(parsed[0]) not in _SECTION_OF:
                fields.append(FieldLine(parsed[0], key, parsed[1], item.line, item.text))
            else:
                kept.append(item)
        if kept:
            if len(kept) == len(block.items):
                current.pieces.append(block)
            else:
                source = "\n".join(f"- {item.text}" for item in kept)
                current.pieces.append(Block("list", kept[0].line - 1, kept[-1].line, source, items=kept))
        return
    pending: list[tuple[int, str]] = []

    def flush() -> None:
        if pending:
            sections[-1].pieces.append(_text_block(list(pending)))
            pending.clear()

    for number, line in block.lines():
        parsed = _field(line)
        if parsed:
            label, value = parsed
            name = _norm(label)
            if name in _SECTION_OF and (line.lstrip().startswith(("**", "__")) or current is preamble or sections[-1].level == 99 or not value):
                flush()
                section = Section(label, _SECTION_OF[name], 99, number)
                sections.append(section)
                if value:
                    pending.append((number, value))
                continue
            if name in _FIELD_OF or (metadata and sections[-1] is current):
                flush()
                fields.append(FieldLine(label, _FIELD_OF.get(name), value, number, line))
                continue
        pending.append((number, line))
    flush()


# -- reading values -------------------------------------------------------------------------------


def items_of(section: Section) -> list[tuple[str, int]]:
    """A section as a list of points: list items, or one point per paragraph (per line for short lines)."""
    out: list[tuple[str, int]] = []
    for piece in section.pieces:
        if piece.kind == "list":
            out.extend((item.text, item.line) for item in piece.items)
        elif piece.kind == "paragraph":
            lines = [(n, t.strip()) for n, t in piece.lines() if t.strip()]
            if len(lines) > 1 and all(re.search(r"[.?!:)]$", t) for _, t in lines):
                out.extend((t, n) for n, t in lines)
            elif lines:
                out.append(("\n".join(t for _, t in lines), lines[0][0]))
        elif piece.kind == "table":
            for row, number in zip(piece.rows, piece.row_lines):
                cells = [c for c in row if c]
                if cells:
                    out.append((" — ".join(cells), number))
        elif piece.kind != "heading" and piece.source.strip():
            out.append((piece.source.strip(), piece.line))
    return [(re.sub(r"^(?:why\s*\d*\s*[:.)-]\s*)", lambda m: m.group(0) if "?" in m.group(0) else "", t, flags=re.IGNORECASE).strip() or t, n) for t, n in out]


def _severity(text: str) -> Optional[tuple[str, bool]]:
    """(SEVn, guessed) from `SEV2`, `Sev-2`, `S2`, `severity::2`, `2`, `P1`, `Critical`."""
    value = plain(text).strip().lower()
    match = re.match(r"^(?:sev(?:erity)?\s*[-:]*\s*|s)?([0-4])\b", value)
    if match:
        number = int(match.group(1))
        return f"SEV{max(1, number)}", number == 0
    match = re.match(r"^p\s*-?([0-4])\b", value)
    if match:
        return f"SEV{max(1, min(4, int(match.group(1))))}", True
    for words, sev in ((("critical", "blocker", "highest", "urgent"), "SEV1"), (("major", "high"), "SEV2"), (("medium", "moderate", "minor"), "SEV3"), (("low", "lowest", "cosmetic", "trivial"), "SEV4")):
        if any(value.startswith(w) for w in words):
            return sev, True
    return None


def classify_detection(text: str) -> Optional[tuple[str, str]]:
    """(alert | customer | employee | audit, the words that said so), from the earliest telling word."""
    best: Optional[tuple[int, str, str]] = None
    for kind, pattern in _DETECTION_WORDS:
        match = re.search(pattern, text, re.IGNORECASE)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind, match.group(0))
    return (best[1], best[2]) if best else None


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", plain(text).lower()))


def _person(text: str) -> str:
    return plain(text).strip().lstrip("@").strip()


def _quote(text: str, limit: int = 70) -> str:
    one = " ".join(plain(text).split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


# -- the timeline ---------------------------------------------------------------------------------


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
            self.draft.guess("time zone", "UTC", f"no zone is written (line {line}); pass --timezone if these are local times")
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
                draft.map("time zone", f"line {line}: '{_quote(lead.rest)}'")
            return True
        if lead.time is None or not (lead.rest or extra):
            return False
        when_day = lead.day or state["day"]
        if when_day is None:
            raise ImportProblem(line, "a time with no date: write a date line above the timeline (or a Date: line at the top)")
        if lead.day:
            state["day"] = lead.day
        where = clock.zone_for(lead.zone, state.get("zone") or zone_name, line)
        at = moments.moment(when_day, lead.time, where)
        if entries and not lead.day and at < entries[-1].at and entries[-1].at - at > timedelta(hours=12):
            at += timedelta(days=1)  # 23:50 then 00:10: the night went on
            state["day"] = at.date()
            draft.guess(f"timeline (line {line})", at.date().isoformat(), f"a bare time after {entries[-1].at.strftime('%H:%M')}: read as the next day")
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
                    draft.map("time zone", f"line {number}: '{_quote(stripped)}'")
                elif entries and piece.kind == "paragraph" and entries[-1].line >= piece.line:
                    entries[-1].event += " " + stripped  # a wrapped line of the entry above
                else:
                    leftovers.append(stripped)
        elif piece.kind == "list":
            for item in piece.items:
                first, _, more = item.text.partition("\n")
                if add(first, item.line):
                    if more.strip():
                        entries[-1].event += "\n" + more.strip() if entries and entries[-1].line == item.line else ""
                    continue
                leftovers.append(f"- {item.text}")
        elif piece.kind == "table":
            header = [_norm(h) for h in piece.header]
            time_col = next((i for i, h in enumerate(header) if re.search(r"\b(?:time|timestamp|when|utc|at)\b", h)), None)
            date_col = next((i for i, h in enumerate(header) if h == "date" and i != time_col), None)
            event_col = next((i for i, h in enumerate(header) if re.search(r"\b(?:event|description|what|activity|action|happened|details|update)\b", h)), None)
            if time_col is None:
                time_col = 0
            if event_col is None:
                event_col = next((i for i in range(len(header)) if i not in (time_col, date_col)), None)
            zone_name = moments.zone_in_text(" ".join(piece.header)) or zone_name
            for row, number in zip(piece.rows, piece.row_lines):
                cells = row + [""] * (len(header) - len(row))
                stamp = (cells[date_col] + " " if date_col is not None else "") + cells[time_col]
                others = [f"{piece.header[i]}: {c}" for i, c in enumerate(cells) if i not in (time_col, date_col, event_col) and c]
                event = cells[event_col] if event_col is not None else ""
                if not add(f"{stamp} - {event}".strip(), number, "; ".join(others)):
                    leftovers.append("| " + " | ".join(cells) + " |")
        elif piece.source.strip():
            leftovers.append(piece.source.strip())
    return entries, leftovers


# -- action items ---------------------------------------------------------------------------------

_TYPES = (
    ("prevent", r"^(?:prevent(?:ion|ive|ative)?|fix(?:es)?|repair|long[- ]term)$"),
    ("mitigate", r"^(?:mitigat(?:e|ion|ions)|remediat(?:e|ion)|short[- ]term|workaround)$"),
    ("detect", r"^(?:detect(?:ion)?|monitor(?:ing)?|alert(?:ing)?|observability)$"),
    ("process", r"^(?:process|documentation|docs|training|communication|other process)$"),
)
_ROLES = (
    ("action", r"\b(?:action|item|task|description|what|follow up|corrective|remediation|title|summary)\b"),
    ("owner", r"\b(?:owner|assignee|assigned|who|dri|responsible)\b"),
    ("type", r"\b(?:type|category|kind)\b"),
    ("tracker", r"\b(?:bug|ticket|issue|link|tracker|jira|reference|ref|url)\b"),
    ("due", r"\b(?:due|target|deadline|by when|eta|when)\b"),
    ("status", r"\b(?:status|state|done)\b"),
)


def action_type(text: str) -> Optional[str]:
    value = _norm(text)
    for name, pattern in _TYPES:
        if re.match(pattern, value):
            return name
    return None


def action_status(text: str) -> Optional[str]:
    value = _norm(text)
    if re.search(r"\b(?:done|closed|fixed|resolved|complete|completed|shipped)\b", value):
        return "done"
    if re.search(r"\b(?:in progress|started|doing|wip|ongoing)\b", value):
        return "in-progress"
    if re.search(r"\b(?:wont fix|wontfix|dropped|cancelled|canceled|wont do|rejected)\b", value):
        return "dropped"
    if re.search(r"\b(?:open|todo|to do|new|planned|backlog|not started)\b", value):
        return "open"
    return None


_TRACKER = re.compile(r"\[[A-Z][A-Z0-9]+-\d+\]\([^)]+\)|\b[A-Z][A-Z0-9]+-\d+\b|(?<![\w/])#\d+\b|https?://\S+|\b[Bb]ug \d+\b")
_OWNER = re.compile(r"(?:owner|assignee|assigned to|dri)\s*[:=]?\s*@?([\w.-]+)|(?<![\w.])@([A-Za-z][\w.-]*[A-Za-z0-9])", re.IGNORECASE)
_DUE = re.compile(rf"(?:due|by|target|deadline)?\s*[:=]?\s*({moments.DATE_PATTERN})", re.IGNORECASE)


def read_actions(section: Section, draft: Draft) -> tuple[list[dict[str, Any]], list[str]]:
    items: list[dict[str, Any]] = []
    leftovers: list[str] = []
    kind: Optional[str] = action_type(section.type_hint) if section.type_hint else None

    def add(text: str, line: int, owner: str = "", due: str = "", type_text: str = "", tracker: str = "", status_text: str = "", checked: Optional[bool] = None, extra: str = "") -> None:
        text = text.strip()
        tag = re.match(r"^\[(\w[\w -]*)\]\s*", text)
        if tag and action_type(tag.group(1)):
            type_text = type_text or tag.group(1)
            text = text[tag.end() :]
        if not text:
            return
        entry: dict[str, Any] = {"id": f"A{len(items) + 1}", "action": text}
        where = f"line {line}"
        if not owner:
            found = _OWNER.search(text)
            if found:
                owner = found.group(1) or found.group(2)
        if owner and _person(owner).lower() not in ("", "n/a", "na", "none", "tbd", "-", "?"):
            entry["owner"] = _person(owner)
        due_text = due or ""
        if not due_text:
            found_due = _DUE.search(text)
            due_text = found_due.group(1) if found_due else ""
        if due_text:
            parsed = moments.parse_date(due_text.strip())
            if parsed:
                entry["due"] = parsed.isoformat()
            elif due:
                entry["action"] += f" (due: {due})"
                draft.guess(f"action_items.{entry['id']}.due", "kept in the action text", f"'{due}' is not a date ({where})")
        status = None
        if checked is not None:
            status = "done" if checked else "open"
        for candidate in (status_text, tracker, text):
            if status is None and candidate:
                upper = re.search(r"\b(DONE|TODO|IN PROGRESS|WONTFIX|DROPPED)\b", candidate)
                status = action_status(upper.group(1)) if upper else (action_status(candidate) if candidate is status_text else None)
        entry["status"] = status or "open"
        chosen = action_type(type_text) if type_text else kind
        if chosen:
            entry["type"] = chosen
        elif type_text and _norm(type_text) not in ("other", "n a", ""):
            extra = f"{extra}; type: {type_text}".strip("; ")
        tracker_text = re.sub(r"\*\*?(?:DONE|TODO|IN PROGRESS)\*\*?|\b(?:DONE|TODO)\b", "", tracker).strip(" -–")
        if tracker_text and _norm(tracker_text) not in ("n a", "na", "none", ""):
            entry["action"] += f" (tracker: {tracker_text})"
        if extra:
            entry["action"] += f" ({extra})"
        items.append(entry)

    for piece in section.pieces:
        if piece.kind == "heading":
            kind = action_type(piece.title)
            if kind is None:
                leftovers.append(f"**{piece.title}**")
        elif piece.kind == "list":
            for item in piece.items:
                add(item.text, item.line, checked=item.checked)
        elif piece.kind == "table":
            roles: dict[str, int] = {}
            for index, head in enumerate(piece.header):
                name = _norm(head)
                for role, pattern in _ROLES:
                    if role not in roles and re.search(pattern, name):
                        roles[role] = index
                        break
            if "action" not in roles:
                roles["action"] = next((i for i in range(len(piece.header)) if i not in roles.values()), 0)
            for row, number in zip(piece.rows, piece.row_lines):
                cells = row + [""] * (len(piece.header) - len(row))
                get = lambda role: cells[roles[role]] if role in roles else ""  # noqa: E731
                others = "; ".join(f"{plain(piece.header[i])}: {c}" for i, c in enumerate(cells) if i not in roles.values() and c and not re.match(r"^#?$", plain(piece.header[i])))
                add(get("action"), number, get("owner"), get("due"), get("type"), get("tracker"), get("status"), extra=others)
        elif piece.kind == "paragraph":
            for number, line in piece.lines():
                if line.strip():
                    leftovers.append(line.strip())
        elif piece.source.strip():
            leftovers.append(piece.source.strip())
    return items, leftovers


# -- the whole document ---------------------------------------------------------------------------


def _template_of(keys: set[str], titles: set[str]) -> str:
    if {"leadup", "fault"} & titles or "five whys" in titles and "recovery" in titles:
        return "Atlassian"
    if "impact and metrics" in titles or "detection and response" in titles:
        return "GitLab"
    if "where we got lucky" in titles or ("trigger" in titles and "root causes" in titles):
        return "Google SRE"
    if "what happened" in titles and ("contributing factors" in titles or "responders" in titles):
        return "PagerDuty"
    return "free-form"


def _heading(section: Section) -> str:
    """A section's heading inside `context`: `###` for the document's main sections, `####` below them."""
    return f"{'###' if section.level <= 2 or section.level == 99 else '####'} {plain(section.title)}"


def read_postmortem(path: Path, text: str, options: Options) -> Draft:
    """The draft record for one postmortem; ImportProblem when it cannot become one."""
    if not text.strip():
        raise ImportProblem(1, "the file is empty")
    if "\x00" in text:
        raise ImportProblem(1, "not a text file")
    draft = Draft(path, text)
    title, sections, fields = sections_of(text)
    titles = {_norm(s.title) for s in sections if s.title}
    draft.template = _template_of({s.key or "" for s in sections}, titles)
    values = draft.values
    by_key: dict[str, list[FieldLine]] = {}
    for line in fields:
        by_key.setdefault(line.key or "", []).append(line)
    field_source = lambda f: f'"{f.label}:" (line {f.line})'  # noqa: E731

    # Title.
    if title:
        name = _TITLE_SUFFIX.sub("", _TITLE_PREFIX.sub("", title[0])).strip() or title[0]
        values["title"] = name[:200]
        draft.map("title", f"the first heading (line {title[1]})")
    elif by_key.get("title"):
        values["title"] = plain(by_key["title"][0].value)[:200]
        draft.map("title", field_source(by_key["title"][0]))
    else:
        values["title"] = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()[:200] or "Imported postmortem"
        draft.guess("title", values["title"], "the file name (the document has no heading)")

    values["kind"] = "incident"
    if by_key.get("kind"):
        kind_text = _norm(by_key["kind"][0].value)
        if kind_text in ("near miss", "nearmiss", "success"):
            values["kind"] = "near-miss" if kind_text != "success" else "success"
            draft.map("kind", field_source(by_key["kind"][0]))

    # Severity.
    severity = None
    for line in by_key.get("severity", []):
        found = _severity(line.value)
        if found:
            severity = found[0]
            (draft.guess("severity", severity, f"{field_source(line)}: '{_quote(line.value)}'") if found[1] else draft.map("severity", field_source(line)))
            break
    if severity is None:
        for number, line in enumerate(text.split("\n"), 1):
            written = re.search(r"\bSEV(?:ERITY)?[- ]?([0-4])\b", line, re.IGNORECASE)
            if written:
                severity = f"SEV{max(1, int(written.group(1)))}"
                draft.guess("severity", severity, f"line {number}: '{_quote(written.group(0))}'")
                break
    if severity is None and options.severity:
        severity = options.severity
        draft.map("severity", "--severity")
    if severity:
        values["severity"] = severity
    elif values["kind"] == "incident":
        raise ImportProblem(0, "no severity in the source (a 'Severity:' line); pass --severity for files without one")

    # Times: the zone first, then the field lines, then the timeline.
    document_zone = None
    for line in by_key.get("timezone", []):
        document_zone = moments.zone_in_text("(" + line.value + ")") or line.value.strip()
    if document_zone is None:
        for section in sections[:1]:
            for piece in section.pieces:
                document_zone = document_zone or (moments.zone_in_text(piece.source) if len(piece.source) < 80 else None)
    clock = Clock(draft, document_zone, options.timezone)

    def field_moment(line: FieldLine) -> tuple[Optional[datetime], Optional[date]]:
        value = plain(line.value)
        lead = moments.leading(value)
        if lead is None:
            return None, None
        if lead.time and lead.day:
            return moments.moment(lead.day, lead.time, clock.zone_for(lead.zone or moments.zone_in_text(value), None, line.line)), lead.day
        return None, lead.day

    for line in by_key.get("occurred", [])[:1]:
        lead = moments.leading(plain(line.value))
        if clock.document_zone is None and lead and lead.zone:
            clock.document_zone = lead.zone  # `Incident Date: March 3, 2024 2:10 PM PST`: the document's zone
    occurred = detected = resolved = None
    day: Optional[date] = None
    for name in ("occurred", "detected", "resolved"):
        for line in by_key.get(name, []):
            at, found_day = field_moment(line)
            if name == "occurred" and found_day and day is None:
                day = found_day
            if at is not None:
                if name == "occurred":
                    occurred = (at, field_source(line), False)
                elif name == "detected":
                    detected = (at, field_source(line), False)
                else:
                    resolved = (at, field_source(line), False)
                break
            if found_day is None and name != "occurred" and line.value.strip():
                lead = moments.leading(plain(line.value))
                if lead and lead.time and day:
                    at = moments.moment(day, lead.time, clock.zone_for(lead.zone, None, line.line))
                    if name == "detected":
                        detected = (at, field_source(line), False)
                    else:
                        resolved = (at, field_source(line), False)
                    break

    timeline: list[Entry] = []
    context: list[str] = []
    mapped_once: set[str] = set()
    for section in sections:
        if section.key == "timeline":
            entries, leftovers = read_timeline(section, day or (occurred[0].date() if occurred else None), clock, draft)
            if entries:
                draft.map("timeline", f"{section.where()}: {len(entries)} entries")
            timeline.extend(entries)
            if leftovers:
                context.append(f"{_heading(section)}\n\n" + "\n\n".join(leftovers))
    if timeline and any(b.at < a.at for a, b in zip(timeline, timeline[1:])):
        timeline.sort(key=lambda e: e.at)
        draft.guess("timeline", "sorted by time", "the source lists some entries out of order")
    if timeline:
        values["timeline"] = [{"at": moments.timestamp(e.at), "event": e.event} for e in timeline]

    if occurred is None and timeline:
        first = timeline[0]
        occurred = (first.at, f"the first timeline entry (line {first.line}): '{_quote(first.event)}'", True)
    if occurred is None and day is not None:
        line = by_key["occurred"][0]
        at = moments.moment(day, (0, 0, 0), clock.zone_for(None, None, line.line))
        occurred = (at, f"{field_source(line)} gives only the date: midnight", True)
    if occurred is None:
        stem = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
        if stem and moments.parse_date(stem.group(1)):
            occurred = (moments.moment(moments.parse_date(stem.group(1)), (0, 0, 0), moments.UTC), f"the date in the file name '{path.name}': midnight UTC", True)
    if occurred is None:
        raise ImportProblem(0, "cannot tell when it happened: no date or start time in the field lines, no dated timeline, no date in the file name")
    values["occurred"] = moments.timestamp(occurred[0])
    (draft.guess("occurred", values["occurred"], occurred[1]) if occurred[2] else draft.map("occurred", occurred[1]))
    draft.year = occurred[0].year

    if detected is None and timeline:
        hit = next((e for e in timeline if _DETECTED_WORDS.search(e.event) and e.at >= occurred[0]), None)
        if hit:
            detected = (hit.at, f"timeline line {hit.line}: '{_quote(hit.event)}'", True)
    if resolved is None:
        hit = next((e for e in reversed(timeline) if _RESOLVED_WORDS.search(e.event)), None)
        if hit:
            resolved = (hit.at, f"timeline line {hit.line}: '{_quote(hit.event)}'", True)
    if resolved is None and by_key.get("duration"):
        line = by_key["duration"][0]
        length = moments.duration(line.value)
        if length:
            resolved = (occurred[0] + length, f"occurred + {field_source(line)} '{_quote(line.value)}'", True)
    for name, found, floor in (("detected", detected, occurred[0]), ("resolved", resolved, None)):
        if found is None:
            continue
        lower = floor if floor is not None else (detected[0] if detected and "detected" in values else occurred[0])
        if found[0] < lower:
            draft.guess(name, "left out", f"{found[1]} is before {'occurred' if floor is not None or 'detected' not in values else 'detected'}")
            continue
        values[name] = moments.timestamp(found[0])
        (draft.guess(name, values[name], found[1]) if found[2] else draft.map(name, found[1]))

    # Teams and the taxonomy term: the source's when they name known ones, else the options.
    teams: list[str] = []
    for line in by_key.get("teams", []):
        for part in re.split(r",|/|;|\band\b|&", plain(line.value)):
            slug = _slug(part)
            match = slug if slug in options.known_teams else next((t for t, title in options.known_teams.items() if _slug(title) == slug), None)
            if match and match not in teams:
                teams.append(match)
        if teams:
            draft.map("teams", field_source(line))
        elif line.value.strip():
            draft.detail_lines.append(f"- **{line.label}:** {line.value}")
            draft.guess("teams", "not used", f"{field_source(line)} names no team in teams.yaml: '{_quote(line.value)}'")
    if not teams and options.teams:
        teams = list(options.teams)
        draft.map("teams", "--team")
    if not teams:
        raise ImportProblem(0, "no team: the source names none from teams.yaml; pass --team")
    values["teams"] = teams

    term = None
    for line in by_key.get("term", []):
        value = plain(line.value).strip().strip("/").lower()
        candidates = [p for p in options.known_terms if p == value or p.rsplit("/", 1)[-1] == value or _slug(options.known_terms[p]) == _slug(value)]
        if len(candidates) == 1:
            term = candidates[0]
            draft.map("classification.primary", field_source(line))
            break
        draft.detail_lines.append(f"- **{line.label}:** {line.value}")
    if term is None and options.term:
        term = options.term
        draft.map("classification.primary", "--term (a first guess: correct it in the review)")
    if term is None:
        raise ImportProblem(0, "no taxonomy term: pass --term with the likeliest cause class (the review corrects it)")

    # Sections.
    contributing: list[str] = []
    whys: list[str] = []
    parent: Optional[Section] = None  # an unmapped heading with nothing but subsections: kept when one of them goes to context
    for section in sections:
        key = section.key
        body = section.markdown()
        if key in (None, "context") and not body:
            parent = section
            continue
        if key in (None, "context", "detection") and parent is not None and parent.level < section.level <= 6:
            context.append(_heading(parent))
        if section.level <= (parent.level if parent else 0) or key not in (None, "context", "detection"):
            parent = None
        if key in ("timeline", None, "context", "preamble") or not body:
            if key == "preamble" and body:
                if not any(s.key == "summary" and s.markdown() for s in sections):
                    values.setdefault("summary", body)
                    draft.guess("summary", "the text under the title", f"line {section.pieces[0].line} (there is no Summary section)")
                else:
                    context.append(body)
            elif key in (None, "context") and body:
                context.append(f"{_heading(section)}\n\n{body}")
            continue
        if key == "summary":
            if "summary" in values:
                context.append(f"{_heading(section)}\n\n{body}")
                continue
            values["summary"] = body
            draft.map("summary", section.where())
        elif key == "impact":
            values["impact"] = (values["impact"] + "\n\n" + body) if "impact" in values else body
            draft.map("impact", section.where())
        elif key == "cause" and all(re.match(r"^(?:why\b|\d+[.)]\s*why\b)", t, re.IGNORECASE) for t, _ in items_of(section)):
            whys.extend(t for t, _ in items_of(section))
            draft.map("root_cause.whys", f"{section.where()} (a list of whys)")
        elif key == "cause":
            if "cause" in values:
                contributing.append(body)
                draft.map("root_cause.contributing_factors", f"{section.where()} (a second cause section)")
                continue
            values["cause"] = body
            draft.map("root_cause.cause", section.where())
        elif key == "contributing":
            contributing.extend(t for t, _ in items_of(section))
            draft.map("root_cause.contributing_factors", section.where())
        elif key == "trigger":
            contributing.insert(0, f"Trigger: {body}")
            draft.map("root_cause.contributing_factors", f"{section.where()} (the trigger)")
            if _CHANGE_WORDS.search(body) and "caused_by_change" not in values:
                values["caused_by_change"] = True
                draft.guess("caused_by_change", "true", f"{section.where()}: '{_quote(_CHANGE_WORDS.search(body).group(0))}'")
        elif key == "whys":
            whys.extend(t for t, _ in items_of(section))
            draft.map("root_cause.whys", section.where())
        elif key == "detection":
            found = classify_detection(body)
            if found and "detection" not in values:
                values["detection"] = found[0]
                draft.guess("detection", found[0], f"{section.where()}: '{found[1]}'")
            context.append(f"{_heading(section)}\n\n{body}")
        elif key in ("lessons", "went_well", "went_wrong", "got_lucky"):
            points = [t for t, _ in items_of(section)]
            values.setdefault(key, []).extend(points)
            if key not in mapped_once:
                draft.map(key, section.where())
                mapped_once.add(key)
        elif key == "actions":
            actions, leftovers = read_actions(section, draft)
            offset = len(values.get("action_items", []))
            for number, action in enumerate(actions, offset + 1):
                action["id"] = f"A{number}"
            if actions:
                values.setdefault("action_items", []).extend(actions)
                draft.map("action_items", f"{section.where()}: {len(actions)} items")
            if leftovers:
                context.append(f"{_heading(section)}\n\n" + "\n\n".join(leftovers))
    if "cause" in values and not contributing and _CHANGE_WORDS.search(values["cause"]) and "caused_by_change" not in values:
        pass  # a cause that mentions a deploy is not enough to say a change triggered it
    root: dict[str, Any] = {}
    if whys:
        root["whys"] = whys
    if "cause" in values:
        root["cause"] = values.pop("cause")
    if contributing:
        root["contributing_factors"] = contributing
    if root:
        values["root_cause"] = root
    values["classification"] = {"primary": term}

    # Review: only with a date (a facilitator without one stays in Details).
    review_line = next((l for l in by_key.get("review_date", []) if moments.parse_date(plain(l.value).split(" ")[0]) or moments.leading(plain(l.value))), None)
    lead = moments.leading(plain(review_line.value)) if review_line else None
    if review_line and lead and lead.day:
        review: dict[str, Any] = {"date": lead.day.isoformat()}
        draft.map("review.date", field_source(review_line))
        for line in by_key.get("facilitator", []):
            review["facilitator"] = _person(line.value)
            draft.map("review.facilitator", field_source(line))
        for line in by_key.get("participants", []):
            people = [_person(p) for p in re.split(r",|;", line.value) if _person(p)]
            if people:
                review["participants"] = list(dict.fromkeys(people))
                draft.map("review.participants", field_source(line))
        values["review"] = review
    else:
        for name in ("review_date", "facilitator", "participants"):
            for line in by_key.get(name, []):
                draft.detail_lines.append(f"- **{line.label}:** {line.value}")

    tags: list[str] = []
    for line in by_key.get("tags", []):
        for part in re.split(r"[,;]|\s+(?=~)", plain(line.value)):
            slug = _slug(part.replace("::", "-"))
            if slug and slug not in tags:
                tags.append(slug)
        if tags:
            draft.map("tags", field_source(line))
    if tags:
        values["tags"] = tags

    # Field lines nobody maps: listed in context, in source order.
    used = {"title", "occurred", "detected", "resolved", "severity", "teams", "tags", "kind", "term", "review_date", "facilitator", "participants", "timezone"}
    for line in fields:
        if line.key not in used or (line.key == "occurred" and values.get("occurred") and line is not (by_key.get("occurred") or [None])[0]):
            if line.key == "duration" or line.key is None or line.key == "occurred":
                draft.detail_lines.append(f"- **{line.label}:** {line.value}" if line.value else f"- **{line.label}**")
    if draft.detail_lines:
        context.insert(0, "### Details\n\n" + "\n".join(dict.fromkeys(draft.detail_lines)))
    if context:
        values["context"] = "\n\n".join(context)
        draft.map("context", f"{len(context)} section{'s' * (len(context) != 1)} without a field of their own, each under its heading")

    if "summary" not in values:
        values["summary"] = placeholders.INCIDENT_SUMMARY
        draft.missing.append("summary: the source has no summary; replace the placeholder")
    for name, label in (("impact", "impact"), ("root_cause", "root_cause.cause"), ("lessons", "lessons")):
        if name not in values or (name == "root_cause" and "cause" not in values["root_cause"]):
            draft.missing.append(f"{label}: not in the source" + (" (required once reviewed)" if name != "impact" else ""))
    if "review" not in values:
        draft.missing.append("review.date: when the review meeting took place (required once reviewed)")
    return draft

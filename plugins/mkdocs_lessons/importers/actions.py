"""An Action Items section (a table, a list, or groups under Prevention/Detection/... headings) as action items.

Table columns are matched by role (action, owner, type, tracker, due,
status); columns with no role are kept in the action text, as is a
tracker reference (`(tracker: PAY-812)`: the contract has no field for
it). In lists, `@handle` or `owner: x`, a date after `due`/`by`, a `[x]`
box and a `[prevent]` tag are read from the text, which is kept whole.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from mkdocs_lessons.importers import moments
from mkdocs_lessons.importers.draft import Draft
from mkdocs_lessons.importers.mdblocks import plain
from mkdocs_lessons.importers.sections import Section
from mkdocs_lessons.importers.vocabulary import norm, person

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
    value = norm(text)
    for name, pattern in _TYPES:
        if re.match(pattern, value):
            return name
    return None


def action_status(text: str) -> Optional[str]:
    value = norm(text)
    if re.search(r"\b(?:done|closed|fixed|resolved|complete|completed|shipped)\b", value):
        return "done"
    if re.search(r"\b(?:in progress|started|doing|wip|ongoing)\b", value):
        return "in-progress"
    if re.search(r"\b(?:wont fix|wontfix|dropped|cancelled|canceled|wont do|rejected)\b", value):
        return "dropped"
    if re.search(r"\b(?:open|todo|to do|new|planned|backlog|not started)\b", value):
        return "open"
    return None


_TRACKER = re.compile(
    r"\[[A-Z][A-Z0-9]+-\d+\]\([^)]+\)|\b[A-Z][A-Z0-9]+-\d+\b|(?<![\w/])#\d+\b|https?://\S+|\b[Bb]ug \d+\b"
)
_OWNER = re.compile(
    r"(?:owner|assignee|assigned to|dri)\s*[:=]?\s*@?([\w.-]+)|(?<![\w.])@([A-Za-z][\w.-]*[A-Za-z0-9])", re.IGNORECASE
)
_DUE = re.compile(rf"(?:due|by|target|deadline)?\s*[:=]?\s*({moments.DATE_PATTERN})", re.IGNORECASE)


def read_actions(section: Section, draft: Draft) -> tuple[list[dict[str, Any]], list[str]]:
    items: list[dict[str, Any]] = []
    leftovers: list[str] = []
    kind: Optional[str] = action_type(section.type_hint) if section.type_hint else None

    def add(
        text: str,
        line: int,
        owner: str = "",
        due: str = "",
        type_text: str = "",
        tracker: str = "",
        status_text: str = "",
        checked: Optional[bool] = None,
        extra: str = "",
    ) -> None:
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
        if owner and person(owner).lower() not in ("", "n/a", "na", "none", "tbd", "-", "?"):
            entry["owner"] = person(owner)
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
                draft.guess(
                    f"action_items.{entry['id']}.due", "kept in the action text", f"'{due}' is not a date ({where})"
                )
        status = None
        if checked is not None:
            status = "done" if checked else "open"
        for candidate in (status_text, tracker, text):
            if status is None and candidate:
                upper = re.search(r"\b(DONE|TODO|IN PROGRESS|WONTFIX|DROPPED)\b", candidate)
                status = (
                    action_status(upper.group(1))
                    if upper
                    else (action_status(candidate) if candidate is status_text else None)
                )
        entry["status"] = status or "open"
        chosen = action_type(type_text) if type_text else kind
        if chosen:
            entry["type"] = chosen
        elif type_text and norm(type_text) not in ("other", "n a", ""):
            extra = f"{extra}; type: {type_text}".strip("; ")
        tracker_text = re.sub(r"\*\*?(?:DONE|TODO|IN PROGRESS)\*\*?|\b(?:DONE|TODO)\b", "", tracker).strip(" -–")
        if tracker_text and norm(tracker_text) not in ("n a", "na", "none", ""):
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
                name = norm(head)
                for role, pattern in _ROLES:
                    if role not in roles and re.search(pattern, name):
                        roles[role] = index
                        break
            if "action" not in roles:
                roles["action"] = next((i for i in range(len(piece.header)) if i not in roles.values()), 0)
            for row, number in zip(piece.rows, piece.row_lines):
                cells = row + [""] * (len(piece.header) - len(row))
                by_role = {role: cells[index] for role, index in roles.items()}
                # Columns with no role (priority, notes) stay in the action text; a bare `#` numbering column does not.
                others = "; ".join(
                    f"{plain(piece.header[i])}: {c}"
                    for i, c in enumerate(cells)
                    if i not in roles.values() and c and not re.match(r"^#?$", plain(piece.header[i]))
                )
                add(
                    by_role.get("action", ""),
                    number,
                    by_role.get("owner", ""),
                    by_role.get("due", ""),
                    by_role.get("type", ""),
                    by_role.get("tracker", ""),
                    by_role.get("status", ""),
                    extra=others,
                )
        elif piece.kind == "paragraph":
            for _number, line in piece.lines():
                if line.strip():
                    leftovers.append(line.strip())
        elif piece.source.strip():
            leftovers.append(piece.source.strip())
    return items, leftovers

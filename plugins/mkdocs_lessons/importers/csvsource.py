"""Rows of a tracker or incident-tool CSV export onto the record contract, as a map file says.

A map (`MAP.yaml`) names the column that feeds each field, how dates are
written (a `strptime` format and the zone of times written without one),
how values translate (`Highest` -> `SEV1`, a component -> a team), and
which statuses mean "import" or "skip". Every column the map does not use
is kept under "Details" in `context`: nothing in the row is dropped.
Examples for a Jira issue export and a PagerDuty incident export are in
`examples/import-maps/`.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import yaml

from mkdocs_lessons.checks import placeholders
from mkdocs_lessons.importers import moments
from mkdocs_lessons.importers.draft import Draft, ImportProblem, Options
from mkdocs_lessons.importers.postmortem import classify_detection, severity_of
from mkdocs_lessons.importers.vocabulary import slug

FIELDS = (
    "title",
    "occurred",
    "detected",
    "resolved",
    "summary",
    "impact",
    "context",
    "severity",
    "teams",
    "tags",
    "cause",
    "detection",
    "key",
    "status",
    "kind",
)
MAP_KEYS = ("columns", "dates", "values", "statuses", "defaults")


class MapError(ValueError):
    """A map file that cannot be used; the message names the key."""


def read_map(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise MapError(f"{path}: cannot read it: {problem}") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise MapError(f"{where}: not valid YAML: {getattr(problem, 'problem', problem)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise MapError(
            f"{path}: a map needs `columns:`, a mapping of field -> column name (fields: {', '.join(FIELDS)})"
        )
    for key in data:
        if key not in MAP_KEYS:
            raise MapError(f"{path}: unknown key '{key}' (keys: {', '.join(MAP_KEYS)})")
    for name in data["columns"]:
        if name not in FIELDS:
            raise MapError(f"{path}: [columns.{name}] is not a field an import fills (fields: {', '.join(FIELDS)})")
    zone_name = (data.get("dates") or {}).get("timezone")
    if zone_name:
        try:
            moments.zone(str(zone_name))
        except moments.ZoneError as problem:
            raise MapError(f"{path}: [dates.timezone] {problem}") from None
    return data


def rows(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    """(line, row) for every data row; a repeated column name (Jira's `Labels`) keeps every value, joined by commas."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportProblem(1, "the file is empty") from None
    out = []
    line = 2
    for record in reader:
        row: dict[str, str] = {}
        for name, value in zip(header, record):
            name = name.strip()
            if value.strip():
                row[name] = f"{row[name]}, {value.strip()}" if name in row else value.strip()
        if row:
            out.append((line, row))
        line = reader.line_num + 1
    return out


def _when(text: str, spec: dict[str, Any], fallback_zone: Optional[str]) -> Optional[datetime]:
    """The moment a cell names, in the map's date format or ISO 8601; None when it names none (or a year no postmortem
    has).
    """
    found = _moment(text, spec, fallback_zone)
    return found if found is not None and moments.YEARS[0] <= found.year <= moments.YEARS[1] else None


def _moment(text: str, spec: dict[str, Any], fallback_zone: Optional[str]) -> Optional[datetime]:
    value = text.strip()
    zone_name = spec.get("timezone") or fallback_zone or "UTC"
    fmt = spec.get("format")
    if fmt:
        try:
            parsed = datetime.strptime(value, str(fmt))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=moments.zone(str(zone_name)))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=moments.zone(str(zone_name)))
    except ValueError:
        pass
    lead = moments.leading(value)
    if lead and lead.day:
        return moments.moment(lead.day, lead.time or (0, 0, 0), moments.zone(lead.zone or str(zone_name)))
    return None


def read_row(path: Path, line: int, row: dict[str, str], mapping: dict[str, Any], options: Options) -> Optional[Draft]:
    """The draft for one row; None when its status says skip."""
    columns: dict[str, Any] = mapping["columns"]
    translate: dict[str, dict[str, str]] = mapping.get("values") or {}
    dates: dict[str, Any] = mapping.get("dates") or {}
    defaults: dict[str, Any] = mapping.get("defaults") or {}
    draft = Draft(path, "")
    draft.template = "CSV row"
    values = draft.values
    used: set[str] = set()

    def cell(name: str) -> str:
        column = columns.get(name)
        if isinstance(column, list):
            parts = [row.get(c, "") for c in column]
            used.update(column)
            return "\n\n".join(p for p in parts if p)
        if column:
            used.add(column)
            return row.get(column, "")
        return ""

    where = lambda name: f"column '{columns[name]}' (line {line})"  # noqa: E731
    status = cell("status")
    decision = (mapping.get("statuses") or {}).get(status, "import") if status else "import"
    if decision == "skip":
        return None
    values["title"] = (cell("title") or f"Imported row {line}")[:200]
    draft.map("title", where("title")) if columns.get("title") else draft.guess(
        "title", values["title"], f"line {line} has no title column"
    )
    values["kind"] = "incident"
    severity_text = cell("severity")
    severity = translate.get("severity", {}).get(severity_text) if severity_text else None
    if severity:
        values["severity"] = severity
        draft.map("severity", f"{where('severity')} through values.severity")
    elif severity_text and (graded := severity_of(severity_text)):
        values["severity"], guessed = graded
        (
            draft.guess("severity", values["severity"], f"{where('severity')}: '{severity_text}'")
            if guessed
            else draft.map("severity", where("severity"))
        )
    elif options.severity or defaults.get("severity"):
        values["severity"] = options.severity or defaults["severity"]
        draft.map("severity", "--severity" if options.severity else "defaults.severity")
    else:
        raise ImportProblem(
            line,
            (
                f"no severity (column {columns.get('severity')!r} is empty or unknown: add it under values.severity, "
                "or pass --severity)"
            ),
        )
    for name in ("occurred", "detected", "resolved"):
        text = cell(name)
        if not text:
            continue
        at = _when(text, dates, options.timezone)
        if at is None:
            raise ImportProblem(line, f"[{name}] '{text}' does not match dates.format {dates.get('format')!r}")
        values[name] = moments.timestamp(at)
        draft.map(name, where(name))
    if "occurred" not in values:
        raise ImportProblem(line, f"no start time (column {columns.get('occurred')!r} is empty)")
    draft.year = int(values["occurred"][:4])
    for later in ("detected", "resolved"):
        if (
            later in values and values[later] < values["occurred"]
        ):  # same offsets in one export: text order is time order
            draft.guess(later, "left out", f"{where(later)} is before occurred")
            del values[later]
    teams: list[str] = []
    for part in re.split(r"[,;]", cell("teams")):
        part = part.strip()
        if not part:
            continue
        team = translate.get("teams", {}).get(part) or slug(part)
        if team in options.known_teams and team not in teams:
            teams.append(team)
    if teams:
        draft.map("teams", where("teams"))
    else:
        teams = list(options.teams or defaults.get("teams") or [])
        if not teams:
            raise ImportProblem(
                line, "no team: the row names none from teams.yaml (map names under values.teams, or pass --team)"
            )
        draft.map("teams", "--team" if options.teams else "defaults.teams")
    values["teams"] = teams
    for name in ("summary", "impact"):
        text = cell(name)
        if text:
            values[name] = text
            draft.map(name, where(name))
    detection = cell("detection")
    if detection:
        found = translate.get("detection", {}).get(detection) or (classify_detection(detection) or (None,))[0]
        if found in ("alert", "customer", "employee", "audit", "other"):
            values["detection"] = found
            draft.guess("detection", found, f"{where('detection')}: '{detection}'")
    cause = cell("cause")
    if cause:
        values["root_cause"] = {"cause": cause}
        draft.map("root_cause.cause", where("cause"))
    tags = [slug(t) for t in re.split(r"[,;\s]+", cell("tags")) if slug(t)]
    if tags:
        values["tags"] = list(dict.fromkeys(tags))
        draft.map("tags", where("tags"))
    term = options.term or defaults.get("term")
    if not term:
        raise ImportProblem(line, "no taxonomy term: pass --term (or set defaults.term in the map)")
    values["classification"] = {"primary": term}
    draft.map(
        "classification.primary",
        "--term (a first guess: correct it in the review)" if options.term else "defaults.term",
    )
    context = cell("context")
    key = cell("key")
    details = [f"- **{name}:** {value}" for name, value in row.items() if name not in used and value]
    parts = (["### Details\n\n" + "\n".join(details)] if details else []) + ([context] if context else [])
    if status:
        parts.insert(0, f"Status in the source: {status}")
    if parts:
        values["context"] = "\n\n".join(parts)
        draft.map("context", "the columns the map does not use, under Details")
    if key:
        draft.values["_key"] = key
    if "summary" not in values:
        values["summary"] = placeholders.INCIDENT_SUMMARY
        draft.missing.append("summary: the row has none; replace the placeholder")
    draft.missing += ["root_cause.cause: not in the row (required once reviewed)"] if "root_cause" not in values else []
    draft.missing += [
        "lessons: not in the row (required once reviewed)",
        "review.date: when the review meeting took place (required once reviewed)",
    ]
    return draft

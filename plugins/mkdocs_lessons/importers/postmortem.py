"""One Markdown postmortem onto the record contract.

The four public templates (Google SRE book/workbook, PagerDuty, Atlassian,
GitLab) and the variations people make of them share a vocabulary of
section names (`vocabulary.py`); `sections.py` finds the sections and field
lines, `timeline.py` and `actions.py` read those two sections, and this
module decides what each section and field line becomes. Sections the
contract has no field for go into `context` under their own heading, and
field lines that made no value go into a "Details" list there: nothing in
the source is dropped.

Every value records where it came from: `mapped` (a section or field line
named for it), `guessed` (read from free text: detection from the
Detection text, detected/resolved from timeline wording, a severity from
`P1`), and `missing` (what a reviewer must add). The header comment of the
record lists all three.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

from mkdocs_lessons.checks import placeholders
from mkdocs_lessons.importers import moments
from mkdocs_lessons.importers.actions import read_actions
from mkdocs_lessons.importers.draft import Draft, ImportProblem, Options
from mkdocs_lessons.importers.mdblocks import plain
from mkdocs_lessons.importers.sections import FieldLine, Section, items_of, sections_of
from mkdocs_lessons.importers.timeline import Clock, Entry, read_timeline
from mkdocs_lessons.importers.vocabulary import norm, person, quote, slug

# Words that tell how an incident was noticed, and that a change set it off (both noted as guesses).
_DETECTION_WORDS = (
    (
        "alert",
        r"\balert(?:s|ed|ing)?\b|\balarm|\bpage[ds]?\b|\bpaging\b|\bmonitor(?:ing|s)?\b|pagerduty|opsgenie|borgmon|prometheus|datadog|nagios|grafana|synthetic|\bprobe",
    ),
    (
        "customer",
        (
            r"\bcustomers?\b|\buser reports?\b|users? reported|support (?:ticket|case|request)s?|\btwitter\b|"
            r"social media|complain"
        ),
    ),
    (
        "employee",
        (
            r"\bemployees?\b|\bengineers? noticed|\bstaff\b|colleague|team member|\bwe noticed|noticed by|"
            r"internal report|\bmanually\b"
        ),
    ),
    ("audit", r"\baudit"),
)
_CHANGE_WORDS = re.compile(
    (
        r"\b(?:deploy(?:ed|ment|s)?|release[ds]?|config(?:uration)? (?:change|push)|rollout|"
        r"rolled out|migration|upgrade[ds]?|pushed)\b"
    ),
    re.IGNORECASE,
)
_DETECTED_WORDS = re.compile(
    r"\b(?:alert(?:s|ed)?|alarm|paged|page[ds]?|detected|noticed|reported|fired|escalated)\b", re.IGNORECASE
)
_RESOLVED_WORDS = re.compile(
    (
        r"\b(?:resolved|restored|recovered|back to normal|all[- ]clear|service (?:is )?healthy|"
        r"incident (?:ends|ended|closed))\b"
    ),
    re.IGNORECASE,
)
_TITLE_PREFIX = re.compile(
    (
        r"^(?:post[- ]?mortem|incident (?:review|post[- ]?mortem|report)|rca|"
        r"root cause analysis|retrospective|pir)\s*[:\-–—]\s*"
    ),
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(
    r"\s*[:\-–—]?\s*(?:post[- ]?mortem|incident review)(?:\s*\(incident #?\d+\))?$", re.IGNORECASE
)


def severity_of(text: str) -> Optional[tuple[str, bool]]:
    """(SEVn, guessed) from `SEV2`, `Sev-2`, `S2`, `severity::2`, `2`, `P1`, `Critical`."""
    value = plain(text).strip().lower()
    match = re.match(r"^(?:sev(?:erity)?\s*[-:]*\s*|s)?([0-4])\b", value)
    if match:
        number = int(match.group(1))
        return f"SEV{max(1, number)}", number == 0
    match = re.match(r"^p\s*-?([0-4])\b", value)
    if match:
        return f"SEV{max(1, min(4, int(match.group(1))))}", True
    for words, sev in (
        (("critical", "blocker", "highest", "urgent"), "SEV1"),
        (("major", "high"), "SEV2"),
        (("medium", "moderate", "minor"), "SEV3"),
        (("low", "lowest", "cosmetic", "trivial"), "SEV4"),
    ):
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


_QUESTIONS = (
    ("occurred", re.compile(r"^when did (?:the incident|it|the impact) (?:start|begin)", re.IGNORECASE)),
    ("detected", re.compile(r"^when was (?:the incident|it) (?:detected|noticed)", re.IGNORECASE)),
    ("resolved", re.compile(r"^when was (?:the incident|it) (?:resolved|mitigated|over)", re.IGNORECASE)),
)


def _questions(sections: list[Section]) -> list[FieldLine]:
    """Times answered in a question table (`| Question | Answer |`): the table itself stays in the text."""
    found = []
    for section in sections:
        for piece in section.pieces:
            if piece.kind != "table" or len(piece.header) != 2:
                continue
            for row, number in zip(piece.rows, piece.row_lines):
                if len(row) == 2:
                    key = next((name for name, pattern in _QUESTIONS if pattern.match(plain(row[0]))), None)
                    if key:
                        found.append(FieldLine(plain(row[0]), key, row[1], number, ""))
    return found


def _line_of(section: Section, words: str) -> int:
    """The first line of a section that holds `words` (the section's own line when none does, as for a field line's
    value).
    """
    for piece in section.pieces:
        for number, line in piece.lines():
            if words.lower() in line.lower():
                return number
    return section.line


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
    titles = {norm(s.title) for s in sections if s.title}
    draft.template = _template_of({s.key or "" for s in sections}, titles)
    values = draft.values
    by_key: dict[str, list[FieldLine]] = {}
    for line in fields:
        by_key.setdefault(line.key or "", []).append(line)
    for line in _questions(sections):  # GitLab's `| When was the incident detected? | 2024-11-05 14:20 UTC |`
        by_key.setdefault(line.key or "", []).append(line)
    field_source = lambda f: (  # noqa: E731
        f'"{f.label}" (line {f.line})' if f.label.endswith("?") else f'"{f.label}:" (line {f.line})'
    )
    consumed: set[int] = set()  # field lines a value was made of; every other one is listed under Details
    use = consumed.add

    # Title.
    if title:
        name = _TITLE_SUFFIX.sub("", _TITLE_PREFIX.sub("", title[0])).strip() or title[0]
        values["title"] = name[:200]
        draft.map("title", f"the first heading (line {title[1]})")
    elif by_key.get("title"):
        values["title"] = plain(by_key["title"][0].value)[:200]
        draft.map("title", field_source(by_key["title"][0]))
        use(id(by_key["title"][0]))
    else:
        values["title"] = (
            path.stem.replace("-", " ").replace("_", " ").strip().capitalize()[:200] or "Imported postmortem"
        )
        draft.guess("title", values["title"], "the file name (the document has no heading)")

    values["kind"] = "incident"
    if by_key.get("kind"):
        kind_text = norm(by_key["kind"][0].value)
        if kind_text in ("near miss", "nearmiss", "success"):
            values["kind"] = "near-miss" if kind_text != "success" else "success"
            draft.map("kind", field_source(by_key["kind"][0]))
            use(id(by_key["kind"][0]))

    # Severity.
    severity = None
    for line in by_key.get("severity", []):
        graded = severity_of(line.value)
        if graded:
            severity = graded[0]
            (
                draft.guess("severity", severity, f"{field_source(line)}: '{quote(line.value)}'")
                if graded[1]
                else draft.map("severity", field_source(line))
            )
            use(id(line))
            break
    if severity is None:
        for number, text_line in enumerate(text.split("\n"), 1):
            written = re.search(r"\bSEV(?:ERITY)?[- ]?([0-4])\b", text_line, re.IGNORECASE)
            if written:
                severity = f"SEV{max(1, int(written.group(1)))}"
                draft.guess("severity", severity, f"line {number}: '{quote(written.group(0))}'")
                break
    if severity is None and options.severity:
        severity = options.severity
        draft.map("severity", "--severity")
    if severity:
        values["severity"] = severity
    elif values["kind"] == "incident":
        raise ImportProblem(1, "no severity in the source (a 'Severity:' line); pass --severity for files without one")

    # Times: the zone first, then the field lines, then the timeline.
    document_zone = None
    for line in by_key.get("timezone", []):
        document_zone = moments.zone_in_text("(" + line.value + ")") or line.value.strip()
        use(id(line))
    if document_zone is None:
        for section in sections[:1]:
            for piece in section.pieces:
                document_zone = document_zone or (
                    moments.zone_in_text(piece.source) if len(piece.source) < 80 else None
                )
    clock = Clock(draft, document_zone, options.timezone)

    def field_moment(line: FieldLine) -> tuple[Optional[datetime], Optional[date]]:
        value = plain(line.value)
        lead = moments.leading(value)
        if lead is None:
            return None, None
        if lead.time and lead.day:
            return moments.moment(
                lead.day, lead.time, clock.zone_for(lead.zone or moments.zone_in_text(value), None, line.line)
            ), lead.day
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
                use(id(line))
            if at is not None:
                use(id(line))
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
                    use(id(line))
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
                draft.map("timeline", f"{section.where()}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
            timeline.extend(entries)
            if leftovers:
                context.append(f"{_heading(section)}\n\n" + "\n\n".join(leftovers))
    early = [later for earlier, later in zip(timeline, timeline[1:]) if later.at < earlier.at]
    if early:
        timeline.sort(key=lambda e: e.at)
        lines = ", ".join(str(e.line) for e in early[:5])
        draft.guess(
            "timeline", "sorted by time", f"line{'s' * (len(early) != 1)} {lines}: earlier than the entry above"
        )
    if timeline:
        values["timeline"] = [{"at": moments.timestamp(e.at), "event": e.event} for e in timeline]

    if occurred is None and timeline:
        first = timeline[0]
        occurred = (first.at, f"the first timeline entry (line {first.line}): '{quote(first.event)}'", True)
    if occurred is None and day is not None:
        line = by_key["occurred"][0]
        at = moments.moment(day, (0, 0, 0), clock.zone_for(None, None, line.line))
        occurred = (at, f"{field_source(line)} gives only the date: midnight", True)
    if occurred is None:
        stem = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
        named_day = moments.parse_date(stem.group(1)) if stem else None
        if named_day:
            occurred = (
                moments.moment(named_day, (0, 0, 0), moments.UTC),
                f"the date in the file name '{path.name}': midnight UTC",
                True,
            )
    if occurred is None:
        raise ImportProblem(
            1,
            (
                "cannot tell when it happened: no date or start time in the field lines, no dated timeline, no date in "
                "the file name"
            ),
        )
    values["occurred"] = moments.timestamp(occurred[0])
    (draft.guess("occurred", values["occurred"], occurred[1]) if occurred[2] else draft.map("occurred", occurred[1]))
    draft.year = occurred[0].year

    if detected is None and timeline:
        hit = next((e for e in timeline if _DETECTED_WORDS.search(e.event) and e.at >= occurred[0]), None)
        if hit:
            detected = (hit.at, f"timeline line {hit.line}: '{quote(hit.event)}'", True)
    if resolved is None:
        hit = next((e for e in reversed(timeline) if _RESOLVED_WORDS.search(e.event)), None)
        if hit:
            resolved = (hit.at, f"timeline line {hit.line}: '{quote(hit.event)}'", True)
    if resolved is None and by_key.get("duration"):
        line = by_key["duration"][0]
        length = moments.duration(line.value)
        if length:
            resolved = (occurred[0] + length, f"occurred + {field_source(line)} '{quote(line.value)}'", True)
    for name, found, floor in (("detected", detected, occurred[0]), ("resolved", resolved, None)):
        if found is None:
            continue
        lower = floor if floor is not None else (detected[0] if detected and "detected" in values else occurred[0])
        if found[0] < lower:
            draft.guess(
                name,
                "left out",
                f"{found[1]} is before {'occurred' if floor is not None or 'detected' not in values else 'detected'}",
            )
            continue
        values[name] = moments.timestamp(found[0])
        (draft.guess(name, values[name], found[1]) if found[2] else draft.map(name, found[1]))

    # Teams and the taxonomy term: the source's when they name known ones, else the options.
    teams: list[str] = []
    for line in by_key.get("teams", []):
        for part in re.split(r",|/|;|\band\b|&", plain(line.value)):
            wanted = slug(part)
            match = (
                wanted
                if wanted in options.known_teams
                else next((t for t, title in options.known_teams.items() if slug(title) == wanted), None)
            )
            if match and match not in teams:
                teams.append(match)
        if teams:
            draft.map("teams", field_source(line))
            use(id(line))
        elif line.value.strip():
            draft.guess("teams", "not used", f"{field_source(line)} names no team in teams.yaml: '{quote(line.value)}'")
    if not teams and options.teams:
        teams = list(options.teams)
        draft.map("teams", "--team")
    if not teams:
        raise ImportProblem(1, "no team: the source names none from teams.yaml; pass --team")
    values["teams"] = teams

    term = None
    for line in by_key.get("term", []):
        value = plain(line.value).strip().strip("/").lower()
        candidates = [
            p
            for p in options.known_terms
            if p == value or p.rsplit("/", 1)[-1] == value or slug(options.known_terms[p]) == slug(value)
        ]
        if len(candidates) == 1:
            term = candidates[0]
            draft.map("classification.primary", field_source(line))
            use(id(line))
            break
    if term is None and options.term:
        term = options.term
        draft.map("classification.primary", "--term (a first guess: correct it in the review)")
    if term is None:
        raise ImportProblem(1, "no taxonomy term: pass --term with the likeliest cause class (the review corrects it)")

    # Sections.
    contributing: list[str] = []
    whys: list[str] = []
    parent: Optional[Section] = (
        None  # an unmapped heading with nothing but subsections: kept when one of them goes to context
    )
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
                    draft.guess(
                        "summary",
                        "the text under the title",
                        f"line {section.pieces[0].line} (there is no Summary section)",
                    )
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
        elif key == "cause" and all(
            re.match(r"^(?:why\b|\d+[.)]\s*why\b)", t, re.IGNORECASE) for t, _ in items_of(section)
        ):
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
            changed = _CHANGE_WORDS.search(body)
            if changed and "caused_by_change" not in values:
                values["caused_by_change"] = True
                word = changed.group(0)
                draft.guess(
                    "caused_by_change",
                    "true",
                    f"line {_line_of(section, word)} under {section.where()}: '{quote(word)}'",
                )
        elif key == "whys":
            whys.extend(t for t, _ in items_of(section))
            draft.map("root_cause.whys", section.where())
        elif key == "detection":
            means = classify_detection(body)
            if means and "detection" not in values:
                values["detection"] = means[0]
                draft.guess(
                    "detection", means[0], f"line {_line_of(section, means[1])} under {section.where()}: '{means[1]}'"
                )
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
                draft.map("action_items", f"{section.where()}: {len(actions)} item{'s' * (len(actions) != 1)}")
            if leftovers:
                context.append(f"{_heading(section)}\n\n" + "\n\n".join(leftovers))
    if (
        "cause" in values
        and not contributing
        and _CHANGE_WORDS.search(values["cause"])
        and "caused_by_change" not in values
    ):
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
    review_line = next((f for f in by_key.get("review_date", []) if moments.leading(plain(f.value))), None)
    lead = moments.leading(plain(review_line.value)) if review_line else None
    if review_line and lead and lead.day:
        review: dict[str, Any] = {"date": lead.day.isoformat()}
        draft.map("review.date", field_source(review_line))
        if not lead.time and not lead.rest:
            use(id(review_line))  # a time or a note stays in Details
        for line in by_key.get("facilitator", []):
            review["facilitator"] = person(line.value)
            draft.map("review.facilitator", field_source(line))
            use(id(line))
        for line in by_key.get("participants", []):
            people = [person(p) for p in re.split(r",|;", line.value) if person(p)]
            if people:
                review["participants"] = list(dict.fromkeys(people))
                draft.map("review.participants", field_source(line))
                use(id(line))
        values["review"] = review

    tags: list[str] = []
    for line in by_key.get("tags", []):
        for part in re.split(r"[,;]|\s+(?=~)", plain(line.value)):
            tag = slug(part.replace("::", "-"))
            if tag and tag not in tags:
                tags.append(tag)
        if tags:
            draft.map("tags", field_source(line))
            use(id(line))
    if tags:
        values["tags"] = tags

    # Field lines nobody maps: listed in context, in source order.
    details = [
        f"- **{line.label}:** {line.value}" if line.value else f"- **{line.label}**"
        for line in fields
        if id(line) not in consumed
    ]
    if details:
        context.insert(0, "### Details\n\n" + "\n".join(details))
    if context:
        values["context"] = "\n\n".join(context)
        draft.map(
            "context",
            (
                f"{len(context)} part{'s' * (len(context) != 1)} with no field of "
                f"{'its' if len(context) == 1 else 'their'} own, under {'its' if len(context) == 1 else 'their'} "
                f"heading{'s' * (len(context) != 1)}"
            ),
        )

    if "summary" not in values:
        values["summary"] = placeholders.INCIDENT_SUMMARY
        draft.missing.append("summary: the source has no summary; replace the placeholder")
    for name, label in (("impact", "impact"), ("root_cause", "root_cause.cause"), ("lessons", "lessons")):
        if name not in values or (name == "root_cause" and "cause" not in values["root_cause"]):
            draft.missing.append(
                f"{label}: not in the source" + (" (required once reviewed)" if name != "impact" else "")
            )
    if "review" not in values:
        draft.missing.append("review.date: when the review meeting took place (required once reviewed)")
    return draft

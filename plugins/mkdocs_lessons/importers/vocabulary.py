"""The words postmortems are written in: section names, field labels, and small text helpers.

The four public templates (Google SRE book/workbook, PagerDuty, Atlassian,
GitLab) and the variations people make of them share a vocabulary;
`SECTIONS` lists the names each contract field is written under, `FIELDS`
the labels of one-line fields (`**Severity:** SEV2`, `Start time: ...`).
A name is compared after `norm()`: lowercase, no numbering, no
parenthesised note, no punctuation, so `1. Root Cause(s):` is `root causes`.
"""

from __future__ import annotations

import re
from typing import Optional

from mkdocs_lessons.importers.mdblocks import plain


def norm(text: str) -> str:
    """A heading or label as a lookup key: `1. Root Cause(s):` -> `root causes`."""
    value = plain(text).lower().replace("&", " and ").replace("’", "'")
    value = re.sub(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[a-z][.)])\s+", "", value)
    value = re.sub(r"\([^)]*\)", " ", value)  # `Timeline (UTC)`, `Root cause(s)`
    value = re.sub(r"[^a-z0-9 ]+", " ", value.replace("'", ""))
    return " ".join(value.split())


SECTIONS: dict[str, tuple[str, ...]] = {
    "summary": (
        "summary",
        "incident summary",
        "overview",
        "executive summary",
        "description",
        "tldr",
        "tl dr",
        "abstract",
        "synopsis",
        "incident overview",
    ),
    "impact": (
        "impact",
        "customer impact",
        "user impact",
        "impact and metrics",
        "impact assessment",
        "business impact",
        "impact analysis",
        "user impact summary",
        "who was affected",
        "customer facing impact",
    ),
    "cause": (
        "root cause",
        "root causes",
        "root cause s",
        "blameless root cause",
        "cause",
        "causes",
        "root cause analysis",
        "rca",
        "underlying cause",
        "root cause and trigger",
        "why it broke",
        "why it happened",
        "why did it happen",
        "what caused it",
        "cause of the incident",
    ),
    "contributing": (
        "contributing factors",
        "contributing factor",
        "contributing factor s",
        "contributors",
        "contributing conditions",
        "contributors enablers",
        "enablers",
    ),
    "trigger": ("trigger", "triggers", "triggering event", "triggering change"),
    "whys": ("five whys", "5 whys", "the five whys", "5 whys analysis", "five whys analysis", "whys"),
    "detection": (
        "detection",
        "detection and response",
        "how was it detected",
        "how it was detected",
        "detection method",
    ),
    "timeline": (
        "timeline",
        "timeline of events",
        "incident timeline",
        "chronology",
        "detailed timeline",
        "timeline detailed",
        "sequence of events",
        "timeline summary",
    ),
    "lessons": (
        "lessons learned",
        "lessons",
        "lessons learnt",
        "key takeaways",
        "takeaways",
        "what we learned",
        "learnings",
        "key learnings",
    ),
    "went_well": (
        "what went well",
        "what worked",
        "went well",
        "things that went well",
        "what worked well",
        "what went right",
    ),
    "went_wrong": (
        "what went wrong",
        "what didnt go so well",
        "what didnt work",
        "what went poorly",
        "what could be improved",
        "what can be improved",
        "where we can improve",
        "things that went wrong",
        "what went badly",
        "what didnt go well",
        "what could have gone better",
        "went wrong",
    ),
    "got_lucky": (
        "where we got lucky",
        "got lucky",
        "what we got lucky with",
        "where did we get lucky",
        "lucky",
        "where were we lucky",
        "where we were lucky",
    ),
    "actions": (
        "action items",
        "actions",
        "corrective actions",
        "follow up tasks",
        "follow up actions",
        "follow ups",
        "followups",
        "follow up",
        "remediation items",
        "next steps",
        "action plan",
        "preventive actions",
        "remediations",
        "action items and follow ups",
        "corrective action",
    ),
    # Sections with no field of their own: into `context` under their heading.
    "context": (
        "resolution",
        "recovery",
        "response",
        "leadup",
        "lead up",
        "fault",
        "what happened",
        "mitigation",
        "supporting information",
        "background",
        "related records",
        "incident response analysis",
        "post incident analysis",
        "messaging",
        "responders",
        "appendix",
        "context",
        "mitigators",
        "risks",
        "how d we do",
        "howd we do",
        "how did we do",
        "guidelines",
        "stabilization steps",
        "glossary",
        "recurrence",
        "backlog check",
        "blameless",
        "details",
        "metadata",
        "incident information",
        "basic information",
        "incident details",
    ),
}
SECTION_OF = {alias: key for key, aliases in SECTIONS.items() for alias in aliases}
#: Headings whose field lines (even unknown ones) are the record's metadata.
METADATA = {
    "details",
    "metadata",
    "incident information",
    "basic information",
    "incident details",
    "summary",
    "overview",
}

FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "incident title", "incident name", "incident"),
    "occurred": (
        "start time",
        "started",
        "start",
        "impact start",
        "impact start time",
        "incident start",
        "incident start time",
        "occurred",
        "date time",
        "date and time",
        "incident date and time",
        "incident date time",
        "date of incident",
        "incident date",
        "date",
        "began",
        "start of impact",
        "started at",
        "occurred at",
    ),
    "detected": (
        "detected",
        "detection time",
        "time detected",
        "detected at",
        "time of detection",
        "first alert",
        "paged at",
        "time of page",
    ),
    "resolved": (
        "resolved",
        "end time",
        "end",
        "impact end",
        "impact end time",
        "resolved at",
        "resolution time",
        "end of impact",
        "recovered",
        "time resolved",
        "ended",
        "recovered at",
    ),
    "duration": (
        "duration",
        "total duration",
        "minutes downtime or degradation",
        "downtime",
        "outage duration",
        "length",
    ),
    "severity": ("severity", "sev", "severity level", "priority", "incident severity", "impact level"),
    "teams": (
        "team",
        "teams",
        "team attribution",
        "owning team",
        "owning teams",
        "teams involved",
        "team s",
        "responsible team",
    ),
    "tags": ("tags", "labels", "keywords"),
    "kind": ("kind", "incident kind", "event type"),
    "term": ("classification", "failure class", "cause class", "taxonomy"),
    "review_date": (
        "review date",
        "postmortem date",
        "post mortem date",
        "meeting date",
        "meeting scheduled for",
        "review meeting",
        "reviewed on",
    ),
    "facilitator": ("facilitator", "review facilitator"),
    "participants": ("participants", "attendees", "review participants"),
    "timezone": ("timezone", "time zone", "times in", "all times in"),
}
FIELD_OF = {alias: key for key, aliases in FIELDS.items() for alias in aliases}

FIELD_LINE = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)(?P<blabel>[^*_\n]{1,60}?)(?:\s*:\s*(?:\*\*|__)|(?:\*\*|__)\s*:?)\s*(?P<bvalue>.*)$"
    r"|^\s{0,3}(?:[-*+]\s+)?(?P<label>[A-Za-z][A-Za-z0-9 /&()'’#.-]{0,40}?)\s*:\s+(?P<value>\S.*)$"
    r"|^\s{0,3}(?:[-*+]\s+)?(?P<elabel>[A-Za-z][A-Za-z0-9 /&()'’#.-]{0,40}?):\s*$"
)


def label_value(line: str) -> Optional[tuple[str, str]]:
    match = FIELD_LINE.match(line)
    if not match:
        return None
    label = match.group("blabel") or match.group("label") or match.group("elabel") or ""
    value = match.group("bvalue") if match.group("blabel") is not None else (match.group("value") or "")
    label = label.strip().rstrip(":").strip()
    if not label or len(label.split()) > 7:
        return None
    return label, (value or "").strip()


def slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", plain(text).lower()))


def person(text: str) -> str:
    return plain(text).strip().lstrip("@").strip()


def quote(text: str, limit: int = 70) -> str:
    one = " ".join(plain(text).split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"

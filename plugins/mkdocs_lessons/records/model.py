"""The knowledge base as typed records. No MkDocs in here.

Records are built from schema-valid data only (see `records/load.py`), so the
constructors can trust types and required fields.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable, Optional

from mkdocs_lessons.records.yamlsource import Document

INCIDENT_KINDS = ("incident", "near-miss", "success")
KIND_LABELS = {"incident": "Incident", "near-miss": "Near miss", "success": "Success"}
STATUSES = ("draft", "in-review", "reviewed", "closed")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
ACTION_STATUSES = ("open", "in-progress", "done", "dropped")

_DIGITS = re.compile(r"([0-9]+)")  # ASCII digits only: `int()` would read any Unicode digit


@lru_cache(maxsize=1 << 16)
def natural_key(text: str) -> tuple[Any, ...]:
    """Sort `INC-2024-9` before `INC-2024-10`.

    Cached: the same ids are sorted by many pages, and again at every
    `mkdocs serve` rebuild (a regex split and a tuple each time otherwise).
    """
    # Every odd part of the split is a run of ASCII digits (`"²".isdigit()` is true, `int("²")` fails).
    return tuple(int(part) if index % 2 else part for index, part in enumerate(_DIGITS.split(text)))


@lru_cache(maxsize=1 << 14)
def terms_and_broader(terms: tuple[str, ...]) -> tuple[str, ...]:
    """Each term and every broader one above it, once each, in order (`a/b` -> `a`, `a/b`).

    An incident is classified under all of them: the index's term filter, the heat maps.
    """
    out: list[str] = []
    for path in terms:
        parts = path.split("/")
        out += ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return tuple(dict.fromkeys(out))


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp with a time zone (the schema guarantees the form)."""
    if text.endswith("Z") and sys.version_info >= (3, 11):  # the common spelling, parsed as is
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    value = text.strip().replace("z", "Z")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value.replace("t", "T"))
    if moment.tzinfo is None:
        # Never compare zoned and unzoned times; the schema reports the missing zone.
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def quarter_of(moment: date | datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


@dataclass(frozen=True, order=True, slots=True)
class SopRef:
    """`SOP-007` (the current version) or `SOP-007@2` (that version)."""

    sop_id: str
    version: Optional[int] = None

    @classmethod
    def parse(cls, text: str) -> "SopRef":
        sop_id, _, version = text.partition("@")
        return cls(sop_id, int(version) if version else None)

    def __str__(self) -> str:
        return self.sop_id if self.version is None else f"{self.sop_id}@{self.version}"


# --- taxonomy and teams ---------------------------------------------------


@dataclass(slots=True)
class Term:
    id: str
    path: str  # "parent/child"
    title: str
    description: str
    remedy: Optional[str]
    parent: Optional[str]  # parent path
    children: list[str] = field(default_factory=list)  # child paths, file order

    @property
    def top(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def depth(self) -> int:
        return self.path.count("/")


@dataclass(slots=True)
class RetiredTerm:
    path: str
    replaced_by: str
    note: str = ""


@dataclass(slots=True)
class Taxonomy:
    version: int
    updated: Optional[date]
    terms: dict[str, Term]  # by path, in file order (depth first)
    retired: dict[str, RetiredTerm]
    source: Optional[Document] = None

    @property
    def top_level(self) -> list[Term]:
        return [t for t in self.terms.values() if t.parent is None]


@dataclass(slots=True)
class Team:
    id: str
    title: str
    description: str = ""
    contact: str = ""


# --- incidents --------------------------------------------------------------


@dataclass(slots=True)
class TimelineEvent:
    at: datetime
    event: str


@dataclass(slots=True)
class Decision:
    decision: str
    at: Optional[datetime] = None
    rationale: str = ""


@dataclass(slots=True)
class Assumption:
    assumption: str
    held: Optional[bool] = None


@dataclass(slots=True)
class RootCause:
    whys: list[str] = field(default_factory=list)
    cause: str = ""
    contributing_factors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CheckIn:
    date: date
    note: str


@dataclass(slots=True)
class Pdsa:
    """An action item's Plan-Do-Study-Act experiment: `pdsa: study`, or the v1.1 long form."""

    stage: str
    hypothesis: str = ""
    result: str = ""

    @property
    def is_experiment(self) -> bool:
        """The long form says what is tried or what it showed (a bare stage says neither)."""
        return bool(self.hypothesis or self.result)


PDSA_STAGES = ("plan", "do", "study", "act")


@dataclass(slots=True)
class ActionItem:
    id: str
    action: str
    status: str
    owner: str = ""
    due: Optional[date] = None
    type: str = ""
    closed: Optional[date] = None
    indicator: str = ""
    pdsa: Optional[Pdsa] = None
    check_ins: list[CheckIn] = field(default_factory=list)
    codified_in: Optional[SopRef] = None
    next_check_in: Optional[date] = None  # v1.1: when the owner reports next
    indicator_ref: str = ""  # an indicator id (content/indicators/): its series around `closed`

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "in-progress")


@dataclass(slots=True)
class SopLink:
    ref: SopRef
    relation: str


@dataclass(slots=True)
class Review:
    date: Optional[date] = None
    facilitator: str = ""
    participants: list[str] = field(default_factory=list)
    learning_buddies: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Incident:
    id: str
    title: str
    kind: str
    status: str
    occurred: datetime
    teams: list[str]
    summary: str
    primary: str
    systems: list[str] = field(default_factory=list)  # v1.1: what failed or was at risk
    secondary: list[str] = field(default_factory=list)
    severity: str = ""
    failure_type: str = ""
    detected: Optional[datetime] = None
    resolved: Optional[datetime] = None
    detection: str = ""
    caused_by_change: Optional[bool] = None
    context: str = ""
    impact: str = ""
    timeline: list[TimelineEvent] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    root_cause: Optional[RootCause] = None
    lessons: list[str] = field(default_factory=list)
    went_well: list[str] = field(default_factory=list)
    went_wrong: list[str] = field(default_factory=list)
    got_lucky: list[str] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    sops: list[SopLink] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    review: Optional[Review] = None
    tags: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)  # search only: words readers use that the text does not
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    source: Optional[Document] = field(default=None, repr=False)

    @property
    def terms(self) -> list[str]:
        return [self.primary, *self.secondary]

    @property
    def under_terms(self) -> tuple[str, ...]:
        """Every term the incident is classified under: its own and each broader one (cached by value)."""
        return terms_and_broader((self.primary, *self.secondary))

    @property
    def time_to_detect(self) -> Optional[timedelta]:
        return self.detected - self.occurred if self.detected else None

    @property
    def time_to_restore(self) -> Optional[timedelta]:
        """Resolved minus detected (the contract's definition)."""
        return self.resolved - self.detected if self.resolved and self.detected else None

    @property
    def year(self) -> int:
        return self.occurred.year

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


# --- SOPs ------------------------------------------------------------------


@dataclass(slots=True)
class Criterion:
    when: str
    then: str


@dataclass(slots=True)
class SopVersion:
    version: int
    status: str
    purpose: str
    steps: list[str]
    effective: Optional[date] = None
    approved_by: list[str] = field(default_factory=list)
    motivated_by: list[str] = field(default_factory=list)
    changes: str = ""
    decision_criteria: list[Criterion] = field(default_factory=list)


@dataclass(slots=True)
class Sop:
    id: str
    title: str
    owner: str
    versions: list[SopVersion]
    review_every_months: Optional[int] = None
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)  # search only: words readers use that the text does not
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    source: Optional[Document] = field(default=None, repr=False)

    @property
    def current(self) -> Optional[SopVersion]:
        """The approved version: the standard in force today."""
        return next((v for v in self.versions if v.status == "approved"), None)

    @property
    def pending(self) -> list[SopVersion]:
        """Proposed or draft versions newer than the current one: not yet standard."""
        floor = self.current.version if self.current else 0
        return [v for v in self.versions if v.status in ("proposed", "draft") and v.version > floor]

    def version(self, number: int) -> Optional[SopVersion]:
        return next((v for v in self.versions if v.version == number), None)

    def resolve(self, ref: SopRef) -> Optional[SopVersion]:
        if ref.version is None:
            return self.current or (self.versions[-1] if self.versions else None)
        return self.version(ref.version)


# --- reading paths -----------------------------------------------------------


@dataclass(slots=True)
class PathStep:
    ref: str
    note: str = ""

    @property
    def target_kind(self) -> str:
        if self.ref.startswith("INC-"):
            return "incident"
        if self.ref.startswith("SOP-"):
            return "sop"
        if self.ref.startswith("teams/"):
            return "team"
        return "term"

    @property
    def target(self) -> str:
        """The id inside the ref: a term path, team id, SOP ref or incident id."""
        if self.target_kind in ("term", "team"):
            return self.ref.split("/", 1)[1]
        return self.ref


@dataclass(slots=True)
class ReadingPath:
    id: str
    title: str
    steps: list[PathStep]
    audience: str = ""
    description: str = ""
    source: Optional[Document] = field(default=None, repr=False)
    generated: bool = False  # built from the knowledge base (records/essentials.py), not read from a file


# --- the learning programme: sessions and indicators (record format v1.1) ------

SESSION_KINDS = ("review", "learning-session", "drill", "renewal")
SESSION_KIND_LABELS = {
    "review": "Review meeting",
    "learning-session": "Learning session",
    "drill": "Tabletop drill",
    "renewal": "Framework renewal",
}
#: A session with at least this many functions present is cross-functional.
CROSS_FUNCTIONAL_ROLES = 3


@dataclass(slots=True)
class Buddy:
    """A learning buddy: an observer from another team and what they took home."""

    person: str
    team: str
    takeaway: str = ""


@dataclass(slots=True)
class Session:
    id: str
    title: str
    kind: str
    date: date
    teams: list[str]
    facilitator: str = ""
    host_team: str = ""  # the `host` field as written ("" when absent)
    participants: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    buddies: list[Buddy] = field(default_factory=list)
    discussed: list[str] = field(default_factory=list)  # INC-… ids and SOP refs, as written
    outcomes: list[str] = field(default_factory=list)
    summary: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    source: Optional[Document] = field(default=None, repr=False)

    @property
    def host(self) -> str:
        """The hosting team: `host`, else the first team that took part."""
        return self.host_team or (self.teams[0] if self.teams else "")

    @property
    def cross_functional(self) -> bool:
        return len(self.roles) >= CROSS_FUNCTIONAL_ROLES

    @property
    def quarter(self) -> str:
        return quarter_of(self.date)

    @property
    def discussed_incidents(self) -> list[str]:
        return [ref for ref in self.discussed if ref.startswith("INC-")]

    @property
    def discussed_sops(self) -> list[SopRef]:
        return [SopRef.parse(ref) for ref in self.discussed if ref.startswith("SOP-")]


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    period: str  # `YYYY-MM` or `YYYY-Qn`
    value: float


def period_quarter(period: str) -> str:
    """The quarter a period falls in: `2024-02` -> `2024-Q1`; a quarter is itself."""
    if "Q" in period:
        return period
    return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"


@dataclass(slots=True)
class Indicator:
    id: str
    title: str
    kind: str  # leading | lagging
    values: list[IndicatorValue]
    unit: str = ""
    better: str = ""  # higher | lower | ""
    source_text: str = ""  # the `source` field: where the figures come from
    description: str = ""
    teams: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    source: Optional[Document] = field(default=None, repr=False)

    @property
    def monthly(self) -> bool:
        return bool(self.values) and "Q" not in self.values[0].period

    @property
    def series(self) -> list[IndicatorValue]:
        """The values in period order (the file may list them in any order)."""
        return sorted(self.values, key=lambda v: v.period)


# --- the whole knowledge base -------------------------------------------------


@dataclass(slots=True)
class KnowledgeBase:
    taxonomy: Taxonomy
    teams: dict[str, Team]
    incidents: dict[str, Incident]  # every valid incident, drafts included, natural id order
    sops: dict[str, Sop]
    paths: dict[str, ReadingPath]
    include_drafts: bool = False
    sessions: dict[str, Session] = field(default_factory=dict)  # natural id order (ids start with the date)
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def is_published(self, incident_id: str) -> bool:
        incident = self.incidents.get(incident_id)
        return incident is not None and (self.include_drafts or not incident.is_draft)

    @property
    def published_incidents(self) -> list[Incident]:
        """Published incidents in natural id order."""
        return [i for i in self.incidents.values() if self.include_drafts or not i.is_draft]

    def newest_first(self, incidents: Iterable[Incident]) -> list[Incident]:
        return sorted(incidents, key=lambda i: (i.occurred, natural_key(i.id)), reverse=True)

"""The learning loop: failure, review, action, a changed standard, and proof it worked.

Pure core (no MkDocs). Three questions, answered from the records alone:

- *Which version was in force?* For an incident linked to an SOP, the
  version whose `effective` date is the latest one on or before the day the
  incident occurred (in the incident's own time zone), among versions that
  passed the approval gate (approved, superseded or retired with an
  effective date). Drafts and proposals were never in force.
- *Is the loop closed?* An action item `codified_in: SOP-X@N` and version
  N's `motivated_by` say the same thing from two sides. Either side alone is
  enough (the other is derived); they contradict each other when the
  incident names another version of the same SOP as its motivation, or when
  the version took effect before the incident happened.
- *Did it work?* After an action item of an incident is done (its `closed`
  date), a later failure (incident or near miss) with the same primary
  taxonomy term and a team in common is a possible recurrence.

The checks emit warnings (rules `sop-not-in-force`, `loop-contradiction`,
`loop-open`); `LoopFacts` carries the derived links for the pages and the
dashboard.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Optional

from .diagnostics import Diagnostics, Severity
from .model import ActionItem, Incident, KnowledgeBase, Sop, SopVersion, natural_key

IN_FORCE_STATUSES = ("approved", "superseded", "retired")
FAILURE_KINDS = ("incident", "near-miss")
REVIEWED = ("reviewed", "closed")
# A violated or followed reference names the version people had in hand;
# for `missing` and `updated` the version named is naturally a later one.
IN_FORCE_RELATIONS = ("violated", "followed")
OPEN_LOOP_RELATIONS = ("missing", "violated")


def effective_versions(sop: Sop) -> list[SopVersion]:
    """Versions that were ever in force, by effective date (then number)."""
    ranked = [v for v in sop.versions if v.status in IN_FORCE_STATUSES and v.effective is not None]
    return sorted(ranked, key=lambda v: (v.effective, v.version))


def version_in_force(sop: Sop, day: date) -> Optional[SopVersion]:
    """The version in force on `day`: the latest to take effect on or before it."""
    ranked = effective_versions(sop)
    index = bisect_right([v.effective for v in ranked], day)
    return ranked[index - 1] if index else None


def incident_day(incident: Incident) -> date:
    """The day the incident occurred, in its own time zone (effective dates are local days)."""
    return incident.occurred.date()


# -- codified_in and motivated_by ---------------------------------------------------------


@dataclass(frozen=True, order=True)
class Codification:
    """One incident's contribution to one SOP version, from either side of the link."""

    sop_id: str
    version: int
    incident_id: str
    action_id: str = ""  # the action item that says `codified_in`; "" when only motivated_by says so
    declared_by_action: bool = False
    declared_by_sop: bool = False


class Recurrence(NamedTuple):
    """One possible recurrence (a named tuple: tens of thousands are made per build at 10,000 incidents)."""

    earlier: str  # incident id whose action item was done
    later: str  # the failure that came after
    action_id: str  # the done action item, the earliest closed
    done_on: date
    terms: tuple[str, ...]  # the shared primary term
    teams: tuple[str, ...]  # shared teams


@dataclass
class LoopFacts:
    """The loop, derived once per build for pages and figures."""

    codified: dict[tuple[str, int], list[Codification]] = field(default_factory=dict)  # (sop, version) -> links
    by_incident: dict[str, list[Codification]] = field(default_factory=dict)
    recurrences: "Recurrences" = field(default_factory=lambda: Recurrences())
    open_loops: list[str] = field(default_factory=list)  # incidents with a missing/violated SOP and no action item

    def loop_state(self, incident: Incident) -> str:
        """closed | in-progress | open | none (no SOP relation calls for a change)."""
        if not any(link.relation in OPEN_LOOP_RELATIONS for link in incident.sops):
            return "none"
        if self.by_incident.get(incident.id):
            return "closed"
        if any(item.status != "dropped" for item in incident.action_items):
            return "in-progress"
        return "open"


def _codifications(incidents: Iterable[Incident], sops: dict[str, Sop]) -> dict[tuple[str, int, str], Codification]:
    found: dict[tuple[str, int, str], Codification] = {}
    for incident in incidents:
        for item in incident.action_items:
            ref = item.codified_in
            if ref is None or ref.sop_id not in sops:
                continue
            version = sops[ref.sop_id].resolve(ref)
            if version is None:
                continue
            key = (ref.sop_id, version.version, incident.id)
            if key not in found:  # the first action item that says so names the link
                found[key] = Codification(ref.sop_id, version.version, incident.id, item.id, declared_by_action=True)
    for sop in sops.values():
        for version in sop.versions:
            for incident_id in version.motivated_by:
                key = (sop.id, version.version, incident_id)
                before = found.get(key)
                if before is None:
                    found[key] = Codification(sop.id, version.version, incident_id, declared_by_sop=True)
                else:
                    found[key] = Codification(sop.id, version.version, incident_id, before.action_id, True, True)
    return found


# -- recurrence -----------------------------------------------------------------------------


def _done_on(item: ActionItem) -> Optional[date]:
    return item.closed if item.status == "done" else None


#: Recurrences listed per incident and side; the rest are counted, not listed,
#: so a page stays the same size however many failures share its cause.
RECURRENCES_SHOWN = 10


class _Listed(Mapping[str, list["Recurrence"]]):
    """Incident id -> its listed recurrences, made when first read.

    Every incident page shows its own lists; the dashboard needs only the
    totals and the newest few pairs. Making all lists up front cost the
    dashboard (built first) time in proportion to how full they are, and at
    10,000 incidents they are full: 14x the time at 10x the records.
    """

    def __init__(self, totals: dict[str, int], make: Callable[[str], list["Recurrence"]]) -> None:
        self._totals, self._make = totals, make
        self._made: dict[str, list[Recurrence]] = {}

    def __getitem__(self, incident_id: str) -> list["Recurrence"]:
        made = self._made.get(incident_id)
        if made is None:
            if incident_id not in self._totals:
                raise KeyError(incident_id)
            made = self._made[incident_id] = self._make(incident_id)
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._totals)

    def __len__(self) -> int:
        return len(self._totals)


@dataclass
class Recurrences:
    """Possible recurrences: a few listed per incident, all of them counted."""

    after_total: dict[str, int] = field(default_factory=dict)
    before_total: dict[str, int] = field(default_factory=dict)
    # earlier id -> the first later ones; later id -> the latest earlier ones (both made when read)
    after: Mapping[str, list[Recurrence]] = field(default_factory=dict)
    before: Mapping[str, list[Recurrence]] = field(default_factory=dict)

    @property
    def pairs(self) -> int:
        return sum(self.after_total.values())


def _team_sets(teams: Iterable[str]) -> list[frozenset[str]]:
    """Every non-empty subset of an incident's teams (incidents name a few)."""
    unique = sorted(set(teams))[:8]  # 255 subsets at most, whatever a record says
    return [frozenset(t for bit, t in enumerate(unique) if mask >> bit & 1) for mask in range(1, 1 << len(unique))]


#: (term, team set) -> (day, natural id key, incident), sorted by day then id.
_Index = dict[tuple[str, frozenset[str]], list[tuple[date, tuple, Incident]]]


def _day(entry: tuple[date, tuple, Incident]) -> date:
    return entry[0]


def _count_sharing(index: _Index, term: str, team_sets: list[frozenset[str]], day: date, later: bool) -> int:
    """How many indexed incidents with `term` share a team with these teams, on the far side of `day`.

    Inclusion-exclusion over team subsets, each a bisect in a list sorted by
    day: exact, and near-linear overall instead of one comparison per pair.
    """
    total = 0
    for subset in team_sets:
        entries = index.get((term, subset), [])
        count = len(entries) - bisect_right(entries, day, key=_day) if later else bisect_left(entries, day, key=_day)
        total += count if len(subset) % 2 else -count
    return total


def find_recurrences(incidents: list[Incident], shown: int = RECURRENCES_SHOWN) -> Recurrences:
    """Later failures sharing the primary term and a team with an incident whose action item was done.

    The primary term on both sides: the cause the action addressed came back
    as the main cause (secondary terms are too loose: most failures share one).
    Each earlier incident lists its first `shown` later failures, each later
    failure its `shown` most recent earlier ones; totals are exact.
    """
    failures = [i for i in incidents if i.kind in FAILURE_KINDS]
    fixed: dict[str, tuple[date, str]] = {}  # incident id -> (done on, action id) of its first done action
    for incident in failures:
        done = sorted((d, natural_key(a.id), a.id) for a in incident.action_items if (d := _done_on(a)) is not None)
        if done:
            fixed[incident.id] = (done[0][0], done[0][2])

    # One index for listing and counting: a single-team set lists the
    # candidates, every team set takes part in the counts.
    team_sets = {i.id: _team_sets(i.teams) for i in failures}
    teams_of = {i.id: frozenset(i.teams) for i in failures}
    occurred: _Index = defaultdict(list)  # failures by the day they occurred
    fixes: _Index = defaultdict(list)  # fixed incidents by the day their fix was done
    for incident in failures:
        key = natural_key(incident.id)
        for subset in team_sets[incident.id]:
            occurred[(incident.primary, subset)].append((incident_day(incident), key, incident))
            if incident.id in fixed:
                fixes[(incident.primary, subset)].append((fixed[incident.id][0], key, incident))
    for index in (occurred, fixes):
        for entries in index.values():
            entries.sort(key=lambda e: e[:2])

    def recurrence(earlier: Incident, later: Incident) -> Recurrence:
        done_on, action_id = fixed[earlier.id]
        theirs = teams_of[later.id]
        shared = tuple(t for t in earlier.teams if t in theirs)
        return Recurrence(earlier.id, later.id, action_id, done_on, (earlier.primary,), shared)

    by_id = {i.id: i for i in failures}
    found = Recurrences()
    for incident in failures:
        term, day, sets = incident.primary, incident_day(incident), team_sets[incident.id]
        if incident.id in fixed:  # as the earlier one: failures after its fix
            done_on = fixed[incident.id][0]
            total = _count_sharing(occurred, term, sets, done_on, later=True) - (day > done_on)
            if total:
                found.after_total[incident.id] = total
        # As the later one: fixes done before it happened.
        own = incident.id in fixed and fixed[incident.id][0] < day
        total = _count_sharing(fixes, term, sets, day, later=False) - own
        if total:
            found.before_total[incident.id] = total

    def singles(incident: Incident) -> list[frozenset[str]]:
        return [s for s in team_sets[incident.id] if len(s) == 1]

    def firsts_after(incident_id: str) -> list[Recurrence]:
        """The first failures after this incident's fix."""
        incident = by_id[incident_id]
        done_on = fixed[incident_id][0]
        candidates: dict[str, tuple] = {}
        for team in singles(incident):
            entries = occurred.get((incident.primary, team), [])
            start = bisect_right(entries, done_on, key=_day)
            for entry in entries[start : start + shown + 1]:
                if entry[2].id != incident_id:
                    candidates[entry[2].id] = entry
        firsts = sorted(candidates.values(), key=lambda e: e[:2])[:shown]
        return [recurrence(incident, e[2]) for e in firsts]

    def latest_before(incident_id: str) -> list[Recurrence]:
        """The most recent fixes done before this incident happened."""
        incident = by_id[incident_id]
        day = incident_day(incident)
        candidates: dict[str, tuple] = {}
        for team in singles(incident):
            entries = fixes.get((incident.primary, team), [])
            stop = bisect_left(entries, day, key=_day)
            for entry in entries[max(0, stop - shown - 1) : stop]:
                if entry[2].id != incident_id:
                    candidates[entry[2].id] = entry
        latest = sorted(candidates.values(), key=lambda e: e[:2], reverse=True)[:shown]
        return [recurrence(e[2], incident) for e in latest]

    found.after = _Listed(found.after_total, firsts_after)
    found.before = _Listed(found.before_total, latest_before)
    return found


def build_loop(kb: KnowledgeBase) -> LoopFacts:
    published = kb.published_incidents
    facts = LoopFacts()
    for link in sorted(_codifications(published, kb.sops).values(), key=lambda c: (natural_key(c.sop_id), c.version, natural_key(c.incident_id))):
        if not kb.is_published(link.incident_id):
            continue
        facts.codified.setdefault((link.sop_id, link.version), []).append(link)
        facts.by_incident.setdefault(link.incident_id, []).append(link)
    facts.recurrences = find_recurrences(published, RECURRENCES_SHOWN)
    for incident in published:
        if incident.status in REVIEWED and facts.loop_state(incident) == "open":
            facts.open_loops.append(incident.id)
    return facts


@dataclass(frozen=True)
class LoopFigures:
    """The loop as numbers, for the dashboard and metrics.json."""

    calls_for_change: int  # reviewed failures with a missing or violated SOP relation
    closed: int  # ... whose change reached an SOP version
    in_progress: int  # ... with action items but no codified version yet
    open: int  # ... without any action item
    with_done_action: int  # failures with a done action item (closed date): the recurrence rate's n
    recurred: int  # ... followed by a possible recurrence

    @property
    def closure_rate(self) -> Optional[float]:
        return self.closed / self.calls_for_change if self.calls_for_change else None

    @property
    def recurrence_rate(self) -> Optional[float]:
        return self.recurred / self.with_done_action if self.with_done_action else None

    def as_dict(self) -> dict[str, object]:
        return {
            "calls_for_change": self.calls_for_change,
            "closed": self.closed,
            "in_progress": self.in_progress,
            "open": self.open,
            "closure_rate": None if self.closure_rate is None else round(self.closure_rate, 4),
            "with_done_action": self.with_done_action,
            "recurred": self.recurred,
            "recurrence_rate": None if self.recurrence_rate is None else round(self.recurrence_rate, 4),
        }


def loop_figures(kb: KnowledgeBase, facts: LoopFacts) -> LoopFigures:
    states = [facts.loop_state(i) for i in kb.published_incidents if i.status in REVIEWED and i.kind in FAILURE_KINDS]
    with_done = [i for i in kb.published_incidents if i.kind in FAILURE_KINDS and any(_done_on(a) for a in i.action_items)]
    return LoopFigures(
        calls_for_change=sum(1 for s in states if s != "none"),
        closed=states.count("closed"),
        in_progress=states.count("in-progress"),
        open=states.count("open"),
        with_done_action=len(with_done),
        recurred=sum(1 for i in with_done if facts.recurrences.after_total.get(i.id)),
    )


# -- checks ------------------------------------------------------------------------------------


def check_loop(incidents: dict[str, Incident], sops: dict[str, Sop], diags: Diagnostics) -> None:
    """Warnings: a version cited that was not in force, a contradiction, an open loop.

    Runs on schema-valid records only, after the reference checks (unknown SOPs
    and versions are errors there and are skipped here).
    """
    # An SOP whose effective dates go backwards has its own warning
    # (sop-effective-order); which version was in force is then undefined.
    sops = {k: s for k, s in sops.items() if _dates_in_order(s)}
    for incident in incidents.values():
        doc = incident.source
        if doc is None:
            continue
        day = incident_day(incident)
        for index, link in enumerate(incident.sops):
            sop = sops.get(link.ref.sop_id)
            if sop is None or link.ref.version is None or link.relation not in IN_FORCE_RELATIONS:
                continue
            cited = sop.version(link.ref.version)
            if cited is None:
                continue
            in_force = version_in_force(sop, day)
            if in_force is None or in_force.version != cited.version:
                then = f"v{in_force.version} was in force (effective {in_force.effective})" if in_force else "no version was in force yet"
                diags.add(
                    doc.diagnostic(
                        ("sops", index, "ref"),
                        f"{link.relation} {link.ref}, but on {day} {then}; cite {sop.id}@{in_force.version}" if in_force else f"{link.relation} {link.ref}, but on {day} {then}",
                        rule="sop-not-in-force",
                        severity=Severity.WARNING,
                    )
                )
        if incident.status in REVIEWED and not incident.action_items:
            for index, link in enumerate(incident.sops):
                if link.relation in OPEN_LOOP_RELATIONS:
                    diags.add(
                        doc.diagnostic(
                            ("sops", index, "relation"),
                            f"the loop is open: {link.ref} was {link.relation} but the review agreed no action item",
                            rule="loop-open",
                            severity=Severity.WARNING,
                        )
                    )
                    break
        for index, item in enumerate(incident.action_items):
            ref = item.codified_in
            sop = sops.get(ref.sop_id) if ref else None
            version = sop.resolve(ref) if sop and ref else None
            if version is None or sop is None:
                continue
            where = ("action_items", index, "codified_in")
            elsewhere = [v.version for v in sop.versions if v.version != version.version and incident.id in v.motivated_by]
            if elsewhere and incident.id not in version.motivated_by:
                names = ", ".join(f"v{n}" for n in elsewhere)
                diags.add(
                    doc.diagnostic(
                        where,
                        f"codified in {sop.id}@{version.version}, but {sop.id} names {incident.id} as the motivation of {names}",
                        rule="loop-contradiction",
                        severity=Severity.WARNING,
                    )
                )
            elif version.effective and version.status in IN_FORCE_STATUSES and version.effective < day:
                diags.add(
                    doc.diagnostic(
                        where,
                        f"codified in {sop.id}@{version.version}, which took effect on {version.effective}, before this incident occurred ({day})",
                        rule="loop-contradiction",
                        severity=Severity.WARNING,
                    )
                )
    for sop in sops.values():
        doc = sop.source
        if doc is None:
            continue
        for v_index, version in enumerate(sop.versions):
            for m_index, incident_id in enumerate(version.motivated_by):
                incident = incidents.get(incident_id)
                if incident is None:
                    continue
                where = ("versions", v_index, "motivated_by", m_index)
                day = incident_day(incident)
                if version.effective and version.status in IN_FORCE_STATUSES and version.effective < day:
                    diags.add(
                        doc.diagnostic(
                            where,
                            f"v{version.version} took effect on {version.effective}, before {incident_id} occurred ({day}); it cannot have motivated it",
                            rule="loop-contradiction",
                            severity=Severity.WARNING,
                        )
                    )
                    continue
                pointing = {(item.codified_in.sop_id, sop.resolve(item.codified_in).version if sop.resolve(item.codified_in) else None) for item in incident.action_items if item.codified_in and item.codified_in.sop_id == sop.id}
                versions = sorted(n for _, n in pointing if n is not None)
                if versions and version.version not in versions:
                    names = ", ".join(f"{sop.id}@{n}" for n in versions)
                    diags.add(
                        doc.diagnostic(
                            where,
                            f"v{version.version} names {incident_id} as its motivation, but its action items are codified in {names}",
                            rule="loop-contradiction",
                            severity=Severity.WARNING,
                        )
                    )


def _dates_in_order(sop: Sop) -> bool:
    dates = [v.effective for v in sop.versions if v.effective is not None]
    return all(a <= b for a, b in zip(dates, dates[1:]))

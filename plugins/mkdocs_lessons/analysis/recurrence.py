"""Possible recurrences: a later failure that looks like an earlier one whose fix was done.

Pure core (no MkDocs); `loop.build_loop` calls it once per build and the
pages read the result. A later failure (incident or near miss) L is a
possible recurrence of an earlier failure E when an action item of E was
done before L occurred, and either

- **cause and system**: they share a cause term that is the primary term
  of at least one of them (the cause E's fix addressed came back, as the
  main cause or a contributing one, or L's main cause was among E's), and
  they name a system in common (`systems`); or
- **team and similarity**: they share a team and their similarity score
  (`analysis/similar.py`, the score of "Similar incidents") is at least
  `SIMILARITY_THRESHOLD`, with one of them among the other's most similar
  incidents; unless both name their systems and none is shared (two
  failures of different systems are not the same failure, however alike
  their words: "search cluster out of memory" is no recurrence of "order
  database log volume full").

When was the fix done? The `closed` date of E's earliest done action item;
an item that is `done` without `closed` is dated by its `due` date, else by
E's review date, and the pair says "date estimated" (lint `LL008` asks for
the date). A done item with none of the three cannot be dated and takes no
part. Each pair keeps why it was flagged (the rule, the shared terms,
systems and teams, the score), so a page can say so.

Candidates come from two small indexes (term and system; the similar lists),
so the work grows with the pairs found, not with the square of the
incidents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping, NamedTuple, Optional, Sequence

from mkdocs_lessons.records.model import ActionItem, Incident, natural_key

FAILURE_KINDS = ("incident", "near-miss")

#: The least similarity score (`analysis/similar.py`) for "team and similarity". Sharing
#: the primary term (9) and a team (2) gives 11; the words (4 x their cosine),
#: tags or further terms must add 3 more: close to the same story, not just the
#: same cause in the same team. 12 was tried first and flagged two different
#: releases of one team in the second labelled set (tests/test_recurrence.py).
SIMILARITY_THRESHOLD = 14.0

#: Recurrences listed per incident and side; the rest are counted, not listed,
#: so a page stays the same size however many failures share its cause.
RECURRENCES_SHOWN = 10

CAUSE_AND_SYSTEM = "cause and system"
TEAM_AND_SIMILARITY = "team and similarity"


class Fix(NamedTuple):
    """When an incident's fix was done: the earliest done action item."""

    day: date
    action_id: str
    estimated: str  # "" when `closed` says so; else "due" or "review" (what the day was taken from)


class Recurrence(NamedTuple):
    """One possible recurrence and why it was flagged."""

    earlier: str  # the incident whose action item was done
    later: str  # the failure that came after
    action_id: str  # the done action item, the earliest
    done_on: date
    estimated: str  # "" (closed date), "due" or "review": where done_on came from
    rule: str  # CAUSE_AND_SYSTEM or TEAM_AND_SIMILARITY (the first that holds)
    terms: tuple[str, ...]  # shared cause terms (primary on at least one side)
    systems: tuple[str, ...]  # shared systems
    teams: tuple[str, ...]  # shared teams
    similarity: Optional[float]  # the pair's similarity score, when one is among the other's similar incidents


@dataclass
class Recurrences:
    """Possible recurrences: a few listed per incident, all of them counted."""

    after_total: dict[str, int] = field(default_factory=dict)
    before_total: dict[str, int] = field(default_factory=dict)
    after: Mapping[str, list[Recurrence]] = field(default_factory=dict)  # earlier id -> the first later ones
    before: Mapping[str, list[Recurrence]] = field(default_factory=dict)  # later id -> the most recent earlier ones
    all: list[Recurrence] = field(default_factory=list)  # every pair, by later failure's day, then ids

    @property
    def pairs(self) -> int:
        return len(self.all)


def fix_date(item: ActionItem, review_day: Optional[date]) -> Optional[tuple[date, str]]:
    """The day a done action item was done, and where it came from ("" = its closed date)."""
    if item.status != "done":
        return None
    if item.closed is not None:
        return item.closed, ""
    if item.due is not None:
        return item.due, "due"
    if review_day is not None:
        return review_day, "review"
    return None


def fix_of(incident: Incident) -> Optional[Fix]:
    """The earliest done action item of an incident, dated (estimated when it has no `closed`)."""
    review = getattr(incident, "review", None)
    review_day = review.date if review is not None else None
    dated = []
    for item in incident.action_items:
        found = fix_date(item, review_day)
        if found is not None:
            dated.append((found[0], natural_key(item.id), item.id, found[1]))
    if not dated:
        return None
    day, _, action_id, estimated = min(dated)
    return Fix(day, action_id, estimated)


def _cause_terms(earlier: Incident, later: Incident) -> tuple[str, ...]:
    """Terms both have, primary on at least one side."""
    mine, theirs = set(earlier.terms), set(later.terms)
    shared = mine & theirs
    return tuple(sorted(t for t in shared if t == earlier.primary or t == later.primary))


def find_recurrences(
    incidents: Iterable[Incident],
    similar: Optional[Mapping[str, Sequence[tuple[str, float]]]] = None,
    *,
    shown: int = RECURRENCES_SHOWN,
    threshold: float = SIMILARITY_THRESHOLD,
) -> Recurrences:
    """Every possible recurrence among `incidents` (see the module docstring).

    `similar` maps an incident id to its most similar incidents with their
    scores (the similar lists: "team and similarity" looks only there).
    """
    failures = [i for i in incidents if i.kind in FAILURE_KINDS]
    by_id = {i.id: i for i in failures}
    fixes = {i.id: fix for i in failures if (fix := fix_of(i)) is not None}

    # Candidate pairs (earlier, later): a cause term and a system in common ...
    candidates: set[tuple[str, str]] = set()
    by_term_system: dict[tuple[str, str], list[str]] = defaultdict(list)
    for incident in failures:
        for term in set(incident.terms):
            for system in set(incident.systems):
                by_term_system[(term, system)].append(incident.id)
    for ids in by_term_system.values():
        for fixed in ids:
            if fixed in fixes:
                candidates.update((fixed, other) for other in ids if other != fixed)
    # ... or one among the other's most similar.
    scores: dict[frozenset[str], float] = {}
    for one, listed in (similar or {}).items():
        if one not in by_id:
            continue
        for other, similarity in listed:
            if other in by_id and other != one:
                scores[frozenset((one, other))] = similarity
                candidates.update(((one, other), (other, one)))

    found: list[Recurrence] = []
    for earlier_id, later_id in candidates:
        fix = fixes.get(earlier_id)
        earlier, later = by_id[earlier_id], by_id[later_id]
        if fix is None or later.occurred.date() <= fix.day:
            continue
        terms = _cause_terms(earlier, later)
        systems = tuple(sorted(set(earlier.systems) & set(later.systems)))
        teams = tuple(t for t in earlier.teams if t in later.teams)
        score = scores.get(frozenset((earlier_id, later_id)))
        if terms and systems:
            rule = CAUSE_AND_SYSTEM
        elif (
            teams and score is not None and score >= threshold and (systems or not (earlier.systems and later.systems))
        ):
            rule = TEAM_AND_SIMILARITY
        else:
            continue
        # Kept as shown (one decimal): an edit elsewhere moves every score by a hair, and equal
        # recurrences keep the incident pages that list them (render/reads.py).
        rounded = None if score is None else round(score, 1)
        found.append(
            Recurrence(
                earlier_id, later_id, fix.action_id, fix.day, fix.estimated, rule, terms, systems, teams, rounded
            )
        )

    def later_key(r: Recurrence) -> tuple:
        return (by_id[r.later].occurred.date(), natural_key(r.later))

    result = Recurrences()
    result.all = sorted(found, key=lambda r: (*later_key(r), r.done_on, natural_key(r.earlier)))
    after: dict[str, list[Recurrence]] = defaultdict(list)
    before: dict[str, list[Recurrence]] = defaultdict(list)
    for r in result.all:
        after[r.earlier].append(r)
        before[r.later].append(r)
    for earlier_id, items in after.items():
        result.after_total[earlier_id] = len(items)
        items[:] = items[:shown]  # already by the later failure's day, then id
    for later_id, items in before.items():
        result.before_total[later_id] = len(items)
        items.sort(key=lambda r: (r.done_on, natural_key(r.earlier)), reverse=True)
        del items[shown:]
    result.after, result.before = dict(after), dict(before)
    return result

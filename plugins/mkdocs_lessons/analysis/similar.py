"""Similar incidents: for each incident, the few others most like it.

Score of a pair (a, b), every part symmetric, so "similar" goes both ways:

- terms: for each taxonomy term path shared by both (their own terms and
  every broader term above them), the weight of the term on each side
  multiplied: primary 3, secondary 1.5, a broader term of either half its
  child's weight per level (so sharing `design-flaw/missing-guardrail` as
  primary counts 9, sharing only the parent `design-flaw` counts 2.25);
- teams: 2 per shared team;
- systems (v1.1 `systems`): 2 per shared system;
- tags: 1.5 per shared tag;
- words: 4 × the cosine of the TF-IDF vectors of title and summary (words
  of 3+ letters, a fixed stop-word list, idf = ln(N / df)).

Near-linear: an inverted index from every feature to the incidents having
it, with their weights; scores accumulate over the postings of the
incident's features, so only incidents that share something are touched.
Very common features (held by more than `common_cap` incidents, e.g. a team
in half the base) are not walked: they are added to the scores of a
shortlist of the best `4 × limit` candidates only.
Ties are broken by natural id; the result depends only on the records.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import repeat
from operator import mul
from typing import Any, Callable, Iterable, Optional, Protocol

from mkdocs_lessons.records.model import Incident, natural_key

PRIMARY, SECONDARY, TEAM, TAG, WORDS = 3.0, 1.5, 2.0, 1.5, 4.0
SYSTEM = 2.0
MIN_SCORE = 2.5  # below this, "similar" is noise (one shared team, a couple of words)

STOP_WORDS = frozenset(
    """a about above after again against all also an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just more most no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours one two three after its into onto per via without within
    across over under when then than got get gets getting made make makes making""".split()
)
_WORD = re.compile(r"[a-z][a-z0-9]{2,}")


@dataclass(frozen=True)
class Similar:
    incident_id: str
    # Pages show the order, not the score: an edit that moves every score by a
    # hair leaves equal lists equal, so the incident pages stay kept (render/reads.py).
    score: float = field(compare=False)
    terms: tuple[str, ...]  # shared term paths (the most specific ones)
    teams: tuple[str, ...]
    tags: tuple[str, ...]
    systems: tuple[str, ...] = ()


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def _term_weights_of(primary: str, secondary: Iterable[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for term, weight in [(primary, PRIMARY), *((t, SECONDARY) for t in secondary)]:
        parts = term.split("/")
        for depth in range(len(parts), 0, -1):
            path = "/".join(parts[:depth])
            value = weight / (2 ** (len(parts) - depth))
            weights[path] = max(weights.get(path, 0.0), value)
    return weights


# A feature is a string "kind:value" (kind: term, team, tag or word; none is a
# prefix of another, so keys never collide). Strings, not (kind, value) tuples:
# a string caches its hash, a tuple computes it at every lookup, and the
# finder looks keys up millions of times at 10,000 incidents.
Features = dict[str, float]


def _inputs(incident: Incident) -> tuple:
    """What similarity reads of an incident: an edit elsewhere changes nothing here."""
    return (
        incident.id,
        incident.primary,
        tuple(incident.secondary),
        tuple(incident.teams),
        tuple(incident.tags),
        incident.title,
        incident.summary,
        tuple(getattr(incident, "systems", ())),
    )


class Copy(Protocol):
    """A forked copy of the process doing a piece of work (pages/parallel.py `Child`)."""

    def collect(self) -> Optional[Any]: ...


#: Starts a copy of this process doing the work it is given; None when it cannot (pages/parallel.py `fork`).
Fork = Callable[[Callable[[], Any]], Optional[Copy]]


def find_similar(incidents: Iterable[Incident], *, limit: int = 5, common_cap: int = 200) -> dict[str, list[Similar]]:
    """Up to `limit` similar incidents for every incident, best first."""
    return SimilarFinder(limit=limit, common_cap=common_cap).update(incidents)


class SimilarFinder:
    """`find_similar`, kept up to date across `mkdocs serve` rebuilds.

    `update` gives exactly what `find_similar` gives for the same incidents.
    After an edit of a few incidents it recomputes only the lists that can
    have changed: those of the incidents whose feature vectors changed (the
    edited ones, and every holder of a word whose document frequency
    changed), and of the incidents that had one of them on their shortlist
    or would now take one on it. Anything wider (incidents added or removed,
    a feature crossing `common_cap`, many edits) starts afresh.
    """

    #: At most this share of the incidents changed (vectors included): beyond it, start afresh.
    INCREMENTAL_SHARE = 0.05

    #: From this many incidents, lists made afresh are made half in a forked copy when one is offered: a fork
    #: costs a few milliseconds, the lists about half a millisecond each.
    FORK_FROM = 400

    def __init__(self, *, limit: int = 5, common_cap: int = 200) -> None:
        self.limit = limit
        self.common_cap = common_cap
        self.ids: list[str] = []
        self.inputs: list[tuple] = []
        self.result: dict[str, list[Similar]] = {}
        self.recomputed = 0  # lists computed by the last update (for tests and benchmarks)

    # -- public -------------------------------------------------------------
    def update(self, incidents: Iterable[Incident], *, fork: Optional[Fork] = None) -> dict[str, list[Similar]]:
        """The lists of `incidents`. `fork`: lists made afresh are made half in a forked copy (`mkdocs build`,
        before it forks to render: pages/site.py), on the machine's other core."""
        items = sorted(incidents, key=lambda i: natural_key(i.id))
        inputs = [_inputs(i) for i in items]
        if inputs == self.inputs:
            self.recomputed = 0
            return self.result
        if [row[0] for row in inputs] != self.ids or not self._incremental(inputs):
            self._full(inputs, fork)
        self.inputs = inputs
        return self.result

    # -- features -----------------------------------------------------------
    def _full(self, inputs: list[tuple], fork: Optional[Fork] = None) -> None:
        n = len(inputs)
        self.ids = [row[0] for row in inputs]
        self.terms = [_term_weights_of(row[1], row[2]) for row in inputs]
        self.teams = [set(row[3]) for row in inputs]
        self.tags = [set(row[4]) for row in inputs]
        self.systems = [set(row[7]) for row in inputs]
        self.counts = [Counter(words(f"{row[5]} {row[6]}")) for row in inputs]
        self.df: Counter[str] = Counter()
        for c in self.counts:
            self.df.update(c.keys())
        self.features = [self._features(k) for k in range(n)]
        self.index: dict[str, dict[int, float]] = defaultdict(dict)
        for k in range(n):
            for key, weight in self.features[k].items():
                self.index[key][k] = weight
        self.shortlists: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        self.shortlisted_by: list[set[int]] = [set() for _ in range(n)]
        self.result = {}
        if n < 2:
            self.result = {i: [] for i in self.ids}
            self.recomputed = n
            return
        # The second half in a copy when one is offered; the first half here meanwhile. Each list depends only on
        # the index, so where it is made does not change it; the results go in in order, as one process makes them.
        half = n // 2 if fork is not None and n >= self.FORK_FROM else n
        copy = fork(lambda: self._queries(range(half, n))) if half < n and fork is not None else None
        for k in range(half if copy is not None else n):
            self._query(k)
        if copy is not None:
            theirs = copy.collect()
            if theirs is None:  # the copy failed: made here
                for k in range(half, n):
                    self._query(k)
            else:
                for k, shortlist, listed in theirs:
                    self.shortlists[k] = shortlist
                    for j, _ in shortlist:
                        self.shortlisted_by[j].add(k)
                    self.result[self.ids[k]] = listed
        self.recomputed = n

    def _queries(self, positions: range) -> list[tuple[int, list[tuple[int, float]], list[Similar]]]:
        """In a forked copy: the lists at `positions`, with their shortlists, handed back to the process that forked."""
        for k in positions:
            self._query(k)
        return [(k, self.shortlists[k], self.result[self.ids[k]]) for k in positions]

    def _features(self, k: int) -> Features:
        """Every feature of an incident with its weight; a pair's score is the sum
        over shared features of the two weights multiplied (teams and tags:
        sqrt, so the product is the per-item weight)."""
        n = len(self.ids)
        df = self.df
        vector = {w: tf * math.log(n / df[w]) for w, tf in self.counts[k].items() if df[w] < n}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        mine: Features = {f"term:{p}": w for p, w in self.terms[k].items()}
        mine.update({f"team:{t}": math.sqrt(TEAM) for t in self.teams[k]})
        mine.update({f"tag:{t}": math.sqrt(TAG) for t in self.tags[k]})
        mine.update({f"system:{t}": math.sqrt(SYSTEM) for t in self.systems[k]})
        mine.update({f"word:{w}": math.sqrt(WORDS) * (v / norm) for w, v in vector.items()})
        return mine

    # -- one incident's list ------------------------------------------------
    def _query(self, k: int) -> None:
        limit, cap, index, features = self.limit, self.common_cap, self.index, self.features
        # The inner loop of the whole finder (a million steps at 1,000 incidents):
        # a plain dict and a bound `get` are the cheapest accumulator Python has.
        scores: dict[int, float] = {}
        get = scores.get
        common: list[tuple[str, float]] = []
        for key, weight in features[k].items():
            postings = index[key]
            if len(postings) > cap:
                common.append((key, weight))  # added to the shortlist's scores below
                continue
            for j, other_weight in postings.items():
                scores[j] = get(j, 0.0) + weight * other_weight
        scores.pop(k, None)
        # A shortlist by the partial score, then the common features on top (cheap set lookups).
        # Positions follow natural id order, so the position breaks ties by natural id.
        # The bar is found among the bare scores (a C sort), so only the few at or
        # above it are sorted with their tie-breaker.
        size = limit * 4
        if len(scores) > size:
            bar = sorted(scores.values(), reverse=True)[size - 1]
            candidates = [(j, v) for j, v in scores.items() if v >= bar]
        else:
            candidates = list(scores.items())
        candidates.sort(key=lambda kv: (-kv[1], kv[0]))
        shortlist = candidates[:size]
        for j, _ in self.shortlists[k]:
            self.shortlisted_by[j].discard(k)
        for j, _ in shortlist:
            self.shortlisted_by[j].add(k)
        self.shortlists[k] = shortlist
        terms, teams, tags = self.terms, self.teams, self.tags
        # The common features' part of each candidate's score, summed in C: at
        # 10,000 incidents that is 25 features for each of 20 candidates of each
        # incident. Same terms in the same order as a generator would give, so
        # the same float.
        common_keys = [key for key, _ in common]
        common_weights = [weight for _, weight in common]
        scored: list[tuple[float, int]] = []
        for j, partial in shortlist:
            if common:
                partial += sum(map(mul, common_weights, map(features[j].get, common_keys, repeat(0.0))))
            score = round(partial, 6)  # float noise must not reorder ties
            if score >= MIN_SCORE:
                scored.append((-score, j))
        scored.sort()
        listed: list[Similar] = []
        for minus_score, j in scored[:limit]:  # only the kept few get their explanation
            shared_terms = terms[k].keys() & terms[j].keys()
            specific = tuple(
                sorted(p for p in shared_terms if not any(q != p and q.startswith(p + "/") for q in shared_terms))
            )
            listed.append(
                Similar(
                    self.ids[j],
                    -minus_score,
                    specific,
                    tuple(sorted(teams[k] & teams[j])),
                    tuple(sorted(tags[k] & tags[j])),
                    tuple(sorted(self.systems[k] & self.systems[j])),
                )
            )
        self.result[self.ids[k]] = listed

    # -- after an edit --------------------------------------------------------
    def _incremental(self, inputs: list[tuple]) -> bool:
        """Bring the lists up to date after edits; False when starting afresh is simpler."""
        n = len(inputs)
        if n < 2:
            return False
        budget = max(8, int(n * self.INCREMENTAL_SHARE))
        changed = [k for k in range(n) if inputs[k] != self.inputs[k]]
        if len(changed) > budget:
            return False
        new_counts = {k: Counter(words(f"{inputs[k][5]} {inputs[k][6]}")) for k in changed}
        df_changes: Counter[str] = Counter()
        for k in changed:
            df_changes.subtract(self.counts[k].keys())
            df_changes.update(new_counts[k].keys())
        moved = {w for w, delta in df_changes.items() if delta}
        # A word held by every incident has no weight: one that joins or leaves
        # that state changes every vector.
        if any(self.df[w] == n or self.df[w] + df_changes[w] == n for w in moved):
            return False
        affected = set(changed)
        for w in moved:
            affected.update(self.index.get(f"word:{w}", ()))
            if len(affected) > budget:
                return False

        # Features again for the affected incidents; the index follows.
        old = {k: self.features[k] for k in affected}
        for k in changed:
            row = inputs[k]
            self.terms[k] = _term_weights_of(row[1], row[2])
            self.teams[k], self.tags[k], self.systems[k] = set(row[3]), set(row[4]), set(row[7])
            self.counts[k] = new_counts[k]
        self.df.update(df_changes)
        self.df = +self.df  # drop words no longer held
        touched: set[str] = set()
        for k in affected:
            self.features[k] = self._features(k)
            touched.update(old[k].keys())
            touched.update(self.features[k].keys())
        before = {key: len(self.index.get(key, ())) for key in touched}
        for k in affected:
            for key in old[k]:
                del self.index[key][k]
            for key, weight in self.features[k].items():
                self.index[key][k] = weight
        for key in touched:
            if not self.index[key]:
                del self.index[key]
        cap = self.common_cap
        if any((before[key] > cap) != (len(self.index.get(key, ())) > cap) for key in touched):
            # A feature became common or stopped being common: every list using it changes.
            self._full(inputs)
            return True

        # Whose list can change: the affected incidents, the incidents that had
        # one of them on their shortlist, and those it may now enter.
        redo = set(affected)
        for a in affected:
            redo.update(self.shortlisted_by[a])
        full = self.limit * 4
        for a in affected:
            partial: dict[int, float] = defaultdict(float)
            for key, weight in self.features[a].items():
                postings = self.index[key]
                if len(postings) > cap:
                    continue
                for m, other_weight in postings.items():
                    partial[m] += weight * other_weight
            for m, value in partial.items():
                if m in redo:
                    continue
                shortlist = self.shortlists[m]
                # The sum here runs in another order than the incident's own
                # query: near the bar, let the query decide.
                if len(shortlist) < full or value >= shortlist[-1][1] - 1e-9:
                    redo.add(m)
        if len(redo) > 4 * budget:
            self._full(inputs)
            return True
        for k in sorted(redo):
            self._query(k)
        self.recomputed = len(redo)
        return True

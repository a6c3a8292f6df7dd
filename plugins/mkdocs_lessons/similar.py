"""Similar incidents: for each incident, the few others most like it.

Score of a pair (a, b), every part symmetric, so "similar" goes both ways:

- terms: for each taxonomy term path shared by both (their own terms and
  every broader term above them), the weight of the term on each side
  multiplied: primary 3, secondary 1.5, a broader term of either half its
  child's weight per level (so sharing `design-flaw/missing-guardrail` as
  primary counts 9, sharing only the parent `design-flaw` counts 2.25);
- teams: 2 per shared team;
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

import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

from .model import Incident, natural_key

PRIMARY, SECONDARY, TEAM, TAG, WORDS = 3.0, 1.5, 2.0, 1.5, 4.0
MIN_SCORE = 2.5  # below this, "similar" is noise (one shared team, a couple of words)

STOP_WORDS = frozenset(
    """a about above after again against all also an and any are as at be because been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here hers him his how i if in
    into is it its itself just more most no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours one two three after its into onto per via without
    within across over under when then than got get gets getting made make makes making""".split()
)
_WORD = re.compile(r"[a-z][a-z0-9]{2,}")


@dataclass(frozen=True)
class Similar:
    incident_id: str
    score: float
    terms: tuple[str, ...]  # shared term paths (the most specific ones)
    teams: tuple[str, ...]
    tags: tuple[str, ...]


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def _term_weights(incident: Incident) -> dict[str, float]:
    weights: dict[str, float] = {}
    for term, weight in [(incident.primary, PRIMARY), *((t, SECONDARY) for t in incident.secondary)]:
        parts = term.split("/")
        for depth in range(len(parts), 0, -1):
            path = "/".join(parts[:depth])
            value = weight / (2 ** (len(parts) - depth))
            weights[path] = max(weights.get(path, 0.0), value)
    return weights


def find_similar(incidents: Iterable[Incident], *, limit: int = 5, common_cap: int = 200) -> dict[str, list[Similar]]:
    """Up to `limit` similar incidents for every incident, best first."""
    items = sorted(incidents, key=lambda i: natural_key(i.id))
    n = len(items)
    if n < 2:
        return {i.id: [] for i in items}
    terms = [_term_weights(i) for i in items]
    teams = [set(i.teams) for i in items]
    tags = [set(i.tags) for i in items]
    counts = [Counter(words(f"{i.title} {i.summary}")) for i in items]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    vectors: list[dict[str, float]] = []
    for c in counts:
        vector = {w: tf * math.log(n / df[w]) for w, tf in c.items() if df[w] < n}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})

    # Every feature of an incident with its weight; a pair's score is the sum over
    # shared features of the two weights multiplied (teams and tags: sqrt, so the
    # product is the per-item weight).
    features: list[dict[tuple[str, str], float]] = []
    for k in range(n):
        mine: dict[tuple[str, str], float] = {("term", p): w for p, w in terms[k].items()}
        mine.update({("team", t): math.sqrt(TEAM) for t in teams[k]})
        mine.update({("tag", t): math.sqrt(TAG) for t in tags[k]})
        mine.update({("word", w): math.sqrt(WORDS) * v for w, v in vectors[k].items()})
        features.append(mine)
    index: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for k in range(n):
        for key, weight in features[k].items():
            index[key].append((k, weight))

    result: dict[str, list[Similar]] = {}
    for k, incident in enumerate(items):
        scores: dict[int, float] = defaultdict(float)
        common: list[tuple[tuple[str, str], float]] = []
        for key, weight in features[k].items():
            postings = index[key]
            if len(postings) > common_cap:
                common.append((key, weight))  # added to the shortlist's scores below
                continue
            for j, other_weight in postings:
                scores[j] += weight * other_weight
        scores.pop(k, None)
        # A shortlist by the partial score, then the common features on top (cheap set lookups).
        # `items` is in natural id order, so the position breaks ties by natural id.
        shortlist = heapq.nlargest(limit * 4, scores.items(), key=lambda kv: (kv[1], -kv[0]))
        scored: list[tuple[float, tuple, Similar]] = []
        for j, partial in shortlist:
            score = partial + sum(weight * features[j].get(key, 0.0) for key, weight in common)
            score = round(score, 6)  # float noise must not reorder ties
            if score < MIN_SCORE:
                continue
            shared_terms = terms[k].keys() & terms[j].keys()
            specific = tuple(sorted(p for p in shared_terms if not any(q != p and q.startswith(p + "/") for q in shared_terms)))
            other = items[j]
            similar = Similar(other.id, score, specific, tuple(sorted(teams[k] & teams[j])), tuple(sorted(tags[k] & tags[j])))
            scored.append((-score, natural_key(other.id), similar))
        scored.sort(key=lambda row: (row[0], row[1]))
        result[incident.id] = [row[2] for row in scored[:limit]]
    return result

"""The words search knows a record by, beyond its text: keywords, site synonyms, and the vocabulary.

Three things the search box needs and Pagefind cannot do alone:
- `keywords:` of a record (words readers use that its text does not) and
  the site's `search_synonyms` are indexed as hidden, heavily weighted
  text on the record's page, so "downtime" finds a record that says
  "outage". A synonym group applies to a record when any of its words
  (or phrases) occurs in the record's title, summary, cause, lessons,
  keywords or tags; the other words of the group are then added.
- The vocabulary (`search/words.json`): the words of every record's title,
  summary, cause, lessons, keywords and tags, which the browser fetches
  only when a query finds nothing, to correct a misspelled word.
No MkDocs imports here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_MARKUP = re.compile(r"`|\*\*?|__?|\[|\]\([^)]*\)|<[^>]+>")


def plain(text: str) -> str:
    """Record Markdown as one line of text: emphasis, code marks and link targets dropped."""
    return " ".join(_MARKUP.sub("", text or "").split())


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def stem(word: str) -> str:
    """A crude English stem, enough to match "outages" with "outage" and "charged" with "charge"."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _stems(text: str) -> str:
    return " " + " ".join(stem(w) for w in words(text)) + " "


def expansions(texts: Iterable[str], synonyms: Mapping[str, Sequence[str]]) -> list[str]:
    """The synonyms a record is also found by: each group one of whose words the record uses, minus those it uses."""
    haystack = _stems(" ".join(texts))
    added: list[str] = []
    for word, others in synonyms.items():
        group = [word, *others]
        present = [g for g in group if _stems(g) in haystack]
        if present:
            added += [g for g in group if g not in present and g not in added]
    return added


def vocabulary(texts: Iterable[str], *, minimum: int = 4) -> str:
    """`search/words.json`: the records' words of `minimum` letters or more, most frequent first (ties by spelling)."""
    counts = Counter(w for text in texts for w in words(text) if len(w) >= minimum and not w.isdigit())
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n"

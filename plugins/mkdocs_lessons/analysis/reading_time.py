"""How long a reading-path step takes to read. No MkDocs in here.

The time comes from the words of the record text the reader meets on the
step's page (not from the page chrome: facts-table labels, navigation and
badges are scanned, not read), at a fixed rate, so the same records always
give the same minutes.
"""

from __future__ import annotations

import re
from typing import Iterable

from mkdocs_lessons.analysis.link_graph import LinkGraph
from mkdocs_lessons.records.model import Incident, KnowledgeBase, PathStep, Sop, SopRef, SopVersion, natural_key

#: Reading speed for technical prose. 200 words a minute is the usual figure
#: for careful reading of unfamiliar material (skimming is faster).
WORDS_PER_MINUTE = 200

# Link targets and raw HTML tags are not read; the link text is.
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_TAG = re.compile(r"<[^>\n]+>")
# A word: letters or digits, joined by an apostrophe, dot or hyphen
# (`don't`, `v2.1`, `2024-03-14` and `SOP-007` are one word each).
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")


def count_words(texts: Iterable[str]) -> int:
    total = 0
    for value in texts:
        if value:
            total += len(_WORD.findall(_TAG.sub(" ", _LINK_TARGET.sub("]", str(value)))))
    return total


def minutes(words: int) -> int:
    """Words at WORDS_PER_MINUTE, rounded to the nearest minute, never less than one."""
    return max(1, (words + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)


def incident_texts(incident: Incident) -> list[str]:
    texts = [incident.id, incident.title, incident.summary, incident.context, incident.impact]
    texts += [event.event for event in incident.timeline]
    for decision in incident.decisions:
        texts += [decision.decision, decision.rationale]
    texts += [a.assumption for a in incident.assumptions]
    if incident.root_cause is not None:
        texts += [*incident.root_cause.whys, incident.root_cause.cause, *incident.root_cause.contributing_factors]
    texts += [*incident.went_well, *incident.went_wrong, *incident.got_lucky, *incident.lessons]
    for item in incident.action_items:
        texts += [item.action, item.indicator]
    return texts


def sop_version_texts(sop: Sop, version: SopVersion) -> list[str]:
    texts = [sop.id, sop.title, version.purpose, version.changes, *version.steps]
    for criterion in version.decision_criteria:
        texts += [criterion.when, criterion.then]
    return texts


def step_words(kb: KnowledgeBase, graph: LinkGraph, step: PathStep) -> int:
    """The words a reader reads on the page a step opens (0 when it has no page)."""
    kind, target = step.target_kind, step.target
    if kind == "incident":
        incident = kb.incidents.get(target)
        if incident is None or not kb.is_published(target):
            return 0  # an unpublished draft: nothing to read
        return count_words(incident_texts(incident))
    if kind == "sop":
        ref = SopRef.parse(target)
        sop = kb.sops.get(ref.sop_id)
        version = sop.resolve(ref) if sop is not None else None
        if sop is None or version is None:
            return 0
        # The SOP's own page adds its summary above the current version.
        extra = [sop.summary] if ref.version is None else []
        return count_words([*extra, *sop_version_texts(sop, version)])
    if kind == "team":
        team = kb.teams.get(target)
        if team is None:
            return 0
        titles = [i.title for i in graph.by_team.get(target, [])]
        titles += [kb.sops[s].title for s in graph.sops_by_team.get(target, []) if s in kb.sops]
        return count_words([team.title, team.description, *titles])
    taxonomy = kb.taxonomy
    if target not in taxonomy.terms and target in taxonomy.retired:
        target = taxonomy.retired[target].replaced_by
    term = taxonomy.terms.get(target)
    if term is None:
        return 0
    texts = [term.title, term.description]
    for child in term.children:
        texts += [taxonomy.terms[child].title, taxonomy.terms[child].description]
    incidents = {c.incident.id: c.incident for c in graph.under_term(target)}
    texts += [incidents[i].title for i in sorted(incidents, key=natural_key)]
    return count_words(texts)


def step_minutes(kb: KnowledgeBase, graph: LinkGraph, step: PathStep) -> int:
    """Minutes for one step; 0 only for a step whose page is not published."""
    words = step_words(kb, graph, step)
    return minutes(words) if words else 0

"""The generated "Essentials" reading path (option `generated_paths: true`). No MkDocs here.

A new knowledge base has reviews long before anyone curates a path through
them. This path is built from the records themselves: for each top-level
taxonomy term (in taxonomy file order), the most instructive reviewed
incident classified under it, followed by the current SOP it led to.

"Most instructive" is a total order, so the path never depends on file or
dict order:

1. highest severity (SEV1 first; near misses and successes, which carry no
   severity, after SEV4);
2. most linked: incoming references from other records, i.e. published
   incidents naming it in `related`, SOP versions naming it in
   `motivated_by`, and steps of curated reading paths;
3. newest (`occurred`);
4. lowest natural id, as the last tie-break.

Only published incidents with status `reviewed` or `closed` take part: a
new hire should meet finished reviews. The SOP it "led to" is one with an
approved version, found through (strongest first) a version `motivated_by`
the incident, an action item `codified_in` it, or an `sops` link with
relation `updated`; ties go to the lowest SOP id. An SOP already on the path
is not repeated.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Optional

from mkdocs_lessons.records.model import SEVERITIES, Incident, KnowledgeBase, PathStep, ReadingPath, Term, natural_key

ESSENTIALS_ID = "essentials"
ESSENTIALS_TITLE = "Essentials"
ESSENTIALS_AUDIENCE = "Everyone new here"
ESSENTIALS_DESCRIPTION = (
    "Generated from the knowledge base itself: for each top-level cause in the failure taxonomy, "
    "the most instructive reviewed incident and the procedure it led to. It follows the records "
    "as reviews are added, so it is never out of date."
)

_INSTRUCTIVE_STATUSES = ("reviewed", "closed")
# How directly an SOP came out of an incident (lower is stronger).
_MOTIVATED, _CODIFIED, _UPDATED = 0, 1, 2
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()!|])")


def incoming_references(kb: KnowledgeBase) -> Counter[str]:
    """Incident id -> references from other records (the "most linked" measure)."""
    counts: Counter[str] = Counter()
    for incident in kb.published_incidents:
        for related in dict.fromkeys(incident.related):
            if related != incident.id:
                counts[related] += 1
    for sop in kb.sops.values():
        for version in sop.versions:
            for incident_id in dict.fromkeys(version.motivated_by):
                counts[incident_id] += 1
    for reading_path in kb.paths.values():
        if reading_path.generated:
            continue
        for step in reading_path.steps:
            if step.target_kind == "incident":
                counts[step.target] += 1
    return counts


def _severity_rank(incident: Incident) -> int:
    return SEVERITIES.index(incident.severity) if incident.severity in SEVERITIES else len(SEVERITIES)


def most_instructive(kb: KnowledgeBase, term: Term, references: Counter[str]) -> Optional[Incident]:
    """The reviewed incident whose primary classification is `term` or a narrower term."""
    prefix = term.path + "/"
    candidates = [
        i
        for i in kb.published_incidents
        if i.status in _INSTRUCTIVE_STATUSES and (i.primary == term.path or i.primary.startswith(prefix))
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda i: (_severity_rank(i), -references[i.id], -i.occurred.timestamp(), natural_key(i.id)),
    )


def sop_led_to(kb: KnowledgeBase, incident: Incident) -> Optional[str]:
    """The id of the SOP (with an approved version) that this incident led to, if any."""
    strength: dict[str, int] = {}

    def note(sop_id: str, how: int) -> None:
        sop = kb.sops.get(sop_id)
        if sop is not None and sop.current is not None:
            strength[sop_id] = min(how, strength.get(sop_id, how))

    for sop in kb.sops.values():
        if any(incident.id in version.motivated_by for version in sop.versions):
            note(sop.id, _MOTIVATED)
    for item in incident.action_items:
        if item.codified_in is not None:
            note(item.codified_in.sop_id, _CODIFIED)
    for link in incident.sops:
        if link.relation == "updated":
            note(link.ref.sop_id, _UPDATED)
    if not strength:
        return None
    return min(strength, key=lambda sop_id: (strength[sop_id], natural_key(sop_id)))


def _plain(value: str) -> str:
    """Plain text (a term title) placed into a Markdown note."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def build_essentials(kb: KnowledgeBase) -> Optional[ReadingPath]:
    """The Essentials path, or None when no top-level term has a reviewed incident yet."""
    references = incoming_references(kb)
    steps: list[PathStep] = []
    seen_sops: set[str] = set()
    for term in kb.taxonomy.top_level:
        incident = most_instructive(kb, term, references)
        if incident is None:
            continue
        facts = [incident.severity] if incident.severity else [incident.kind.replace("-", " ")]
        count = references[incident.id]
        if count:
            facts.append(f"referenced by {count} record{'s' * (count != 1)}")
        steps.append(
            PathStep(
                incident.id,
                f"The most instructive review under **{_plain(term.title)}** ({', '.join(facts)}).",
            )
        )
        sop_id = sop_led_to(kb, incident)
        if sop_id is not None and sop_id not in seen_sops:
            seen_sops.add(sop_id)
            steps.append(PathStep(sop_id, f"The procedure {incident.id} led to, as it stands today."))
    if not steps:
        return None
    return ReadingPath(
        id=ESSENTIALS_ID,
        title=ESSENTIALS_TITLE,
        steps=steps,
        audience=ESSENTIALS_AUDIENCE,
        description=ESSENTIALS_DESCRIPTION,
        generated=True,
    )


def with_essentials(kb: KnowledgeBase) -> KnowledgeBase:
    """The knowledge base with the Essentials path added (paths stay in natural id order)."""
    essentials = build_essentials(kb)
    if essentials is None:
        return kb
    paths = {**kb.paths, essentials.id: essentials}
    return replace(kb, paths={key: paths[key] for key in sorted(paths, key=natural_key)})

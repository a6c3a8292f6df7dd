"""The link graph: every cross-reference between published records, both ways.

Built once per build in one pass over the records (linear), then read by
the page generator. Only published records take part, so no page links
to a draft that is not on the site.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mkdocs_lessons.records.model import Incident, KnowledgeBase, PathStep, natural_key


@dataclass(frozen=True)
class Classified:
    incident: Incident
    term: str  # the term path the incident names
    primary: bool


@dataclass(frozen=True)
class SopMention:
    incident: Incident
    relation: str  # violated | missing | followed | updated
    version: int  # the version the reference resolves to
    explicit: bool  # SOP-007@2 rather than SOP-007


@dataclass(frozen=True)
class PathVisit:
    path_id: str
    index: int  # 0-based step index
    total: int


@dataclass
class LinkGraph:
    by_term: dict[str, list[Classified]] = field(default_factory=lambda: defaultdict(list))
    by_team: dict[str, list[Incident]] = field(default_factory=lambda: defaultdict(list))
    sops_by_team: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    related_from: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # backlinks
    sop_mentions: dict[str, list[SopMention]] = field(default_factory=lambda: defaultdict(list))
    motivated: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    codified_from: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    path_visits: dict[str, list[PathVisit]] = field(default_factory=lambda: defaultdict(list))

    def under_term(self, path: str) -> list[Classified]:
        """Incidents classified under a term or any of its descendants."""
        prefix = path + "/"
        return [c for key, items in self.by_term.items() if key == path or key.startswith(prefix) for c in items]


def step_key(kb: KnowledgeBase, step: PathStep) -> str:
    """The ref of the page a step opens: a step at a retired term opens its replacement.

    Path banners look pages up by this key, and the reader's progress is kept
    under it, so the same page read in two paths counts in both.
    """
    if step.target_kind == "term":
        taxonomy = kb.taxonomy
        retired = taxonomy.retired.get(step.target)
        if retired is not None and step.target not in taxonomy.terms:
            return f"taxonomy/{retired.replaced_by}"
    return step.ref


def build_graph(kb: KnowledgeBase) -> LinkGraph:
    graph = LinkGraph()
    published = kb.published_incidents
    for incident in published:
        graph.by_term[incident.primary].append(Classified(incident, incident.primary, True))
        for term in incident.secondary:
            graph.by_term[term].append(Classified(incident, term, False))
        for team in incident.teams:
            graph.by_team[team].append(incident)
        for related in incident.related:
            if kb.is_published(related):
                graph.related_from[related].append(incident.id)
        for link in incident.sops:
            sop = kb.sops.get(link.ref.sop_id)
            version = sop.resolve(link.ref) if sop else None
            if version is not None:
                graph.sop_mentions[link.ref.sop_id].append(
                    SopMention(incident, link.relation, version.version, link.ref.version is not None)
                )
        for item in incident.action_items:
            if item.codified_in is not None:
                sop = kb.sops.get(item.codified_in.sop_id)
                version = sop.resolve(item.codified_in) if sop else None
                if version is not None:
                    graph.codified_from[(item.codified_in.sop_id, version.version)].append((incident.id, item.id))
    for sop in kb.sops.values():
        graph.sops_by_team[sop.owner].append(sop.id)
        for version in sop.versions:
            graph.motivated[(sop.id, version.version)] = [i for i in version.motivated_by if kb.is_published(i)]
    for reading_path in kb.paths.values():
        for index, step in enumerate(reading_path.steps):
            graph.path_visits[step_key(kb, step)].append(PathVisit(reading_path.id, index, len(reading_path.steps)))
    for key in graph.related_from:
        graph.related_from[key].sort(key=natural_key)
    return graph

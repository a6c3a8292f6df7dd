"""The one derive step: a checked knowledge base in, every derived fact out, read-only.

After validation, `Analysis(kb, ...)` holds what no single record says:
the link graph (backlinks, incidents by term and team, path visits), the
dashboard's metrics, the learning programme (sessions, indicators,
adherence, team learning records), the learning loop and its recurrences,
check-ins and experiments (analysis/followup.py), similar
incidents, review-quality lints and the feed's newest reviews. Pages, the
data files and the CLI (`stats`, `lint`, `generate`) read it; nothing
downstream computes a derived fact of its own or writes one back.

Each fact is worked out on its first read and kept (a build that shows no
similar incidents never computes them): the laziness stays inside this
object. What one build derives is never seen by the next, except under
`mkdocs serve`: the similar-incident finder, whose vectors are keyed by the
incidents' own text inside it (analysis/similar.py), and the products marked
`kept_product`, each the last build's object while what it was made of holds
(analysis/kept_products.py). Nothing here updates a product in place after
it is handed out: an unchanged object is taken for unchanged values.
"""

from __future__ import annotations

import heapq
from datetime import date
from functools import cached_property
from typing import Any, Callable, Generic, Optional, Protocol, TypeVar, overload

from mkdocs_lessons.analysis.followup import FollowUp, build_followup
from mkdocs_lessons.analysis.kept_products import KeptProducts
from mkdocs_lessons.analysis.link_graph import LinkGraph, build_graph
from mkdocs_lessons.analysis.loop import LoopFacts, LoopFigures, build_loop, loop_figures
from mkdocs_lessons.analysis.metrics import Metrics, compute
from mkdocs_lessons.analysis.programme import Programme, build_programme
from mkdocs_lessons.analysis.renewal import RenewalAgenda, build_agenda
from mkdocs_lessons.analysis.similar import Fork, Similar, SimilarFinder
from mkdocs_lessons.checks.lints import LintConfig, by_incident, lint
from mkdocs_lessons.diagnostics import Diagnostic
from mkdocs_lessons.records.model import Incident, KnowledgeBase, natural_key

T = TypeVar("T")
_UNMADE: Any = object()


class derived(Generic[T]):
    """A product of `Analysis`: worked out on its first read and kept for the build, like `cached_property`.

    Under `mkdocs serve` (`Analysis(kept=...)`) a product with `keep` is
    the last build's while what it was made of holds (analysis/kept_products.py);
    every product read while another is made is noted as that one's input.
    """

    def __init__(self, make: Callable[[Any], T], keep: bool = True) -> None:
        self.make, self.keep = make, keep
        self.name = make.__name__
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: Any = None) -> "derived[T]": ...
    @overload
    def __get__(self, obj: object, owner: Any = None) -> T: ...
    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return obj._product(self.name, self.keep, lambda: self.make(obj))


def kept_product(make: Callable[[Any], T]) -> derived[T]:
    return derived(make)


def plain_product(make: Callable[[Any], T]) -> derived[T]:
    """A product made every build (cheap, or kept by its own means): still noted as an input of the kept ones."""
    return derived(make, keep=False)


class Analysis:
    """Derived facts of one knowledge base on one day; read-only once made."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        today: date,
        lint_config: Optional[LintConfig] = None,
        lints: Optional[list[Diagnostic]] = None,
        similar_finder: Optional[SimilarFinder] = None,
        kept: Optional[KeptProducts] = None,
    ) -> None:
        self.kb = kb
        self.today = today
        self.lint_config = lint_config or LintConfig()
        self._lints = lints  # the adapter may have run them already (to log them)
        self.similar_finder = similar_finder if similar_finder is not None else SimilarFinder()
        self.graph: LinkGraph = build_graph(kb)
        self._kept = kept  # under `mkdocs serve`: the last build's products (analysis/kept_products.py)
        self._values: dict[str, Any] = {}
        self._fork: Optional[Fork] = None  # while `settle` runs: a second core for the similar lists
        if kept is not None:
            kept.begin()

    def _product(self, name: str, keep: bool, make: Callable[[], Any]) -> Any:
        value = self._values.get(name, _UNMADE)
        if value is _UNMADE:
            kept = self._kept
            if kept is not None and keep:
                # Everything a product is made of that is not a record: the day and the lint settings.
                value = kept.get(name, self.kb, (self.today, self.lint_config), self._use, make)
            elif kept is not None:
                value = kept.apart(self.kb, make)
                kept.note_use(name, value)
            else:
                value = make()
            self._values[name] = value
        elif self._kept is not None:
            self._kept.note_use(name, value)
        return value

    def _use(self, name: str) -> Any:
        return getattr(self, name)

    @kept_product
    def metrics(self) -> Metrics:
        """Every figure of the dashboard and metrics.json."""
        return compute(self.kb, self.today)

    @kept_product
    def programme(self) -> Programme:
        """The learning programme: sessions, learning activity, indicators, adherence, recognition."""
        return build_programme(self.kb, self.today, self.lint_config.review_within_days)

    @kept_product
    def loop(self) -> LoopFacts:
        """From lesson to standard: codified actions, loop states, possible recurrences."""
        # Recurrence reads the similar lists ("team and similarity"): the same
        # scores the incident pages show, computed once.
        lists = {key: [(s.incident_id, s.score) for s in found] for key, found in self.similar.items()}
        return build_loop(self.kb, lists)

    @kept_product
    def followup(self) -> FollowUp:
        """Scheduled and overdue check-ins, and PDSA experiments, of the published action items."""
        return build_followup(self.kb.published_incidents, self.today)

    @kept_product
    def renewal_agenda(self) -> RenewalAgenda:
        """What the periodic review of the framework should look at (analysis/renewal.py)."""
        past = sorted(self.metrics.sops.in_state("overdue"), key=lambda x: (-(x.days or 0), natural_key(x.sop_id)))
        return build_agenda(
            self.kb,
            self.today,
            loop=self.loop,
            lints_by_incident=self.lints_by_incident,
            overdue_check_ins=self.followup.overdue,
            sops_past_review=past,
        )

    @kept_product
    def loop_figures(self) -> LoopFigures:
        return loop_figures(self.kb, self.loop)

    @plain_product
    def lints(self) -> list[Diagnostic]:
        """Review-quality lints of every published incident, in file order."""
        return self._lints if self._lints is not None else lint(self.kb, self.lint_config)

    @plain_product
    def lints_by_incident(self) -> dict[str, list[Diagnostic]]:
        return by_incident(self.kb, self.lints)

    @plain_product
    def similar(self) -> dict[str, list[Similar]]:
        """Each published incident's most similar others, with what they share."""
        # A copy: the finder (kept across serve rebuilds) updates its own map in place, and a map
        # that is the last build's object counts as unchanged (kept products, render/read_index.py).
        return dict(self.similar_finder.update(self.kb.published_incidents, fork=self._fork))

    def settle(self, fork: Optional[Fork] = None) -> None:
        """Every product worked out now: before `mkdocs build` forks (pages/parallel.py), so it is worked out once.
        `fork`: the similar lists are made half in a forked copy meanwhile (analysis/similar.py)."""
        self._fork = fork
        try:
            for name, member in vars(Analysis).items():
                if isinstance(member, (derived, cached_property)):
                    getattr(self, name)
        finally:
            self._fork = None

    def newest_reviewed(self, limit: int) -> list[Incident]:
        """The `limit` newest reviews (by review date, up to today): the feed's incidents."""
        return self._reviewed_newest_first[:limit]

    @cached_property
    def _reviewed_newest_first(self) -> list[Incident]:
        reviewed = [
            (day, (1, natural_key(i.id)), i)
            for i in self.kb.published_incidents
            if (day := reviewed_on(i, self.today)) is not None
        ]
        return [row[2] for row in heapq.nlargest(len(reviewed), reviewed, key=lambda row: row[:2])]


class AnalysisView(Protocol):
    """What pages read of an `Analysis` (`Context.analysis`, pages/common.py).

    An `Analysis`, or under `mkdocs serve` the view that stands in for it and
    notes each read (render/reads.py, `WatchedProducts`). A product pages
    read is named here too; mypy holds this list and `Analysis` together.
    """

    @property
    def metrics(self) -> Metrics: ...
    @property
    def programme(self) -> Programme: ...
    @property
    def loop(self) -> LoopFacts: ...
    @property
    def followup(self) -> FollowUp: ...
    @property
    def renewal_agenda(self) -> RenewalAgenda: ...
    @property
    def loop_figures(self) -> LoopFigures: ...
    @property
    def lints_by_incident(self) -> dict[str, list[Diagnostic]]: ...
    @property
    def similar(self) -> dict[str, list[Similar]]: ...
    def newest_reviewed(self, limit: int) -> list[Incident]: ...


def reviewed_on(incident: Incident, today: date) -> Optional[date]:
    """The day the incident's review was done, if it was done by `today` (then it is in the feed)."""
    review = incident.review
    if incident.status not in ("reviewed", "closed") or review is None or review.date is None or review.date > today:
        return None
    return review.date

"""Per-build results of the learning-loop modules, computed once and shared by pages.

The loop (loop.py), the review-quality lints (lint.py) and the similar
incidents (similar.py) are read by incident, SOP, lessons and dashboard
pages; each is computed on first use and kept in `ctx.memo`.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..lint import by_incident, lint
from ..loop import LoopFacts, LoopFigures, build_loop, loop_figures
from ..similar import Similar, SimilarFinder
from .common import Context


def loop_facts(ctx: Context) -> LoopFacts:
    key = ("learning", "loop")
    if key not in ctx.memo:
        ctx.memo[key] = build_loop(ctx.kb)
    return ctx.memo[key]


def loop_numbers(ctx: Context) -> LoopFigures:
    key = ("learning", "loop-figures")
    if key not in ctx.memo:
        ctx.memo[key] = loop_figures(ctx.kb, loop_facts(ctx))
    return ctx.memo[key]


def lints_of(ctx: Context, incident_id: str) -> list[Diagnostic]:
    key = ("learning", "lints")
    if key not in ctx.memo:
        ctx.memo[key] = by_incident(ctx.kb, lint(ctx.kb, ctx.lint))
    return ctx.memo[key].get(incident_id, [])


def similar_to(ctx: Context, incident_id: str) -> list[Similar]:
    key = ("learning", "similar")
    if key not in ctx.memo:
        # Kept across `mkdocs serve` rebuilds: an edit recomputes only the
        # lists it can change (none for a timeline or an action item).
        finder = ctx.carry.get("similar")
        if not isinstance(finder, SimilarFinder):
            finder = ctx.carry["similar"] = SimilarFinder()
        ctx.memo[key] = finder.update(ctx.kb.published_incidents)
    return ctx.memo[key].get(incident_id, [])

"""Per-build results of the learning-loop modules, computed once and shared by pages.

The loop (loop.py), the review-quality lints (lint.py) and the similar
incidents (similar.py) are read by incident, SOP, lessons and dashboard
pages; each is computed on first use and kept in `ctx.memo`.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..lint import by_incident, lint
from ..loop import LoopFacts, LoopFigures, build_loop, loop_figures
from ..similar import Similar, find_similar
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
        incidents = ctx.kb.published_incidents
        # Similarity reads only these fields: an edit to a timeline or an
        # action item (most edits) reuses the last build's result.
        inputs = tuple((i.id, i.primary, tuple(i.secondary), tuple(i.teams), tuple(i.tags), i.title, i.summary) for i in incidents)
        kept = ctx.carry.get("similar")
        if kept is not None and kept[0] == inputs:
            ctx.memo[key] = kept[1]
        else:
            ctx.memo[key] = find_similar(incidents)
            ctx.carry["similar"] = (inputs, ctx.memo[key])
    return ctx.memo[key].get(incident_id, [])

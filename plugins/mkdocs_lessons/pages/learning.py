"""The learning loop's derived facts as pages read them (from `ctx.analysis`, analysis.py).

The loop (loop.py), the review-quality lints (lint.py) and the similar
incidents (similar.py) are read by incident, SOP, lessons and dashboard
pages.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..loop import LoopFacts, LoopFigures
from ..similar import Similar
from .common import Context


def loop_facts(ctx: Context) -> LoopFacts:
    return ctx.analysis.loop


def loop_numbers(ctx: Context) -> LoopFigures:
    return ctx.analysis.loop_figures


def lints_of(ctx: Context, incident_id: str) -> list[Diagnostic]:
    return ctx.analysis.lints_by_incident.get(incident_id, [])


def similar_to(ctx: Context, incident_id: str) -> list[Similar]:
    return ctx.analysis.similar.get(incident_id, [])

"""One call from a folder of records to a checked knowledge base.

This is the core's front door: `lessons validate`, the MkDocs adapter and
the tests all come through here. Nothing in it knows about MkDocs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from mkdocs_lessons.checks.loop_rules import check_loop
from mkdocs_lessons.checks.placeholders import check_placeholders
from mkdocs_lessons.checks.rules import DEFAULT_DATE_RANGE, LinkTargets, check, reserved_id_problem
from mkdocs_lessons.clock import resolve_today
from mkdocs_lessons.diagnostics import Diagnostics
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.records.collector import collector_paused
from mkdocs_lessons.records.essentials import with_essentials
from mkdocs_lessons.records.load import LoadResult, load
from mkdocs_lessons.records.model import KnowledgeBase, Taxonomy


@dataclass
class Outcome:
    """The checked knowledge base (None when any error was found) and every problem."""

    kb: Optional[KnowledgeBase]
    diagnostics: Diagnostics
    loaded: LoadResult

    @property
    def ok(self) -> bool:
        return not self.diagnostics.errors


def open_knowledge_base(
    root: Path,
    *,
    base: Optional[Path] = None,
    include_drafts: bool = False,
    cache: Optional[DocumentCache] = None,
    generated_paths: bool = False,
    date_range: tuple[int, int] = DEFAULT_DATE_RANGE,
    today: Optional[date] = None,
    links: Optional[LinkTargets] = None,
) -> Outcome:
    """`generated_paths` adds the Essentials path (records/essentials.py), whose id is then reserved.

    Every date must fall in `date_range` (years, the option `date_range`) and
    no incident may occur after `today` (the option `today`; default as
    `resolve_today`): the plugin and the `lessons` command pass the same.
    `links` says what a relative link in record text may name (the prefix,
    docs_dir): without it, only the generated pages.
    """
    with collector_paused():
        return _open(
            root, base, include_drafts, cache, generated_paths, date_range, today or resolve_today(None), links
        )


def _open(
    root: Path,
    base: Optional[Path],
    include_drafts: bool,
    cache: Optional[DocumentCache],
    generated_paths: bool,
    date_range: tuple[int, int],
    today: date,
    links: Optional[LinkTargets],
) -> Outcome:
    loaded = load(root, base=base, cache=cache)
    with loaded.timings.phase("validate"):  # the cross-record rules count as validation
        check(
            loaded,
            include_drafts=include_drafts,
            date_range=date_range,
            today=today,
            links=links or LinkTargets(generated_paths=generated_paths),
        )
        check_placeholders(loaded)  # text from `lessons new` must not reach readers
    check_loop(loaded.incidents, loaded.sops, loaded.diagnostics)  # the learning loop's warnings
    diagnostics = loaded.diagnostics
    if generated_paths:
        clash = reserved_id_problem(loaded.paths)
        if clash is not None:
            diagnostics.add(clash)
    kb = None
    if not diagnostics.errors:
        kb = KnowledgeBase(
            taxonomy=loaded.taxonomy or Taxonomy(1, None, {}, {}),
            teams=loaded.teams,
            incidents=loaded.incidents,
            sops=loaded.sops,
            paths=dict(loaded.paths),
            include_drafts=include_drafts,
            sessions=loaded.sessions,
            indicators=loaded.indicators,
        )
        if generated_paths:
            kb = with_essentials(kb)
    return Outcome(kb, diagnostics, loaded)


def summary_line(outcome: Outcome) -> str:
    """`42 incidents, 12 SOPs (31 versions), 19 terms, 8 teams, 3 paths: no problems`."""
    loaded = outcome.loaded
    versions = sum(len(s.versions) for s in loaded.sops.values())
    terms = len(loaded.taxonomy.terms) if loaded.taxonomy else 0
    drafts = sum(1 for i in loaded.incidents.values() if i.is_draft)
    counts = (
        f"{len(loaded.incidents)} incidents ({drafts} drafts), {len(loaded.sops)} SOPs ({versions} versions), "
        f"{terms} taxonomy terms, {len(loaded.teams)} teams, {len(loaded.paths)} reading paths"
    )
    if loaded.sessions or loaded.indicators:  # record format v1.1, optional
        counts += f", {len(loaded.sessions)} learning sessions, {len(loaded.indicators)} indicators"
    errors, warnings = len(outcome.diagnostics.errors), len(outcome.diagnostics.warnings)
    if not errors and not warnings:
        return f"{counts}: no problems"
    return f"{counts}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"

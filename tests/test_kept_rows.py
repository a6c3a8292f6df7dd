"""Kept rows and kept page HTML under `mkdocs serve` (render/kept_rows.py, render/kept_views.py).

A list render made again after an edit takes each row the edit did not
touch from the last build, and each of its numbered pages whose view is the
last build's keeps its HTML. This test pages every list one row a page (so
rows cross page boundaries when an incident is added or removed), makes a
sequence of edits that lists show (titles, team names, lessons) and that
they do not (summaries), additions and removals, and after each compares
the files generated with everything kept from the step before against a
generation from nothing, file by file. Each mechanism has a planted mistake
that must make it fail.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from markupsafe import Markup

from conftest import MINIMAL
from test_serve_equivalence import _dump

from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.pages import paging
from mkdocs_lessons.pages.site import KEPT_RENDERS, KEPT_ROWS, generate, make_context
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.render import kept_rows
from mkdocs_lessons.render.kept_rows import KeptRows
from mkdocs_lessons.render.kept_views import same_view
from mkdocs_lessons.render.reads import KeptRenders

TODAY = date(2026, 11, 27)


def _site(kb_root: Path, cache: DocumentCache, carry: dict[str, Any] | None) -> dict[str, Any]:
    outcome = open_knowledge_base(kb_root, base=kb_root, cache=cache, today=TODAY)
    assert outcome.kb is not None, [str(d) for d in outcome.diagnostics]
    ctx = make_context(outcome.kb, today=TODAY, carry=carry)
    return {f.src_uri: f.content for f in generate(ctx)}


def _edit(kb: Path, relative: str, change: Any) -> None:
    file = kb / relative
    data = yaml.safe_load(file.read_text("utf-8"))
    change(data)
    file.write_text(_dump(data), "utf-8")


def _add_copy(kb: Path, source: str, new_id: str) -> None:
    data = yaml.safe_load((kb / "incidents" / f"{source}.yaml").read_text("utf-8"))
    data["id"] = new_id
    data["title"] = f"{data['title']} again"
    (kb / "incidents" / f"{new_id}.yaml").write_text(_dump(data), "utf-8")


def _append(key: str, suffix: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        data[key] = data[key] + suffix

    return change


def _rename_team(suffix: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["teams"][0]["title"] += suffix

    return change


def _edit_lesson(data: dict[str, Any]) -> None:
    data["lessons"][0] += " Written down."


#: Saves a reader makes, in order: what lists show, what they do not, records that come and go.
STEPS: list[tuple[str, Any]] = [
    ("title", lambda kb: _edit(kb, "incidents/INC-2023-044.yaml", _append("title", " (edited)"))),
    ("summary", lambda kb: _edit(kb, "incidents/INC-2023-044.yaml", _append("summary", " More."))),
    ("add", lambda kb: _add_copy(kb, "INC-2024-017", "INC-2025-101")),  # the newest: every row moves a page on
    ("team", lambda kb: _edit(kb, "taxonomy/teams.yaml", _rename_team(" team"))),
    ("lesson", lambda kb: _edit(kb, "incidents/INC-2024-017.yaml", _edit_lesson)),
    ("remove", lambda kb: (kb / "incidents" / "INC-2025-101.yaml").unlink()),  # every row moves back
    ("title again", lambda kb: _edit(kb, "incidents/INC-2025-001.yaml", _append("title", " (again)"))),
]


def _kept_equals_fresh(tmp_path: Path) -> dict[str, int]:
    """Every step's kept generation against a fresh one; how much was kept, summed over the steps."""
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    carry: dict[str, Any] = {KEPT_RENDERS: KeptRenders()}
    _site(kb, cache, carry)
    totals = {"rows kept": 0, "rows made": 0, "pages kept": 0}
    for name, step in STEPS:
        step(kb)
        served = _site(kb, cache, carry)
        fresh = _site(kb, DocumentCache(), None)
        differing = sorted(uri for uri in set(served) | set(fresh) if served.get(uri) != fresh.get(uri))
        assert differing == [], f"after {name}: {differing}"
        rows = carry[KEPT_ROWS]
        totals["rows kept"] += rows.reused
        totals["rows made"] += rows.made
        totals["pages kept"] += rows.pages_kept
    return totals


@pytest.fixture
def one_row_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 1)


def test_kept_rows_and_pages_equal_fresh_ones_after_each_save(tmp_path, one_row_a_page):
    totals = _kept_equals_fresh(tmp_path)
    # The mechanisms were used: lists made again kept rows (one a page here, so an added incident moves every row
    # to another page and makes it again), and pages whose rows held kept their HTML.
    assert totals["rows kept"] > 0 and totals["rows made"] > 0, totals
    assert totals["pages kept"] > 0, totals


def test_a_title_edit_makes_that_row_again_and_keeps_the_others(tmp_path):
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    carry: dict[str, Any] = {KEPT_RENDERS: KeptRenders()}
    _site(kb, cache, carry)
    _edit(kb, "incidents/INC-2023-044.yaml", _append("title", " (edited)"))
    _site(kb, cache, carry)
    rows: KeptRows = carry[KEPT_ROWS]
    renders: KeptRenders = carry[KEPT_RENDERS]
    assert ("incidents",) in renders.rendered_keys  # the index shows the title: made again...
    assert rows.made >= 1 and rows.reused >= 2, (rows.made, rows.reused)  # ...with the other incidents' rows kept


def test_a_row_kept_without_judging_is_caught(tmp_path, one_row_a_page, monkeypatch):
    """The planted mistake: a kept row is taken without looking at what it read."""
    original = KeptRows.row

    def trusting(self: KeptRows, key: Any, make: Any) -> Any:
        watch = self._watch
        if watch is None:
            return original(self, key, make)
        watch.holds = lambda reads: True  # type: ignore[method-assign]  # the planted mistake, on this watch only
        try:
            return original(self, key, make)
        finally:
            del watch.holds

    monkeypatch.setattr(KeptRows, "row", trusting)
    with pytest.raises(AssertionError, match="after title"):
        _kept_equals_fresh(tmp_path)


def test_a_row_whose_reads_are_not_the_pages_is_caught(tmp_path, one_row_a_page, monkeypatch):
    """The planted mistake: a row's reads are left out of its page's, so the page is kept after a title edit."""
    monkeypatch.setattr(kept_rows, "_add_reads", lambda watch, outer, reads: None)
    with pytest.raises(AssertionError, match="after title"):
        _kept_equals_fresh(tmp_path)


def test_a_row_key_without_its_page_is_caught(tmp_path, one_row_a_page, monkeypatch):
    """The planted mistake: rows keyed without the page they are on (their links are relative to it)."""
    from mkdocs_lessons.pages.common import Context

    original = Context.row

    def pageless(self: Context, key: Any, make: Any) -> Any:
        return original(self, tuple(k for k in key if not (isinstance(k, str) and k.endswith(".md"))), make)

    monkeypatch.setattr(Context, "row", pageless)
    with pytest.raises(AssertionError, match="after (add|remove)"):
        _kept_equals_fresh(tmp_path)


def test_a_page_kept_on_a_view_that_changed_is_caught(tmp_path, one_row_a_page, monkeypatch):
    """The planted mistake: a page of a list made again keeps its HTML whatever its view."""
    monkeypatch.setattr(kept_rows, "same_view", lambda old, new: True)
    with pytest.raises(AssertionError, match="after"):
        _kept_equals_fresh(tmp_path)


# -- when two views print the same (kept_views.py) ------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    label: Any
    count: Any


@dataclass
class _Open:
    label: str


def _prints_the_same(compare: Any) -> None:
    row = _Row(Markup("<b>a</b>"), 1)
    assert compare({"rows": [row], "n": 2}, {"rows": [_Row(Markup("<b>a</b>"), 1)], "n": 2})
    utc = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    thing = object()
    different = [
        (Markup("&lt;"), "&lt;"),  # equal text, but one prints escaped
        (1, True),
        (1, 1.0),
        (-0.0, 0.0),
        (utc, utc.astimezone(timezone(timedelta(hours=1)))),  # the same moment, another zone
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # a template shows a dict in its order
        ([1, 2], (1, 2)),
        ({1, 2}, {1, 2}),  # a set's order is not its own
        (_Open("a"), _Open("a")),  # a dataclass that can change after the view was made
        (_Row("a", 1), _Row("a", True)),
        ([row], [row, row]),
        (thing, thing),  # an object that is not plain data (a record's stand-in): not even the same one
    ]
    for old, new in different:
        assert not compare(old, new), (old, new)


def test_views_are_the_same_only_as_plain_data_that_prints_the_same():
    _prints_the_same(same_view)


def test_views_compared_by_equality_alone_are_caught():
    """The planted mistake: views compared with `==`, which a Markup and its escaped text pass."""
    with pytest.raises(AssertionError):
        _prints_the_same(lambda old, new: old == new)


"""Kept renders (render/reads.py): after any one-field edit, a kept page equals a fresh render.

Under `mkdocs serve` a record page is not rendered again while everything it
read holds. This test edits every scalar of every record of the minimal
knowledge base in turn (the edits come from the records and the schemas'
enums, as in test_serve_equivalence.py), and after each edit, and after its
undoing, generates the site's files twice: with the renders kept from the
step before, as a serve rebuild does, and from nothing. The two must be
equal, file by file, and most record pages must have been kept.

A page that shows a field of another record (an incident's related
incidents, with their titles; a term page's incidents) is only right if
that read was noted; leaving out a kind of read makes this test fail.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import MINIMAL
from test_serve_equivalence import _changed, _dump, _enum_values, _kind, _leaves, _records, _set

from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.pages.site import KEPT_RENDERS, generate, make_context
from mkdocs_lessons.render.reads import KeptRenders

TODAY = date(2026, 11, 27)


def _site(kb_root: Path, cache: DocumentCache, carry: dict[str, Any] | None) -> dict[str, Any] | None:
    outcome = open_knowledge_base(kb_root, base=kb_root, cache=cache, today=TODAY)
    if outcome.kb is None:
        return None
    ctx = make_context(outcome.kb, today=TODAY, carry=carry)
    return {f.src_uri: f.content for f in generate(ctx)}


def _edits(kb: Path) -> list[tuple[Path, tuple, Any]]:
    found = []
    for file in _records(kb):
        data = yaml.safe_load(file.read_text("utf-8"))
        for path, value in _leaves(data):
            if path and path[-1] != "id" and value is not None:
                found.append((file, path, _changed(value, _enum_values(_kind(file), path), len(found))))
    return found


def test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path):
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    kept = KeptRenders()
    carry: dict[str, Any] = {KEPT_RENDERS: kept}
    assert _site(kb, cache, carry) is not None
    unedited = _site(kb, DocumentCache(), None)  # what every undoing must give
    checked = reused = 0
    for file, path, value in _edits(kb):
        original = file.read_text("utf-8")
        data = yaml.safe_load(original)
        _set(data, path, value)
        for text in (_dump(data), original):  # the edit, then its undoing
            file.write_text(text, "utf-8")
            served = _site(kb, cache, carry)
            if served is None:  # the edit made the knowledge base invalid: serve shows the last good site
                continue
            fresh = unedited if text is original else _site(kb, DocumentCache(), None)
            assert fresh is not None
            differing = sorted(uri for uri in set(served) | set(fresh) if served.get(uri) != fresh.get(uri))
            assert differing == [], f"{file.name} {'.'.join(map(str, path))} = {value!r}: {differing}"
            checked += 1
            reused += kept.reused
    assert checked > 100
    assert reused > checked  # most record pages were kept, most of the time


def test_a_read_left_unnoted_is_caught(tmp_path, monkeypatch):
    """The planted mistake: attribute reads of incidents are not noted. Some edit must then show a stale page."""
    from mkdocs_lessons.render import watched_records

    read = watched_records.WatchedRecord.__getattr__

    def forgetful(self: Any, name: str) -> Any:
        return getattr(self._w_obj, name) if self._w_where[0] == "kb.incidents" else read(self, name)

    monkeypatch.setattr(watched_records.WatchedRecord, "__getattr__", forgetful)
    with pytest.raises(AssertionError, match="differing|\\[.+\\]"):
        test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path)


def test_a_changed_record_judged_by_presence_only_is_caught(tmp_path, monkeypatch):
    """The planted mistake: a record that is there counts as unchanged, whatever was read of it."""
    from mkdocs_lessons.render import watched_records

    def present(self: Any, where: Any, seen: Any, judged: Any) -> bool:
        return where[1][1] in self.maps[where[0]][1]

    monkeypatch.setattr(watched_records.Kinds, "holds", present)
    with pytest.raises(AssertionError, match="differing|\\[.+\\]"):
        test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path)


def test_list_pages_are_kept_after_an_edit_they_do_not_show(tmp_path):
    """A summary edit leaves the lists that do not show it (dashboard, backlog, lessons, terms, teams) kept; a title edit shows in them.

    Each time, every file equals a fresh render's, byte for byte.
    """
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    kept = KeptRenders()
    carry: dict[str, Any] = {KEPT_RENDERS: kept}
    assert _site(kb, cache, carry) is not None
    lists = {
        "incidents/index.md",
        "dashboard/index.md",
        "actions/index.md",
        "lessons/index.md",
        "taxonomy/index.md",
        "teams/index.md",
    }
    record = kb / "incidents/INC-2023-044.yaml"
    original = record.read_text("utf-8")
    data = yaml.safe_load(original)
    for field, shown_in_lists in (("summary", False), ("title", True)):
        edited = dict(data, **{field: f"{data[field]} (edited)"})
        record.write_text(_dump(edited), "utf-8")
        served = _site(kb, cache, carry)
        fresh = _site(kb, DocumentCache(), None)
        assert served is not None and fresh is not None
        assert lists <= set(fresh), sorted(set(fresh))[:40]
        assert [uri for uri in fresh if served.get(uri) != fresh[uri]] == [], field
        changed_lists = {uri for uri in lists if "(edited)" in str(fresh[uri])}
        if shown_in_lists:
            assert changed_lists, "a title edit shows in the lists"
        else:
            assert not changed_lists
            # The home page and the index's text filter (`incidents/texts.js`) show summaries: they are rendered again.
            for key in (
                ("incidents",),
                ("dashboard",),
                ("actions",),
                ("lessons",),
                ("taxonomy",),
                ("teams",),
                ("team", "payments"),
                ("renewal",),
            ):
                assert key not in kept.rendered_keys, (field, kept.rendered_keys)
            assert kept.rendered <= 10, (field, kept.rendered_keys)
            assert kept.reused > 2 * kept.rendered
        record.write_text(original, "utf-8")
        assert _site(kb, cache, carry) is not None


def test_a_record_brought_back_is_judged_for_each_render():
    """Two kept renders saw two objects of one record (one kept through an edit, one rendered after it).

    When the older object is the one the knowledge base holds again, the
    render that saw it holds and the other must not: the identity test is
    each render's own, never a verdict kept for the record.
    """
    import dataclasses as dc

    from mkdocs_lessons.render.reads import Reads, Watch

    @dc.dataclass
    class Record:
        id: str
        title: str

    older, newer = Record("A", "one"), Record("A", "two")

    def reads_of(record: Record, attribute: str) -> Reads:
        watch = Watch()
        records = watch.records("kb.incidents", {"A": record}, "id")
        reads = Reads()
        with watch.watching(reads):
            getattr(records["A"], attribute)
        return reads

    saw_id, saw_title = reads_of(older, "id"), reads_of(newer, "title")
    now = Watch()
    now.records("kb.incidents", {"A": older}, "id")
    assert now.holds(saw_id)
    assert not now.holds(saw_title)


def test_an_index_that_forgets_moved_records_is_caught(tmp_path, monkeypatch):
    """The planted mistake: the read index never compares record maps, so a changed record moves nothing."""
    from mkdocs_lessons.render.read_index import ReadIndex

    monkeypatch.setattr(ReadIndex, "settle", lambda self, watch: None)
    with pytest.raises(AssertionError, match="differing|\\[.+\\]"):
        test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path)


def _a_product_that_moves_alone() -> None:
    """A render that read only a product's value: the product changes, no record does (as similar incidents' scores
    change when another incident's text does). The render must be made again, and kept while the value holds."""
    import dataclasses as dc

    from mkdocs_lessons.render.reads import Watch

    @dc.dataclass
    class Products:
        scores: dict

    kept = KeptRenders()

    def build(scores: dict) -> Any:
        watch = Watch()
        products = watch.products("analysis", Products(scores))
        kept.begin("site", watch)
        made = kept.render(watch, ("page",), lambda: products.scores["A"])
        kept.end()
        return made

    assert build({"A": 1, "B": 1}) == 1
    assert build({"A": 1, "B": 2}) == 1 and (kept.rendered, kept.judged) == (0, 0)  # B moved, the page read A only
    assert build({"A": 2, "B": 2}) == 2, "a product that moved alone left its reader stale"
    assert build({"A": 1, "B": 2}) == 1


def test_a_render_that_read_a_product_that_moved_alone_is_made_again():
    _a_product_that_moves_alone()


def test_an_index_that_forgets_values_is_caught(monkeypatch):
    """The planted mistake: the read index keeps no value of the reads that are not records, so none of them moves."""
    from mkdocs_lessons.render.read_index import ReadIndex

    add = ReadIndex.add

    def forgetful(self: Any, key: Any, seen: Any) -> None:
        add(self, key, seen)
        self._values.clear()

    monkeypatch.setattr(ReadIndex, "add", forgetful)
    with pytest.raises(AssertionError, match="stale"):
        _a_product_that_moves_alone()


def test_a_rebuild_judges_only_the_renders_that_read_what_moved(tmp_path):
    """After one incident's summary edit, only the renders that read that incident (or a product that moved) are judged."""
    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache = DocumentCache()
    kept = KeptRenders()
    carry: dict[str, Any] = {KEPT_RENDERS: kept}
    first = _site(kb, cache, carry)
    assert first is not None
    assert _site(kb, cache, carry) == first
    # Nothing changed: only the renders that read the per-build memo are judged (and made again, render/reads.py).
    assert kept.judged == kept.rendered <= 5, (kept.judged, kept.rendered_keys)
    record = kb / "incidents/INC-2023-044.yaml"
    data = yaml.safe_load(record.read_text("utf-8"))
    record.write_text(_dump(dict(data, summary=f"{data['summary']} (edited)")), "utf-8")
    assert _site(kb, cache, carry) == _site(kb, DocumentCache(), None)
    total = kept.reused + kept.rendered
    # In this small base most pages show that incident; the ones that do not (another incident's page, say) are not judged.
    assert 0 < kept.judged < total - 5, (kept.judged, kept.rendered, total)


def test_a_product_kept_without_its_reads_is_caught(tmp_path, monkeypatch):
    """The planted mistake: a product notes none of the record fields it reads, so it is kept after every edit."""
    from mkdocs_lessons.analysis import kept_products

    monkeypatch.setattr(kept_products._tracing, "__enter__", lambda self: None)
    with pytest.raises(AssertionError, match="differing|\\[.+\\]"):
        test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path)


def _a_product_holding_a_record() -> None:
    """A product that reads one field of its records and holds them: an edit of another field must reach it."""
    import dataclasses as dc

    from mkdocs_lessons.analysis.kept_products import KeptProducts
    from mkdocs_lessons.records.model import KnowledgeBase, Taxonomy

    @dc.dataclass(slots=True)
    class Record:
        id: str
        title: str
        kind: str

    products = KeptProducts()

    def product(*records: Record) -> list[Record]:
        kb = KnowledgeBase(Taxonomy(1, None, {}, {}), {}, {r.id: r for r in records}, {}, {})
        products.begin()
        return products.get("p", kb, (), lambda name: None, lambda: [r for r in kb.incidents.values() if r.kind == "x"])

    a = Record("A", "one", "x")
    first = product(a, Record("B", "other", "y"))
    assert [r.title for r in first] == ["one"] and products.made == ["p"]
    assert product(a, Record("B", "edited", "y")) is first  # B's kind is read, B is not held, the kind is the same
    assert products.kept == ["p"]
    assert product(a, Record("B", "edited", "x")) is not first  # B's kind changed
    assert [r.title for r in product(Record("A", "two", "x"), Record("B", "edited", "x"))] == ["two", "edited"], (
        "stale record"
    )


def test_a_kept_product_is_made_again_when_a_record_it_holds_is_replaced():
    _a_product_holding_a_record()


def test_a_product_kept_holding_a_replaced_record_is_caught(monkeypatch):
    """The planted mistake: a kept product may hold a record the edit replaced (it would hand pages the old one)."""
    from mkdocs_lessons.analysis import kept_products

    monkeypatch.setattr(kept_products, "_held", lambda value, maps: frozenset())
    with pytest.raises(AssertionError, match="stale"):
        _a_product_holding_a_record()


def test_a_product_kept_after_a_product_it_read_changed_is_caught(tmp_path, monkeypatch):
    """The planted mistake: a product does not note the other products it read (the renewal agenda the loop's)."""
    from mkdocs_lessons.analysis import kept_products

    monkeypatch.setattr(kept_products.KeptProducts, "note_use", lambda self, name, value: None)
    with pytest.raises(AssertionError, match="differing|\\[.+\\]"):
        test_kept_renders_equal_fresh_renders_after_every_one_field_edit(tmp_path)


def test_a_fact_an_earlier_build_handed_out_does_not_change_under_it(tmp_path):
    """Kept products and the read index take an object that is the last build's for unchanged: nothing may update
    one in place. The similar-incident finder, kept across rebuilds, updates its own map: the analysis hands a copy."""
    from mkdocs_lessons.analysis.derive import Analysis
    from mkdocs_lessons.analysis.kept_products import KeptProducts
    from mkdocs_lessons.analysis.similar import SimilarFinder

    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    cache, finder, products = DocumentCache(), SimilarFinder(), KeptProducts()

    def analysis() -> Analysis:
        outcome = open_knowledge_base(kb, base=kb, cache=cache, today=TODAY)
        assert outcome.kb is not None
        return Analysis(outcome.kb, today=TODAY, similar_finder=finder, kept=products)

    first = analysis()
    before = {key: list(found) for key, found in first.similar.items()}
    record = kb / "incidents/INC-2023-044.yaml"
    data = yaml.safe_load(record.read_text("utf-8"))
    record.write_text(_dump(dict(data, tags=["config", "checkout"])), "utf-8")  # one more tag in common
    second = analysis()
    assert second.similar != before  # the edit moved the similar lists (or this test proves nothing)
    assert first.similar == before

"""Under `mkdocs serve`, the Pagefind index follows a rebuild in the background (adapter/serve_search.py)."""

from __future__ import annotations

import threading
from pathlib import Path

from mkdocs_lessons.adapter.serve_search import BackgroundIndex


class FakePagefind:
    """Writes `pagefind.js` saying which build it indexed; waits for `release` when told to."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()

    def __call__(self, site: Path, output: Path) -> str:
        indexed = (site / "index.html").read_text()  # what the site held when the run began
        self.started.set()
        self.release.wait(10)
        output.mkdir(parents=True)
        (output / "pagefind.js").write_text(indexed, "utf-8")
        return ""


def _build(site: Path, number: int) -> None:
    """What MkDocs leaves of a non-dirty build: a fresh folder, no index."""
    if site.exists():
        import shutil

        shutil.rmtree(site)
    site.mkdir()
    (site / "index.html").write_text(f"build {number}", "utf-8")


def test_the_index_arrives_after_the_build_and_the_last_one_is_restored_at_once(tmp_path):
    site, pagefind, index = tmp_path / "site", FakePagefind(), BackgroundIndex()
    try:
        _build(site, 1)
        index.after_build(site, "pagefind", pagefind)
        assert index.finished.wait(10)
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 1"

        pagefind.release.clear()  # the next run takes its time
        _build(site, 2)
        index.after_build(site, "pagefind", pagefind)
        # The build is done and the page shows: search answers from the previous index meanwhile.
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 1"
        assert not index.finished.is_set()
        pagefind.release.set()
        assert index.finished.wait(10)
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 2"
    finally:
        index.close()


def test_a_run_overtaken_by_a_newer_build_is_dropped(tmp_path):
    site, slow, index = tmp_path / "site", FakePagefind(), BackgroundIndex()
    try:
        slow.release.clear()
        _build(site, 1)
        index.after_build(site, "pagefind", slow)
        assert slow.started.wait(10)
        _build(site, 2)
        index.after_build(site, "pagefind", FakePagefind())  # the newer build's run finishes first
        assert index.finished.wait(10)
        slow.release.set()  # the older run ends now, with build 2's files on disk...
        index.close()  # (waits for the run)
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 2"  # ...and is not swapped in
        assert sorted(p.name for p in site.iterdir()) == ["index.html", "pagefind"]  # no staging folders left
    finally:
        index.close()


def test_a_failed_run_keeps_the_previous_index(tmp_path, caplog):
    caplog.set_level("INFO")
    site, index = tmp_path / "site", BackgroundIndex()
    try:
        _build(site, 1)
        index.after_build(site, "pagefind", FakePagefind())
        assert index.finished.wait(10)

        def broken(site: Path, output: Path) -> str:
            raise RuntimeError("Pagefind failed (1): disk full")

        _build(site, 2)
        index.after_build(site, "pagefind", broken)
        index.close()
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 1"
        assert any("could not be updated (Pagefind failed (1): disk full)" in r.getMessage() for r in caplog.records)
    finally:
        index.close()


def test_an_overtaken_run_is_stopped_not_left_to_finish(tmp_path, caplog):
    """At 10,000 incidents a run takes a minute and gigabytes: a newer build stops the older build's run, quietly."""
    caplog.set_level("INFO")
    site, index = tmp_path / "site", BackgroundIndex()
    stopped: list[Path] = []
    running: dict[Path, threading.Event] = {}

    def run(site: Path, output: Path) -> str:
        halt = running.setdefault(output, threading.Event())
        if not halt.wait(10):
            return FakePagefind()(site, output)
        raise RuntimeError("Pagefind failed (-15): stopped")

    def stop(output: Path) -> None:
        stopped.append(output)
        running.setdefault(output, threading.Event()).set()

    try:
        _build(site, 1)
        index.after_build(site, "pagefind", run, stop)
        _build(site, 2)
        index.after_build(site, "pagefind", lambda site, output: FakePagefind()(site, output), stop)
        assert index.finished.wait(10)
        index.close()
        assert [p.name for p in stopped] == ["index-1"]
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 2"
        assert not any("could not be updated" in r.getMessage() for r in caplog.records)
    finally:
        index.close()


def test_a_build_with_the_html_of_the_last_index_starts_no_run(tmp_path):
    """A save that broke a record serves the last good site again: its index is already in the site."""
    site, pagefind, index = tmp_path / "site", FakePagefind(), BackgroundIndex()
    try:
        _build(site, 1)
        index.after_build(site, "pagefind", pagefind)
        assert index.finished.wait(10) and index.runs == 1
        for _ in range(3):  # the same HTML again and again (a dirty build writes nothing: the folder stays)
            (site / "sitemap.xml").write_text("not read by Pagefind", "utf-8")
            index.after_build(site, "pagefind", pagefind)
            assert index.finished.wait(10)
        assert index.runs == 1
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 1"
        # The same bytes written again (the stat moves): still the same site.
        (site / "index.html").write_text("build 1", "utf-8")
        index.after_build(site, "pagefind", pagefind)
        assert index.finished.wait(10) and index.runs == 1
        # One page's bytes change: a run.
        (site / "index.html").write_text("build 2", "utf-8")
        index.after_build(site, "pagefind", pagefind)
        assert index.finished.wait(10) and index.runs == 2
        assert (site / "pagefind" / "pagefind.js").read_text() == "build 2"
        # A page added, then the site back as it was: each a run, since the index was made of something else.
        (site / "new").mkdir()
        (site / "new" / "index.html").write_text("new", "utf-8")
        index.after_build(site, "pagefind", pagefind)
        assert index.finished.wait(10) and index.runs == 3
    finally:
        index.close()


def test_the_site_digest_reads_only_files_whose_stat_moved(tmp_path):
    from mkdocs_lessons.adapter import serve_search

    site = tmp_path / "site"
    site.mkdir()
    for n in range(5):
        (site / f"p{n}.html").write_text(f"page {n}", "utf-8")
    html = serve_search.SiteHtml()
    first = html.digest(site)
    assert html.digest(site) == first
    (site / "p3.html").write_text("page 3, edited", "utf-8")
    assert html.digest(site) != first
    (site / "p3.html").write_text("page 3", "utf-8")
    assert html.digest(site) == first
    (site / "p4.html").rename(site / "p5.html")  # the same bytes at another address: another site
    assert html.digest(site) != first


def test_stopping_a_real_pagefind_run(tmp_path):
    """`stop_run` ends the process writing into a folder (the `python -m pagefind` wrapper execs the binary)."""
    import time

    import pytest

    from conftest import MINIMAL, build, write_config
    from mkdocs_lessons.search import pagefind

    lessons = {"root": str(MINIMAL), "today": "2026-11-27", "search": "pagefind", "parallel": False}
    write_config(tmp_path / "project", MINIMAL, extra={"plugins": [{"lessons": lessons}]})
    site = build(tmp_path / "project").site_dir
    output = tmp_path / "index"
    failure: list[Exception] = []

    def indexing() -> None:
        try:
            pagefind.run_pagefind(site, "pagefind", output, background=True)
        except pagefind.PagefindError as exc:
            failure.append(exc)

    thread = threading.Thread(target=indexing)
    thread.start()
    deadline = time.monotonic() + 10
    while str(output) not in pagefind._RUNS and time.monotonic() < deadline:
        time.sleep(0.001)
    process = pagefind._RUNS.get(str(output))
    if process is None:
        pytest.skip("the run ended before it could be stopped")
    assert pagefind.stop_run(output)
    thread.join(10)
    assert process.poll() is not None and failure  # stopped, and reported as failed to its (dropped) build
    assert not pagefind.stop_run(output)  # nothing left to stop

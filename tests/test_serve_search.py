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
        indexed = (site / "build.txt").read_text()  # what the site held when the run began
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
    (site / "build.txt").write_text(f"build {number}", "utf-8")


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
        assert sorted(p.name for p in site.iterdir()) == ["build.txt", "pagefind"]  # no staging folders left
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

"""Under `mkdocs serve`: the Pagefind index is rebuilt in the background, never between a save and the page.

A Pagefind run takes seconds at 1,000 incidents (more on a busy machine),
and MkDocs reloads the browser only once every `on_post_build` returned.
So under `serve`, each build:
1. puts the last finished index back into the fresh site at once (MkDocs
   emptied the folder; hard links, so this takes milliseconds), so search
   keeps working, with the previous build's index;
2. starts Pagefind in a thread, writing to a folder of its own; when it
   finishes and no newer build has started meanwhile, its index replaces
   the one in the site (one rename) and becomes the one kept for step 1.
A build that starts while an index is being made makes that run's result
stale: the run is stopped (or, if it ends first, its result dropped), and
the newer build's own run follows. Runs are niced (search/pagefind.py), so
the rebuild of a save made meanwhile gets the cores first. Nothing of
this runs in `mkdocs build`, which indexes before it returns.

A build whose HTML is what the last finished index was made of (a save
that broke a record, so the last good site is served again; an edit no
page shows) starts no run: the index in the site is already this site's.
At 10,000 incidents a run is a minute of both cores and gigabytes, and a
contributor saving a half-typed record would otherwise start one each time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable, Optional

from mkdocs.plugins import get_plugin_logger

from mkdocs_lessons.records.cache import FileMemo
from mkdocs_lessons.search.index_input import html_files

log = get_plugin_logger("mkdocs_lessons.serve_search")  # prefixed "mkdocs_lessons: ", as the plugin's own messages


def _link_tree(source: Path, target: Path) -> None:
    """A copy of `source` at `target`, by hard links where the file system allows them."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


class SiteHtml:
    """What Pagefind reads of a site, as one digest: every HTML file's path and bytes (its default glob).

    A file is read and hashed again only when its stat does not prove its bytes unchanged (records/cache.py).
    """

    def __init__(self) -> None:
        self._files: FileMemo[bytes] = FileMemo()

    def digest(self, site_dir: Path) -> str:
        total = hashlib.sha256()
        for relative in html_files(site_dir):
            try:
                content = self._files.get(str(site_dir / relative), lambda raw: hashlib.sha256(raw).digest())
            except OSError:
                continue  # gone meanwhile: a newer build is writing, and its own digest follows
            total.update(relative.encode("utf-8", "surrogateescape") + b"\0")
            total.update(content)
        self._files.prune()
        return total.hexdigest()


class BackgroundIndex:
    """The last finished Pagefind index, and the run making the next one."""

    def __init__(self) -> None:
        self._folder: Optional[tempfile.TemporaryDirectory[str]] = None
        self._kept: Optional[Path] = None  # the last finished index
        self._generation = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []  # runs under way (an overtaken one may still be running)
        self._running: dict[int, Path] = {}  # build number -> the folder its run writes into, while it runs
        self.finished = threading.Event()  # set when the latest build's index is in the site (tests wait on it)
        self._html = SiteHtml()
        self._digesting = threading.Lock()
        self._kept_digest: Optional[str] = None  # the HTML the last finished index was made of
        self.runs = 0  # Pagefind runs started (tests)

    def _work(self) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="mkdocs-lessons-pagefind-")
        return Path(self._folder.name)

    def after_build(
        self,
        site_dir: Path,
        subdir: str,
        run: Callable[[Path, Path], str],
        stop: Optional[Callable[[Path], object]] = None,
    ) -> None:
        """Restore the last index into the new site, then make this build's in a thread. `run(site_dir, output)` runs
        Pagefind; `stop(output)` stops a run still writing into `output`: an older build's, whose index this
        build makes stale (at 10,000 incidents a run takes a minute and gigabytes; quick saves piled them up).
        """
        with self._lock:
            self._generation += 1
            generation = self._generation
            self.finished.clear()
            target = site_dir / subdir
            if self._kept is not None and not target.exists():
                _link_tree(self._kept, target)
            overtaken, self._running = list(self._running.values()), {}
        if stop is not None:
            for older in overtaken:
                stop(older)
        output = self._work() / f"index-{generation}"
        with self._lock:
            self._running[generation] = output
        thread = threading.Thread(
            target=self._index, args=(generation, site_dir, subdir, output, run), name="lessons-pagefind", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _index(
        self, generation: int, site_dir: Path, subdir: str, output: Path, run: Callable[[Path, Path], str]
    ) -> None:
        # Outside the build's lock (the first digest at 10,000 incidents reads the whole site: a second), one
        # digest at a time.
        with self._digesting:
            digest = self._html.digest(site_dir)
        with self._lock:
            if generation != self._generation:
                self._running.pop(generation, None)
                return  # a newer build started meanwhile: its own run follows
            if digest == self._kept_digest and (site_dir / subdir).is_dir():
                self._running.pop(generation, None)
                self.finished.set()
                return
            self.runs += 1
        try:
            run(site_dir, output)
        except Exception as exc:  # a failed run leaves the last index in place; the next save tries again
            with self._lock:
                self._running.pop(generation, None)
                overtaken = generation != self._generation
            if not overtaken:  # a stopped run (a newer build's follows) is not news
                # Info, not a warning: under `strict`, serve counts warnings and would stop rebuilding.
                log.info(f"the Pagefind index could not be updated ({exc}); search shows the previous one")
            shutil.rmtree(output, ignore_errors=True)
            return
        with self._lock:
            self._running.pop(generation, None)
            if generation != self._generation:
                shutil.rmtree(output, ignore_errors=True)  # a newer build started: its own run follows
                return
            target = site_dir / subdir
            staged = site_dir / f".{subdir}-{generation}"
            _link_tree(output, staged)
            retired = site_dir / f".{subdir}-old-{generation}"
            if target.exists():
                target.rename(retired)
            staged.rename(target)
            shutil.rmtree(retired, ignore_errors=True)
            previous, self._kept = self._kept, output
            self._kept_digest = digest
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
            self.finished.set()
        log.info("search index updated")

    def close(self) -> None:
        """Wait for the runs under way (Pagefind is a child process), then remove the kept indexes."""
        for thread in self._threads:
            thread.join(timeout=120)
        self._threads = []
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self._kept = None
        self._kept_digest = None

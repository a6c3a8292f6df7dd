"""MkDocs' page loop on two cores: a forked copy puts half the generated pages in the theme and writes them.

After `on_env`, MkDocs builds every page in one loop on one core
(`mkdocs.commands.build._build_page`: the page's context, the theme's
template, `on_post_page`, the file written). At 10,000 incidents that loop
took 30 s with the machine's other core idle. Here, at the end of `on_env`,
the build forks (pages/parallel.py `fork`): the copy builds generated
pages from the back of the list with MkDocs' own `_build_page` and writes
them; this process goes through the loop from the front, and the two meet
where their work evens out (pages/parallel.py `Split`). For the loop's length MkDocs' module-level `_build_page`
is a wrapper that passes over the copy's pages, and at the loop's last page
waits for the copy. If the copy failed in any way, its pages are built here
then, with MkDocs' own function, so an error reads as it does in one
process. The files are the same bytes either way: each is made by the same
function from the same page (tests/test_parallel.py compares whole sites).

Only when every other plugin's page hooks are known to keep no state
across pages: a plugin's `on_page_context` or `on_post_page` that collected
something (a feed, a list of assets) would collect it in the copy, where
it is lost. Material's search plugin is known: its `on_page_context` adds
the page's entry to the index, so for the copy's pages it is called here
too, in the loop's order (the index is byte for byte one process's), and
in the copy, where it also takes the `data-search-*` attributes out of the
HTML it writes. Material's tags plugin only adds each page's tags to its
own context. Any other plugin with page hooks keeps the loop in one
process; so do `mkdocs serve` (a rebuild builds a few pages), one core,
Windows and macOS (pages/parallel.py `available`) and `parallel: false`.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any, Callable, Optional

import mkdocs.commands.build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig

from mkdocs_lessons.pages import parallel
from mkdocs_lessons.timing import Timings

#: Fewer generated pages than this: a fork costs more than it saves.
MINIMUM_PAGES = 40

#: Plugin classes (module, class) whose page hooks are known: "index" collects each page's search entry in
#: `on_page_context` (run here too for the copy's pages); "per page" only adds to each page's own context,
#: from what it worked out before the loop (Material's tags plugin: the page's tags).
_KNOWN_PAGE_HOOKS = {
    ("material.plugins.search.plugin", "SearchPlugin"): "index",
    ("material.plugins.tags.plugin", "TagsPlugin"): "per page",
}


def _known(handler: Callable[..., Any]) -> Optional[str]:
    kind = type(_owner(handler))
    return _KNOWN_PAGE_HOOKS.get((kind.__module__, kind.__qualname__))


def _owner(handler: Callable[..., Any]) -> Any:
    return getattr(handler, "__self__", None)


def page_hooks_allow(config: MkDocsConfig, plugin: Any) -> bool:
    """Whether every `on_page_context` / `on_post_page` of the build is the plugin's own or a known one."""
    for event in ("page_context", "post_page"):
        for handler in config.plugins.events.get(event, []):
            owner = _owner(handler)
            if owner is plugin:
                continue
            if owner is None or _known(handler) is None:
                return False
    return True


def _search_context_hooks(config: MkDocsConfig) -> list[Callable[..., Any]]:
    """Material search's `on_page_context`: run here for the copy's pages too, so this process's index has them."""
    return [handler for handler in config.plugins.events.get("page_context", []) if _known(handler) == "index"]


class ParallelLoop:
    """One build's page loop split between this process and a forked copy (see the module docstring)."""

    def __init__(self, timings: Timings) -> None:
        self.timings = timings
        self.child: Optional[parallel.Child] = None
        self.split: Optional[parallel.Split] = None
        self.shared: list[Any] = []  # the generated pages, in the loop's order: both ends of `split`
        self._positions: dict[int, int] = {}  # id(page) -> its position in `shared`
        self._last: Any = None  # the loop's last page: when it is built, the copy is waited for
        self._original: Optional[Callable[..., Any]] = None
        # MkDocs' own `_build_page` for one page, with the loop's arguments (set at its first page): what the copy
        # builds its pages with, and this process the copy's if it failed.
        self._build: Optional[Callable[[Any], None]] = None

    def install(self, config: MkDocsConfig, generated: set[str], plugin: Any) -> bool:
        """At the end of `on_env`: take over MkDocs' page loop; False when it stays in one process.

        The copy starts at the loop's first page, with the very list, navigation and environment MkDocs passes
        (another plugin's `on_nav` may have replaced the navigation after this plugin's saw it).
        """
        if not parallel.available() or not page_hooks_allow(config, plugin):
            return False
        original = self._original = mkdocs_build._build_page
        search_hooks = _search_context_hooks(config)

        def build_page(
            page: Any, config: MkDocsConfig, doc_files: Any, nav: Any, env: Any, *args: Any, **kw: Any
        ) -> None:
            if self._build is None:
                dirty = bool(args[0] if args else kw.get("dirty", False))  # MkDocs passes it by position
                self._build = lambda one: original(one, config, doc_files, nav, env, dirty, excluded=_excluded(one))
                self._fork(doc_files, generated, self._build)
            position = self._positions.get(id(page))
            if position is None or self.split is None or self.split.take_front(position):
                original(page, config, doc_files, nav, env, *args, **kw)
            else:  # the copy builds it; this process's search index still gets its entry, in the loop's order
                for hook in search_hooks:
                    hook({}, page=page, config=config, nav=nav)
            if page is self._last:
                self._finish(self._build)

        mkdocs_build._build_page = build_page  # MkDocs calls it by its module-level name
        return True

    def _fork(self, doc_files: Any, generated: set[str], build: Callable[[Any], None]) -> None:
        pages = [file.page for file in doc_files]
        shared = [page for page in pages if page is not None and page.file.src_uri in generated]
        split = parallel.Split.make(len(shared)) if len(shared) >= MINIMUM_PAGES else None
        if split is None:
            self.restore()  # MkDocs calls its own function for the pages after this one
            self._release()
            return

        def build_from_the_back() -> float:
            start = perf_counter()
            while (position := split.take_back()) is not None:
                build(shared[position])
            return perf_counter() - start

        self.child = parallel.fork(build_from_the_back)
        if self.child is None:
            split.close()
            self.restore()
            self._release()
            return
        self.split, self.shared, self._last = split, shared, pages[-1]
        self._positions = {id(page): position for position, page in enumerate(shared)}

    def _finish(self, build_here: Callable[[Any], None]) -> None:
        """The loop's last page is built: wait for the copy; if it failed, build its pages here."""
        self.restore()
        child, self.child = self.child, None
        split, self.split = self.split, None
        shared = self.shared
        self._release()
        if child is None or split is None:
            return
        start = perf_counter()
        seconds = child.collect()
        self.timings.add("theme, second process (waited for)", perf_counter() - start)
        try:
            if seconds is None:
                for position in split.theirs():
                    build_here(shared[position])
            else:
                self.timings.add("theme, second process", seconds)
        finally:
            split.close()

    def _release(self) -> None:
        """Let go of the build's pages, navigation and environment: nothing of this build may outlive it (the
        plugin freezes what is alive during the next build's `on_files`, tests/test_cache.py)."""
        self.shared, self._positions, self._last, self._build = [], {}, None, None

    def restore(self) -> None:
        """MkDocs' own `_build_page` back (the loop is over, or the build failed)."""
        if self._original is not None:
            mkdocs_build._build_page = self._original
            self._original = None

    def abandon(self) -> None:
        """The build failed or stopped: the copy is not waited for, and MkDocs' function is put back."""
        self.restore()
        child, self.child = self.child, None
        if child is not None:
            child.stop()
        split, self.split = self.split, None
        if split is not None:
            split.close()
        self._release()


def _excluded(page: Any) -> bool:
    return bool(page.file.inclusion.is_excluded())

"""Rows of long lists kept across `mkdocs serve` rebuilds while what each row read holds.

A page is kept while everything it read holds (render/reads.py), but a list
page reads every row it shows: after one incident's title is saved, the
incident index, its year, its terms' and teams' pages and the lessons are
rendered again, each with all its rows. At 10,000 incidents that was most
of a save's wait, although one row in thousands had changed.

Here a row (one incident of a list as it is shown on one page: its cells
as the page's template receives them) is made inside its own watched
render: its reads are noted apart, and at the next rebuild the row is the
last build's value while all of them hold (`Watch.holds`, the test pages
are judged by). Either way the row's reads are added to the page's, so the
page is judged exactly as if it had read them itself: a kept page stays
right, and a page rendered again stays right because every row that did
not hold was made again.

A row's key is everything its value is made of that is not read through
the watched sources: the page it is shown on (links are relative to it),
the incident, and any cell computed outside the row (a term page's
"Classified as"). What the row reads inside (the record's attributes, the
teams it names) is noted as it is read. Rows are held per render (the key
`KeptRenders` renders under): a render made again keeps the rows it used,
a render kept keeps its rows as they were, a render gone takes its rows
along, and a change of the site key (options, templates) drops them all.

The pages of a render made again are kept here too (`html`): a numbered
page whose view is the same plain data as the last build's (its rows kept,
render/kept_views.py) takes the last build's template output.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from mkdocs_lessons.render.kept_views import plain, same_view
from mkdocs_lessons.render.reads import Reads, Watch
from mkdocs_lessons.render.watched_records import WHOLE_RECORD, Seen


class KeptRows:
    """The last builds' rows with their reads, by the render that made them; kept in the plugin's carry."""

    def __init__(self) -> None:
        self._site: Optional[str] = None
        self._by_render: dict[Any, dict[Any, tuple[Any, Any]]] = {}  # render -> row -> (reads, value) or page HTML
        self._watch: Optional[Watch] = None
        self._old: dict[Any, tuple[Any, Any]] = {}  # the rows of the render being made, as last made
        self._new: Optional[dict[Any, tuple[Any, Any]]] = None  # that render's rows this build
        self.reused = 0  # rows taken from the last build, this build (tests and the benchmark read them)
        self.made = 0
        self.pages_kept = 0  # pages of renders made again whose HTML was the last build's (`html`)
        self.pages_made = 0

    def begin(self, site: str, watch: Watch) -> None:
        """A new build with this build's watch; `site` as `KeptRenders.begin` has it."""
        if site != self._site:
            self._by_render = {}
        self._site = site
        self._watch = watch
        self.reused = self.made = self.pages_kept = self.pages_made = 0

    def within(self, render_key: Any, make: Callable[[], Any]) -> Any:
        """`make()` (a render made again): the rows it asks for are its own, kept for its next render."""
        self._old = self._by_render.get(render_key, {})
        self._new = {}
        try:
            made = make()
        finally:
            self._by_render[render_key], self._old, self._new = self._new, {}, None
        return made

    def row(self, key: Any, make: Callable[[], Any]) -> Any:
        """The row `key`: the last build's value while all it read holds, else `make()`'s, its reads noted apart.

        Either way its reads are added to the render it is part of.
        """
        watch = self._watch
        rows = self._new
        outer = watch.recorder.current if watch is not None else None
        if watch is None or rows is None or outer is None:  # not inside a watched render: nothing to keep
            return make()
        found = self._old.get(key)
        if found is not None and watch.holds(found[0]):
            self.reused += 1
            rows[key] = found
        else:
            reads = Reads()
            with watch.watching(reads):
                found = (reads, make())
            self.made += 1
            # Only plain data is kept (kept_views.py): a record's stand-in of this build would note a later
            # build's reads into this one's. A row that holds one is made every time.
            if plain(found[1]):
                rows[key] = found
        _add_reads(watch, outer, found[0])
        return found[1]

    def html(self, key: Any, view: dict[str, Any], make: Callable[[], str]) -> str:
        """A page's template output: the last build's while its view is the same plain data, else `make()`'s.

        `key` names the page and all it is rendered with besides `view` (template, page, title); see
        render/kept_views.py for when two views are the same.
        """
        rows = self._new
        if rows is None:
            return make()
        key = (_HTML, key)
        found = self._old.get(key)
        if found is not None and same_view(found[0], view):
            self.pages_kept += 1
        else:
            found = (view, make())
            self.pages_made += 1
        rows[key] = found
        return str(found[1])

    def end(self, live: Iterable[Any]) -> None:
        """The build is complete: `live` are the keys of its renders (the rows of any other render go)."""
        keep = set(live)
        self._by_render = {key: rows for key, rows in self._by_render.items() if key in keep}
        self._watch = None


#: Marks a page's HTML among the rows of a render (`KeptRows.html`): no row key starts with it.
_HTML: Any = type("Html", (), {"__repr__": lambda self: "HTML"})()


def _add_reads(watch: Watch, outer: Reads, reads: Reads) -> None:
    """A row's reads added to its page's, as if the page had read them.

    A record's attribute reads are merged into the page's own `Seen` of the
    record, made with the record as it is now: a kept row's values are the
    current record's (they held), so the page's reads stay one consistent
    view of this build, as a render that read them itself would have.
    """
    seen = outer.seen
    current = watch.kinds.current
    for where, old in reads.seen.items():
        if type(old) is Seen:
            mine = seen.get(where)
            if mine is None:
                mine = seen[where] = Seen(current(where))
            attrs = mine.attrs
            for name, value in old.attrs.items():
                if name not in attrs:
                    attrs[name] = mine.obj if name == WHOLE_RECORD else value
        elif where not in seen:
            seen[where] = old

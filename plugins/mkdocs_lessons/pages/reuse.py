"""Generated files reused across `mkdocs serve` rebuilds, while what they show holds.

MkDocs renders every page again on each rebuild; the plugin need not
generate every page again. Each file is kept with a key made of what it
reads, and a rebuild renders only the files whose key changed:

- the **shared key**: the settings, every SOP, path, taxonomy and teams
  file, and every incident *except its prose* (`PROSE_FIELDS`: summary,
  context, timeline...). The index, the dashboard and `metrics.json` read
  nothing else;
- an incident page: its own file, its similar incidents (which read other
  incidents' summaries; `similar.SimilarFinder` keeps them up to date), and
  the **page key**: the shared key without the fields of other incidents that
  no incident page shows (`PAGE_FIELDS` keeps what the loop, recurrence,
  related and similar sections read). A severity edit makes the aggregate
  pages again, not every incident page. When the page key changed (a record
  added or removed, a title edited), its **narrow key** decides: the records
  but the incidents and the page projections of the incidents the page
  shows (`incident.incident_page_reads`: related both ways, possible
  recurrences, similar), so an added record makes again the pages that list
  it. A step of a reading path also takes the whole file of every incident
  a path shows (its banners show the path's other steps, with their
  summaries and reading times), and has no narrow key;
- the pages of an SOP and its versions: the page key too (of the incidents
  they show links, dates, procedure relations and action items);
- the taxonomy and team pages, when the shared key changed: their own
  **narrow key**, the records but the incidents (settings, SOPs, paths,
  taxonomy, teams) with the shared projection of only the incidents they
  list (`Reuse.rows`) and the few figures they show of the others (counts,
  the dashboard's quarters). A severity edit makes again the pages of the
  edited incident's terms and teams, not all of them. A page that is a step
  of a reading path has no narrow key (its banners read other records);
- the reading paths: the shared key, and the whole file and similar
  incidents of every incident they show (the printable path holds whole
  incident pages, step summaries and reading times come from the prose);
- the lessons page: the page key and every incident's lessons;
- the backlog and the learning loop's facts and figures: the page key (they
  read action items, classification, teams, dates, procedure relations);
- the year pages of the archive: each its own narrow key (the incidents of
  that year, and which years there are);
- `kb.json`: one line per record, each keyed by its own file;
- the feed: the whole files of the newest reviews it lists, with the
  shared key or, when that changed, the records but the incidents;
- table rows (`RowCache`): one incident's row on one page, while its shared
  projection holds; parts of pages (`Reuse.fragment`, a term's trend charts)
  while what they read holds.

The home page (five newest summaries) and the assets are small and always
made again. Files are kept only for the next build: a page that disappears
is dropped. Without file digests (records read
outside the document cache) nothing is reused.

`tests/test_reuse.py` edits each field of a record in turn and checks that
a rebuild gives byte for byte what a cold build gives.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Hashable, Iterable, Literal, Optional, TypeVar

from ..model import Incident, KnowledgeBase
from ..yamlsource import Document
from .common import Context

#: Incident fields shown only on the incident's own page, the reading paths,
#: the lessons page, the feed, the home page and `kb.json` (each keyed on them
#: below), and read by similarity (summary; similar.py). Every other field is
#: in the shared key.
PROSE_FIELDS = frozenset(
    {"summary", "context", "impact", "timeline", "decisions", "assumptions", "root_cause", "went_well", "went_wrong", "got_lucky", "lessons"}
)

#: Fields of an incident that other incidents' pages read (links with titles and
#: draft marks, the loop, recurrences, related incidents): the page key.
PAGE_FIELDS = frozenset({"id", "title", "kind", "status", "occurred", "classification", "teams", "action_items", "related", "sops"})

T = TypeVar("T")
Scope = Literal["shared", "page", "settings"]


def _hash(parts: Iterable[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class Reuse:
    """This build's files by key, and the last build's to take from."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # name -> (key, value, narrow key or None)
        self.kept: dict[str, tuple[Hashable, Any, Hashable]] = ctx.carry.get("reuse", {})
        self.made: dict[str, tuple[Hashable, Any, Hashable]] = {}
        self.digests: dict[str, tuple[str, str]] = ctx.carry.get("digests", {})  # file digest -> (shared, page) projections
        self.reused = 0  # files taken from the last build (for tests and the benchmark)
        # A one-off build (no carry) keys nothing: nothing will be reused.
        self.settings: Optional[str] = _hash([repr(_settings(ctx))]) if ctx.incremental else None
        self.shared: Optional[str] = None
        self.page: Optional[str] = None
        self.records: Optional[str] = None  # the shared key without the incidents (narrow keys start with it)
        # incident id -> (record file, shared projection's digest, page projection's digest)
        self.rows: dict[str, tuple[str, str, str]] = {}
        # Parts of pages (a term's trend charts) by name: (key, text), kept while the records but the incidents hold.
        self.fragments: dict[str, tuple[Hashable, str]] = ctx.carry.get("fragments", {})
        if self.settings is not None:
            self.shared, self.page = self._keys(ctx.kb, self.settings)
        ctx.memo[("reuse", "self")] = self  # for results shared by pages (shared_result)
        self.row_cache: Optional[RowCache] = None
        if self.records is not None and self.shared is not None:
            self.row_cache = RowCache(ctx.carry.setdefault("rows", {}), self.records, self.rows)
            ctx.memo[("reuse", "rows")] = self.row_cache  # for tables (common.row_of)

    def get(
        self,
        name: str,
        key: Optional[Hashable],
        make: Callable[[], T],
        *,
        scope: Scope = "shared",
        narrow: Optional[Callable[[], Optional[Hashable]]] = None,
    ) -> T:
        """What `make` makes (files, a line of JSON), or the last build's when `key` is the same.

        The key is taken with the shared key, the page key (incident pages)
        or the settings only (what reads nothing but its own record); None
        means "always make". `narrow`, asked only when that key changed,
        gives what the file reads of the incidents (`rows`, figures): the
        last build's file is taken when that is the same too. It returns
        None when it cannot say.
        """
        base = {"shared": self.shared, "page": self.page, "settings": self.settings}[scope]
        if key is None or base is None:
            return make()
        key = (base, key)
        kept = self.kept.get(name)
        if kept is not None and kept[0] == key:
            narrow_key = kept[2]  # the same inputs: the same narrow key
        else:
            reads = narrow() if narrow is not None else None
            narrow_key = None if reads is None else (self.records, reads)
            if narrow_key is None or kept is None or kept[2] != narrow_key:
                kept = None
        if kept is None:
            value = make()
        else:
            value = kept[1]
            self.reused += len(value) if isinstance(value, list) else 0
        self.made[name] = (key, value, narrow_key)
        return value

    def fragment(self, name: str, reads: Callable[[], Hashable], make: Callable[[], str]) -> str:
        """A part of a page, the last build's while what it reads holds: the records but the
        incidents, and `reads()` (made with `rows_of`). Asked only when the
        page is made again."""
        if self.records is None or self.shared is None:
            return make()
        return _stamped(self.fragments, name, (self.records, reads()), make)

    def rows_of(self, incidents: Iterable[Incident], *, page: bool = False) -> tuple:
        """The incidents' ids, files and shared projections (with `page`, page projections:
        `PAGE_FIELDS`), in the order given (for narrow keys)."""
        rows, at = self.rows, 2 if page else 1
        return tuple((i.id, row[0], row[at]) if (row := rows.get(i.id)) else (i.id, None) for i in incidents)

    def done(self) -> None:
        """Keep this build's files, and only those, for the next build."""
        self.ctx.memo[("reuse", "reused")] = self.reused
        if self.shared is not None:
            self.ctx.carry["reuse"] = self.made
            self.ctx.carry["digests"] = self.digests
        if self.row_cache is not None:
            self.row_cache.prune()
        if self.records is not None:
            records = self.records
            self.ctx.carry["fragments"] = {name: kept for name, kept in self.fragments.items() if kept[0][0] == records}  # type: ignore[index]

    # -- keys ---------------------------------------------------------------
    def incident(self, incident: Incident) -> Optional[Hashable]:
        """An incident's own file (all of it, and where it is: pages link to it)."""
        doc = incident.source
        return (str(doc.file), doc.digest) if doc is not None and doc.digest else None

    def _keys(self, kb: KnowledgeBase, settings: str) -> tuple[Optional[str], Optional[str]]:
        """The shared key and the page key; None, None without file digests."""
        common = [settings, str(kb.include_drafts), repr(kb.teams)]
        documents: list[Optional[Document]] = [kb.taxonomy.source]
        documents += [sop.source for sop in kb.sops.values()]
        for reading_path in kb.paths.values():
            if reading_path.source is None:
                common.append(repr(reading_path))  # a generated path (essentials.py): its steps
            else:
                documents.append(reading_path.source)
        for doc in documents:
            if doc is None or not doc.digest:
                return None, None
            # Where a file is counts too: generated files name their record
            # file (edit links, messages), and the same content may move.
            common += (str(doc.file), doc.digest)
        self.records = _hash(common)
        shared, page = list(common), list(common)
        fresh: dict[str, tuple[str, str]] = {}
        rows: dict[str, tuple[str, str, str]] = {}
        for incident in kb.incidents.values():
            doc = incident.source
            if doc is None or not doc.digest:
                return None, None
            digests = self.digests.get(doc.digest)
            if digests is None:
                data = doc.data if isinstance(doc.data, dict) else {}
                digests = (
                    _hash([repr({k: v for k, v in data.items() if k not in PROSE_FIELDS})]),
                    _hash([repr({k: v for k, v in data.items() if k in PAGE_FIELDS})]),
                )
            fresh[doc.digest] = digests
            rows[incident.id] = (str(doc.file), *digests)
            shared += (incident.id, str(doc.file), digests[0])
            page += (incident.id, str(doc.file), digests[1])
        self.digests = fresh  # only this build's files: nothing piles up
        self.rows = rows
        return _hash(shared), _hash(page)


class RowCache:
    """Table rows, one incident on one page, kept across serve rebuilds while what they read holds.

    A row reads its incident's shared projection and the records but the
    incidents (team titles, term labels, settings). A page that lists many
    incidents and must be made again (the index after a severity edit, a
    team's page) then renders one row, not all of them.
    """

    def __init__(self, kept: dict[tuple[str, str, str], tuple[Hashable, Any]], records: str, rows: dict[str, tuple[str, str, str]]) -> None:
        self.kept, self.records, self.rows = kept, records, rows

    def get(self, kind: str, page: str, incident: Incident, make: Callable[[], T]) -> T:
        return _stamped(self.kept, (kind, page, incident.id), (self.records, self.rows.get(incident.id)), make)

    def prune(self) -> None:
        """Drop the rows that cannot be taken again (their incident changed or went): nothing piles up."""
        records, rows = self.records, self.rows
        stale = [key for key, (stamp, _) in self.kept.items() if stamp != (records, rows.get(key[2]))]
        for key in stale:
            del self.kept[key]


def _stamped(cache: dict[Any, tuple[Hashable, Any]], key: Hashable, stamp: Hashable, make: Callable[[], T]) -> T:
    """The value kept under `key` if it was made with the same `stamp`; else made now and kept."""
    hit = cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    value = make()
    cache[key] = (stamp, value)
    return value


def _settings(ctx: Context) -> tuple:
    """Every setting a page reads (part of every key)."""
    return (
        ctx.today, ctx.urls.prefix, ctx.allow_html, ctx.use_directory_urls, ctx.pagefind, ctx.site_name, ctx.site_url,
        ctx.feed_size, ctx.lint, ctx.renewal_every_months, ctx.links_from_source, sorted(ctx.last_updated.items()),
    )


def shared_result(ctx: Context, name: str, make: Callable[[], T], scope: Scope = "shared") -> T:
    """A result that reads only what the key of `scope` covers, kept across serve rebuilds."""
    reuse = ctx.memo.get(("reuse", "self"))
    return reuse.get(name, (), make, scope=scope) if isinstance(reuse, Reuse) else make()

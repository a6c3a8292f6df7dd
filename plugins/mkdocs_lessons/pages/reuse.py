"""Generated files reused across `mkdocs serve` rebuilds, while what they show holds.

MkDocs renders every page again on each rebuild; the plugin need not
generate every page again. Each file is kept with a key made of what it
reads, and a rebuild renders only the files whose key changed:

- the **shared key**: the settings, every SOP, path, taxonomy and teams
  file, and every incident *except its prose* (`PROSE_FIELDS`: summary,
  context, timeline...). The aggregate pages (index, dashboard, backlog,
  taxonomy, teams, SOPs, archive) and `metrics.json` read nothing else;
- an incident page: the shared key, its own file, and its similar incidents
  (which read other incidents' summaries; `similar.SimilarFinder` keeps them
  up to date);
- the reading paths: the shared key, and the whole file and similar
  incidents of every incident they show (the printable path holds whole
  incident pages, step summaries and reading times come from the prose);
- the lessons page: the shared key and every incident's lessons;
- `kb.json`: one line per record, each keyed by its own file.

The home page (five newest summaries), the feed (newest summaries) and the
assets are small and always made again. Files are kept only for the next
build: a page that disappears is dropped. Without file digests (records read
outside the document cache) nothing is reused.

`tests/test_reuse.py` edits each field of a record in turn and checks that
a rebuild gives byte for byte what a cold build gives.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Hashable, Iterable, Optional, TypeVar

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

T = TypeVar("T")


def _hash(parts: Iterable[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class Reuse:
    """This build's files by key, and the last build's to take from."""

    def __init__(self, ctx: Context, settings: Hashable) -> None:
        self.ctx = ctx
        self.kept: dict[str, tuple[Hashable, Any]] = ctx.carry.get("reuse", {})
        self.made: dict[str, tuple[Hashable, Any]] = {}
        self.shared_digests: dict[str, str] = ctx.carry.get("shared-digests", {})
        self.reused = 0  # files taken from the last build (for tests and the benchmark)
        # A one-off build (no carry) keys nothing: nothing will be reused.
        self.settings: Optional[str] = _hash([repr(settings)]) if ctx.incremental else None
        self.shared = self._shared_key(ctx.kb, self.settings) if self.settings is not None else None
        ctx.memo[("reuse", "self")] = self  # for results shared by pages (shared_result)

    def get(self, name: str, key: Optional[Hashable], make: Callable[[], T], *, shared: bool = True) -> T:
        """What `make` makes (files, a line of JSON), or the last build's when `key` is the same.

        The key is taken with the shared key (with the settings only, for
        what reads nothing but its own record); None means "always make".
        """
        base = self.shared if shared else self.settings
        if key is None or base is None:
            return make()
        key = (base, key)
        kept = self.kept.get(name)
        if kept is not None and kept[0] == key:
            value = kept[1]
            self.reused += len(value) if isinstance(value, list) else 0
        else:
            value = make()
        self.made[name] = (key, value)
        return value

    def done(self) -> None:
        """Keep this build's files, and only those, for the next build."""
        self.ctx.memo[("reuse", "reused")] = self.reused
        if self.shared is not None:
            self.ctx.carry["reuse"] = self.made
            self.ctx.carry["shared-digests"] = self.shared_digests

    # -- keys ---------------------------------------------------------------
    def incident(self, incident: Incident) -> Optional[Hashable]:
        """An incident's own file (all of it)."""
        return incident.source.digest if incident.source is not None and incident.source.digest else None

    def _shared_key(self, kb: KnowledgeBase, settings: str) -> Optional[str]:
        parts = [settings, str(kb.include_drafts), repr(kb.teams)]
        fresh: dict[str, str] = {}
        documents: list[Optional[Document]] = [kb.taxonomy.source]
        documents += [sop.source for sop in kb.sops.values()]
        for reading_path in kb.paths.values():
            if reading_path.source is None:
                parts.append(repr(reading_path))  # a generated path (essentials.py): its steps
            else:
                documents.append(reading_path.source)
        for doc in documents:
            if doc is None or not doc.digest:
                return None
            parts.append(doc.digest)
        for incident in kb.incidents.values():
            doc = incident.source
            if doc is None or not doc.digest:
                return None
            digest = self.shared_digests.get(doc.digest)
            if digest is None:
                data = doc.data if isinstance(doc.data, dict) else {}
                digest = _hash([repr({k: v for k, v in data.items() if k not in PROSE_FIELDS})])
            fresh[doc.digest] = digest
            parts.append(incident.id)
            parts.append(digest)
        self.shared_digests = fresh  # only this build's files: nothing piles up
        return _hash(parts)


def shared_result(ctx: Context, name: str, make: Callable[[], T]) -> T:
    """A result that reads only what the shared key covers, kept across serve rebuilds."""
    reuse = ctx.memo.get(("reuse", "self"))
    return reuse.get(name, (), make) if isinstance(reuse, Reuse) else make()

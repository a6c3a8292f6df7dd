"""The parsed-record cache: each record file read, parsed and schema-checked once per content.

`mkdocs serve` and repeated builds in one process read only what changed.
When a file's stat proves its bytes unchanged (`signature`, `settled`) is
decided here once; `FileMemo` keeps any value made from a file's bytes by
that rule (the serve cache's navigation texts, the site's HTML digest).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from time import time_ns
from typing import Callable, Generic, TypeVar, Union

from mkdocs_lessons.records.yamlsource import Document, read_document

#: A file changed this close to when it was read may change again with the same
#: timestamp (coarse clocks: FAT keeps 2 s, ext3 1 s): its stat proves nothing.
SETTLED_NS = 2_000_000_000


Signature = tuple[int, int, int, int]  # (mtime_ns, ctime_ns, size, inode)
T = TypeVar("T")


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)


def settled(stat: os.stat_result, read_at: int) -> bool:
    """Whether `stat`, taken before a read at `read_at` (ns), may stand for the bytes read (SETTLED_NS)."""
    return read_at - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS


class FileMemo(Generic[T]):
    """Values made from files' bytes (`make(raw)`), each kept while the file's stat proves its bytes unchanged.

    `prune()` forgets the files not asked for since the last prune.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[Signature, bool, T]] = {}
        self._asked: dict[str, tuple[Signature, bool, T]] = {}

    def get(self, path: str, make: Callable[[bytes], T]) -> T:
        """The value for `path`'s bytes; OSError when it cannot be read."""
        stat = os.stat(path)  # before reading: a write between the two leaves a signature older than the bytes
        entry = self._known.get(path)
        if entry is None or not entry[1] or entry[0] != signature(stat):
            read_at = time_ns()
            with open(path, "rb") as handle:
                raw = handle.read()
            entry = (signature(stat), settled(stat, read_at), make(raw))
        self._asked[path] = entry
        return entry[2]

    def prune(self) -> None:
        self._known, self._asked = self._asked, {}


@dataclass
class _Entry:
    digest: str
    doc: Document
    signature: Signature  # when last hashed
    settled: bool  # the signature was taken well after the last change: it stands for the content


class DocumentCache:
    """Parsed and schema-checked documents keyed by content hash.

    `mkdocs serve` keeps the plugin (and this cache) across rebuilds, so an
    edit re-parses and re-validates only the edited file. Entries of files
    that disappeared are dropped after each load, so nothing piles up.

    The content hash decides; a file whose stat is unchanged since it was
    hashed is not even read again (like git's index), unless it had changed
    just before that read (see SETTLED_NS): a rebuild of 1,000 records then
    reads one file, not 1,000. Any write moves ctime, which no tool can set back.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._seen: set[str] = set()
        self.parsed = 0  # files parsed by the last load (a cache miss each)
        self.hashed = 0  # files read and hashed by the last load (stat changed or not settled)

    def read(self, file: Union[str, Path], display: str) -> Document:
        """`file` is absolute (load() resolved the root): no path object made or walked for a kept file."""
        # Keyed by the file itself too: MkDocs keeps a plugin with on_startup
        # across config loads in one process, and two knowledge bases with
        # the same relative paths and contents must not share a Document
        # (its `file` drives "edit this page" and "Last updated").
        key = f"{file}\0{display}"
        self._seen.add(key)
        cached = self._entries.get(key)
        try:
            # Stat before reading: a write between the two leaves a signature
            # older than the content, so the next build reads the file again.
            stat = os.stat(file)
            now = signature(stat)
            if cached is not None and cached.settled and cached.signature == now:
                return cached.doc
            read_at = time_ns()
            with open(file, "rb") as handle:
                raw = handle.read()
        except OSError:  # read_document reports it, located
            return read_document(Path(file), display, fast=True)
        self.hashed += 1
        proven = settled(stat, read_at)
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        if cached is not None and cached.digest == digest:
            cached.signature, cached.settled = now, proven
            return cached.doc
        self.parsed += 1
        if cached is not None:
            _let_go(cached.doc)
        doc = read_document(Path(file), display, raw=raw, fast=True)
        doc.digest = digest
        self._entries[key] = _Entry(digest, doc, now, proven)
        return doc

    def prune(self) -> None:
        """Forget files not read since the last prune; start counting afresh."""
        for key, entry in self._entries.items():
            if key not in self._seen:
                _let_go(entry.doc)
        self._entries = {key: entry for key, entry in self._entries.items() if key in self._seen}
        self._seen = set()


def _let_go(doc: Document) -> None:
    """A document the cache no longer holds: its records forgotten.

    A record names its document (`source`, for the positions of its
    messages) and the document its records (`built`), a reference cycle:
    under `mkdocs serve` every save's replaced record was garbage only the
    cyclic collector could free (adapter/serve_collector.py). A record still
    in use (the last good site's) keeps its document; nothing reads `built`
    of a document out of the cache.
    """
    doc.built = {}

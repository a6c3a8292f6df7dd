"""Who read what, across `mkdocs serve` rebuilds: which kept renders a rebuild must judge at all.

`KeptRenders` (render/reads.py) keeps a render while everything it read
still holds. Judging that page by page went through every read of every
kept page on every rebuild: at 10,000 incidents about half a million reads,
most of them of records nobody had touched. This index turns the question
around. It holds, for each thing read (a record of a map, a key of a map or
product), the renders that read it; a rebuild works out what moved since
the last build and judges only the renders that read something that did:

- a record moved when the knowledge base holds another object under its id
  than at the last build (an unchanged record file gives the very same
  object, records/load.py), or none;
- any other read moved when its value now is not the value the last build
  saw (`Watch.still`, the same identity-then-equality test as before).

Every other kept render holds without being looked at: when it was last
judged or rendered, everything it read held, and nothing it read has moved
since. A render that did read something that moved is judged exactly as
before (`Watch.holds`), so the verdicts are the same as judging every page.
One value stands for all the renders that read a key: every render kept
until the last build saw a value equal to what the last build had (the same
reasoning `Watch`'s per-build verdicts already rest on).
"""

from __future__ import annotations

from typing import Any, Optional

from mkdocs_lessons.render.watched_records import GONE, RecordKey, Seen


class ReadIndex:
    """What each kept render read, turned around: read -> the renders that read it."""

    def __init__(self) -> None:
        self._readers: dict[tuple[str, Any], set[Any]] = {}  # a read's (source, key) -> render keys
        # A read that is not of a record, by source -> key -> the value seen.
        self._values: dict[str, dict[Any, Any]] = {}
        self._records: dict[str, dict[Any, Any]] = {}  # record map -> id -> the record object, last build
        self._objects: dict[str, Any] = {}  # source -> the map or products object it read, last build

    def clear(self) -> None:
        self._readers, self._values, self._records, self._objects = {}, {}, {}, {}

    def add(self, key: Any, seen: dict[tuple[str, Any], Any]) -> None:
        """A render's reads (`Reads.seen`), made this build."""
        readers, values = self._readers, self._values
        for where, old in seen.items():
            found = readers.get(where)
            if found is None:
                found = readers[where] = set()
            found.add(key)
            if type(old) is not Seen:
                found_values = values.get(where[0])
                if found_values is None:
                    found_values = values[where[0]] = {}
                found_values[where[1]] = old

    def remove(self, key: Any, seen: dict[tuple[str, Any], Any]) -> None:
        """A render's reads, now that the render is made again or gone."""
        readers = self._readers
        for where in seen:
            found = readers.get(where)
            if found is not None:
                found.discard(key)
                if not found:
                    del readers[where]
                    values = self._values.get(where[0])
                    if values is not None:
                        values.pop(where[1], None)
                        if not values:
                            del self._values[where[0]]

    def moved(self, watch: Any) -> set[Any]:
        """The renders that read something that moved since the last build (they must be judged)."""
        suspects: set[Any] = set()
        readers = self._readers
        still = watch.still
        objects = self._objects
        for source, values in self._values.items():
            then = objects.get(source)
            if then is not None and watch.source_object(source) is then:
                continue  # the very same product or map as the last build's: none of its values moved
            for key, old in values.items():
                if not still((source, key), old):
                    suspects |= readers[(source, key)]
        maps = watch.kinds.maps
        for name, then in self._records.items():
            entry = maps.get(name)
            now: dict[Any, Any] = entry[1] if entry is not None else {}
            for record_id, obj in then.items():
                if now.get(record_id, GONE) is not obj:
                    suspects |= readers.get((name, RecordKey(record_id)), _NONE)
            for record_id in now.keys() - then.keys():
                suspects |= readers.get((name, RecordKey(record_id)), _NONE)
        return suspects

    def settle(self, watch: Optional[Any]) -> None:
        """The build is complete: its record maps are what the next build's records are compared with."""
        if watch is not None:
            self._records = {name: dict(data) for name, (_, data) in watch.kinds.maps.items()}
            self._objects = {source: watch.source_object(source) for source in self._values}


_NONE: frozenset[Any] = frozenset()

"""What a page read while it was rendered, and whether all of it still holds.

Under `mkdocs serve` most saves change one record, yet every page was
rendered again: at 10,000 incidents that alone took longer than the wait a
reader accepts. A page is a function of what it reads, so each render here
is watched: the knowledge base's record maps, the link graph's maps, the
analysis' products (analysis/derive.py), the per-build memo and the last-updated
dates are handed to renderers behind read-recording views (`watch`). A
page's record of reads is a list of (source, key, value seen). At the next
rebuild the page is rendered again only if one of those values differs now;
otherwise the files it made last time are used as they are.

Nobody writes down what a page shows: the reads are noted as they happen,
so a renderer that starts showing something new (another incident's
`detected` time, say) is covered as soon as it reads it. What is not
watched is in the site key the caller passes: the options, the templates
and the Markdown settings. `ctx.memo` holds results computed from many
records by whichever page asked first, so a page that reads it is never
reused. `tests/test_serve_equivalence.py` holds this to a cold build, byte
for byte, after random edits of every field kind.

Values are compared by identity first (an unchanged record file gives the
same record object, records/load.py), then by equality; lists, sets and dicts are
kept as snapshots, since a producer may update them in place. Records
themselves are read attribute by attribute (render/watched_records.py): a
list that shows titles is kept after a summary edit.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping, MutableMapping
from typing import Any, Callable, Iterator, Optional

from mkdocs_lessons.analysis.kept_products import same
from mkdocs_lessons.render.read_index import ReadIndex
from mkdocs_lessons.render.watched_records import Kinds, Seen

#: A key that was not there.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
#: The key of a read of a whole map (iterated, counted) or a whole product.
WHOLE: Any = type("Whole", (), {"__repr__": lambda self: "WHOLE"})()
#: The source no page that reads it is reused from (see the module docstring).
UNSETTLED = "memo"
#: The knowledge base's maps of records (watched name -> id attribute): their records are read per attribute.
RECORD_MAPS = {
    "kb.incidents": "id",
    "kb.sops": "id",
    "kb.teams": "id",
    "kb.paths": "id",
    "kb.sessions": "id",
    "kb.indicators": "id",
    "kb.taxonomy.terms": "path",
}


def snapshot(value: Any) -> Any:
    """A value as it is now, safe to keep across builds."""
    if isinstance(value, list):
        return ("list", tuple(value))
    if isinstance(value, dict):
        return ("dict", tuple(value.items()))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(value))
    return value


class Reads:
    """One render's reads: (source, key) -> the value seen (a snapshot)."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: dict[tuple[str, Any], Any] = {}


class Recorder:
    """Notes reads into the render being watched (none between renders)."""

    __slots__ = ("current", "kinds")

    def __init__(self) -> None:
        self.current: Optional[Reads] = None
        self.kinds: Optional[Kinds] = None  # the build's record maps: records noted as references

    def note(self, source: str, key: Any, value: Any) -> None:
        reads = self.current
        if reads is not None and (source, key) not in reads.seen:
            reads.seen[(source, key)] = snapshot(value) if self.kinds is None else self.kinds.snapshot(value)

    def wrap(self, value: Any) -> Any:
        """What a render gets of a value it read: its records as stand-ins that note their attribute reads."""
        return value if self.kinds is None else self.kinds.wrap(value)


class WatchedMap(Mapping[Any, Any]):
    """A read-only view of a dict that notes every key read, hit or miss, and every whole read."""

    __slots__ = ("_name", "_data", "_recorder")

    def __init__(self, name: str, data: Mapping[Any, Any], recorder: Recorder) -> None:
        self._name = name
        self._data = data
        self._recorder = recorder

    def _note(self, key: Any, value: Any) -> None:
        """Note one key read: the value seen, or MISSING."""
        self._recorder.note(self._name, key, value)

    def __getitem__(self, key: Any) -> Any:
        try:
            value = self._data[key]  # not .get: a defaultdict fills in a missing key, as unwatched
        except KeyError:
            self._note(key, MISSING)
            raise
        self._note(key, value)
        return self._recorder.wrap(value)

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._data.get(key, MISSING)
        self._note(key, value)
        return default if value is MISSING else self._recorder.wrap(value)

    def __contains__(self, key: object) -> bool:
        value = self._data.get(key, MISSING)
        self._note(key, value)
        return value is not MISSING

    def _whole(self) -> Mapping[Any, Any]:
        self._recorder.note(self._name, WHOLE, self._data)
        return self._data

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def keys(self) -> Any:
        return self._whole().keys()

    def values(self) -> Any:
        wrap = self._recorder.wrap
        return [wrap(v) for v in self._whole().values()]

    def items(self) -> Any:
        wrap = self._recorder.wrap
        return [(k, wrap(v)) for k, v in self._whole().items()]

    def __bool__(self) -> bool:
        return bool(self._whole())

    def __repr__(self) -> str:
        return f"WatchedMap({self._name!r})"


class WatchedMemo(WatchedMap, MutableMapping[Any, Any]):
    """A watched map that renders write too: `ctx.memo`, whose readers are never reused."""

    __slots__ = ("_store",)

    def __init__(self, name: str, data: MutableMapping[Any, Any], recorder: Recorder) -> None:
        super().__init__(name, data, recorder)
        self._store = data

    def __setitem__(self, key: Any, value: Any) -> None:
        self._store[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._store[key]


class WatchedRecords(WatchedMap):
    """A map of records (RECORD_MAPS): a read by id notes that the record is there, and hands over its stand-in.

    A whole read notes the ids in order; each record's attributes are noted
    as the render reads them (render/watched_records.py).
    """

    __slots__ = ("_kinds",)

    def __init__(self, name: str, data: dict, recorder: Recorder, kinds: Kinds) -> None:
        super().__init__(name, data, recorder)
        self._kinds = kinds

    def _note(self, key: Any, value: Any) -> None:
        """A record read by id: that it is there (its attributes are noted as they are read), or MISSING."""
        if value is MISSING:
            self._recorder.note(self._name, key, MISSING)
        else:
            self._kinds.note_present(self._name, key, value)

    def _whole(self) -> Mapping[Any, Any]:
        self._recorder.note(self._name, WHOLE, ("keys", tuple(self._data)))
        return self._data

    def __repr__(self) -> str:
        return f"WatchedRecords({self._name!r})"


class Watch:
    """One build's watched sources: wrap them for renderers, then judge kept reads against them."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self._sources: dict[str, Callable[[Any], Any]] = {}  # source -> key -> current value
        self._judged: dict[tuple[str, Any], bool] = {}
        self._always: list[tuple[str, Any]] = []  # read by every render (plain fields of watched records)
        self._products: dict[str, Any] = {}
        self._objects: dict[str, Any] = {}  # a source of a map or products -> the object it reads
        self.kinds = self.recorder.kinds = Kinds(self.recorder)

    def close(self) -> None:
        """The build is complete (`KeptRenders.end`): its record stand-ins let go, with no cycle left to collect
        (Kinds.close); the recorder, which names its kinds and is named by it, forgets them."""
        self.kinds.close()
        self.recorder.kinds = None
        self.recorder.current = None

    # -- wrapping ---------------------------------------------------------
    def map(self, name: str, data: Mapping[Any, Any]) -> WatchedMap:
        self._sources[name] = lambda key: data if key is WHOLE else data.get(key, MISSING)
        self._objects[name] = data
        return WatchedMap(name, data, self.recorder)

    def records(self, name: str, data: dict, id_attribute: str) -> WatchedRecords:
        """A map of records, read per record and attribute (RECORD_MAPS)."""
        self.kinds.add(name, data, id_attribute)

        def current(key: Any) -> Any:
            return ("keys", tuple(data)) if key is WHOLE else data.get(key, MISSING)

        self._sources[name] = current
        return WatchedRecords(name, data, self.recorder, self.kinds)

    def record(self, name: str, obj: Any) -> Any:
        """A copy of a dataclass whose dict fields are watched maps, and nested dataclasses watched alike.

        Attribute reads of a slotted dataclass cannot be watched cheaply, so
        its other fields (the knowledge base's `include_drafts`, the
        taxonomy's version) count as read by every watched render.
        """
        changes: dict[str, Any] = {}
        plain: list[tuple[str, Any]] = []
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if isinstance(value, dict) and f"{name}.{field.name}" in RECORD_MAPS:
                changes[field.name] = self.records(f"{name}.{field.name}", value, RECORD_MAPS[f"{name}.{field.name}"])
            elif isinstance(value, dict):
                changes[field.name] = self.map(f"{name}.{field.name}", value)
            elif dataclasses.is_dataclass(value) and not isinstance(value, type):
                changes[field.name] = self.record(f"{name}.{field.name}", value)
            else:
                plain.append((field.name, value))
        fields = tuple(plain)
        self._sources[f"{name}.fields"] = lambda key: fields
        self._always.append((f"{name}.fields", fields))
        return dataclasses.replace(obj, **changes)

    def products(self, name: str, obj: Any, **given: Any) -> "WatchedProducts":
        """A view of an object whose attributes are computed products (analysis/derive.py): each read is noted."""
        self._products[name] = obj
        self._sources[name] = lambda key: _product(obj, key)
        self._objects[name] = obj
        return WatchedProducts(name, obj, self, given)

    def unsettled(self, data: MutableMapping[Any, Any]) -> WatchedMemo:
        """A map whose readers are never reused (`ctx.memo`); calls that cannot be keyed are noted here too."""
        self._sources[UNSETTLED] = lambda key: _NEVER
        return WatchedMemo(UNSETTLED, data, self.recorder)

    # -- judging ------------------------------------------------------------
    def holds(self, reads: Reads) -> bool:
        """Whether every value `reads` saw is still what its source gives."""
        judged = self._judged
        kinds = self.kinds
        for where, old in reads.seen.items():
            if type(old) is Seen:  # a record read per attribute
                if not kinds.holds(where, old, judged):
                    return False
                continue
            verdict = judged.get(where)
            if verdict is None:
                verdict = self.still(where, old)
            if not verdict:
                return False
        return True

    def still(self, where: tuple[str, Any], old: Any) -> bool:
        """Whether a read that is not of a record's attributes still gives `old` (one verdict a build)."""
        verdict = self._judged.get(where)
        if verdict is None:
            source = self._source(where[0])
            verdict = self._judged[where] = source is not None and same(old, self.kinds.snapshot(source(where[1])))
        return verdict

    def source_object(self, name: str) -> Any:
        """The map or products object a source reads (None for the others): the same object gives the same values.

        Products are read-only once made, and a method of one answers from
        the object alone, so a source whose object is the last build's
        (a kept product, analysis/kept_products.py) has not moved.
        """
        if name == UNSETTLED or self._source(name) is None:
            return None
        return self._objects.get(name)

    def _source(self, name: str) -> Optional[Callable[[Any], Any]]:
        found = self._sources.get(name)
        if found is None:
            # A map or a nested object of a products object that no render of this build has asked for yet.
            value = self._product_part(name)
            if isinstance(value, dict):
                self.map(name, value)
            elif _is_record(value):
                self.products(name, value)
            found = self._sources.get(name)
        return found

    def _product_part(self, name: str) -> Any:
        if name in self._products:
            return self._products[name]
        owner, _, attribute = name.rpartition(".")
        if not owner or attribute.startswith("__"):
            return None
        obj = self._product_part(owner)
        return None if obj is None else getattr(obj, attribute, None)

    def watching(self, reads: Reads) -> "_Watching":
        """`with watch.watching(reads):` notes every read of the render inside into `reads`."""
        for source, fields in self._always:
            reads.seen[(source, WHOLE)] = fields
        return _Watching(self.recorder, reads)


_NEVER: Any = type("Never", (), {"__eq__": lambda self, other: False, "__hash__": None})()


class _Watching:
    __slots__ = ("_recorder", "_reads", "_outer")

    def __init__(self, recorder: Recorder, reads: Reads) -> None:
        self._recorder, self._reads = recorder, reads

    def __enter__(self) -> Reads:
        self._outer = self._recorder.current
        self._recorder.current = self._reads
        return self._reads

    def __exit__(self, *exc: Any) -> None:
        self._recorder.current = self._outer


class WatchedProducts:
    """Attribute reads of a products object, noted: maps per key, other values whole, methods per arguments."""

    def __init__(self, name: str, obj: Any, watch: Watch, given: dict[str, Any]) -> None:
        self._name, self._obj, self._watch, self._given = name, obj, watch, given
        self._maps: dict[str, WatchedMap] = {}
        self._nested: dict[str, WatchedProducts] = {}

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if attribute in self._given:  # already watched elsewhere (the link graph)
            return self._given[attribute]
        static = inspect.getattr_static(type(self._obj), attribute, None)
        if inspect.isfunction(static):
            # The object's own method, run on this view: what it reads of the object is noted too.
            return functools.partial(static, self)
        if isinstance(static, property) and static.fget is not None:
            return static.fget(self)
        value = getattr(self._obj, attribute)
        recorder = self._watch.recorder
        if self._watch.kinds.ref(value) is not None:  # a record (the incident a product names): read per attribute
            recorder.note(self._name, (attribute,), value)
            return recorder.wrap(value)
        if isinstance(value, dict):
            found = self._maps.get(attribute)
            if found is None:
                found = self._maps[attribute] = self._watch.map(f"{self._name}.{attribute}", value)
            return found
        if _is_record(value):
            # A product made of maps (the loop's recurrences): watched per key, not as a whole,
            # so one incident's recurrences changing leaves the other incidents' pages kept.
            nested = self._nested.get(attribute)
            if nested is None:
                nested = self._nested[attribute] = self._watch.products(f"{self._name}.{attribute}", value)
            return nested
        if callable(value):
            method = value

            def call(*args: Any) -> Any:
                result = method(*args)
                try:
                    hash(args)
                except TypeError:  # arguments that cannot be a key: the render is not reused
                    recorder.note(UNSETTLED, (self._name, attribute), _NEVER)
                else:
                    recorder.note(self._name, (attribute, args), result)
                return recorder.wrap(result)

            return call
        recorder.note(self._name, (attribute,), value)
        return recorder.wrap(value)


def _is_record(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _product(obj: Any, key: Any) -> Any:
    attribute, *args = key
    value = getattr(obj, attribute)
    return value(*args[0]) if args else value


class KeptRenders:
    """Under `mkdocs serve`: the last build's renders with their reads, by page; kept in `ctx.carry`.

    Only the renders that read something that moved since the last build are
    judged (render/read_index.py); the others are kept without a look.
    """

    def __init__(self) -> None:
        self._kept: dict[Any, tuple[Reads, Any]] = {}
        self._now: dict[Any, tuple[Reads, Any]] = {}
        self._site: Optional[str] = None
        self._index = ReadIndex()
        self._suspects: set[Any] = set()
        self._watch: Optional[Watch] = None
        self.reused = 0  # renders taken from the last build, this build (tests and the benchmark read it)
        self.rendered = 0
        self.judged = 0  # kept renders judged read by read this build (the others read nothing that moved)
        self.rendered_keys: list[Any] = []  # the keys rendered this build, in order (tests and serve_probe.py)

    def begin(self, site: str, watch: Watch) -> None:
        """A new build; `site` is everything a render depends on that is not watched (options, templates).

        `watch` is this build's: what moved since the last build is worked out
        here, once, and with it which kept renders must be judged.
        """
        if site != self._site:
            self._kept = {}
            self._index.clear()
        self._site = site
        self._now = {}
        self._watch = watch
        self.reused = self.rendered = self.judged = 0
        self.rendered_keys = []
        self._suspects = self._index.moved(watch) if self._kept else set()

    def render(self, watch: Watch, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`'s result: the last build's if all it read still holds, else made now, its reads noted."""
        kept = self._kept.get(key)
        if kept is not None:
            if key not in self._suspects:
                self._now[key] = kept
                self.reused += 1
                return kept[1]
            self.judged += 1
            if watch.holds(kept[0]):
                self._now[key] = kept
                self.reused += 1
                return kept[1]
            self._index.remove(key, kept[0].seen)
        reads = Reads()
        with watch.watching(reads):
            made = make()
        self._now[key] = (reads, made)
        self._index.add(key, reads.seen)
        self.rendered += 1
        self.rendered_keys.append(key)
        return made

    def keys(self) -> list[Any]:
        """The keys of the renders kept for the next build (after `end`: this build's)."""
        return list(self._kept)

    def end(self) -> None:
        """The build is complete: its renders are the ones the next build may reuse."""
        for key, (reads, _) in self._kept.items():
            if key not in self._now:  # a page this build no longer makes (a removed record's)
                self._index.remove(key, reads.seen)
        self._index.settle(self._watch)
        if self._watch is not None:
            self._watch.close()  # no render of this build follows; its stand-ins go without a collection
        self._kept, self._now, self._watch = self._now, {}, None

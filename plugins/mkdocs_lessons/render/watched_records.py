"""Records seen by a watched render, read attribute by attribute (render/reads.py).

A page that lists every incident read each of them whole: after one
incident's summary was saved, every list of incidents (the index, the
backlog, each term's and team's pages, the dashboard) failed its check and
was rendered again, although most show the title and not the summary. At
10,000 incidents that was most of a save's wait.

Here a record (an incident, SOP, team, term, reading path, session or
indicator, as the knowledge base holds it) reaches a watched render as a
`WatchedRecord`: a stand-in that answers every attribute from the record
and notes the attribute's name and value in the render's reads. A render
that showed only titles noted only titles, and is kept after a summary
edit. Wherever a record is part of a value a render read (a term's list of
incidents, a product's rows), the value is noted with the record replaced
by a reference (`Ref`: which map, which id), and handed to the render with
the record replaced by its stand-in, so its attributes are noted too.

A kept render holds while, for every record it read, the knowledge base
still holds the very same object (an unchanged record file gives the same
object, load.py), or else every attribute it noted is still equal.

The stand-in says it is of its record's class (`isinstance` and
`singledispatch` see through it), compares and prints as its record (both
count as reading the whole record), and is one object per record per
build, so `in` and `index` work on lists of them. `is` between a stand-in
and a bare record is false: no renderer compares records that way.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any, Optional

from mkdocs_lessons.analysis.kept_products import same

#: The attribute name under which a whole-record read (==, repr) is noted.
WHOLE_RECORD = "\0whole"


class _Tag:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_REF = _Tag("REF")
_RECORD = _Tag("RECORD")


def Ref(name: str, key: Any) -> tuple:
    """A record in a noted value: equal to another reference to the same map and id, whatever the contents."""
    return (_REF, name, key)


def RecordKey(key: Any) -> tuple:
    """The key, in a render's reads, of one record's attribute reads (no map key or product key looks like it)."""
    return (_RECORD, key)


class Seen:
    """One record as a render read it: the object, and each attribute read with its value (a snapshot)."""

    __slots__ = ("obj", "attrs")

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.attrs: dict[str, Any] = {}


class Kinds:
    """This build's record maps: which class of record lives in which watched map, under which id attribute."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self._types: dict[type, tuple[str, str, dict]] = {}  # record class -> (map name, id attribute, map)
        self.maps: dict[str, tuple[str, dict]] = {}  # map name -> (id attribute, map)
        self._proxies: dict[int, tuple[Any, "WatchedRecord"]] = {}  # id(record) -> (record, its stand-in)
        self._carriers: dict[type, tuple[str, ...]] = {}  # dataclass -> its init fields ((): not a carrier)
        # This build's snapshots and wrappings of lists and maps, by identity (the original kept alive
        # beside it): the link graph's lists are read whole by many renders and judged once a build.
        self._snapshots: dict[int, tuple[Any, Any]] = {}
        self._wrapped: dict[int, tuple[Any, Any]] = {}
        self._current: dict[tuple[str, tuple], Any] = {}  # a read's (map, record key) -> the record now
        # id() of each record of the maps -> its reference, made once a build when first asked: judging a rebuild
        # snapshots the link graph's lists of records (tens of thousands at 10,000 incidents), record by record.
        self._refs: Optional[dict[int, tuple]] = None

    def add(self, name: str, data: dict, id_attribute: str) -> None:
        self.maps[name] = (id_attribute, data)
        self._refs = None
        for record_type in {type(value) for value in data.values()}:
            self._types[record_type] = (name, id_attribute, data)

    def ref(self, value: Any) -> Optional[tuple]:
        """`value`'s reference if it is a record of a watched map (that very object), else None."""
        refs = self._refs
        if refs is None:
            refs = self._refs = self._all_refs()
        # The maps hold their records for the whole build, so no other object has a record's id meanwhile.
        return refs.get(id(value))

    def _all_refs(self) -> dict[int, tuple]:
        """Each record's reference, by id(): what `ref` answered from the record's class, its id and its map."""
        refs: dict[int, tuple] = {}
        for record_type, (name, id_attribute, data) in self._types.items():
            for value in data.values():
                if type(value) is record_type:
                    key = getattr(value, id_attribute, None)
                    if data.get(key) is value:
                        refs[id(value)] = Ref(name, key)
        return refs

    def close(self) -> None:
        """The build is complete: let go of its stand-ins and wrappings.

        Each stand-in names this object (`_w_kinds`) and this object holds
        each stand-in and wrapped copy: a reference cycle per build that only
        the cyclic collector could free, seconds of it at 10,000 incidents
        under `serve` (adapter/serve_collector.py). Emptied here, they go by
        reference counting as soon as the build drops them.
        """
        for _, proxy in self._proxies.values():
            # A stand-in kept in a value a render read (a step's view) would hold that render's reads, which hold it.
            proxy._w_reads, proxy._w_attrs = None, {}
        self._proxies = {}
        self._wrapped = {}
        self._snapshots = {}
        self._current = {}
        self._refs = None

    # -- what is noted ---------------------------------------------------------
    def snapshot(self, value: Any) -> Any:
        """A value as it is now, safe to keep across builds, its records as references."""
        if type(value) in _PLAIN:  # most attribute reads: text, numbers, days, nothing
            return value
        if isinstance(value, (list, dict)):
            found = self._snapshots.get(id(value))
            if found is not None and found[0] is value and len(found[1][1]) == len(value):
                return found[1]
            if isinstance(value, list):
                made: Any = ("list", tuple(self._item(v) for v in value))
            else:
                made = ("dict", tuple((k, self._item(v)) for k, v in value.items()))
            self._snapshots[id(value)] = (value, made)
            return made
        if isinstance(value, (set, frozenset)):
            return ("set", frozenset(value))
        if type(value) is tuple:  # as it is (a record's plain fields), but for the records in it
            if any(type(v) is WatchedRecord or type(v) in self._types for v in value):
                return tuple(self._item(v) if type(v) is WatchedRecord or type(v) in self._types else v for v in value)
            return value
        return self._item(value)

    def _item(self, value: Any) -> Any:
        if type(value) is WatchedRecord:
            value = value._w_obj
        ref = self.ref(value)
        if ref is not None:
            return ref
        if isinstance(value, (list, dict)) or type(value) is tuple:
            return self.snapshot(value)
        fields = self._carrier(value)
        if fields:
            parts = tuple(getattr(value, name) for name in fields)
            if any(self.ref(part) is not None for part in parts):
                return ("carrier", type(value), tuple(self._item(part) for part in parts))
        return value

    # -- what the render gets ----------------------------------------------------
    def wrap(self, value: Any) -> Any:
        """`value` with its records (in it, or one level down in a list or a small dataclass) as stand-ins."""
        proxy = self._proxy(value)
        if proxy is not None:
            return proxy
        if isinstance(value, list) or type(value) is tuple:
            found = self._wrapped.get(id(value))
            if found is not None and found[0] is value and len(found[1]) == len(value):
                return found[1]
            items = [self.wrap(v) for v in value]
            made: Any = value
            if any(a is not b for a, b in zip(items, value)):
                made = items if isinstance(value, list) else tuple(items)
            self._wrapped[id(value)] = (value, made)
            return made
        fields = self._carrier(value)
        if fields:
            found = self._wrapped.get(id(value))
            if found is not None and found[0] is value:
                return found[1]
            changes = {name: proxy for name in fields if (proxy := self._proxy(getattr(value, name))) is not None}
            made = dataclasses.replace(value, **changes) if changes else value
            self._wrapped[id(value)] = (value, made)
            return made
        return value

    def _proxy(self, value: Any) -> Optional["WatchedRecord"]:
        if type(value) is WatchedRecord:
            return value
        ref = self.ref(value)
        if ref is None:
            return None
        found = self._proxies.get(id(value))
        if found is None or found[0] is not value:
            found = self._proxies[id(value)] = (value, WatchedRecord(value, (ref[1], RecordKey(ref[2])), self))
        return found[1]

    def _carrier(self, value: Any) -> tuple[str, ...]:
        """The fields of a small dataclass that may hold a record (a term's `Classified`), or ()."""
        kind = type(value)
        found = self._carriers.get(kind)
        if found is None:
            found = ()
            if dataclasses.is_dataclass(kind) and kind not in self._types:
                fields = dataclasses.fields(kind)
                # Only what `dataclasses.replace` can copy; a big product is watched as products instead.
                if len(fields) <= 8 and all(f.init for f in fields):
                    found = tuple(f.name for f in fields)
            self._carriers[kind] = found
        return found

    # -- reads -----------------------------------------------------------------------
    def note_attribute(self, where: tuple[str, tuple], obj: Any, name: str, value: Any) -> None:
        reads = self.recorder.current
        if reads is None:
            return
        seen = reads.seen.get(where)
        if seen is None:
            seen = reads.seen[where] = Seen(obj)
        if name not in seen.attrs:
            seen.attrs[name] = obj if name == WHOLE_RECORD else self.snapshot(value)

    def note_present(self, name: str, key: Any, obj: Any) -> None:
        """A record read by its id: it must still be there (its attributes are noted as they are read)."""
        reads = self.recorder.current
        if reads is not None:
            where = (name, RecordKey(key))
            if where not in reads.seen:
                reads.seen[where] = Seen(obj)

    def current(self, where: tuple[str, tuple]) -> Any:
        """The record the knowledge base holds now under a read's map and id (or `GONE`), looked up once a build."""
        found = self._current.get(where)
        if found is None:
            entry = self.maps.get(where[0])
            found = self._current[where] = entry[1].get(where[1][1], GONE) if entry is not None else GONE
        return found

    def holds(self, where: tuple[str, tuple], seen: Seen, judged: dict) -> bool:
        """Whether a record a render read is still the same object, or else still has every value it read.

        The identity test is made for each render's own object (`seen.obj`),
        never kept as a verdict for the record: a render kept through an edit
        saw an older object than one rendered after it, and an undoing may
        bring that older object back. An attribute's verdict is kept: every
        render that read it and was kept saw the value of the last build.
        """
        current = self.current(where)
        if current is seen.obj:
            return True
        if current is GONE:
            return False
        name, key = where
        for attribute, old in seen.attrs.items():
            at = (name, key, attribute)
            same_now = judged.get(at)
            if same_now is None:
                same_now = judged[at] = self._still(current, attribute, old)
            if not same_now:
                return False
        return True

    def _still(self, current: Any, attribute: str, old: Any) -> bool:
        if attribute == WHOLE_RECORD:
            return same(old, current)
        try:
            now = getattr(current, attribute)
        except Exception:  # a property that fails on the record as it is now: not the same
            return False
        return same(old, self.snapshot(now))


#: Values noted as they are (immutable, and never a record).
_PLAIN = frozenset({str, int, float, bool, type(None), date, datetime})

#: No record under that id now.
GONE: Any = type("Gone", (), {"__repr__": lambda self: "GONE"})()


class WatchedRecord:
    """A record's stand-in in a watched render: every attribute read is noted (see the module docstring)."""

    # `_w_reads` / `_w_attrs`: the render this stand-in last noted into and its record's attribute reads there.
    # A list page reads about a million attributes at 10,000 incidents: most reads find them at hand.
    __slots__ = ("_w_obj", "_w_where", "_w_kinds", "_w_reads", "_w_attrs")

    def __init__(self, obj: Any, where: tuple[str, tuple], kinds: Kinds) -> None:
        self._w_obj = obj
        self._w_where = where
        self._w_kinds = kinds
        self._w_reads: Any = None
        self._w_attrs: dict[str, Any] = {}

    # isinstance() and singledispatch see the record's class; mypy rejects a property over `__class__`.
    @property  # type: ignore[misc]  # __class__ as a property is the point: see the comment above
    def __class__(self) -> type:
        return type(self._w_obj)

    def __getattr__(self, name: str) -> Any:
        obj = self._w_obj
        value = getattr(obj, name)
        if name.startswith("__"):
            return value
        # Kinds.note_attribute, inlined: this is the hottest path of a list page's render.
        kinds = self._w_kinds
        reads = kinds.recorder.current
        if reads is None:
            return value
        if self._w_reads is reads:
            attrs = self._w_attrs
        else:
            seen = reads.seen.get(self._w_where)
            if seen is None:
                seen = reads.seen[self._w_where] = Seen(obj)
            self._w_reads, attrs = reads, seen.attrs
            self._w_attrs = attrs
        if name not in attrs:
            attrs[name] = kinds.snapshot(value)
        return value

    def _w_whole(self) -> Any:
        self._w_kinds.note_attribute(self._w_where, self._w_obj, WHOLE_RECORD, None)
        return self._w_obj

    def __eq__(self, other: Any) -> bool:
        if type(other) is WatchedRecord:
            other = other._w_whole()
        return bool(self._w_whole() == other)

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._w_whole())  # records are unhashable: as the record does, this raises

    def __repr__(self) -> str:
        return repr(self._w_whole())

    def __str__(self) -> str:
        return str(self._w_whole())

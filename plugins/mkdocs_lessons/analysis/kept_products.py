"""Analysis products kept across `mkdocs serve` rebuilds while what they were made of holds.

Under `serve`, each rebuild's `Analysis` is new, and every kept page that
read a product (the dashboard its metrics, every incident page its loop
state) had to be judged against the product worked out afresh: at 10,000
incidents about a second of every save, although most edits change none
of them. Here a product is made once and kept, with what it was made of:

- the record attributes it read, by record class: while it is made, each
  record class's fields answer through a descriptor that notes the field's
  name (`_tracing`); `Incident.title` read once counts for every incident
  (the descriptors are the class's while a product is made: builds run in
  one thread);
- the ids of every record map, in order, and the knowledge base's other
  fields (drafts included or not, the taxonomy);
- the other products and facts it read (`Analysis` notes them, `note_use`),
  by value;
- its inputs that are not records (today, the lint settings);
- the records it holds (a follow-up's incident, a session in the programme):
  a kept product hands those objects to pages, so it is made again when one
  of them is replaced, even if it read nothing that changed.

At the next build a product is the kept one when the inputs and the other
products are equal, the maps list the same ids, and each record whose
object changed (an unchanged record file gives the same object,
records/load.py) is not held by the product and still has equal values in
every attribute its class had read. Otherwise it is made again (and kept).
A kept product is the very same object, so the pages' reads of it hold at a
glance (render/read_index.py). `tests/test_kept_renders.py` holds this to a
cold build after every one-field edit.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any, Callable

from mkdocs_lessons.records.model import KnowledgeBase

#: The knowledge base's maps of records (field name); their classes are the ones traced.
RECORD_MAPS = ("incidents", "sops", "teams", "paths", "sessions", "indicators")


@dataclasses.dataclass
class _Made:
    """One product as made: its value and what it was made of."""

    value: Any
    inputs: Any
    fields: tuple  # the knowledge base's other fields
    maps: dict[str, dict[Any, Any]]  # record map -> id -> object, as made
    read: dict[type, frozenset[str]]  # record class -> the fields read of its records
    uses: dict[str, Any]  # other products and facts read -> their value
    held: frozenset[int]  # ids of the record objects the value holds (alive in `maps`)


class KeptProducts:
    """The last build's products, by name; kept in the plugin's carry under `mkdocs serve`."""

    def __init__(self) -> None:
        self._made: dict[str, _Made] = {}
        self._stack: list[tuple[dict[type, set[str]], dict[str, Any]]] = []  # products being made, innermost last
        self.kept: list[str] = []  # this build's kept products (tests and serve_probe.py)
        self.made: list[str] = []

    def begin(self) -> None:
        self.kept, self.made = [], []

    def get(
        self, name: str, kb: KnowledgeBase, inputs: Any, uses: Callable[[str], Any], make: Callable[[], Any]
    ) -> Any:
        """The product `name`: the last build's if what it was made of holds, else `make()`'s (then kept)."""
        old = self._made.get(name)
        maps = _maps(kb)
        if old is not None and self._holds(old, kb, maps, inputs, uses):
            self.kept.append(name)
            self.note_use(name, old.value)
            return old.value
        read: dict[type, set[str]] = {}
        used: dict[str, Any] = {}
        self._stack.append((read, used))
        try:
            with _tracing(maps, read):
                value = make()
        finally:
            self._stack.pop()
        self._made[name] = _Made(
            value,
            inputs,
            _fields(kb),
            maps,
            {kind: frozenset(names) for kind, names in read.items()},
            used,
            _held(value, maps),
        )
        self.made.append(name)
        self.note_use(name, value)
        return value

    def apart(self, kb: KnowledgeBase, make: Callable[[], Any]) -> Any:
        """`make()` noting none of its reads into the product being made (it is noted as used, by value)."""
        if not self._stack:
            return make()
        with _tracing(_maps(kb), {}):
            return make()

    def note_use(self, name: str, value: Any) -> None:
        """A product or fact read while another is made: that one is made again if this one's value changes."""
        if self._stack:
            self._stack[-1][1].setdefault(name, value)

    def _holds(self, old: _Made, kb: KnowledgeBase, maps: dict[str, dict[Any, Any]], inputs: Any, uses: Any) -> bool:
        if not same(old.inputs, inputs) or not same(old.fields, _fields(kb)):
            return False
        for map_name, now in maps.items():
            then = old.maps.get(map_name, {})
            if len(then) != len(now) or list(then) != list(now):
                return False
            for record_id, record in now.items():
                before = then[record_id]
                if before is record:
                    continue
                if id(before) in old.held or type(before) is not type(record):
                    return False
                for attribute in old.read.get(type(record), ()):
                    if not same(getattr(before, attribute), getattr(record, attribute)):
                        return False
        # Other products last: reading one makes (or keeps) it.
        return all(same(value, uses(name)) for name, value in old.uses.items())


def same(old: Any, new: Any) -> bool:
    """Whether a value read last build still holds: the same object, or equal (a value that cannot say: not)."""
    if old is new:
        return True
    try:
        return bool(old == new)
    except Exception:  # a value that cannot say: not the same
        return False


def _maps(kb: KnowledgeBase) -> dict[str, dict[Any, Any]]:
    """Each record map as it is now (copies: the knowledge base's own maps are this build's)."""
    maps = {name: dict(getattr(kb, name)) for name in RECORD_MAPS}
    maps["terms"] = dict(kb.taxonomy.terms) if kb.taxonomy is not None else {}
    return maps


def _fields(kb: KnowledgeBase) -> tuple:
    """The knowledge base's fields that are not record maps (the taxonomy as a whole: its terms are a map too)."""
    return tuple(getattr(kb, field.name) for field in dataclasses.fields(kb) if field.name not in RECORD_MAPS)


class _Tracer:
    """A record class's field while a product is made: reads note the field's name, then answer as the slot does."""

    __slots__ = ("slot", "name", "names")

    def __init__(self, slot: Any, name: str, names: set[str]) -> None:
        self.slot, self.name, self.names = slot, name, names

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        self.names.add(self.name)
        return self.slot.__get__(obj, owner)

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.slot.__delete__(obj)


class _tracing:
    """`with _tracing(maps, read):` every field of the maps' record classes notes its reads into `read[class]`.

    Nested makes (one product reading another) put their own tracers on top
    and take them off again, so each product notes only its own reads.
    """

    def __init__(self, maps: dict[str, dict[Any, Any]], read: dict[type, set[str]]) -> None:
        self._classes = {type(record) for records in maps.values() for record in records.values()}
        self._read = read
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> None:
        for kind in sorted(self._classes, key=lambda k: k.__qualname__):
            names = self._read.setdefault(kind, set())
            for field in dataclasses.fields(kind):
                slot = kind.__dict__.get(field.name)
                if slot is None or not hasattr(slot, "__get__"):
                    continue
                inner = slot.slot if isinstance(slot, _Tracer) else slot
                self._saved.append((kind, field.name, slot))
                setattr(kind, field.name, _Tracer(inner, field.name, names))

    def __exit__(self, *exc: Any) -> None:
        for kind, name, slot in reversed(self._saved):
            setattr(kind, name, slot)


def _held(value: Any, maps: dict[str, dict[Any, Any]]) -> frozenset[int]:
    """The ids of the record objects `value` holds, at any depth (a record's own contents are not walked)."""
    records = {id(record) for records in maps.values() for record in records.values()}
    held: set[int] = set()
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) in _LEAVES or id(item) in seen:
            continue
        seen.add(id(item))
        if id(item) in records:
            held.add(id(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif not isinstance(item, type) and not callable(item):
            # A dataclass or another object of the product: its attributes, however it keeps them.
            stack.extend(vars(item).values() if hasattr(item, "__dict__") else ())
            for klass in type(item).__mro__:
                slots = getattr(klass, "__slots__", ())
                for slot in (slots,) if isinstance(slots, str) else slots:
                    if hasattr(item, slot):
                        stack.append(getattr(item, slot))
    return frozenset(held)


_LEAVES = frozenset({str, int, float, bool, type(None), date, datetime})

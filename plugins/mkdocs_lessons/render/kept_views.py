"""Whether two views of a page's template give the same HTML: plain data, equal type for type and value for value.

A list render made again under `mkdocs serve` makes all its numbered pages
(200 rows each), though after a title edit one of them shows it: the
others get the very rows they had (render/kept_rows.py), so their views
equal the last build's. A template's output is a function of its view and
of the templates themselves (in the site key of kept renders), so a page
whose view equals the last one's takes the last HTML instead of being
rendered again (`KeptRows.html`).

"Equal" is stricter than `==`, because what a template prints differs
where `==` does not look: `Markup("&lt;")` equals the string `"&lt;"` but
prints unescaped, `1 == True == 1.0`, `-0.0 == 0.0`, and two datetimes in
different time zones can be equal. So values must be of the same type,
and numbers and dates must also print the same. Only plain data counts:
text, numbers, dates, lists, tuples, dicts (in order) and frozen
dataclasses of those. Anything else (a record's stand-in that notes what a
template reads of it, a set whose order is not its own, an object with
methods) makes the views differ, and the page is rendered.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

#: Types whose equal values print the same.
_EXACT = frozenset({str, Markup, int, bool, type(None)})
#: Types whose equal values may print differently (-0.0, time zones): they must also print the same.
_PRINTED = frozenset({float, date, datetime})
#: Frozen dataclass -> its field names; other classes -> None (not plain data).
_FIELDS: dict[type, Any] = {}


def same_view(old: Any, new: Any) -> bool:
    """Whether `old` and `new` are the same plain data, so a template prints them the same."""
    kind = type(new)
    if type(old) is not kind:
        return False
    if kind in _EXACT:
        return bool(old == new)
    if kind is list or kind is tuple:
        return len(old) == len(new) and all(same_view(a, b) for a, b in zip(old, new))
    if kind is dict:
        return len(old) == len(new) and all(
            same_view(a, b) and same_view(x, y) for (a, x), (b, y) in zip(old.items(), new.items())
        )
    if kind in _PRINTED:
        return bool(old == new) and str(old) == str(new)
    names = _FIELDS.get(kind, False)
    if names is False:
        names = _FIELDS[kind] = _frozen_fields(kind)
    if names is None:
        return False
    return all(same_view(getattr(old, name), getattr(new, name)) for name in names)


def plain(value: Any) -> bool:
    """Whether `value` is plain data in the sense above (it is the same view as itself)."""
    return same_view(value, value)


def _frozen_fields(kind: type) -> Any:
    """The fields of a frozen dataclass (its values cannot change after the view was made), else None."""
    if not dataclasses.is_dataclass(kind):
        return None
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen:
        return None
    return tuple(field.name for field in dataclasses.fields(kind))

"""Did the fix work? An indicator's series before and after an action item was done.

Pure core (no MkDocs). An action item may name an indicator (`indicator_ref`,
an id of `content/indicators/`, the v1.1 indicators of issue 15): a figure
the organisation already measures, one value per period (`YYYY-MM` or
`YYYY-Qn`). Around the item's `closed` date:

- *before*: the up to `WINDOW` periods that end before the period holding
  the closed date; *after*: the up to `WINDOW` periods that start after it
  (the period of the change itself is shown but belongs to neither: it
  mixes both);
- the change is mean(after) - mean(before), with n on each side; it is
  *better* or *worse* by the indicator's `better` (higher | lower), and
  stated only when both sides have at least one value.

Indicators are read through their contract fields (`id`, `title`, `unit`,
`better`, `values: [{period, value}]`), as objects or as mappings, so this
module does not depend on how the indicator model is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional

WINDOW = 6
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")


def _field(record: Any, name: str, default: Any = None) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def period_key(period: str) -> Optional[tuple[int, int, str]]:
    """A sortable key of `2024-03` or `2024-Q1`, with the form; None for anything else."""
    if (m := _MONTH.match(period)) is not None:
        return int(m.group(1)), int(m.group(2)), "month"
    if (m := _QUARTER.match(period)) is not None:
        return int(m.group(1)), int(m.group(2)), "quarter"
    return None


def period_of(day: date, form: str) -> tuple[int, int, str]:
    """The period of `form` ("month" | "quarter") holding `day`, as a key."""
    return (day.year, day.month, form) if form == "month" else (day.year, (day.month - 1) // 3 + 1, form)


@dataclass(frozen=True)
class Effect:
    """An indicator around the day a fix was done."""

    indicator_id: str
    title: str
    unit: str
    better: str  # higher | lower | ""
    closed: date
    periods: list[str]  # in order
    values: list[float]
    side: list[str]  # per period: "before" | "change" | "after" | "" (outside the windows)

    def _of(self, which: str) -> list[float]:
        return [v for v, s in zip(self.values, self.side) if s == which]

    @property
    def before(self) -> list[float]:
        return self._of("before")

    @property
    def after(self) -> list[float]:
        return self._of("after")

    @property
    def change(self) -> Optional[float]:
        if not self.before or not self.after:
            return None
        return sum(self.after) / len(self.after) - sum(self.before) / len(self.before)

    @property
    def verdict(self) -> str:
        """better | worse | unchanged | "" (no change to judge, or no `better`)."""
        change = self.change
        if change is None or self.better not in ("higher", "lower"):
            return ""
        if abs(change) < 1e-9:
            return "unchanged"
        return "better" if (change > 0) == (self.better == "higher") else "worse"


def fix_effect(indicator: Any, closed: date, window: int = WINDOW) -> Optional[Effect]:
    """The indicator's series around `closed`, or None when it has no values."""
    rows = []
    for value in _field(indicator, "values", []) or []:
        period = str(_field(value, "period", ""))
        key = period_key(period)
        number = _field(value, "value")
        if key is not None and isinstance(number, (int, float)):
            rows.append((key, period, float(number)))
    if not rows:
        return None
    rows.sort()
    form = rows[0][0][2]
    pivot = period_of(closed, form)
    before_keys = [k for k, _, _ in rows if k[:2] < pivot[:2]][-window:]
    after_keys = [k for k, _, _ in rows if k[:2] > pivot[:2]][:window]
    shown = [r for r in rows if r[0] in before_keys or r[0] in after_keys or r[0][:2] == pivot[:2]]
    if not shown:
        return None
    side = ["before" if k in before_keys else "after" if k in after_keys else "change" for k, _, _ in shown]
    return Effect(
        str(_field(indicator, "id", "")),
        str(_field(indicator, "title", "") or _field(indicator, "id", "")),
        str(_field(indicator, "unit", "") or ""),
        str(_field(indicator, "better", "") or ""),
        closed,
        [p for _, p, _ in shown],
        [v for _, _, v in shown],
        side,
    )

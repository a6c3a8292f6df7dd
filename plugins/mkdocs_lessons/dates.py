"""Calendar arithmetic the figures and pages share: quarters, months, review dates.

Quarters are written `YYYY-Qn` everywhere (pages, SVG attributes, URLs,
`metrics.json`), so they sort as text and read the same in every place.
No MkDocs in here.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Optional

from mkdocs_lessons.records.model import Sop


def quarter_of(moment: date | datetime) -> str:
    """`2024-Q1` for any day of January to March 2024 (in the moment's own time zone)."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _index(quarter: str) -> int:
    year, q = quarter.split("-Q")
    return int(year) * 4 + int(q) - 1


def _from_index(index: int) -> str:
    return f"{index // 4}-Q{index % 4 + 1}"


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last`, both included (empty if `last` is earlier)."""
    return [_from_index(i) for i in range(_index(first), _index(last) + 1)]


#: Per-quarter charts show at most this many quarters (ten years), the most
#: recent ones, whatever the dates: a page's width and work stay bounded.
MAX_QUARTERS = 40
#: Per-year charts likewise.
MAX_YEARS = 30


def recent_quarters(first: str, last: str, cap: int = MAX_QUARTERS) -> tuple[list[str], int]:
    """The last `cap` quarters of `first`..`last`, and how many earlier ones were left out."""
    start = max(_index(first), _index(last) - cap + 1)
    return [_from_index(i) for i in range(start, _index(last) + 1)], max(0, start - _index(first))


def previous_quarter(quarter: str) -> str:
    return _from_index(_index(quarter) - 1)


def quarter_start(quarter: str) -> date:
    year, q = quarter.split("-Q")
    return date(int(year), 3 * (int(q) - 1) + 1, 1)


def quarter_end(quarter: str) -> date:
    """The last day of the quarter."""
    year, q = quarter.split("-Q")
    month = 3 * int(q)
    return date(int(year), month, calendar.monthrange(int(year), month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(sop: Sop) -> Optional[date]:
    """When the current version is due for review: its effective date plus the review interval."""
    current = sop.current
    if current is None or current.effective is None or not sop.review_every_months:
        return None
    return add_months(current.effective, sop.review_every_months)

"""Dates, times and time zones as people write them in postmortems.

Postmortems say `2024-03-14 09:12 UTC`, `March 14, 2024`, `9:12 AM PST`,
`14:51` under a date line, or `(all times in Europe/Berlin)` once above a
timeline. This module reads those forms into aware datetimes and writes
them back as the contract's timestamps (an offset, or `Z` for UTC), so a
local time keeps the offset it was written in.

Abbreviations name the offset they stand for (`PDT` is -07:00); the
written-out pairs people use for a whole document (`PST/PDT`, `Pacific`,
`CET/CEST`) name the region, whose offset then follows the date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc

# Fixed offsets of the abbreviations in common use (ambiguous ones such as IST are left out).
_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "JST": 9,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
}
# Region names for what people write once for a whole document.
_REGIONS = {
    "pst/pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "pacific time": "America/Los_Angeles",
    "est/edt": "America/New_York",
    "et": "America/New_York",
    "eastern": "America/New_York",
    "eastern time": "America/New_York",
    "cst/cdt": "America/Chicago",
    "central": "America/Chicago",
    "mst/mdt": "America/Denver",
    "mountain": "America/Denver",
    "cet/cest": "Europe/Berlin",
    "gmt/bst": "Europe/London",
    "uk time": "Europe/London",
    "eet/eest": "Europe/Helsinki",
}

ZONE_PATTERN = (
    r"(?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|[A-Z][A-Za-z_]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|"
    r"(?:PST/PDT|EST/EDT|CST/CDT|MST/MDT|CET/CEST|GMT/BST|EET/EEST)|"
    + "|".join(sorted((a for a in _ABBREVIATIONS if a != "Z"), key=len, reverse=True))
    + r"|Z"
)
_ZONE_ONLY = re.compile(rf"^(?:{ZONE_PATTERN})$")

_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|"
    r"Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
DATE_PATTERN = (
    rf"{_WEEKDAY}(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}/\d{{2}}/\d{{2}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})"
)
TIME_PATTERN = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?"

#: A moment at the start of a line: a date, a time or both, then an optional zone.
LEADING = re.compile(
    rf"^\s*(?:\*\*|__|`)?\s*(?:\[)?(?P<date>{DATE_PATTERN})?(?:[T ,]+|\s*[-–—]\s*(?=\d))?(?P<time>{TIME_PATTERN})?"
    rf"(?:\s*\(?(?P<zone>{ZONE_PATTERN})\)?)?(?![\w/])\s*(?:\])?(?:\*\*|__|`)?"
)
_DATE = re.compile(DATE_PATTERN, re.IGNORECASE)
_TIME = re.compile(rf"^{TIME_PATTERN}$")
_ZONE_IN_TEXT = re.compile(
    r"(?:all\s+times?\s+(?:are\s+)?(?:in\s+)?|times?\s+(?:are\s+)?(?:in\s+)?|\(\s*)(?P<zone>"
    + r"[A-Za-z_]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|PST/PDT|EST/EDT|CST/CDT|MST/MDT|CET/CEST|GMT/BST|EET/EEST|"
    + r"(?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|pacific(?: time)?|eastern(?: time)?|central|mountain|uk time|"
    + "|".join(sorted((a for a in _ABBREVIATIONS if a != "Z"), key=len, reverse=True))
    + r")(?![\w/])",
    re.IGNORECASE,
)


class ZoneError(ValueError):
    """A time zone nobody can look up."""


def zone(name: str) -> tzinfo:
    """`UTC`, `+02:00`, `UTC+2`, `PDT`, `PST/PDT`, `Pacific` or an IANA name like `Europe/Berlin`."""
    text = name.strip()
    upper = text.upper().replace(" ", "")
    if upper in _ABBREVIATIONS:
        return timezone(timedelta(hours=_ABBREVIATIONS[upper])) if _ABBREVIATIONS[upper] else UTC
    if text.lower() in _REGIONS:
        return ZoneInfo(_REGIONS[text.lower()])
    offset = re.match(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$", upper)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise ZoneError(f"'{name}' is not a time zone offset")
        delta = timedelta(hours=hours, minutes=minutes) * sign
        return UTC if not delta else timezone(delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneError(
            f"unknown time zone '{name}' (use an IANA name like Europe/Berlin, an offset like +02:00, or UTC)"
        ) from None


def zone_in_text(text: str) -> Optional[str]:
    """The zone a heading or a note names for the times below it: `Timeline (all times in PST/PDT)`."""
    for match in _ZONE_IN_TEXT.finditer(text):
        candidate = match.group("zone")
        try:
            zone(candidate)
        except ZoneError:
            continue
        return candidate
    return None


#: Years a postmortem's dates may name; others are typos (`0024-03-14`) or not dates.
YEARS = (1900, 2999)


def parse_date(text: str) -> Optional[date]:
    """`2024-03-14`, `2024/03/14`, `March 14, 2024`, `14 Mar 2024`, with or without a weekday."""
    found = _parse_date(text)
    return found if found is not None and YEARS[0] <= found.year <= YEARS[1] else None


def _parse_date(text: str) -> Optional[date]:
    value = re.sub(rf"^{_WEEKDAY}", "", text.strip(), flags=re.IGNORECASE).strip().rstrip(".")
    try:
        if re.match(r"^\d{4}[-/]\d{2}[-/]\d{2}$", value):
            return date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        words = re.findall(r"[A-Za-z]+|\d+", value)
        if len(words) >= 3:
            numbers = [w for w in words if w.isdigit()]
            names = [
                w
                for w in words
                if not w.isdigit() and w.lower()[:3] in _MONTHS and w.lower() not in ("st", "nd", "rd", "th")
            ]
            if names and len(numbers) == 2:
                day, year = (
                    (int(numbers[0]), int(numbers[1])) if len(numbers[1]) == 4 else (int(numbers[1]), int(numbers[0]))
                )
                return date(year, _MONTHS[names[0].lower()[:3]], day)
    except ValueError:
        return None
    return None


def parse_time(text: str) -> Optional[tuple[int, int, int]]:
    """`09:12`, `9:12:30`, `9:12 PM` as (hour, minute, second)."""
    value = text.strip().lower().replace(".", "")
    match = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s?(am|pm)?$", value)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if match.group(4):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match.group(4) == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


@dataclass
class Leading:
    """A moment written at the start of a line, and the text after it."""

    day: Optional[date]
    time: Optional[tuple[int, int, int]]
    zone: Optional[str]
    rest: str


def leading(line: str) -> Optional[Leading]:
    """The date and/or time that opens `line` (`**14:51** - News reports...`), or None."""
    match = LEADING.match(line)
    if not match or not (match.group("date") or match.group("time")):
        return None
    day = parse_date(match.group("date")) if match.group("date") else None
    time = parse_time(match.group("time")) if match.group("time") else None
    if (match.group("date") and day is None) or (match.group("time") and time is None):
        return None
    rest = line[match.end() :]
    rest = re.sub(r"^\s*(?:[-–—:|>]+|\*\*|__)\s*", "", rest).strip()
    rest = re.sub(r"^(?:\*\*|__)\s*", "", rest)
    return Leading(day, time, match.group("zone"), rest)


def moment(day: date, time: tuple[int, int, int], where: tzinfo) -> datetime:
    """An aware datetime; for a region, the offset in force on that day and time."""
    return datetime(day.year, day.month, day.day, *time, tzinfo=where)


def timestamp(value: datetime) -> str:
    """The contract's form: `2024-03-14T09:12:00Z`, or with the offset it was written in."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("a timestamp needs a time zone")
    if not offset:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    total = int(offset.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    hours, minutes = divmod(abs(total), 60)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def is_zone(text: str) -> bool:
    return bool(_ZONE_ONLY.match(text.strip()))


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?)\b", re.IGNORECASE)


def duration(text: str) -> Optional[timedelta]:
    """`66 minutes`, `1h 30m`, `2 hours 5 minutes`; None when it names no length of time."""
    total = timedelta()
    found = False
    for number, unit in _DURATION.findall(text):
        found = True
        amount = float(number)
        unit = unit.lower()
        total += (
            timedelta(days=amount)
            if unit.startswith("d")
            else timedelta(hours=amount)
            if unit.startswith("h")
            else timedelta(minutes=amount)
        )
    return total if found and total > timedelta() else None

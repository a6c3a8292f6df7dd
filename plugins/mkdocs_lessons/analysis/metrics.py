"""Every figure of the dashboard, computed from the published records.

Pure data: no MkDocs, no rendering. The dashboard page, the small charts on
team and term pages and `metrics.json` all read the same `Metrics`, so a
number means the same thing everywhere. Definitions (stated on the page too):

- a *failure* is a review of kind `incident` or `near-miss` (successes are
  reported, but they are not failures);
- an incident is *classified under* a term when its primary or any secondary
  term is that term or a narrower one (the incident index's `term` filter);
- time to detect = detected − occurred, time to restore = resolved − detected,
  over reviews of kind `incident` that have the timestamps, by quarter of
  occurrence;
- an action item is *opened* on its incident's review date (the day it was
  agreed), or on the day the incident occurred when there is no review date;
  it is *closed* on its `closed` date; days to close never go below zero
  (fixes made before the review count as closed the day they were agreed);
- medians are the middle value (the mean of the two middle values for an
  even count); 90th percentiles are nearest-rank: the smallest value that at
  least 90 % of the values do not exceed, always an observed value;
- "now" is `today` (the plugin option, `SOURCE_DATE_EPOCH` or the build date).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Iterable, Optional, Sequence

from mkdocs_lessons.dates import MAX_YEARS, next_review, previous_quarter, quarter_end, quarter_of, recent_quarters
from mkdocs_lessons.records.model import ActionItem, Incident, KnowledgeBase, natural_key

FAILURE_KINDS = ("incident", "near-miss")
SEVERE = ("SEV1", "SEV2")
DUE_SOON_DAYS = 30
REPEAT_WINDOW_DAYS = 365


# -- distributions -------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """Median and 90th percentile of `n` values (None when there are none)."""

    n: int
    median: Optional[float]
    p90: Optional[float]


def distribution(values: Iterable[float]) -> Distribution:
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return Distribution(0, None, None)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    # Nearest rank: an observed value, so "p90 = 3 h" means an incident took 3 h.
    p90 = ordered[max(math.ceil(0.9 * n), 1) - 1]
    return Distribution(n, _round(median), _round(p90))


def _round(value: float) -> float:
    # Two decimals keep metrics.json stable and readable (minutes to the second).
    return round(float(value), 2)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


# -- the figures -------------------------------------------------------------------


@dataclass
class HeatRow:
    id: str  # the term path (data-category)
    label: str
    cells: list[int]
    total: int  # distinct failures classified under the term across all columns


@dataclass
class HeatMap:
    """Failures classified under each row term, per column (quarter or team)."""

    columns: list[str]  # quarters `YYYY-Qn` or team ids
    column_labels: list[str]
    rows: list[HeatRow]
    column_totals: list[int]  # distinct failures per column (an incident counts once)
    total: int  # distinct failures in the map

    @property
    def max(self) -> int:
        return max((c for row in self.rows for c in row.cells), default=0)


@dataclass
class QuarterTimes:
    quarter: str
    detect: Distribution  # minutes
    restore: Distribution  # minutes


@dataclass
class QuarterMix:
    quarter: str
    incidents: int
    near_misses: int
    successes: int

    @property
    def total(self) -> int:
        return self.incidents + self.near_misses + self.successes

    @property
    def near_miss_share(self) -> Optional[float]:
        return self.near_misses / self.total if self.total else None


@dataclass
class QuarterActions:
    quarter: str
    opened: int
    done: int
    dropped: int
    done_on_time: int
    done_with_due: int  # the n of the on-time share

    @property
    def on_time_share(self) -> Optional[float]:
        return self.done_on_time / self.done_with_due if self.done_with_due else None


@dataclass
class ActionFigures:
    total: int
    open: int
    in_progress: int
    done: int
    dropped: int
    overdue_now: int
    due_soon: int  # open, due within DUE_SOON_DAYS from today
    unowned_open: int
    done_with_due: int
    done_on_time: int
    close_days: Distribution  # done or dropped items with a closed date
    closed_without_date: int  # done or dropped, no closed date: left out of timings
    quarters: list[QuarterActions]

    @property
    def on_time_share(self) -> Optional[float]:
        return self.done_on_time / self.done_with_due if self.done_with_due else None

    @property
    def open_total(self) -> int:
        return self.open + self.in_progress


@dataclass
class YearCount:
    year: int
    count: int


@dataclass
class SopReview:
    sop_id: str
    title: str
    owner: str
    due: Optional[date]
    state: str  # overdue | due-soon | on-schedule | no-schedule | none-approved
    days: Optional[int]  # days overdue (state overdue) or days left (otherwise)


@dataclass
class SopFigures:
    total: int
    versions: int
    approved_per_year: list[YearCount]
    reviews: list[SopReview]  # every SOP, natural id order
    pending_versions: int  # proposed or draft versions newer than the current one
    sops_with_pending: int
    years_left_out: int = 0  # earlier years of approved_per_year, not charted (dates.MAX_YEARS)

    def in_state(self, state: str) -> list[SopReview]:
        return [r for r in self.reviews if r.state == state]


@dataclass
class Indicator:
    key: str
    label: str
    kind: str  # leading | lagging
    better: str  # higher | lower
    unit: str  # count | share | minutes | days
    previous: Optional[float]
    current: Optional[float]
    to_date: Optional[float]
    previous_n: Optional[int] = None  # the n behind a share or median
    current_n: Optional[int] = None
    to_date_n: Optional[int] = None

    @property
    def change(self) -> Optional[float]:
        if self.previous is None or self.current is None:
            return None
        return _round(self.current - self.previous)

    @property
    def trend(self) -> str:
        """better | worse | unchanged | n/a, judged by the indicator's good direction."""
        change = self.change
        if change is None:
            return "n/a"
        if change == 0:
            return "unchanged"
        return "better" if (change > 0) == (self.better == "higher") else "worse"


@dataclass
class Indicators:
    previous_quarter: str
    current_quarter: str  # the last complete quarter before today
    to_date_quarter: str  # today's quarter, so far
    rows: list[Indicator]


@dataclass
class Metrics:
    today: date
    quarters: list[str]  # first quarter with data .. max(last with data, today's)
    reviews: int  # published reviews of every kind
    failures: int  # incidents and near misses
    term_by_quarter: HeatMap
    term_by_team: HeatMap
    times: list[QuarterTimes]
    detect_overall: Distribution
    restore_overall: Distribution
    reporting: list[QuarterMix]
    actions: ActionFigures
    sops: SopFigures
    indicators: Indicators
    quarters_left_out: int = 0  # earlier quarters with data, not charted (dates.MAX_QUARTERS)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, with the derived figures the pages show."""
        data = _plain(asdict(self))
        data["actions"]["on_time_share"] = _share(self.actions.on_time_share)
        for item, source in zip(data["actions"]["quarters"], self.actions.quarters):
            item["on_time_share"] = _share(source.on_time_share)
        for item, mix in zip(data["reporting"], self.reporting):
            item["total"] = mix.total
            item["near_miss_share"] = _share(mix.near_miss_share)
        for item, row in zip(data["indicators"]["rows"], self.indicators.rows):
            item["change"] = row.change
            item["trend"] = row.trend
        return data


def _share(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


# -- helpers shared with the small charts of team and term pages ------------------


def classified_under(incident: Incident, path: str) -> bool:
    """The incident names `path` or a narrower term, as primary or secondary."""
    prefix = path + "/"
    return any(t == path or t.startswith(prefix) for t in incident.terms)


def is_failure(incident: Incident) -> bool:
    return incident.kind in FAILURE_KINDS


def heat_map(
    rows: Sequence[tuple[str, str]],
    columns: Sequence[str],
    column_labels: Sequence[str],
    incidents: Iterable[Incident],
    columns_of: Callable[[Incident], Iterable[str]],
) -> HeatMap:
    """Count failures per (row term, column); `columns_of` says which columns an incident falls in."""
    position = {c: i for i, c in enumerate(columns)}
    cells = {row_id: [0] * len(columns) for row_id, _ in rows}
    row_totals: Counter[str] = Counter()
    column_totals = [0] * len(columns)
    total = 0
    for incident in incidents:
        if not is_failure(incident):
            continue
        hits = [position[c] for c in dict.fromkeys(columns_of(incident)) if c in position]
        if not hits:
            continue
        # A lookup in a few cached names per row (the same answer as `classified_under`): heat maps
        # test every incident against every row, on the dashboard and each term and team page.
        under = incident.under_terms
        matched = [row_id for row_id, _ in rows if row_id in under]
        if not matched:
            continue
        total += 1
        for index in hits:
            column_totals[index] += 1
        for row_id in matched:
            row_totals[row_id] += 1
            for index in hits:
                cells[row_id][index] += 1
    return HeatMap(
        columns=list(columns),
        column_labels=list(column_labels),
        rows=[HeatRow(row_id, label, cells[row_id], row_totals[row_id]) for row_id, label in rows],
        column_totals=column_totals,
        total=total,
    )


def reporting_mix(incidents: Iterable[Incident], quarters: Sequence[str]) -> list[QuarterMix]:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for incident in incidents:
        tally[quarter_of(incident.occurred)][incident.kind] += 1
    return [QuarterMix(q, tally[q]["incident"], tally[q]["near-miss"], tally[q]["success"]) for q in quarters]


def top_level_rows(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [(t.path, t.title) for t in kb.taxonomy.top_level]


def opened_on(incident: Incident) -> date:
    """The day an action item was agreed: the review date, else the day of the incident."""
    if incident.review is not None and incident.review.date is not None:
        return incident.review.date
    return incident.occurred.date()


# -- one pass over the records -------------------------------------------------------


@dataclass
class _Item:
    """An action item with the facts the figures need."""

    incident: Incident
    item: ActionItem
    opened: date


@dataclass
class _Tally:
    kinds: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    severe: Counter[str] = field(default_factory=Counter)
    detect: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    restore: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    detection_known: Counter[str] = field(default_factory=Counter)
    customer: Counter[str] = field(default_factory=Counter)
    repeats: Counter[str] = field(default_factory=Counter)
    review_lag: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    opened: Counter[str] = field(default_factory=Counter)
    done: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    done_with_due: Counter[str] = field(default_factory=Counter)
    done_on_time: Counter[str] = field(default_factory=Counter)
    items: list[_Item] = field(default_factory=list)
    seen_quarters: set[str] = field(default_factory=set)


def compute(kb: KnowledgeBase, today: date) -> Metrics:
    """Every dashboard figure, from the published records, as of `today`."""
    incidents = sorted(kb.published_incidents, key=lambda i: (i.occurred, natural_key(i.id)))
    tally = _Tally()
    last_seen: dict[str, date] = {}  # primary term -> last day a failure named it
    for incident in incidents:
        _count_incident(tally, incident, last_seen)
        for item in incident.action_items:
            _count_action(tally, incident, item)

    quarters: list[str] = []
    left_out = 0
    if tally.seen_quarters:
        first = min(tally.seen_quarters)
        last = max(max(tally.seen_quarters), quarter_of(today))
        quarters, left_out = recent_quarters(first, last)  # at most MAX_QUARTERS, whatever the dates

    rows = top_level_rows(kb)
    team_ids = list(kb.teams)
    term_by_quarter = heat_map(rows, quarters, quarters, incidents, lambda i: [quarter_of(i.occurred)])
    term_by_team = heat_map(rows, team_ids, [kb.teams[t].title for t in team_ids], incidents, lambda i: i.teams)
    times = [QuarterTimes(q, distribution(tally.detect[q]), distribution(tally.restore[q])) for q in quarters]

    return Metrics(
        today=today,
        quarters=quarters,
        reviews=len(incidents),
        failures=sum(1 for i in incidents if is_failure(i)),
        term_by_quarter=term_by_quarter,
        term_by_team=term_by_team,
        times=times,
        detect_overall=distribution(v for values in tally.detect.values() for v in values),
        restore_overall=distribution(v for values in tally.restore.values() for v in values),
        reporting=reporting_mix(incidents, quarters),
        actions=_action_figures(tally, quarters, today),
        sops=_sop_figures(kb, today),
        indicators=_indicators(tally, today),
        quarters_left_out=left_out,
    )


def _count_incident(tally: _Tally, incident: Incident, last_seen: dict[str, date]) -> None:
    quarter = quarter_of(incident.occurred)
    tally.seen_quarters.add(quarter)
    tally.kinds[quarter][incident.kind] += 1
    day = incident.occurred.date()
    if is_failure(incident):
        # A repeat: the same primary cause named by a failure in the year before.
        seen = last_seen.get(incident.primary)
        if seen is not None and (day - seen).days <= REPEAT_WINDOW_DAYS:
            tally.repeats[quarter] += 1
        last_seen[incident.primary] = day
    if incident.kind == "incident":
        if incident.severity in SEVERE:
            tally.severe[quarter] += 1
        if incident.time_to_detect is not None:
            tally.detect[quarter].append(_minutes(incident.time_to_detect))
        if incident.time_to_restore is not None:
            tally.restore[quarter].append(_minutes(incident.time_to_restore))
        if incident.detection:
            tally.detection_known[quarter] += 1
            tally.customer[quarter] += incident.detection == "customer"
    if incident.review is not None and incident.review.date is not None:
        review_quarter = quarter_of(incident.review.date)
        tally.review_lag[review_quarter].append(max((incident.review.date - day).days, 0))


def _count_action(tally: _Tally, incident: Incident, item: ActionItem) -> None:
    opened = opened_on(incident)
    tally.items.append(_Item(incident, item, opened))
    opened_quarter = quarter_of(opened)
    tally.seen_quarters.add(opened_quarter)
    tally.opened[opened_quarter] += 1
    if item.closed is None or item.status not in ("done", "dropped"):
        return
    closed_quarter = quarter_of(item.closed)
    tally.seen_quarters.add(closed_quarter)
    if item.status == "dropped":
        tally.dropped[closed_quarter] += 1
        return
    tally.done[closed_quarter] += 1
    if item.due is not None:
        tally.done_with_due[closed_quarter] += 1
        tally.done_on_time[closed_quarter] += item.closed <= item.due


def _action_figures(tally: _Tally, quarters: Sequence[str], today: date) -> ActionFigures:
    statuses = Counter(entry.item.status for entry in tally.items)
    open_items = [entry.item for entry in tally.items if entry.item.is_open]
    closed = [entry for entry in tally.items if entry.item.status in ("done", "dropped")]
    done_dated = [
        entry.item for entry in closed if entry.item.status == "done" and entry.item.closed and entry.item.due
    ]
    return ActionFigures(
        total=len(tally.items),
        open=statuses["open"],
        in_progress=statuses["in-progress"],
        done=statuses["done"],
        dropped=statuses["dropped"],
        overdue_now=sum(1 for item in open_items if item.due is not None and item.due < today),
        due_soon=sum(
            1 for item in open_items if item.due is not None and 0 <= (item.due - today).days <= DUE_SOON_DAYS
        ),
        unowned_open=sum(1 for item in open_items if not item.owner),
        done_with_due=len(done_dated),
        done_on_time=sum(1 for item in done_dated if item.closed and item.due and item.closed <= item.due),
        close_days=distribution(max((e.item.closed - e.opened).days, 0) for e in closed if e.item.closed is not None),
        closed_without_date=sum(1 for e in closed if e.item.closed is None),
        quarters=[
            QuarterActions(
                q, tally.opened[q], tally.done[q], tally.dropped[q], tally.done_on_time[q], tally.done_with_due[q]
            )
            for q in quarters
        ],
    )


def _sop_figures(kb: KnowledgeBase, today: date) -> SopFigures:
    per_year: Counter[int] = Counter()
    reviews = []
    pending_versions = 0
    with_pending = 0
    for sop in kb.sops.values():
        for version in sop.versions:
            # Passed the approval gate: approved or superseded (the schema requires
            # approved_by and effective for both), or retired after approval.
            gated = version.status in ("approved", "superseded") or (
                version.status == "retired" and bool(version.approved_by)
            )
            if gated and version.effective is not None:
                per_year[version.effective.year] += 1
        pending = sop.pending
        pending_versions += len(pending)
        with_pending += bool(pending)
        reviews.append(_sop_review(sop, today))
    years = sorted(per_year)
    approved = (
        [YearCount(y, per_year[y]) for y in range(years[0], max(years[-1], today.year) + 1)[-MAX_YEARS:]]
        if years
        else []
    )
    years_left_out = max(0, approved[0].year - years[0]) if approved else 0
    return SopFigures(
        total=len(kb.sops),
        versions=sum(len(s.versions) for s in kb.sops.values()),
        approved_per_year=approved,
        reviews=reviews,
        pending_versions=pending_versions,
        sops_with_pending=with_pending,
        years_left_out=years_left_out,
    )


def _sop_review(sop, today: date) -> SopReview:
    due = next_review(sop)
    if sop.current is None:
        state, days = "none-approved", None
    elif due is None:
        state, days = "no-schedule", None
    elif due < today:
        state, days = "overdue", (today - due).days
    else:
        days = (due - today).days
        state = "due-soon" if days <= DUE_SOON_DAYS else "on-schedule"
    return SopReview(sop.id, sop.title, sop.owner, due, state, days)


# -- leading and lagging indicators ------------------------------------------------------


def _overdue_at(items: Iterable[_Item], day: date) -> int:
    """Action items open and past due at the end of `day`, as far as the records tell.

    An item counts when it was agreed by then, was due before then, and was not
    closed by then. Items marked done or dropped without a closed date cannot be
    placed in time and are left out.
    """
    count = 0
    for entry in items:
        item = entry.item
        if entry.opened > day or item.due is None or item.due >= day:
            continue
        if item.is_open or (item.closed is not None and item.closed > day):
            count += 1
    return count


def _indicators(tally: _Tally, today: date) -> Indicators:
    to_date = quarter_of(today)
    current = previous_quarter(to_date)
    previous = previous_quarter(current)
    columns = (previous, current, to_date)

    def count(counter: Counter[str]) -> tuple[list[Optional[float]], list[Optional[int]]]:
        return [counter[q] for q in columns], [None, None, None]

    def share(part: Counter[str], whole: Callable[[str], int]) -> tuple[list[Optional[float]], list[Optional[int]]]:
        values: list[Optional[float]] = []
        ns: list[Optional[int]] = []
        for q in columns:
            n = whole(q)
            values.append(_share(part[q] / n) if n else None)
            ns.append(n)
        return values, ns

    def median(source: dict[str, list[float]]) -> tuple[list[Optional[float]], list[Optional[int]]]:
        figures = [distribution(source.get(q, [])) for q in columns]
        return [d.median for d in figures], [d.n for d in figures]

    reports = lambda q: sum(tally.kinds[q].values())  # noqa: E731
    near = Counter({q: tally.kinds[q]["near-miss"] for q in columns})
    incidents = Counter({q: tally.kinds[q]["incident"] for q in columns})
    ends = [quarter_end(previous), quarter_end(current), min(quarter_end(to_date), today)]
    overdue = Counter({q: _overdue_at(tally.items, end) for q, end in zip(columns, ends)})

    specs: list[tuple[str, str, str, str, str, tuple[list[Optional[float]], list[Optional[int]]]]] = [
        ("near_misses", "Near misses reported", "leading", "higher", "count", count(near)),
        ("near_miss_share", "Near misses among all reports", "leading", "higher", "share", share(near, reports)),
        ("review_lag", "Days from occurrence to review (median)", "leading", "lower", "days", median(tally.review_lag)),
        ("actions_done", "Action items done", "leading", "higher", "count", count(tally.done)),
        (
            "actions_on_time",
            "Action items done by their due date",
            "leading",
            "higher",
            "share",
            share(tally.done_on_time, lambda q: tally.done_with_due[q]),
        ),
        ("actions_overdue", "Action items overdue at quarter end", "leading", "lower", "count", count(overdue)),
        ("incidents", "Incidents", "lagging", "lower", "count", count(incidents)),
        ("severe", "SEV1 and SEV2 incidents", "lagging", "lower", "count", count(tally.severe)),
        ("ttd", "Time to detect (median)", "lagging", "lower", "minutes", median(tally.detect)),
        ("ttr", "Time to restore (median)", "lagging", "lower", "minutes", median(tally.restore)),
        (
            "customer_detected",
            "Incidents first reported by customers",
            "lagging",
            "lower",
            "share",
            share(tally.customer, lambda q: tally.detection_known[q]),
        ),
        (
            "repeat_causes",
            "Repeat causes (same primary cause within a year)",
            "lagging",
            "lower",
            "count",
            count(tally.repeats),
        ),
    ]
    rows = []
    for key, label, kind, better, unit, (values, ns) in specs:
        rows.append(Indicator(key, label, kind, better, unit, values[0], values[1], values[2], ns[0], ns[1], ns[2]))
    return Indicators(previous, current, to_date, rows)

"""Review-quality lints: what a blameless, useful review looks like, checked.

Separate from validation: a lint never makes a record invalid. Each finding
is a `Diagnostic` with a rule code (`LL001`...), the file, line and column of
the field, and a severity from the configuration: `info` by default (a
`--strict` build still passes), `warning` when a team makes it blocking,
`off` to silence it. `lessons lint` reports them; incident pages show them
to readers as a "review quality" note. No MkDocs in here.

| code  | finding |
|-------|---------|
| LL001 | blame words in the cause, the whys, contributing factors or lessons |
| LL002 | action item without a measurable indicator (none, or no number or target in it) |
| LL003 | action item without an owner |
| LL004 | open action item without a due date |
| LL005 | action item with a vague verb ("look into", "be more careful") |
| LL006 | reviewed incident with a single chain of whys and no contributing factors |
| LL007 | review held long after resolution |
| LL008 | action item `done` without a `closed` date (recurrence then dates the fix by its due or review date) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from mkdocs_lessons.diagnostics import Diagnostic, Severity
from mkdocs_lessons.records.model import Incident, KnowledgeBase, natural_key

LEVELS = ("info", "warning", "off")
REVIEWED = ("reviewed", "closed")

CODES: dict[str, str] = {
    "LL001": "blame words",
    "LL002": "no measurable indicator",
    "LL003": "no owner",
    "LL004": "no due date",
    "LL005": "vague action",
    "LL006": "single causal chain",
    "LL007": "late review",
    "LL008": "done without a closed date",
}

DEFAULT_BLAME_WORDS: tuple[str, ...] = (
    "human error",
    "careless",
    "carelessness",
    "negligence",
    "negligent",
    "should have",
    "should've",
    "failed to",
    "sloppy",
    "lazy",
    "incompetent",
    "stupid",
    "fault of",
    "to blame",
    "user error",
    "operator error",
)

VAGUE_PHRASES: tuple[str, ...] = (
    "look into",
    "looking into",
    "be more careful",
    "be careful",
    "pay more attention",
    "pay attention",
    "try to",
    "consider",
    "think about",
    "investigate whether",
    "keep an eye on",
    "raise awareness",
    "remind everyone",
    "be aware",
    "double-check",
    "be vigilant",
)

# A measurable indicator names a number, a share or a target.
_MEASURABLE = re.compile(r"\d|%|\b(?:zero|none|every|all|target|per|rate|share|count|median|p\d\d)\b", re.I)


@dataclass(frozen=True)
class LintConfig:
    level: str = "info"  # info | warning | off: the default for every code
    codes: Mapping[str, str] = field(default_factory=dict)  # per-code override, e.g. {"LL001": "warning"}
    blame_words: tuple[str, ...] = DEFAULT_BLAME_WORDS
    review_within_days: int = 30  # LL007: a review later than this after resolution

    def level_of(self, code: str) -> str:
        return self.codes.get(code, self.level)

    def problems(self) -> list[str]:
        """Configuration mistakes, one sentence each (the adapter and the CLI refuse them)."""
        found = []
        if self.level not in LEVELS:
            found.append(f"lint_level must be one of {', '.join(LEVELS)}, got {self.level!r}")
        for code, level in sorted(self.codes.items()):
            if code not in CODES:
                found.append(f"lint: unknown code {code!r} (codes: {', '.join(CODES)})")
            elif level not in LEVELS:
                found.append(f"lint: {code} must be one of {', '.join(LEVELS)}, got {level!r}")
        if self.review_within_days < 0:
            found.append(f"review_within_days must be 0 or more, got {self.review_within_days}")
        return found

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> "LintConfig":
        """From the plugin's options in mkdocs.yml (`lint_level`, `lint`, `blame_words`, `review_within_days`)."""
        codes = options.get("lint") or {}
        words = options.get("blame_words")
        within = options.get("review_within_days", 30)
        return cls(
            level=str(options.get("lint_level") or "info"),
            codes={str(k): ("off" if v is False else str(v)) for k, v in dict(codes).items()}
            if isinstance(codes, Mapping)
            else {},
            blame_words=tuple(str(w) for w in words) if isinstance(words, (list, tuple)) else DEFAULT_BLAME_WORDS,
            review_within_days=int(within) if isinstance(within, int) else 30,
        )


def _phrase_pattern(phrases: Iterable[str]) -> Optional[re.Pattern[str]]:
    words = sorted({p.strip().lower() for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
    if not words:
        return None
    return re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")(?![\w-])", re.I
    )


@dataclass
class _Linter:
    config: LintConfig
    blame: Optional[re.Pattern[str]]
    vague: Optional[re.Pattern[str]]
    found: list[Diagnostic] = field(default_factory=list)

    def add(self, incident: Incident, where: tuple, code: str, message: str) -> None:
        level = self.config.level_of(code)
        if level == "off" or incident.source is None:
            return
        severity = Severity.WARNING if level == "warning" else Severity.INFO
        self.found.append(incident.source.diagnostic(where, message, rule=code, severity=severity))

    def blame_words(self, incident: Incident, where: tuple, value: str, what: str) -> None:
        if self.blame is None:
            return
        hits = list(dict.fromkeys(m.group(1).lower() for m in self.blame.finditer(value)))
        if hits:
            quoted = ", ".join(f"'{h}'" for h in hits)
            self.add(
                incident,
                where,
                "LL001",
                f"blame words in {what}: {quoted}; describe what made the action make sense at the time, not who erred",
            )


def lint_incident(incident: Incident, linter: _Linter) -> None:
    rc = incident.root_cause
    if rc is not None:
        if rc.cause:
            linter.blame_words(incident, ("root_cause", "cause"), rc.cause, "the cause")
        for i, why in enumerate(rc.whys):
            linter.blame_words(incident, ("root_cause", "whys", i), why, "the five whys")
        for i, factor in enumerate(rc.contributing_factors):
            linter.blame_words(incident, ("root_cause", "contributing_factors", i), factor, "a contributing factor")
    for i, lesson in enumerate(incident.lessons):
        linter.blame_words(incident, ("lessons", i), lesson, "a lesson")

    for i, item in enumerate(incident.action_items):
        if item.status == "dropped":
            continue  # nobody will measure, own or schedule a dropped item
        here = ("action_items", i)
        if not item.indicator.strip():
            linter.add(
                incident, here + ("id",), "LL002", f"action {item.id} has no indicator: how will we know it worked?"
            )
        elif not _MEASURABLE.search(item.indicator):
            linter.add(
                incident,
                here + ("indicator",),
                "LL002",
                f"action {item.id}'s indicator names no number or target; make it measurable",
            )
        if not item.owner.strip():
            linter.add(incident, here + ("id",), "LL003", f"action {item.id} has no owner")
        if item.due is None and item.is_open:
            linter.add(incident, here + ("id",), "LL004", f"action {item.id} has no due date")
        if item.status == "done" and item.closed is None:
            estimate = "its due date" if item.due else "the review date"
            linter.add(
                incident,
                here + ("status",),
                "LL008",
                (
                    f"action {item.id} is done but has no closed date: add `closed:` (until then recurrence counts "
                    f"from {estimate}, shown as estimated)"
                ),
            )
        if linter.vague is not None:
            match = linter.vague.search(item.action)
            if match:
                linter.add(
                    incident,
                    here + ("action",),
                    "LL005",
                    (
                        f"action {item.id} is vague ('{match.group(1).lower()}'): name a change someone can finish and "
                        "check"
                    ),
                )

    if incident.status in REVIEWED and rc is not None and rc.whys and not rc.contributing_factors:
        linter.add(
            incident,
            ("root_cause", "whys"),
            "LL006",
            (
                "a single chain of whys and no contributing factors: failures rarely have one cause; list the "
                "conditions that let it happen"
            ),
        )

    review = incident.review
    end = incident.resolved or incident.detected or incident.occurred
    if review is not None and review.date is not None:
        late = (review.date - end.date()).days
        if late > linter.config.review_within_days:
            what = "resolution" if incident.resolved else "the incident"
            linter.add(
                incident,
                ("review", "date"),
                "LL007",
                (
                    f"review held {late} days after {what} (more than {linter.config.review_within_days}): memories "
                    "fade, details get lost"
                ),
            )


def lint(
    kb: KnowledgeBase, config: LintConfig, cache: Optional[dict[tuple[str, str, str], list[Diagnostic]]] = None
) -> list[Diagnostic]:
    """Every lint of every published incident, ordered by file and place.

    With `cache` (kept by the plugin across `mkdocs serve` rebuilds), an
    incident whose file and settings are unchanged is not linted again:
    its lints read nothing but its own record.
    """
    if config.level == "off" and not any(v != "off" for v in config.codes.values()):
        return []
    linter = _Linter(config, _phrase_pattern(config.blame_words), _phrase_pattern(VAGUE_PHRASES))
    settings = repr(config)
    kept: dict[tuple[str, str, str], list[Diagnostic]] = {}
    for incident in kb.published_incidents:
        doc = incident.source
        key = (settings, doc.path, doc.digest) if cache is not None and doc is not None and doc.digest else None
        if key is not None and cache is not None and key in cache:
            kept[key] = cache[key]
            linter.found += kept[key]
            continue
        start = len(linter.found)
        lint_incident(incident, linter)
        if key is not None:
            kept[key] = linter.found[start:]
    if cache is not None:
        cache.clear()  # only this build's records: nothing piles up
        cache.update(kept)
    return sorted(set(linter.found))


def by_incident(kb: KnowledgeBase, found: Iterable[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """Lints keyed by incident id (through the record's display path)."""
    paths = {i.source.path: i.id for i in kb.published_incidents if i.source is not None}
    grouped: dict[str, list[Diagnostic]] = {}
    for d in found:
        incident_id = paths.get(d.path)
        if incident_id is not None:
            grouped.setdefault(incident_id, []).append(d)
    return dict(sorted(grouped.items(), key=lambda kv: natural_key(kv[0])))

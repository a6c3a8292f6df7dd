"""The `lessons` options of mkdocs.yml, parsed and checked once, for every adapter.

The MkDocs plugin, `lessons generate`, `lessons lint` and `lessons stats`
all read the same options. Each is parsed here and nowhere else, so a
value means the same everywhere and a wrong one is the same error
everywhere (`SettingsError`, every problem at once): `feed_size: -1`
stops `mkdocs build` and `lessons generate` alike.

`config.py` declares the same options for MkDocs' config validation (types
and defaults); tests/test_settings.py checks that the two list the same
names with the same defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Mapping, Optional

from mkdocs_lessons.checks.lints import DEFAULT_BLAME_WORDS, LintConfig
from mkdocs_lessons.checks.rules import DEFAULT_DATE_RANGE, parse_date_range


class SettingsError(ValueError):
    """Options that cannot be used; `problems` has one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    root: str = "content"
    prefix: str = ""
    include_drafts: bool = False
    today: Optional[date] = None  # None: SOURCE_DATE_EPOCH, else the build date (clock.py)
    allow_html: bool = False
    home: bool = True
    navigation: bool = True
    search: str = "pagefind"
    search_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word -> words a reader may type for it
    edit_links: bool = True
    parallel: bool = True  # half the pages rendered in a forked second process (pages/parallel.py)
    last_updated: bool = True
    feed_size: int = 50
    generated_paths: bool = False
    lint_level: str = "info"
    show_review_notes: bool = False  # lints on incident pages (readers see none by default)
    lint: dict[str, str] = field(default_factory=dict)
    blame_words: Optional[tuple[str, ...]] = None  # None: the built-in list
    review_within_days: int = 30
    renewal_every_months: int = 12
    custom_templates: Optional[str] = None
    serve_watch: str = "auto"  # how `serve` watches the records folder (adapter/serve_watch.py)
    date_range: tuple[int, int] = DEFAULT_DATE_RANGE  # the years every date must fall in

    @property
    def lint_config(self) -> LintConfig:
        return LintConfig(
            level=self.lint_level,
            codes=dict(self.lint),
            blame_words=self.blame_words if self.blame_words is not None else DEFAULT_BLAME_WORDS,
            review_within_days=self.review_within_days,
        )

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> "Settings":
        """Settings from the plugin's options (absent ones take their defaults); SettingsError lists every problem."""
        problems: list[str] = []
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in options if k not in known)
        if unknown:
            problems.append(
                f"unknown option{'s' * (len(unknown) != 1)} {', '.join(unknown)} (options: {', '.join(sorted(known))})"
            )
        defaults = cls()
        values: dict[str, Any] = {}

        def take(name: str, kind: type | tuple[type, ...], describe: str) -> Any:
            value = options.get(name, getattr(defaults, name))
            if value is None and getattr(defaults, name) is None:
                return None
            # YAML's booleans are ints to Python: an int option must not take `true`.
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                problems.append(f"option '{name}' must be {describe}, got {value!r}")
                return getattr(defaults, name)
            return value

        for name in ("root", "prefix"):
            values[name] = take(name, str, "text")
        for name in (
            "include_drafts",
            "allow_html",
            "home",
            "navigation",
            "edit_links",
            "parallel",
            "last_updated",
            "generated_paths",
            "show_review_notes",
        ):
            values[name] = take(name, bool, "true or false")
        today = options.get("today")
        if isinstance(today, str) and today:
            try:
                today = date.fromisoformat(today)
            except ValueError:
                problems.append(f"option 'today' must be a date like 2024-03-14, got {today!r}")
                today = None
        elif today is not None and not isinstance(today, date):
            problems.append(f"option 'today' must be a date like 2024-03-14, got {today!r}")
            today = None
        values["today"] = today or None
        values["search"] = take("search", str, "material or pagefind")
        if values["search"] not in ("material", "pagefind"):
            problems.append(f"option 'search' must be material or pagefind, got {values['search']!r}")
        values["search_synonyms"] = _synonyms(
            take("search_synonyms", dict, "a mapping of a word to a list of words"), problems
        )
        values["feed_size"] = take("feed_size", int, "a whole number")
        if values["feed_size"] < 0:
            problems.append(f"option 'feed_size' must be 0 (no feed) or more, got {values['feed_size']}")
        values["renewal_every_months"] = take("renewal_every_months", int, "a whole number")
        if values["renewal_every_months"] < 1:
            problems.append(f"option 'renewal_every_months' must be 1 or more, got {values['renewal_every_months']}")
        values["review_within_days"] = take("review_within_days", int, "a whole number")
        values["lint_level"] = take("lint_level", str, "info, warning or off")
        codes = take("lint", dict, "a mapping of lint codes to levels")
        values["lint"] = {str(k): ("off" if v is False else str(v)) for k, v in codes.items()}
        words = take("blame_words", (list, tuple), "a list of words and phrases")
        values["blame_words"] = tuple(str(w) for w in words) if words is not None else None
        values["custom_templates"] = take("custom_templates", str, "a folder name") or None
        values["serve_watch"] = take("serve_watch", str, "auto, native or polling")
        if values["serve_watch"] not in ("auto", "native", "polling"):
            problems.append(f"option 'serve_watch' must be auto, native or polling, got {values['serve_watch']!r}")
        try:
            values["date_range"] = parse_date_range(options.get("date_range"))
        except ValueError as problem:
            problems.append(str(problem))
        settings = cls(**values)
        problems += settings.lint_config.problems()
        if problems:
            raise SettingsError(problems)
        return settings


def _synonyms(value: Mapping[Any, Any], problems: list[str]) -> dict[str, tuple[str, ...]]:
    """`search_synonyms: {outage: [downtime, incident]}`: lower-case words and phrases, each group as written."""
    groups: dict[str, tuple[str, ...]] = {}
    for word, others in value.items():
        if isinstance(others, str):
            others = [others]
        if (
            not isinstance(word, str)
            or not word.strip()
            or not isinstance(others, list)
            or not all(isinstance(o, str) and o.strip() for o in others)
        ):
            problems.append(f"option 'search_synonyms' must map a word to a list of words, got {word!r}: {others!r}")
            continue
        groups[" ".join(word.lower().split())] = tuple(" ".join(o.lower().split()) for o in others)
    return groups

"""Problems found in a knowledge base, with the place they were found.

Every check in the core reports into a `Diagnostics` collector instead of
raising, so one run reports every problem of every file (the contract asks
for all of them, not only the first).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Iterator


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # review-quality lints at the default level (checks/lints.py): reported, never failing a build


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: `path:line:col: [field.path] message`."""

    path: str
    line: int
    column: int
    field: str
    message: str
    rule: str = "invalid"
    severity: Severity = Severity.ERROR

    def __post_init__(self) -> None:
        # Values and ids in messages come from records: a newline or a zero-width
        # space in them must show, not break the line or hide (`\n`, `U+200B`).
        if not self.message.isprintable():
            object.__setattr__(self, "message", visible(self.message))
        if not self.field.isprintable():
            object.__setattr__(self, "field", visible(self.field))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        label = f"[{self.field}] " if self.field else ""
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{where}: {prefix}{label}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }


@dataclass
class Diagnostics:
    """An ordered collection of problems; sorted by place when read."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted(d for d in set(self.items) if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted(d for d in set(self.items) if d.severity is Severity.WARNING)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(set(self.items)))

    def __len__(self) -> int:
        return len(set(self.items))

    def __bool__(self) -> bool:
        return bool(self.items)


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """A " (did you mean 'x'?)" suffix, or "" when nothing is close enough."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=cutoff)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def did_you_mean_id(word: str, candidates: Iterable[str], limit: int = 2) -> str:
    """A hint for a mistyped id: only ids one or two keystrokes away.

    `difflib` finds INC-2023-025 "close" to INC-2024-052 (same characters);
    for identifiers a typo is a small edit, so use edit distance instead.
    """
    best = None
    for candidate in sorted(set(candidates)):
        distance = edit_distance(word.upper(), candidate.upper(), limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return f" (did you mean '{best[1]}'?)" if best else ""


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str) -> str:
    """`text` with every control and invisible character spelled out: `\\n`, `U+200B`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _NAMED_ESCAPES.get(c, f"U+{ord(c):04X}") for c in text)


def show(value: Any) -> str:
    """A value from a record, quoted for a message and cut at 60 characters."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."

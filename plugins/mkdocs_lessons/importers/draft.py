"""What one import produces before it is rendered: the values, and a note on where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional


@dataclass
class Note:
    """Where one value of the record came from."""

    field: str
    source: str  # what a reviewer reads: `"Root Causes" (line 12)`
    value: str = ""  # for guesses: what was guessed


@dataclass
class Draft:
    """A record before it is rendered: the values and the notes on each."""

    path: Path
    text: str
    values: dict[str, Any] = field(default_factory=dict)
    mapped: list[Note] = field(default_factory=list)
    guessed: list[Note] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    template: str = ""
    year: int = 0

    def map(self, name: str, source: str) -> None:
        self.mapped.append(Note(name, source))

    def guess(self, name: str, value: str, source: str) -> None:
        self.guessed.append(Note(name, source, value))


class ImportProblem(Exception):
    """A source that cannot become a record; `line` is 1-based (1 when it is about the file as a whole)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Options:
    """What the command line gives for every file: fallbacks for what a source lacks."""

    teams: list[str] = field(default_factory=list)
    term: Optional[str] = None
    severity: Optional[str] = None
    timezone: Optional[str] = None
    known_teams: dict[str, str] = field(default_factory=dict)  # id -> title
    known_terms: dict[str, str] = field(default_factory=dict)  # path -> title

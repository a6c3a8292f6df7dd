"""`lessons new`: start a record that is correctly named, numbered and valid at once.

People who add a record once a quarter should not need the manual: the new
file has the next free id, a first line that points editors at the JSON
Schema (completion, hover help and checks while typing), and a comment for
every field, with the optional sections written out as commented examples.
It validates as a draft straight away; required text the contributor has
not given yet gets a marked placeholder (`checks/placeholders.py`) that may not
reach the published site.

Values given on the command line are checked against the knowledge base
(teams, taxonomy terms) before anything is written; in a terminal, what is
missing is asked for. No MkDocs here.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Callable, Optional, TextIO, TypeVar

import yaml

from mkdocs_lessons.checks import placeholders
from mkdocs_lessons.cli.schema_export import file_name
from mkdocs_lessons.diagnostics import did_you_mean
from mkdocs_lessons.project import project_root
from mkdocs_lessons.records import schema
from mkdocs_lessons.records.builders import build_taxonomy
from mkdocs_lessons.records.content_root import FILE, MISSING, OUTSIDE, PROBLEM, ContentRoot, Probe
from mkdocs_lessons.records.essentials import ESSENTIALS_ID
from mkdocs_lessons.records.load import FOLDERS, TAXONOMY_FILE, TEAMS_FILE
from mkdocs_lessons.records.model import INCIDENT_KINDS, SEVERITIES
from mkdocs_lessons.records.yamlsource import parse_text, read_document

RECORD_KINDS = ("incident", "sop", "path", "session", "indicator")
#: Records whose id is a slug (given or made from the title), not the next free number.
SLUG_RECORDS = ("path", "session", "indicator")
SESSION_KINDS = ("review", "learning-session", "drill", "renewal")
INDICATOR_KINDS = ("leading", "lagging")
PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_MINUTES_ONLY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2})([Zz]|[+-][0-9]{2}:[0-9]{2})$")
_DATE_ONLY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_TITLE = 200
MAX_SLUG = 60

T = TypeVar("T")


class ScaffoldError(Exception):
    """A problem with what was asked for; the command exits with status 2."""


# -- what the knowledge base offers -------------------------------------------------


@dataclass
class Catalog:
    """The teams and taxonomy terms new records may name."""

    root: Path
    teams: dict[str, str]  # id -> title, file order
    terms: dict[str, str]  # active term path -> title, file order
    retired: dict[str, str]  # retired path -> replacement


def read_catalog(root: Path) -> Catalog:
    """Teams and terms of the knowledge base at `root`; a clear error when they cannot be read."""
    if not root.is_dir():
        raise ScaffoldError(f"{root}: no such folder; pass the knowledge-base folder with --root")
    teams_file, taxonomy_file = root / TEAMS_FILE, root / TAXONOMY_FILE
    guard = ContentRoot(root)
    for needed in (teams_file, taxonomy_file):
        probe = guard.probe(needed)
        if probe.kind == MISSING:
            raise ScaffoldError(
                f"{root} is not a knowledge base: {needed.relative_to(root).as_posix()} is missing (pass the folder "
                "with --root)"
            )
        if probe.kind != FILE or not guard.inside(needed):  # never read a file outside the knowledge base
            problem = probe if probe.kind != FILE else Probe(PROBLEM, OUTSIDE, "symlink-outside")
            raise ScaffoldError(
                f"{problem.diagnostic(needed.as_posix())}\nfix it first (`lessons validate` lists every problem)"
            )
    teams_doc = read_document(teams_file, teams_file.as_posix())
    taxonomy_doc = read_document(taxonomy_file, taxonomy_file.as_posix())
    for doc, kind in ((teams_doc, "teams"), (taxonomy_doc, "taxonomy")):
        problems = list(doc.problems) or (schema.validate(doc, kind) if isinstance(doc.data, dict) else [])
        if problems or not isinstance(doc.data, dict):
            first = problems[0] if problems else f"{doc.path}: not a mapping"
            raise ScaffoldError(f"{first}\nfix {doc.path} first (`lessons validate` lists every problem)")
    teams: dict[str, str] = {}
    for item in teams_doc.data["teams"]:
        teams.setdefault(item["id"], _one_line(item["title"]))
    taxonomy = build_taxonomy(taxonomy_doc)
    terms = {path: _one_line(term.title) for path, term in taxonomy.terms.items()}
    retired = {path: r.replaced_by for path, r in taxonomy.retired.items()}
    return Catalog(root, teams, terms, retired)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


# -- ids and names ------------------------------------------------------------------


def _numbers(folder: Path, pattern: re.Pattern[str]) -> list[int]:
    if not folder.is_dir():
        return []
    found = []
    for file in folder.iterdir():
        match = pattern.match(file.name)
        if match:
            found.append(int(match.group(1)))
    return found


def next_incident_id(root: Path, year: int) -> str:
    """`INC-<year>-NNN`: one more than the highest number used in that year (file names, any state)."""
    numbers = _numbers(root / FOLDERS["incident"], re.compile(rf"^INC-{year:04d}-([0-9]+)\.ya?ml$"))
    return f"INC-{year:04d}-{max(numbers, default=0) + 1:03d}"


def next_sop_id(root: Path) -> str:
    numbers = _numbers(root / FOLDERS["sop"], re.compile(r"^SOP-([0-9]+)\.ya?ml$"))
    return f"SOP-{max(numbers, default=0) + 1:03d}"


def slugify(title: str) -> str:
    """`Your first week in Payments!` -> `your-first-week-in-payments` (at most 60 characters, on a word boundary)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_SLUG:
            break
        slug = candidate
    return slug or (words[0][:MAX_SLUG] if words else "")


# -- values as YAML -------------------------------------------------------------------


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar that every reader takes as exactly this text.

    Plain when both a YAML 1.2 reader (ours) and a YAML 1.1 reader (many
    editors and tools) read it back unchanged as text; otherwise a JSON
    string, which is a valid YAML double-quoted scalar.
    """
    if value and value == value.strip() and "\n" not in value and "\t" not in value:
        line = f"k: {value}\n"
        ours = parse_text(line, "<value>")
        try:
            theirs = yaml.safe_load(line)
        except yaml.YAMLError:
            theirs = None
        if not ours.problems and ours.data == {"k": value} and theirs == {"k": value}:
            return value
    return _double_quoted(value)


# Characters a YAML file may not hold raw, or that a YAML 1.1 reader takes for a line break inside quotes:
# DEL, the C1 controls (NEL among them), the Unicode line and paragraph separators, lone surrogates and the two
# non-characters. JSON leaves the C0 controls escaped already.
_UNSAFE_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _double_quoted(value: str) -> str:
    """A JSON string (a valid YAML double-quoted scalar) with every character YAML cannot hold raw escaped."""
    return _UNSAFE_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def yaml_text_block(value: str, indent: str = "  ") -> str:
    """A Markdown field: a literal block (`|`) for several lines, else one scalar."""
    lines = value.strip("\n").split("\n")
    if len(lines) == 1:
        return " " + yaml_scalar(value.strip())
    if any(ch in value for ch in "\t\r") or lines[0][:1] == " " or any(not line.isprintable() for line in lines):
        return " " + _double_quoted(value.strip("\n"))
    return " |\n" + "\n".join(f"{indent}{line}" if line.strip() else "" for line in lines)


def _flow_list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(v) for v in values) + "]"


# -- checking what was asked for ------------------------------------------------------


def parse_title(text: str) -> str:
    title = _one_line(text)
    if not title:
        raise ValueError("the title must not be empty")
    if len(title) > MAX_TITLE:
        raise ValueError(f"the title is {len(title)} characters long; at most {MAX_TITLE} fit on one line of the index")
    return title


def parse_teams(text: str | list[str], catalog: Catalog) -> list[str]:
    raw = text if isinstance(text, list) else [text]
    teams: list[str] = []
    for chunk in raw:
        for team in re.split(r"[,\s]+", chunk.strip()):
            if not team:
                continue
            if team not in catalog.teams:
                known = ", ".join(catalog.teams) or "none"
                raise ValueError(
                    f"unknown team '{team}'{did_you_mean(team, catalog.teams)}; teams in {TEAMS_FILE}: {known}"
                )
            if team not in teams:
                teams.append(team)
    if not teams:
        raise ValueError("name at least one team")
    return teams


def parse_kind(text: str) -> str:
    value = text.strip().lower().replace(" ", "-").replace("_", "-")
    if value == "nearmiss":
        value = "near-miss"
    if value not in INCIDENT_KINDS:
        raise ValueError(f"'{text}' is not one of: {', '.join(INCIDENT_KINDS)}{did_you_mean(value, INCIDENT_KINDS)}")
    return value


def parse_severity(text: str) -> str:
    value = text.strip().upper()
    if value in ("1", "2", "3", "4"):
        value = f"SEV{value}"
    if value not in SEVERITIES:
        raise ValueError(f"'{text}' is not one of: {', '.join(SEVERITIES)} (SEV1 is the worst)")
    return value


def parse_occurred(text: str) -> str:
    """A timestamp with a time zone; a minute-precision one gets `:00`, a bare date means midnight UTC."""
    value = text.strip()
    minutes = _MINUTES_ONLY.match(value)
    if minutes:
        value = f"{minutes.group(1).replace(' ', 'T')}:00{minutes.group(2)}"
    elif _DATE_ONLY.match(value):
        value = f"{value}T00:00:00Z"
    if not TIMESTAMP.match(value):
        raise ValueError(
            f"'{text}' is not a timestamp with a time zone like 2026-03-14T09:12:00Z (or a date like 2026-03-14)"
        )
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not a real moment (check the month and the day)") from None
    return value


def parse_term(text: str, catalog: Catalog) -> str:
    value = text.strip().strip("/")
    if value.isdigit():
        paths = list(catalog.terms)
        number = int(value)
        if 1 <= number <= len(paths):
            return paths[number - 1]
        raise ValueError(f"pick a number from 1 to {len(paths)}")
    if value.startswith("taxonomy/"):
        value = value[len("taxonomy/") :]
    if value in catalog.terms:
        return value
    # A narrower term named by its own id alone, when that is unambiguous: `skipped-review`.
    leaves = [path for path in catalog.terms if path.rsplit("/", 1)[-1] == value]
    if len(leaves) == 1:
        return leaves[0]
    if value in catalog.retired:
        raise ValueError(f"taxonomy term '{value}' is retired; use '{catalog.retired[value]}' instead")
    raise ValueError(
        f"unknown taxonomy term '{value}'{did_you_mean(value, catalog.terms)}; terms are listed in {TAXONOMY_FILE}"
    )


def parse_slug(text: str) -> str:
    value = text.strip()
    if not SLUG.match(value):
        raise ValueError(f"'{text}' is not a lowercase slug like new-engineer (letters, digits, single hyphens)")
    if value == ESSENTIALS_ID:
        raise ValueError(f"'{ESSENTIALS_ID}' is reserved for the generated reading path; choose another id")
    return value


def parse_date(text: str) -> str:
    value = text.strip()
    if not _DATE_ONLY.match(value):
        raise ValueError(f"'{text}' is not a date like 2026-03-14")
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"'{text}' is not a real day (check the month and the day)") from None
    return value


def _choice(text: str, choices: tuple[str, ...]) -> str:
    value = text.strip().lower().replace(" ", "-").replace("_", "-")
    if value not in choices:
        raise ValueError(f"'{text}' is not one of: {', '.join(choices)}{did_you_mean(value, choices)}")
    return value


def parse_session_kind(text: str) -> str:
    return _choice(text, SESSION_KINDS)


def parse_indicator_kind(text: str) -> str:
    return _choice(text, INDICATOR_KINDS)


def parse_better(text: str) -> str:
    return _choice(text, ("higher", "lower"))


def parse_period(text: str) -> str:
    value = text.strip().upper().replace("-Q", "-Q")
    if not PERIOD.match(value):
        raise ValueError(f"'{text}' is not a period: a month like 2026-03 or a quarter like 2026-Q1")
    return value


def parse_value(text: str) -> float:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        raise ValueError(f"'{text}' is not a number like 61.2") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def parse_markdown(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_months(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a whole number of months") from None
    if not 1 <= value <= 120:
        raise ValueError("review every 1 to 120 months")
    return value


# -- asking in a terminal --------------------------------------------------------------


@dataclass
class Asker:
    """Asks for what is missing, one question at a time; None means "do not ask"."""

    read: Optional[Callable[[str], str]] = None  # default: input(), looked up when asking
    out: Optional[TextIO] = None  # default: sys.stderr, looked up when saying

    def say(self, text: str) -> None:
        print(text, file=self.out or sys.stderr)

    def ask(
        self, question: str, parse: Callable[[str], T], *, default: Optional[str] = None, optional: bool = False
    ) -> Optional[T]:
        suffix = f" [{default}]" if default else (" (Enter to skip)" if optional else "")
        while True:
            try:
                answer = (self.read or input)(f"{question}{suffix}: ")
            except EOFError:
                raise ScaffoldError("cancelled: no answer") from None
            answer = answer.strip()
            if not answer:
                if default is not None:
                    answer = default
                elif optional:
                    return None
                else:
                    self.say("  an answer is needed here")
                    continue
            try:
                return parse(answer)
            except ValueError as problem:
                self.say(f"  {problem}")


def terminal_asker() -> Optional[Asker]:
    """An Asker when a person is at the keyboard (stdin is a terminal), else None."""
    try:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return Asker() if interactive else None


# -- the request ------------------------------------------------------------------------


@dataclass
class NewRecord:
    """What `lessons new` was asked for; None where nothing was given."""

    record: str  # incident | sop | path
    root: Path
    title: Optional[str] = None
    teams: list[str] = field(default_factory=list)
    kind: Optional[str] = None
    severity: Optional[str] = None
    occurred: Optional[str] = None
    term: Optional[str] = None
    summary: Optional[str] = None
    purpose: Optional[str] = None
    step: Optional[str] = None
    review_every_months: Optional[int] = None
    date: Optional[str] = None  # a session's date
    period: Optional[str] = None  # an indicator's first period
    value: Optional[float] = None  # an indicator's first value
    unit: Optional[str] = None
    better: Optional[str] = None
    id: Optional[str] = None
    schema_url: Optional[str] = None
    occurred_note: str = ""  # why `occurred` needs a second look, for the comment beside it


@dataclass
class Created:
    path: Path
    record_id: str
    content: str
    schema_url: str
    schema_source: str  # given | committed | packaged
    notes: list[str] = field(default_factory=list)
    # The same record under the next free number, for write() when another run
    # took this one first; None when the id was chosen (a reading path).
    renumber: Optional[Callable[[], "Created"]] = field(default=None, repr=False, compare=False)


def _checked(parse: Callable[[str], T], value: str, option: str) -> T:
    try:
        return parse(value)
    except ValueError as problem:
        raise ScaffoldError(f"{option}: {problem}") from None


def _now_utc() -> str:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _term_menu(catalog: Catalog) -> str:
    width = max((len(p) for p in catalog.terms), default=0)
    return "\n".join(
        f"  {n:>3}  {path.ljust(width)}  {title}" for n, (path, title) in enumerate(catalog.terms.items(), 1)
    )


def complete(request: NewRecord, catalog: Catalog, asker: Optional[Asker]) -> NewRecord:
    """Check every given value and ask for the missing ones (or name them all when nobody can be asked)."""
    r = request
    missing: list[str] = []
    if r.title is not None:
        r.title = _checked(parse_title, r.title, "--title")
    elif asker:
        r.title = asker.ask("Title (one line)", parse_title)
    else:
        missing.append("--title")

    team_label = "--team" if r.record != "sop" else "--team (the owning team)"
    if r.teams:
        given = list(r.teams)
        r.teams = _checked(lambda _: parse_teams(given, catalog), "", "--team")
        if r.record == "sop" and len(r.teams) != 1:
            raise ScaffoldError("--team: an SOP has exactly one owning team")
        if r.record == "path" and len(r.teams) != 1:
            raise ScaffoldError("--team: a reading path starts with one team (add more teams as steps)")
    elif r.record == "indicator":
        pass  # optional: whose indicator it is
    elif asker and r.record != "path":
        asker.say(f"Teams: {', '.join(f'{t} ({title})' for t, title in catalog.teams.items())}")
        question = {"sop": "Owning team", "session": "Teams taking part, the host first (comma-separated)"}.get(
            r.record, "Teams involved (comma-separated)"
        )
        parse = (lambda v: _one_team(v, catalog)) if r.record == "sop" else (lambda v: parse_teams(v, catalog))
        r.teams = asker.ask(question, parse) or []
    elif asker:
        asker.say(f"Teams: {', '.join(catalog.teams)}")
        r.teams = (
            asker.ask("Team whose newcomers the path is for", lambda v: _one_team(v, catalog), optional=True) or []
        )
    elif r.record != "path":
        missing.append(team_label)

    if r.record == "incident":
        _complete_incident(r, catalog, asker, missing)
    elif r.record == "sop":
        _complete_sop(r, asker)
    elif r.record == "session":
        _complete_session(r, asker, missing)
    elif r.record == "indicator":
        _complete_indicator(r, asker, missing)
    else:
        _complete_path(r, asker)

    if missing:
        raise ScaffoldError(
            f"lessons new {r.record} needs {_join(missing)} when it cannot ask (not run in a terminal, or --no-input); "
            f"see `lessons new {r.record} --help`"
        )
    return r


def _one_team(value: str, catalog: Catalog) -> list[str]:
    teams = parse_teams(value, catalog)
    if len(teams) != 1:
        raise ValueError("name one team")
    return teams


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _complete_incident(r: NewRecord, catalog: Catalog, asker: Optional[Asker], missing: list[str]) -> None:
    if r.kind is not None:
        r.kind = _checked(parse_kind, r.kind, "--kind")
    elif asker:
        r.kind = asker.ask("Kind: incident, near-miss or success", parse_kind, default="incident")
    else:
        r.kind = "incident"

    if r.severity is not None:
        r.severity = _checked(parse_severity, r.severity, "--severity")
    elif asker:
        required = r.kind == "incident"
        r.severity = asker.ask(
            "Severity: SEV1 (worst, critical or widespread) .. SEV4 (little or no user impact)"
            + ("" if required else ", optional for this kind"),
            parse_severity,
            optional=not required,
        )
    elif r.kind == "incident":
        missing.append("--severity (kind incident)")

    if r.occurred is not None:
        if _DATE_ONLY.match(r.occurred.strip()):
            r.occurred_note = "midnight UTC, as only the date was given: set the time"
        r.occurred = _checked(parse_occurred, r.occurred, "--occurred")
    elif asker:
        r.occurred = asker.ask(
            "When did it start? A timestamp with a time zone, e.g. 2026-03-14T09:12:00Z",
            parse_occurred,
            default=_now_utc(),
        )

    if r.term is not None:
        r.term = _checked(lambda v: parse_term(v, catalog), r.term, "--term")
    elif asker:
        asker.say(
            "Failure taxonomy (the main cause class; you can change it after the review):\n" + _term_menu(catalog)
        )
        r.term = asker.ask("Primary cause class (number or term path)", lambda v: parse_term(v, catalog))
    else:
        missing.append("--term (the primary cause class)")

    if r.summary is not None:
        r.summary = _checked(parse_markdown, r.summary, "--summary")
    elif asker:
        r.summary = asker.ask("Summary: what happened and why it matters, one paragraph", parse_markdown, optional=True)


def _complete_sop(r: NewRecord, asker: Optional[Asker]) -> None:
    if r.purpose is not None:
        r.purpose = _checked(parse_markdown, r.purpose, "--purpose")
    elif asker:
        r.purpose = asker.ask("Purpose: why this procedure exists", parse_markdown, optional=True)
    if r.step is not None:
        r.step = _checked(parse_markdown, r.step, "--step")
    elif asker:
        r.step = asker.ask("First step, as an instruction", parse_markdown, optional=True)
    if r.review_every_months is not None and not 1 <= r.review_every_months <= 120:
        raise ScaffoldError("--review-every-months: review every 1 to 120 months")


def _complete_session(r: NewRecord, asker: Optional[Asker], missing: list[str]) -> None:
    if r.kind is not None:
        r.kind = _checked(parse_session_kind, r.kind, "--kind")
    elif asker:
        r.kind = asker.ask(f"Kind ({' | '.join(SESSION_KINDS)})", parse_session_kind, default="learning-session")
    else:
        r.kind = "learning-session"
    if r.date is not None:
        r.date = _checked(parse_date, r.date, "--date")
    elif asker:
        r.date = asker.ask("Date (2026-03-19)", parse_date, default=datetime.now(timezone.utc).date().isoformat())
    else:
        missing.append("--date")
    _slug_id(r, asker, prefix=f"{r.date}-" if r.date else "")


def _complete_indicator(r: NewRecord, asker: Optional[Asker], missing: list[str]) -> None:
    if r.kind is not None:
        r.kind = _checked(parse_indicator_kind, r.kind, "--kind")
    elif asker:
        r.kind = asker.ask("Kind (leading: moves before outcomes | lagging: the outcome)", parse_indicator_kind)
    else:
        missing.append("--kind")
    if r.better is not None:
        r.better = _checked(parse_better, r.better, "--better")
    elif asker:
        r.better = asker.ask("Better when (higher | lower)", parse_better, optional=True)
    if r.period is not None:
        r.period = _checked(parse_period, r.period, "--period")
    elif asker:
        r.period = asker.ask("First period (a month like 2026-03 or a quarter like 2026-Q1)", parse_period)
    else:
        missing.append("--period")
    if r.value is not None:
        r.value = _checked(parse_value, str(r.value), "--value")
    elif asker:
        r.value = asker.ask(f"Value for {r.period}", parse_value)
    else:
        missing.append("--value")
    _slug_id(r, asker)


def _slug_id(r: NewRecord, asker: Optional[Asker], prefix: str = "") -> None:
    """A session's or indicator's id: `--id`, else a slug of the title (a session's starts with its date)."""
    if r.id is not None:
        r.id = _checked(parse_slug, r.id, "--id")
        return
    if r.title is None:
        return  # missing: already named
    slug = slugify(r.title)[:MAX_SLUG].strip("-")
    if slug:
        r.id = parse_slug(prefix + slug) if SLUG.match(prefix + slug) else None
    if r.id is None:
        if asker:
            r.id = asker.ask("Id (a lowercase slug)", parse_slug)
        else:
            raise ScaffoldError(f"--id: cannot make an id from the title {r.title!r}; pass one with --id")


def _complete_path(r: NewRecord, asker: Optional[Asker]) -> None:
    if r.id is not None:
        r.id = _checked(parse_slug, r.id, "--id")
    elif r.title is not None:
        slug = slugify(r.title)
        if not slug or slug == ESSENTIALS_ID:
            if asker:
                r.id = asker.ask("Id (a lowercase slug like new-engineer)", parse_slug)
            else:
                raise ScaffoldError(
                    f"--id: cannot make an id from the title {r.title!r}; pass one like --id new-engineer"
                )
        else:
            r.id = slug


# -- where the schema is ----------------------------------------------------------------


def find_schema_folder(kb_root: Path) -> Optional[Path]:
    """A `schemas/` folder written by `lessons schema --out`, in the knowledge base or above it (up to the
    repository).
    """
    top = project_root(kb_root)
    for folder in (kb_root.resolve(), *kb_root.resolve().parents):
        candidate = folder / "schemas"
        if (candidate / file_name("incident")).is_file():
            return candidate
        if folder == top:
            break
    return None


def packaged_schema(kind: str) -> Path:
    return Path(str(resources.files("mkdocs_lessons").joinpath("schemas").joinpath(file_name(kind)))).resolve()


def schema_reference(kind: str, target: Path, kb_root: Path, given: Optional[str]) -> tuple[str, str]:
    """(what to write after `$schema=`, where it came from: given | committed | packaged)."""
    name = file_name(kind)
    if given:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", given):  # a URL: https:, file:, ...
            return (given if given.endswith(".json") else given.rstrip("/") + "/" + name), "given"
        folder = Path(given)
        location = folder if given.endswith(".json") else folder / name
        return Path(os.path.relpath(location.resolve(), target.parent.resolve())).as_posix(), "given"
    committed = find_schema_folder(kb_root)
    if committed is not None:
        return Path(os.path.relpath(committed / name, target.parent.resolve())).as_posix(), "committed"
    packaged = packaged_schema(kind)
    top = project_root(kb_root)
    if top in packaged.parents:
        # The plugin's own repository (or an editable install inside the project):
        # the packaged copy is committed too, so a relative path works in every clone.
        return Path(os.path.relpath(packaged, target.parent.resolve())).as_posix(), "committed"
    return packaged.as_uri(), "packaged"


# -- the templates --------------------------------------------------------------------------

COMMENT_COLUMN = 32

BLAMELESS = """\
# Write it blamelessly: describe what happened and what made it possible
# (tools, information, pressure, design), not who is at fault. Name roles,
# not people, in the story; people appear only as owners and participants."""


def _kv(line: str, comment: str) -> str:
    """`line` with `comment` in the comment column, so a file reads as two columns."""
    return f"{line.ljust(COMMENT_COLUMN - 1)} # {comment}" if len(line) < COMMENT_COLUMN - 1 else f"{line}  # {comment}"


def _comment_list(items: list[tuple[str, str]], indent: str) -> list[str]:
    width = max((len(key) for key, _ in items), default=0)
    return [f"{indent}#   {key.ljust(width)}  {label}".rstrip() for key, label in items]


def _header(schema_url: str, record_id: str, about: list[str]) -> list[str]:
    return [
        f"# yaml-language-server: $schema={schema_url}",
        "#",
        f"# {record_id}: {about[0]}",
        *(f"# {line}" for line in about[1:]),
    ]


def render_incident(r: NewRecord, record_id: str, schema_url: str, catalog: Catalog) -> str:
    assert r.title and r.kind and r.occurred and r.term
    at = r.occurred
    summary = r.summary or placeholders.INCIDENT_SUMMARY
    if r.severity:
        severity = _kv(f"severity: {r.severity}", "SEV1 (worst) .. SEV4 (little or no user impact)")
    else:
        severity = _kv("# severity: SEV4", f"SEV1 (worst) .. SEV4; optional for kind {r.kind}")
    occurred_note = "when it started, with a time zone" + (f"; {r.occurred_note}" if r.occurred_note else "")
    lines = _header(
        schema_url,
        record_id,
        [
            "an incident, near-miss or success review.",
            "Fill it in from the top; a comment explains every field, and the optional",
            "sections are examples to uncomment. Free text is Markdown.",
            "While `status: draft` the record is checked but not published.",
            "Run `lessons validate` before you push: it lists every problem at once.",
        ],
    )
    lines += [
        BLAMELESS,
        "",
        _kv(f"id: {record_id}", "equals the file name; do not change it"),
        f"title: {yaml_scalar(r.title)}",
        _kv(f"kind: {r.kind}", "incident | near-miss (caught in time) | success (went notably well)"),
        _kv("status: draft", "draft -> in-review -> reviewed (after the review meeting) -> closed"),
        severity,
        _kv("# failure_type: process", "process: the way of working failed (the fix stabilises it)"),
        _kv("#", "outcome: it ran as designed, the result was wrong (the fix pivots)"),
        _kv(f"occurred: {at}", occurred_note),
        _kv(f"# detected: {at}", "when it was noticed; time to detect = detected - occurred"),
        _kv(f"# resolved: {at}", "when service was restored; time to restore = resolved - detected"),
        _kv(f"teams: {_flow_list(r.teams)}", f"team ids from {TEAMS_FILE}:"),
        *_comment_list(list(catalog.teams.items()), ""),
        _kv("# systems: [orders-db, checkout-api]", "what failed or was at risk, as slugs; recurrence uses them"),
        _kv("# detection: alert", "how it was first noticed: alert | customer | employee | audit | other"),
        _kv("# caused_by_change: true", "did a change (deploy, config push, content edit) trigger it?"),
        "",
        "# One paragraph for the index and search results.",
        f"summary:{yaml_text_block(summary)}",
        "",
        "# context: |",
        "#   What the system and the team looked like before it happened.",
        "# impact: |",
        "#   Who and what was hurt, with numbers where known (12% of checkouts failed for 85 minutes).",
        "",
        _kv("# timeline:", "in time order; the build fails when entries are out of order"),
        f"#   - at: {at}",
        "#     event: What happened, as an observable fact.",
        "",
        _kv("# decisions:", "key decisions during the event, and why they made sense then"),
        f"#   - at: {at}",
        "#     decision: Roll back instead of patching forward.",
        "#     rationale: Rollback was rehearsed; the patch was not.",
        "",
        _kv("# assumptions:", "what people believed at the time, and whether it held"),
        "#   - assumption: The config linter also checks currency codes.",
        _kv("#     held: false", "true | false; leave it out while unknown"),
        "",
        "classification:",
        _kv(f"  primary: {r.term}", f"the main cause class, a term path from {TAXONOMY_FILE}:"),
        *_comment_list(list(catalog.terms.items()), "  "),
        _kv("  # secondary: [design-flaw/missing-guardrail]", "further cause classes, each once"),
        "",
        "# From `status: reviewed` on, root_cause.cause, lessons and review.date are required.",
        "# root_cause:",
        _kv("#   whys:", "the five whys, in order: why did the system allow it, not who did it"),
        "#     - Why did checkout fail? A currency table was emptied.",
        "#     - Why was it emptied? The push replaced the whole file.",
        "#   cause: The condition without which this would not have happened.",
        "#   contributing_factors:",
        "#     - The release freeze ended the same morning.",
        _kv("# lessons:", "what we now know, one sentence each"),
        "#   - Every config push goes through review, however small.",
        "# went_well: [Rollback was rehearsed and took four minutes.]",
        "# went_wrong: [The alert named the wrong service.]",
        "# got_lucky: [It happened outside the evening peak.]",
        "",
        _kv("# action_items:", "what we will change, each with an owner and a due date"),
        _kv("#   - id: A1", "unique within this incident: A1, A2, ..."),
        "#     action: Add a mandatory diff preview to the config tool.",
        "#     owner: dana.kim",
        "#     due: 2026-04-30",
        _kv("#     status: open", "open | in-progress | done | dropped"),
        _kv("#     type: prevent", "mitigate | prevent | detect | process"),
        _kv("#     indicator: Share of pushes with a reviewed diff.", "how we will know it worked"),
        _kv("#     # closed: 2026-04-28", "when it was done or dropped"),
        _kv("#     # pdsa:", "a small experiment before it becomes standard (or just `pdsa: plan`)"),
        _kv("#     #   stage: plan", "plan | do | study | act: where the change stands in its cycle"),
        _kv("#     #   hypothesis: A diff preview stops whole-file replacements.", "what we expect"),
        _kv("#     #   result: 0 whole-file pushes in 6 weeks (was 3 a month).", "what it showed, with a number"),
        "#     # check_ins:",
        "#     #   - date: 2026-04-15",
        "#     #     note: Preview shipped behind a flag.",
        _kv("#     # next_check_in: 2026-05-15", "when the owner reports next; overdue ones top the backlog"),
        _kv("#     # codified_in: SOP-007@3", "the SOP version that made it standard practice"),
        "",
        _kv("# sops:", "SOP versions this incident touches (SOP-007 means the current version)"),
        "#   - ref: SOP-007   # or SOP-007@2: for violated/followed, the version in force when it occurred",
        _kv("#     relation: violated", "violated | missing | followed | updated"),
        _kv("# related: [INC-2024-017]", "earlier incidents like this one"),
        "# review:",
        _kv("#   date: 2026-03-19", "the review meeting"),
        "#   facilitator: lee.wong",
        "#   participants: [dana.kim, sam.ortiz]",
        _kv("#   learning_buddies: [priya.nair]", "observers from other teams"),
        _kv("# tags: [config, checkout]", "lowercase keywords for search and filters"),
        _kv(
            "# keywords: [money page broke, card declined]",
            "words readers search with that the text does not use (search only)",
        ),
        _kv("# source:", "written by `lessons import` only: where an imported record came from"),
        "#   file: 2024-03-14-checkout.md",
        _kv(
            "#   sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "of the source's content: a second import is skipped",
        ),
    ]
    return "\n".join(lines) + "\n"


def render_sop(r: NewRecord, record_id: str, schema_url: str, catalog: Catalog) -> str:
    assert r.title and r.teams
    purpose = r.purpose or placeholders.SOP_PURPOSE
    step = r.step or placeholders.SOP_STEP
    review = "the next review is due that long after the current version took effect"
    lines = _header(
        schema_url,
        record_id,
        [
            "a standard operating procedure, with every version kept.",
            "Each version is a complete snapshot. Never edit a version that was",
            "approved: copy it to a new version below, change the copy, and take it",
            "through draft -> proposed -> approved; then set the old one to superseded.",
            "Nothing unapproved is standard practice: approved and superseded versions",
            "need `approved_by` and `effective`. Free text is Markdown.",
            "Run `lessons validate` before you push: it lists every problem at once.",
        ],
    )
    lines += [
        "",
        _kv(f"id: {record_id}", "equals the file name; do not change it"),
        f"title: {yaml_scalar(r.title)}",
        _kv(f"owner: {r.teams[0]}", f"the owning team, an id from {TEAMS_FILE}:"),
        *_comment_list(list(catalog.teams.items()), ""),
        _kv(f"review_every_months: {r.review_every_months}", review)
        if r.review_every_months
        else _kv("# review_every_months: 12", review),
        "# summary: One paragraph for the SOP catalog: what the procedure is for and when to use it.",
        _kv("# tags: [config, change]", "lowercase keywords for search and filters"),
        _kv(
            "# keywords: [config change, feature flag]",
            "words readers search with that the text does not use (search only)",
        ),
        "",
        _kv("versions:", "oldest first"),
        "  - version: 1",
        _kv("    status: draft", "draft | proposed | approved | superseded | retired"),
        _kv("    # effective: 2026-06-01", "when it takes effect; required once approved"),
        _kv("    # approved_by: [ops-council]", "who approved it; required once approved"),
        _kv("    # motivated_by: [INC-2024-017]", "incidents that led to this version"),
        "    # changes: What changed since the previous version.",
        f"    purpose:{yaml_text_block(purpose, '      ')}",
        _kv("    steps:", "in order, one instruction each; shown as a checklist"),
        f"      - {yaml_scalar(step)}",
        _kv("    # decision_criteria:", "rules for the judgement calls: in this situation, do that"),
        "    #   - when: The change touches payments.",
        "    #     then: A second engineer approves.",
    ]
    return "\n".join(lines) + "\n"


def render_path(r: NewRecord, record_id: str, schema_url: str, catalog: Catalog) -> str:
    assert r.title
    lines = _header(
        schema_url,
        record_id,
        [
            "an onboarding reading path, a route through the knowledge base",
            "for people who are new here. Every step's `ref` must exist; the site",
            'shows "step k of n" with previous and next links. Free text is Markdown.',
            "Run `lessons validate` before you push: it lists every problem at once.",
        ],
    )
    lines += [
        "",
        _kv(f"id: {record_id}", "equals the file name; do not change it"),
        f"title: {yaml_scalar(r.title)}",
    ]
    if r.teams:
        team = r.teams[0]
        lines.append(f"audience: {yaml_scalar('New members of ' + catalog.teams[team])}")
        first = [
            f"  - ref: teams/{team}",
            f"    note: {yaml_scalar('Start with the team: what it owns, its procedures and its incidents.')}",
        ]
    else:
        lines.append("# audience: New engineers in any product team")
        terms = list(catalog.terms)
        top = next((p for p in terms if "/" not in p), "")
        first = [f"  - ref: taxonomy/{top}", f"    note: {yaml_scalar('Learn the words we use for causes first.')}"]
    lines += [
        "# description: What the reader will know at the end, in a sentence or two.",
        "",
        _kv("steps:", "in reading order"),
        *first,
        _kv("  # - ref: INC-2024-017", "an incident (a reviewed one reads best)"),
        "  #   note: Why this step matters.",
        _kv("  # - ref: SOP-007", "an SOP's current version (SOP-007@2 for one version)"),
        _kv("  # - ref: taxonomy/process-deviation", "a taxonomy term"),
        _kv("  # - ref: teams/payments", "a team"),
    ]
    return "\n".join(lines) + "\n"


def render_session(r: NewRecord, record_id: str, schema_url: str, catalog: Catalog) -> str:
    assert r.title and r.kind and r.date and r.teams
    lines = _header(
        schema_url,
        record_id,
        [
            "a learning session: a review meeting, a cross-team learning session,",
            "a tabletop drill or a renewal of the learning framework, with who took part.",
            "It shows at sessions/, on the dashboard's learning activity and on every",
            "record it discussed. Free text is Markdown.",
            "Run `lessons validate` before you push: it lists every problem at once.",
        ],
    )
    lines += [
        "",
        _kv(f"id: {record_id}", "equals the file name; do not change it"),
        f"title: {yaml_scalar(r.title)}",
        _kv(f"kind: {r.kind}", "review | learning-session | drill | renewal"),
        _kv(f"date: {r.date}", "when it took place (a later date is shown as planned)"),
        _kv("# facilitator: lee.wong", "who ran it"),
        _kv(f"teams: {_flow_list(r.teams)}", f"teams that took part; the first hosts ({catalog.teams[r.teams[0]]})"),
        _kv("# host: payments", "optional: the host team, when it is not the first of teams"),
        _kv("# participants: [dana.kim, sam.ortiz]", "who took part"),
        _kv("# roles: [engineering, support, finance]", "functions present; 3 or more = cross-functional"),
        _kv("# external: [Tessera Payments account manager]", "customers, partners, consultants"),
        "# buddies:                      # observers from other teams and what they took home",
        "#   - person: priya.nair",
        "#     team: fulfilment",
        "#     takeaway: Our scanner config pushes need the same diff preview.",
        _kv("# discussed: [INC-2024-017, SOP-007@2]", "records the session worked on; each must exist"),
        _kv("# outcomes: [Proposed SOP-007 v3.]", "what came of it"),
        _kv("# summary: What happened in the session.", "optional, a paragraph"),
    ]
    return "\n".join(lines) + "\n"


def render_indicator(r: NewRecord, record_id: str, schema_url: str, catalog: Catalog) -> str:
    assert r.title and r.kind and r.period is not None and r.value is not None
    value = int(r.value) if float(r.value).is_integer() else r.value
    lines = _header(
        schema_url,
        record_id,
        [
            "an indicator the organisation already measures, as a series.",
            "Leading indicators move before outcomes (time to restore, defect rate);",
            "lagging ones are the outcomes (satisfaction, retention, revenue). One value",
            "per period, all periods months (2026-03) or all quarters (2026-Q1).",
            "Run `lessons validate` before you push: it lists every problem at once.",
        ],
    )
    lines += [
        "",
        _kv(f"id: {record_id}", "equals the file name; do not change it"),
        f"title: {yaml_scalar(r.title)}",
        _kv(f"kind: {r.kind}", "leading | lagging"),
        _kv(f"unit: {yaml_scalar(r.unit)}" if r.unit else "# unit: percent", "shown after each value"),
        _kv(f"better: {r.better}" if r.better else "# better: higher", "higher | lower"),
        _kv("# source: Web analytics, monthly export", "where the figures come from"),
        _kv("# description: What it measures and how.", "optional, Markdown"),
        _kv(
            f"teams: {_flow_list(r.teams)}" if r.teams else "# teams: [payments]",
            "whose indicator it is; their incidents are marked on its chart",
        ),
        _kv("values:", "one per period, in any order"),
        f"  - {{period: {r.period}, value: {value}}}",
    ]
    return "\n".join(lines) + "\n"


# -- making the file ------------------------------------------------------------------------


def _target(r: NewRecord, catalog: Catalog, after: Optional[str] = None) -> tuple[str, Path]:
    """The id and file of the new record: the next free number, past `after` when that one was taken."""
    root = catalog.root
    if r.record == "incident":
        assert r.occurred
        record_id = next_incident_id(root, int(r.occurred[:4]))
    elif r.record == "sop":
        record_id = next_sop_id(root)
    else:
        assert r.id
        record_id = r.id
    if after is not None and r.record not in SLUG_RECORDS:
        prefix, number = after.rsplit("-", 1)
        mine = int(record_id.rsplit("-", 1)[1])
        record_id = f"{prefix}-{max(mine, int(number) + 1):03d}"
    path = root / FOLDERS[r.record] / f"{record_id}.yaml"
    if r.record in SLUG_RECORDS and (path.exists() or path.with_suffix(".yml").exists()):
        # Numbered records need no such check: the number is past every file's,
        # and write() takes the next one when another run was faster.
        raise ScaffoldError(f"{path} already exists (choose another id with --id)")
    return record_id, path


def build(request: NewRecord, asker: Optional[Asker] = None) -> Created:
    """Check the request, ask for what is missing, and render the record (nothing is written)."""
    if request.record not in RECORD_KINDS:
        raise ScaffoldError(f"cannot make a '{request.record}'; choose one of: {', '.join(RECORD_KINDS)}")
    catalog = read_catalog(request.root)
    r = complete(request, catalog, asker)
    if r.record == "incident" and r.occurred is None:
        r.occurred = _now_utc()
        r.occurred_note = "set to when this file was made: correct it"
    return _make(r, catalog, *_target(r, catalog))


def _make(r: NewRecord, catalog: Catalog, record_id: str, path: Path) -> Created:
    """Render and self-check the record under `record_id`; `renumber` makes it again under the next free one."""
    url, source = schema_reference(r.record, path, catalog.root, r.schema_url)
    if r.record == "incident":
        content = render_incident(r, record_id, url, catalog)
    elif r.record == "sop":
        content = render_sop(r, record_id, url, catalog)
    elif r.record == "session":
        content = render_session(r, record_id, url, catalog)
    elif r.record == "indicator":
        content = render_indicator(r, record_id, url, catalog)
    else:
        content = render_path(r, record_id, url, catalog)
    _self_check(content, r.record, record_id, path)
    notes = []
    if source == "packaged":
        notes.append(
            "the schema line points into this machine's Python installation; run `lessons schema --out schemas` "
            "in the repository and commit the folder, so the line works in every clone (new records then point there)"
        )
    elif source == "committed":
        folder = find_schema_folder(catalog.root)
        if folder is not None and (folder / file_name(r.record)).read_text("utf-8") != schema.schema_text(r.record):
            notes.append(
                f"{folder} is older than the installed plugin; run `lessons schema --out {folder}` and commit it"
            )
    if r.record == "incident" and not r.summary:
        notes.append("write the summary before the status leaves draft (the placeholder is an error from then on)")
    if r.record == "sop" and (not r.purpose or not r.step):
        notes.append(
            "write the purpose and the steps: placeholder text is a warning while the version is a draft, an error "
            "after"
        )
    renumber = None if r.record in SLUG_RECORDS else (lambda: _make(r, catalog, *_target(r, catalog, after=record_id)))
    return Created(path, record_id, content, url, source, notes, renumber)


def _self_check(content: str, kind: str, record_id: str, path: Path) -> None:
    """The new file must parse and pass its schema, whatever was typed into it."""
    doc = parse_text(content, path.as_posix())
    problems = [str(p) for p in doc.problems]
    if not problems and isinstance(doc.data, dict):
        problems = [str(p) for p in schema.validate(doc, kind)]
        if doc.data.get("id") != record_id:
            problems.append(f"id {doc.data.get('id')!r} is not {record_id!r}")
    if problems:  # pragma: no cover - a bug in the templates, not a user error
        raise RuntimeError("lessons new made an invalid record:\n" + "\n".join(problems))


#: How many taken numbers write() steps over before it gives up.
MAX_RENUMBER = 1000


def write(created: Created, root: Optional[Path] = None) -> Created:
    """Create the file and return what was written.

    Never overwrites (`x` mode, an exclusive create), so two runs cannot
    clobber each other; when another run took the number between counting
    and writing (8 contributors' scripts at once), this one takes the next
    free number instead of failing. With `root`, the file must lie inside
    that knowledge base once links are resolved.
    """
    for _ in range(MAX_RENUMBER):
        folder = created.path.parent
        if root is not None and not ContentRoot(root).inside(folder):
            raise ScaffoldError(f"{folder}: {OUTSIDE}; nothing was written")
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with created.path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(created.content)
            return created
        except FileExistsError:
            if created.renumber is None:
                raise
            created = created.renumber()
    raise ScaffoldError(f"no free number found after {MAX_RENUMBER} tries in {created.path.parent}")

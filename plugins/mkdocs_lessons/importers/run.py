"""The `lessons import` commands: sources in, draft records out, one message per source.

Each source is read, mapped, rendered, checked against the schema and
written at the next free id for its year; a source that fails gets
`file:line: message` and the others go on. Exit status: 0 when every
source was imported or skipped as imported before, 1 when any failed,
2 for a usage error (an unknown team, term or zone; not a knowledge base).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, TextIO

from mkdocs_lessons.cli import scaffold
from mkdocs_lessons.importers import csvsource, links, moments, output
from mkdocs_lessons.importers.draft import Draft, ImportProblem, Options
from mkdocs_lessons.importers.postmortem import read_postmortem
from mkdocs_lessons.records.content_root import OUTSIDE, ContentRoot
from mkdocs_lessons.records.load import FOLDERS
from mkdocs_lessons.records.write import create_new


class UsageError(Exception):
    """Bad options: the command exits with status 2."""


@dataclass
class Importer:
    root: Path
    options: Options
    dry_run: bool = False
    schema_url: Optional[str] = None
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    seen: dict[str, str] = field(default_factory=dict)  # sha256 -> id
    taken: set[str] = field(default_factory=set)  # ids given in this run
    failed: int = 0
    imported: list[Path] = field(default_factory=list)

    def problem(self, where: str, line: int, message: str) -> None:
        self.failed += 1
        print(f"{where}:{line}: {message}" if line else f"{where}: {message}", file=self.err)

    def next_id(self, year: int) -> str:
        record_id = scaffold.next_incident_id(self.root, year)
        number = int(record_id.rsplit("-", 1)[1])
        while (
            f"INC-{year:04d}-{number:03d}" in self.taken
            or (self.root / FOLDERS["incident"] / f"INC-{year:04d}-{number:03d}.yml").exists()
        ):
            number += 1
        return f"INC-{year:04d}-{number:03d}"

    def emit(
        self,
        draft: Draft,
        display: str,
        digest: str,
        extra: Optional[dict[str, str]] = None,
        name: Optional[str] = None,
    ) -> None:
        draft.values, targets = links.unlink_all(draft.values)
        if targets:
            where = links.source_lines(draft.text, targets)
            at = f"line{'s' * (len(where) != 1)} {', '.join(map(str, where))}: " if where else ""
            draft.guess(
                "links",
                f"{len(targets)} turned into text",
                (
                    f"{at}relative links and images pointed next to the source file; put the pages where the site "
                    "finds them"
                ),
            )
        folder = self.root / FOLDERS["incident"]
        if not ContentRoot(self.root).inside(folder):
            raise UsageError(f"{folder}: {OUTSIDE}; nothing was written")
        for _ in range(scaffold.MAX_RENUMBER):
            record_id = self.next_id(draft.year)
            path = folder / f"{record_id}.yaml"
            url, _source = scaffold.schema_reference("incident", path, self.root, self.schema_url)
            content = output.render(draft, record_id, url, name or Path(display).name, digest, extra)
            problems = output.self_check(content, record_id, display)
            if problems:  # a bug in the importer: say so, write nothing
                self.problem(
                    display,
                    0,
                    "the imported record does not validate (please report this):\n  " + "\n  ".join(problems),
                )
                return
            self.taken.add(record_id)
            if self.dry_run:
                self.out.write(
                    f"# --- {display} -> "
                    f"{path.relative_to(self.root.parent) if self.root.parent in path.parents else path}\n{content}"
                )
                self.seen[digest] = record_id
                return
            folder.mkdir(parents=True, exist_ok=True)
            try:
                create_new(path, content)
            except FileExistsError:
                continue  # another run took the number: the next one
            self.seen[digest] = record_id
            self.imported.append(path)
            notes = f"{len(draft.guessed)} guessed, {len(draft.missing)} to fill in"
            print(
                f"Imported {display} -> {path.as_posix()} ({record_id}, draft; {notes}: see the comment at its top)",
                file=self.out,
            )
            return
        self.problem(display, 0, f"no free number found in {folder}")

    def duplicate(self, display: str, digest: str) -> bool:
        if digest in self.seen:
            print(f"Skipped {display}: imported before as {self.seen[digest]} (same content)", file=self.out)
            return True
        return False


def _options(
    root: Path, teams: list[str], term: Optional[str], severity: Optional[str], zone: Optional[str]
) -> Options:
    try:
        catalog = scaffold.read_catalog(root)
    except scaffold.ScaffoldError as problem:
        raise UsageError(str(problem)) from None
    try:
        team_list = scaffold.parse_teams(teams, catalog) if teams else []
        term_path = scaffold.parse_term(term, catalog) if term else None
        sev = scaffold.parse_severity(severity) if severity else None
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    if zone:
        try:
            moments.zone(zone)
        except moments.ZoneError as problem:
            raise UsageError(f"--timezone: {problem}") from None
    return Options(team_list, term_path, sev, zone, catalog.teams, catalog.terms)


def _start(
    root: Path,
    teams: list[str],
    term: Optional[str],
    severity: Optional[str],
    zone: Optional[str],
    dry_run: bool,
    schema_url: Optional[str],
) -> Importer:
    importer = Importer(root, _options(root, teams, term, severity, zone), dry_run, schema_url)
    importer.seen = output.imported_before(root)
    return importer


def import_markdown(
    files: list[str],
    root: Path,
    *,
    teams: list[str],
    term: Optional[str],
    severity: Optional[str],
    zone: Optional[str],
    dry_run: bool,
    schema_url: Optional[str] = None,
) -> int:
    importer = _start(root, teams, term, severity, zone, dry_run, schema_url)
    for name in files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as problem:
            importer.problem(name, 0, f"cannot read it: {problem.strerror or problem}")
            continue
        digest = output.content_hash(data)
        if importer.duplicate(name, digest):
            continue
        try:
            text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError as problem:
            line = data[: problem.start].count(b"\n") + 1
            importer.problem(name, line, f"not UTF-8 text (byte {problem.start}); save it as UTF-8 and import it again")
            continue
        try:
            draft = read_postmortem(path, text, importer.options)
        except ImportProblem as problem:
            importer.problem(name, problem.line, problem.message)
            continue
        importer.emit(draft, name, digest)
    return _finish(importer, len(files))


def import_csv(
    file: str,
    map_file: str,
    root: Path,
    *,
    teams: list[str],
    term: Optional[str],
    severity: Optional[str],
    zone: Optional[str],
    dry_run: bool,
    schema_url: Optional[str] = None,
) -> int:
    importer = _start(root, teams, term, severity, zone, dry_run, schema_url)
    try:
        mapping = csvsource.read_map(Path(map_file))
    except csvsource.MapError as problem:
        raise UsageError(str(problem)) from None
    path = Path(file)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as problem:
        raise UsageError(f"{file}: cannot read it: {problem.strerror or problem}") from None
    except UnicodeDecodeError as problem:
        raise UsageError(f"{file}: not UTF-8 text (byte {problem.start}); export it as UTF-8") from None
    try:
        found = csvsource.rows(path, text)
    except ImportProblem as problem:
        importer.problem(file, problem.line, problem.message)
        return _finish(importer, 1)
    skipped = 0
    for line, row in found:
        digest = output.content_hash(repr(sorted(row.items())).encode("utf-8"))
        where = f"{file}:{line}"
        if importer.duplicate(where, digest):
            continue
        try:
            draft = csvsource.read_row(path, line, row, mapping, importer.options)
        except ImportProblem as problem:
            importer.problem(file, problem.line, problem.message)
            continue
        if draft is None:
            skipped += 1
            continue
        key = draft.values.pop("_key", None)
        importer.emit(draft, where, digest, {"row": str(key) if key else str(line)}, name=path.name)
    if skipped:
        print(f"Skipped {skipped} row{'s' * (skipped != 1)} whose status the map says to skip", file=importer.out)
    return _finish(importer, len(found))


def _finish(importer: Importer, total: int) -> int:
    if importer.dry_run:
        print(f"(dry run: nothing was written to {importer.root})", file=importer.err)
    elif importer.imported:
        print(
            (
                "Next: read each record's top comment, fill in what it lists, then run `lessons validate "
                f"{importer.root}`."
            ),
            file=importer.out,
        )
    if importer.failed:
        print(
            f"{importer.failed} of {total} source{'s' * (total != 1)} could not be imported (see above)",
            file=importer.err,
        )
        return 1
    return 0

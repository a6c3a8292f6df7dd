"""Find, parse and schema-check every record file, then build the typed model (records/builders.py).

The result is a `LoadResult`: the model of every schema-valid record plus
every problem found. Cross-record rules live in `checks/rules.py`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any, Callable, Iterator, Optional, Union

from mkdocs_lessons.diagnostics import Diagnostic, Diagnostics
from mkdocs_lessons.records import schema
from mkdocs_lessons.records.builders import (
    build_incident,
    build_indicator,
    build_path,
    build_session,
    build_sop,
    build_taxonomy,
    build_teams,
    without_rejected,
)
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.records.content_root import FILE, FOLDER, OTHER, PROBLEM, ContentRoot, Probe
from mkdocs_lessons.records.model import Incident, Indicator, ReadingPath, Session, Sop, Taxonomy, Team, natural_key
from mkdocs_lessons.records.yamlsource import Document, read_document
from mkdocs_lessons.timing import Timings

# Sessions and indicators (v1.1) are optional folders: a v1 knowledge base has neither.
FOLDERS = {"incident": "incidents", "sop": "sops", "path": "paths", "session": "sessions", "indicator": "indicators"}
_VALUE_NAMES = {str: "text", int: "number", float: "number", bool: "true/false"}
TAXONOMY_FILE = "taxonomy/taxonomy.yaml"
TEAMS_FILE = "taxonomy/teams.yaml"


@dataclass
class LoadResult:
    root: Path
    taxonomy: Optional[Taxonomy] = None
    teams: dict[str, Team] = field(default_factory=dict)
    teams_loaded: bool = False  # teams.yaml was read and valid: team references can be checked
    incidents: dict[str, Incident] = field(default_factory=dict)
    sops: dict[str, Sop] = field(default_factory=dict)
    paths: dict[str, ReadingPath] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    # Ids seen in files that failed the schema: references to them are not
    # reported again as unknown (the file's own errors already say what is wrong).
    invalid_ids: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in FOLDERS})
    # Records that failed the schema but could still be built: checked, never published.
    partial: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in FOLDERS})
    documents: dict[str, Document] = field(default_factory=dict)  # by display path
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    files: list[Path] = field(default_factory=list)  # every record file read
    timings: Timings = field(default_factory=Timings)


def display_path(file: Path, base: Path) -> str:
    """A path to show in messages: relative to `base` unless that climbs far."""
    try:
        relative = Path(os.path.relpath(file, base))
    except ValueError:  # another drive on Windows
        return file.as_posix()
    return relative.as_posix() if relative.parts[:3].count("..") < 3 else file.as_posix()


def load(root: Path, base: Optional[Path] = None, cache: Optional[DocumentCache] = None) -> LoadResult:
    """Read every record under `root`; messages name files relative to `base`.

    Call it with the cyclic collector paused (`collector_paused`), as
    `open_knowledge_base` does: it allocates millions of objects.
    """
    root = root.resolve()
    base = (base or Path.cwd()).resolve()
    result = LoadResult(root=root)
    diags = result.diagnostics
    timings = result.timings
    read = cache.read if cache else lambda file, display: read_document(Path(file), display, fast=True)
    if cache is not None:
        cache.parsed = cache.hashed = 0

    if not root.is_dir():
        diags.add(
            Diagnostic(display_path(root, base), 1, 1, "", "the knowledge-base folder does not exist", "missing-root")
        )
        return result

    def parse(file: Union[str, Path], kind: str, display: Optional[str] = None) -> Optional[Document]:
        display = display or display_path(Path(file), base)
        started = perf_counter()
        doc = read(file, display)
        read_at = perf_counter()
        timings.add("load", read_at - started)
        result.files.append(doc.file if doc.file is not None else Path(file))
        result.documents[display] = doc
        if doc.fast and kind not in doc.schema_problems:
            good = schema.is_valid(doc.data, kind)
            timings.add("validate", perf_counter() - read_at)
            if good:
                doc.schema_problems[kind] = []
            else:
                # A fast read is trusted only for a good record: read it again
                # exactly, so every message has the exact values and positions.
                with timings.phase("load"):
                    doc.make_exact()
        problems = verdict(doc, kind)
        diags.extend(problems)
        return None if problems else doc

    def verdict(doc: Document, kind: str) -> list[Diagnostic]:
        if doc.problems:
            return list(doc.problems)
        if not isinstance(doc.data, dict):
            if doc.data is None:
                message = "the file has no fields (only comments or null)"
            else:
                what = (
                    "a list"
                    if isinstance(doc.data, list)
                    else f"a single {_VALUE_NAMES.get(type(doc.data), 'text')} value"
                )
                message = f"the file must hold a mapping of fields, not {what}"
            return [doc.diagnostic((), message, rule="not-a-mapping")]
        # A cached document keeps its schema verdict: unchanged files are not checked again.
        problems = doc.schema_problems.get(kind)
        if problems is None:
            with timings.phase("validate"):
                problems = doc.schema_problems[kind] = schema.validate(doc, kind)
        return problems

    guard = ContentRoot(root)
    taxonomy_dir = root / "taxonomy"
    taxonomy_entries, taxonomy_probe = guard.folder(taxonomy_dir)
    _report_folder(taxonomy_probe, display_path(taxonomy_dir, base), diags)
    listed = {entry.name: entry for entry in taxonomy_entries or ()}
    for kind in ("taxonomy", "teams"):
        file = root / (TAXONOMY_FILE if kind == "taxonomy" else TEAMS_FILE)
        if taxonomy_probe.kind == PROBLEM:
            continue  # the folder's own error says why
        entry = listed.get(file.name)
        if entry is None:
            diags.add(
                Diagnostic(
                    display_path(file, base),
                    1,
                    1,
                    "",
                    f"missing file: the knowledge base needs {file.name}",
                    "missing-file",
                )
            )
            continue
        judged = guard.entry(entry)
        if judged.kind != FILE:
            diags.add(judged.diagnostic(display_path(file, base)))
            continue
        doc = parse(file, kind)
        if doc is not None:
            # Built once per file content, as the records below: under `mkdocs serve` an unchanged
            # taxonomy keeps its term and team objects, so pages that show a term are not judged again.
            if kind == "taxonomy":
                result.taxonomy = doc.built.get(kind) or doc.built.setdefault(kind, build_taxonomy(doc))
            else:
                result.teams = doc.built.get(kind) or doc.built.setdefault(kind, build_teams(doc))
                result.teams_loaded = True
    if taxonomy_entries is not None:
        _unexpected_files(guard, taxonomy_dir, {"taxonomy.yaml", "teams.yaml"}, base, diags, taxonomy_entries)

    builders: dict[str, Callable[[Document], Any]] = {
        "incident": build_incident,
        "sop": build_sop,
        "path": build_path,
        "session": build_session,
        "indicator": build_indicator,
    }
    targets: dict[str, dict[str, Any]] = {
        "incident": result.incidents,
        "sop": result.sops,
        "path": result.paths,
        "session": result.sessions,
        "indicator": result.indicators,
    }
    for kind, folder in FOLDERS.items():
        directory = root / folder
        # One directory listing for the records and the stray files (no stat per file).
        listing, probe = guard.folder(directory)
        folder_display = display_path(directory, base)
        _report_folder(probe, folder_display, diags)
        if listing is None:
            continue
        entries = sorted(listing, key=lambda e: natural_key(e.name))
        for entry in entries:
            name = entry.name
            if not name.endswith(".yaml"):
                continue
            stem = name[: -len(".yaml")]
            display = name if folder_display == "." else f"{folder_display}/{name}"
            # Links are resolved and kept inside the root; nothing else costs a system call.
            judged = guard.entry(entry)
            if judged.kind != FILE:
                diags.add(judged.diagnostic(display))
                result.invalid_ids[kind].add(stem)  # its own error says what is wrong; references stay quiet
                continue
            # The entry's own path string: a kept record costs no path object (1,000s a rebuild).
            doc = parse(entry.path, kind, display)
            if doc is None:
                # Remember the id the file claims (its name) so references to it stay quiet.
                result.invalid_ids[kind].add(stem)
                _check_partially(
                    result,
                    kind,
                    result.documents[name if folder_display == "." else f"{folder_display}/{name}"],
                    builders[kind],
                )
                continue
            record_id = doc.data.get("id")
            if record_id != stem:
                diags.add(
                    doc.diagnostic(("id",), f"id '{record_id}' must equal the file name '{stem}'", rule="id-filename")
                )
                result.invalid_ids[kind].add(stem)
                _check_partially(result, kind, doc, builders[kind])
                continue
            # Built once per file content: an unchanged file gives the same record object.
            built = doc.built.get(kind)
            if built is None:
                built = doc.built[kind] = builders[kind](doc)
            targets[kind][record_id] = built
        _unexpected_files(guard, directory, None, base, diags, entries)
    if cache is not None:
        cache.prune()
    return result


def _check_partially(result: LoadResult, kind: str, doc: Document, builder: Callable[..., Any]) -> None:
    """Keep a record that failed the schema for the cross-record checks.

    All problems in one run: a wrong enum, a date in the wrong form or an
    unknown key must not hide an unknown SOP version in the same file. The
    record is built from its values less every value the schema rejected
    (a missing or rejected field reads as None, a rejected list item as an
    empty mapping, so list positions stay those of the file); each check
    runs where the fields it reads are there (checks/rules.py). Such records are
    never published (the build fails anyway).
    """
    if doc.problems or not isinstance(doc.data, dict):
        return
    rejected = schema.rejected_paths(doc.data, kind)
    if () in rejected:
        return
    try:
        result.partial[kind].append(builder(doc, without_rejected(doc.data, (), rejected)))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):  # pragma: no cover - the builders take None
        pass


def _report_folder(probe: Probe, display: str, diags: Diagnostics) -> None:
    """A record folder that is a link out of the root, unreadable, or a file: one located error."""
    if probe.kind == PROBLEM:
        diags.add(probe.diagnostic(display))
    elif probe.kind in (FILE, OTHER):
        diags.add(Diagnostic(display, 1, 1, "file", "expected a folder of records, found a file", "not-a-folder"))


def _walk(guard: ContentRoot, folder: str, seen: set[str]) -> Iterator[tuple[str, Probe]]:
    """Every entry below a subfolder with its verdict; never leaves the root, never loops."""
    listing, probe = guard.folder(folder)
    if listing is None:
        if probe.kind == PROBLEM:
            yield folder, probe
        return
    real = os.path.realpath(folder)
    if real in seen:  # a link back up inside the root
        return
    seen.add(real)
    for entry in sorted(listing, key=lambda e: e.name):
        judged = guard.entry(entry)
        if judged.kind == FOLDER:
            yield from _walk(guard, entry.path, seen)
        else:
            yield entry.path, judged


def _unexpected_files(
    guard: ContentRoot,
    directory: Path,
    allowed: Optional[set[str]],
    base: Path,
    diags: Diagnostics,
    entries: list[os.DirEntry],
) -> None:
    """Report files that look like records but would be ignored: nothing is dropped silently.

    Subfolders are searched too, through links that stay inside the root
    only; a link out of the root is reported wherever it is, since a folder
    behind it may hold records its author expects to be read.
    """
    found: list[tuple[Path, Probe]] = []
    seen = {os.path.realpath(directory)}
    for entry in entries:
        judged = guard.entry(entry)
        if judged.kind == FOLDER:
            found += [(Path(path), probe) for path, probe in _walk(guard, entry.path, seen)]
        elif (
            judged.kind == PROBLEM
            or entry.name.endswith(".yml")
            or (allowed is not None and entry.name.endswith(".yaml") and entry.name not in allowed)
        ):
            found.append((directory / entry.name, judged))
    for file, judged in sorted(found, key=lambda item: item[0]):
        display = display_path(file, base)
        record_like = file.suffix in (".yaml", ".yml")
        if judged.kind == PROBLEM:
            # A broken link under another name is never read: only records' and folders' problems count.
            if record_like or judged.rule not in ("symlink-dangling", "symlink-loop"):
                diags.add(judged.diagnostic(display))
        elif not record_like or judged.kind != FILE:
            continue
        elif file.suffix == ".yml":
            diags.add(
                Diagnostic(display, 1, 1, "", f"records must end in .yaml; rename to {file.stem}.yaml", "file-name")
            )
        elif file.parent != directory:
            diags.add(
                Diagnostic(
                    display,
                    1,
                    1,
                    "",
                    f"records belong directly in {directory.name}/, not in a subfolder",
                    "file-location",
                )
            )
        else:
            diags.add(
                Diagnostic(
                    display,
                    1,
                    1,
                    "",
                    f"unexpected file in {directory.name}/ (expected {', '.join(sorted(allowed or ()))})",
                    "file-name",
                )
            )

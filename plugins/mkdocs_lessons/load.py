"""Find, parse and schema-check every record file, then build the typed model.

The result is a `LoadResult`: the model of every schema-valid record plus
every problem found. Cross-record rules live in `checks.py`.
"""

from __future__ import annotations

import gc
import hashlib
import os
from dataclasses import dataclass, field
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter, time_ns
from typing import Any, Callable, Iterator, Optional, Union

from . import schema
from .diagnostics import Diagnostic, Diagnostics
from .fsguard import FILE, FOLDER, OTHER, PROBLEM, ContentRoot, Probe
from .timing import Timings
from .model import (
    ActionItem,
    Buddy,
    Indicator,
    IndicatorValue,
    Session,
    Pdsa,
    Assumption,
    CheckIn,
    Criterion,
    Decision,
    Incident,
    PathStep,
    ReadingPath,
    RetiredTerm,
    Review,
    RootCause,
    Sop,
    SopLink,
    SopRef,
    SopVersion,
    Taxonomy,
    Team,
    Term,
    TimelineEvent,
    natural_key,
    parse_date,
    parse_timestamp,
)
from .yamlsource import Document, read_document

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


#: A file changed this close to when it was read may change again with the same
#: timestamp (coarse clocks: FAT keeps 2 s, ext3 1 s): its stat proves nothing.
SETTLED_NS = 2_000_000_000


@dataclass
class _Entry:
    digest: str
    doc: Document
    signature: tuple[int, int, int, int]  # (mtime_ns, ctime_ns, size, inode) when last hashed
    settled: bool  # the signature was taken well after the last change: it stands for the content


class DocumentCache:
    """Parsed and schema-checked documents keyed by content hash.

    `mkdocs serve` keeps the plugin (and this cache) across rebuilds, so an
    edit re-parses and re-validates only the edited file. Entries of files
    that disappeared are dropped after each load, so nothing piles up.

    The content hash decides; a file whose stat is unchanged since it was
    hashed is not even read again (like git's index), unless it had changed
    just before that read (see SETTLED_NS): a rebuild of 1,000 records then
    reads one file, not 1,000. Any write moves ctime, which no tool can set back.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._seen: set[str] = set()
        self.parsed = 0  # files parsed by the last load (a cache miss each)
        self.hashed = 0  # files read and hashed by the last load (stat changed or not settled)

    def read(self, file: Union[str, Path], display: str) -> Document:
        """`file` is absolute (load() resolved the root): no path object made or walked for a kept file."""
        # Keyed by the file itself too: MkDocs keeps a plugin with on_startup
        # across config loads in one process, and two knowledge bases with
        # the same relative paths and contents must not share a Document
        # (its `file` drives "edit this page" and "Last updated").
        key = f"{file}\0{display}"
        self._seen.add(key)
        cached = self._entries.get(key)
        try:
            # Stat before reading: a write between the two leaves a signature
            # older than the content, so the next build reads the file again.
            stat = os.stat(file)
            signature = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
            if cached is not None and cached.settled and cached.signature == signature:
                return cached.doc
            read_at = time_ns()
            with open(file, "rb") as handle:
                raw = handle.read()
        except OSError:  # read_document reports it, located
            return read_document(Path(file), display, fast=True)
        self.hashed += 1
        settled = read_at - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        if cached is not None and cached.digest == digest:
            cached.signature, cached.settled = signature, settled
            return cached.doc
        self.parsed += 1
        doc = read_document(Path(file), display, raw=raw, fast=True)
        doc.digest = digest
        self._entries[key] = _Entry(digest, doc, signature, settled)
        return doc

    def prune(self) -> None:
        """Forget files not read since the last prune; start counting afresh."""
        self._entries = {key: entry for key, entry in self._entries.items() if key in self._seen}
        self._seen = set()


def display_path(file: Path, base: Path) -> str:
    """A path to show in messages: relative to `base` unless that climbs far."""
    try:
        relative = Path(os.path.relpath(file, base))
    except ValueError:  # another drive on Windows
        return file.as_posix()
    return relative.as_posix() if relative.parts[:3].count("..") < 3 else file.as_posix()


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while records are read and checked.

    Parsing allocates millions of containers and no reference cycles; the
    collector would rescan the growing heap again and again (a third of the
    load time at 10,000 records). Plain reference counting still frees
    everything; the collector resumes afterwards. With `freeze`, everything
    alive is first moved out of its sight (`gc.freeze`; the caller undoes it
    with `gc.unfreeze` when those objects may become garbage): otherwise the
    first collection after the pause scans it all once more.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if freeze:
                gc.freeze()
            gc.enable()


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
        diags.add(Diagnostic(display_path(root, base), 1, 1, "", "the knowledge-base folder does not exist", "missing-root"))
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
                what = "a list" if isinstance(doc.data, list) else f"a single {_VALUE_NAMES.get(type(doc.data), 'text')} value"
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
    for kind, builder in (("taxonomy", _taxonomy), ("teams", _teams)):
        file = root / (TAXONOMY_FILE if kind == "taxonomy" else TEAMS_FILE)
        if taxonomy_probe.kind == PROBLEM:
            continue  # the folder's own error says why
        entry = listed.get(file.name)
        if entry is None:
            diags.add(Diagnostic(display_path(file, base), 1, 1, "", f"missing file: the knowledge base needs {file.name}", "missing-file"))
            continue
        judged = guard.entry(entry)
        if judged.kind != FILE:
            diags.add(judged.diagnostic(display_path(file, base)))
            continue
        doc = parse(file, kind)
        if doc is not None:
            built = builder(doc)
            if kind == "taxonomy":
                result.taxonomy = built  # type: ignore[assignment]
            else:
                result.teams = built  # type: ignore[assignment]
                result.teams_loaded = True
    if taxonomy_entries is not None:
        _unexpected_files(guard, taxonomy_dir, {"taxonomy.yaml", "teams.yaml"}, base, diags, taxonomy_entries)

    builders: dict[str, Callable[[Document], Any]] = {"incident": _incident, "sop": _sop, "path": _path, "session": _session, "indicator": _indicator}
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
                _check_partially(result, kind, result.documents[name if folder_display == "." else f"{folder_display}/{name}"], builders[kind])
                continue
            record_id = doc.data.get("id")
            if record_id != stem:
                diags.add(doc.diagnostic(("id",), f"id '{record_id}' must equal the file name '{stem}'", rule="id-filename"))
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
    runs where the fields it reads are there (checks.py). Such records are
    never published (the build fails anyway).
    """
    if doc.problems or not isinstance(doc.data, dict):
        return
    rejected = schema.rejected_paths(doc.data, kind)
    if () in rejected:
        return
    try:
        result.partial[kind].append(builder(doc, _sanitized(doc.data, (), rejected)))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):  # pragma: no cover - the builders take None
        pass


class _Lenient(dict):  # type: ignore[type-arg]
    """A mapping of a record that failed its schema: a missing field reads as None."""

    def __missing__(self, key: str) -> None:
        return None


_NOTHING = _Lenient()  # a rejected or missing mapping (never written to)


def _sanitized(value: Any, path: tuple, rejected: set) -> Any:
    """`value` without the values at `rejected` paths (see _check_partially)."""
    if isinstance(value, dict):
        out = _Lenient()
        for key, item in value.items():
            where = path + (key,)
            if where not in rejected:
                out[key] = _sanitized(item, where, rejected)
        return out
    if isinstance(value, list):
        return [_Lenient() if path + (i,) in rejected else _sanitized(item, path + (i,), rejected) for i, item in enumerate(value)]
    return value


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
    guard: ContentRoot, directory: Path, allowed: Optional[set[str]], base: Path, diags: Diagnostics, entries: list[os.DirEntry]
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
        elif judged.kind == PROBLEM or entry.name.endswith(".yml") or (allowed is not None and entry.name.endswith(".yaml") and entry.name not in allowed):
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
            diags.add(Diagnostic(display, 1, 1, "", f"records must end in .yaml; rename to {file.stem}.yaml", "file-name"))
        elif file.parent != directory:
            diags.add(Diagnostic(display, 1, 1, "", f"records belong directly in {directory.name}/, not in a subfolder", "file-location"))
        else:
            diags.add(Diagnostic(display, 1, 1, "", f"unexpected file in {directory.name}/ (expected {', '.join(sorted(allowed or ()))})", "file-name"))


# --- builders: schema-valid data -> model ------------------------------------


def _int(value: Any) -> int:
    if value is None:  # a record that failed its schema (_check_partially)
        return None  # type: ignore[return-value]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not a whole number: {value!r}")
    return value


def _opt_date(value: Optional[str]):
    return parse_date(value) if value else None


def _opt_ts(value: Optional[str]):
    return parse_timestamp(value) if value else None


def _opt_ref(value: Optional[str]) -> Optional[SopRef]:
    return SopRef.parse(value) if value else None


def _taxonomy(doc: Document) -> Taxonomy:
    data = doc.data
    terms: dict[str, Term] = {}

    def walk(items: list[dict[str, Any]], parent: Optional[str]) -> list[str]:
        paths = []
        for item in items:
            path = f"{parent}/{item['id']}" if parent else item["id"]
            term = Term(item["id"], path, item["title"], item["description"], item.get("remedy"), parent)
            # A duplicate path keeps the first definition; checks.py reports it.
            terms.setdefault(path, term)
            term.children = walk(item.get("children", []), path)
            paths.append(path)
        return paths

    walk(data["terms"], None)
    retired = {r["id"]: RetiredTerm(r["id"], r["replaced_by"], r.get("note", "")) for r in data.get("retired", [])}
    return Taxonomy(data["version"], _opt_date(data.get("updated")), terms, retired, doc)


def _teams(doc: Document) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for item in doc.data["teams"]:
        teams.setdefault(item["id"], Team(item["id"], item["title"], item.get("description", ""), item.get("contact", "")))
    return teams


# The builders read schema-valid data, or a record that failed its schema less
# its rejected values (`data`, see _check_partially): required fields may then be None.


def _pdsa(value: Any) -> Optional[Pdsa]:
    """`pdsa: study` or the long form `{stage, hypothesis, result}` (v1.1), as one type."""
    if not value:
        return None
    if isinstance(value, str):
        return Pdsa(value)
    return Pdsa(value["stage"], value.get("hypothesis", ""), value.get("result", ""))


def _incident(doc: Document, data: Optional[dict[str, Any]] = None) -> Incident:
    d = doc.data if data is None else data
    classification = d["classification"] or _NOTHING
    rc = d.get("root_cause")
    review = d.get("review")
    return Incident(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        status=d["status"],
        occurred=_opt_ts(d["occurred"]),
        teams=list(d["teams"] or ()),
        summary=d["summary"],
        primary=classification["primary"],
        systems=list(d.get("systems", [])),
        secondary=list(classification.get("secondary", [])),
        severity=d.get("severity", ""),
        failure_type=d.get("failure_type", ""),
        detected=_opt_ts(d.get("detected")),
        resolved=_opt_ts(d.get("resolved")),
        detection=d.get("detection", ""),
        caused_by_change=d.get("caused_by_change"),
        context=d.get("context", ""),
        impact=d.get("impact", ""),
        timeline=[TimelineEvent(_opt_ts(e["at"]), e["event"]) for e in d.get("timeline", [])],
        decisions=[Decision(x["decision"], _opt_ts(x.get("at")), x.get("rationale", "")) for x in d.get("decisions", [])],
        assumptions=[Assumption(x["assumption"], x.get("held")) for x in d.get("assumptions", [])],
        root_cause=RootCause(rc.get("whys", []), rc.get("cause", ""), rc.get("contributing_factors", [])) if rc else None,
        lessons=list(d.get("lessons", [])),
        went_well=list(d.get("went_well", [])),
        went_wrong=list(d.get("went_wrong", [])),
        got_lucky=list(d.get("got_lucky", [])),
        action_items=[
            ActionItem(
                id=a["id"],
                action=a["action"],
                status=a["status"],
                owner=a.get("owner", ""),
                due=_opt_date(a.get("due")),
                type=a.get("type", ""),
                closed=_opt_date(a.get("closed")),
                indicator=a.get("indicator", ""),
                pdsa=_pdsa(a.get("pdsa")),
                check_ins=[CheckIn(_opt_date(c["date"]), c["note"]) for c in a.get("check_ins", [])],
                codified_in=SopRef.parse(a["codified_in"]) if a.get("codified_in") else None,
                next_check_in=_opt_date(a.get("next_check_in")),
                indicator_ref=a.get("indicator_ref", ""),
            )
            for a in d.get("action_items", [])
        ],
        sops=[SopLink(_opt_ref(s["ref"]), s["relation"]) for s in d.get("sops", [])],
        related=list(d.get("related", [])),
        review=Review(
            _opt_date(review.get("date")),
            review.get("facilitator", ""),
            review.get("participants", []),
            review.get("learning_buddies", []),
        )
        if review
        else None,
        tags=list(d.get("tags", [])),
        keywords=list(d.get("keywords", [])),
        raw=d,
        source=doc,
    )


def _sop(doc: Document, data: Optional[dict[str, Any]] = None) -> Sop:
    d = doc.data if data is None else data
    versions = [
        SopVersion(
            version=_int(v["version"]),
            status=v["status"],
            purpose=v["purpose"],
            steps=list(v["steps"] or ()),
            effective=_opt_date(v.get("effective")),
            approved_by=list(v.get("approved_by", [])),
            motivated_by=list(v.get("motivated_by", [])),
            changes=v.get("changes", ""),
            decision_criteria=[Criterion(c["when"], c["then"]) for c in v.get("decision_criteria", [])],
        )
        for v in d["versions"] or ()
    ]
    return Sop(
        id=d["id"],
        title=d["title"],
        owner=d["owner"],
        versions=versions,
        review_every_months=d.get("review_every_months"),
        summary=d.get("summary", ""),
        tags=list(d.get("tags", [])),
        keywords=list(d.get("keywords", [])),
        raw=d,
        source=doc,
    )


def _path(doc: Document, data: Optional[dict[str, Any]] = None) -> ReadingPath:
    d = doc.data if data is None else data
    return ReadingPath(
        id=d["id"],
        title=d["title"],
        steps=[PathStep(s["ref"], s.get("note", "")) for s in d["steps"] or ()],
        audience=d.get("audience", ""),
        description=d.get("description", ""),
        source=doc,
    )


def _session(doc: Document, data: Optional[dict[str, Any]] = None) -> Session:
    d = doc.data if data is None else data
    return Session(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        date=_opt_date(d["date"]),  # type: ignore[arg-type]
        teams=list(d["teams"] or ()),
        facilitator=d.get("facilitator", ""),
        host_team=d.get("host", "") or "",
        participants=list(d.get("participants", [])),
        roles=list(d.get("roles", [])),
        external=list(d.get("external", [])),
        buddies=[Buddy(b["person"], b["team"], b.get("takeaway", "") or "") for b in d.get("buddies", [])],
        discussed=list(d.get("discussed", [])),
        outcomes=list(d.get("outcomes", [])),
        summary=d.get("summary", ""),
        raw=d,
        source=doc,
    )


def _indicator(doc: Document, data: Optional[dict[str, Any]] = None) -> Indicator:
    d = doc.data if data is None else data
    return Indicator(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        # A value the schema rejected reads as an empty mapping: its period is None, checks skip it.
        values=[IndicatorValue(v.get("period"), v.get("value")) for v in d["values"] or ()],
        unit=d.get("unit", "") or "",
        better=d.get("better", "") or "",
        source_text=d.get("source", "") or "",
        description=d.get("description", "") or "",
        teams=list(d.get("teams", [])),
        raw=d,
        source=doc,
    )

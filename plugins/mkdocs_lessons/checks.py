"""Rules that a schema cannot express: references between records, order, versions.

Each rule reports a located `Diagnostic`; none stops at the first problem.
Every lookup is a dict or set access, so the checks stay linear in the
number of records.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional

from . import schema as schemas
from .diagnostics import Diagnostic, Diagnostics, Severity, did_you_mean, did_you_mean_id, show
from .load import LoadResult
from .loop import IN_FORCE_STATUSES  # past the approval gate: a change codified there became the standard
from .model import Incident, ReadingPath, Sop, SopRef, Taxonomy
from .yamlsource import Document, FieldPath

# The schema's `stepRef` pattern. A path that failed the schema is still
# cross-checked (all problems in one run), but a malformed ref such as
# `SOP-007@../2` was reported by the schema already and cannot be resolved.
_STEP_REF = re.compile(r"^(INC-[0-9]{4}-[0-9]{3,}|SOP-[0-9]{3,}(@[1-9][0-9]*)?|taxonomy/[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*|teams/[a-z0-9]+(-[a-z0-9]+)*)$")


#: The years a date or timestamp may fall in (the plugin option `date_range`): a
#: mistyped year (1026, 20024) is an error at its field, before any page spans it.
DEFAULT_DATE_RANGE = (1990, 2100)


def parse_date_range(value: Any) -> tuple[int, int]:
    """The option `date_range` as (first year, last year); ValueError says what is wrong."""
    if value is None:
        return DEFAULT_DATE_RANGE
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not 1 <= value[0] <= value[1] <= 9999
    ):
        raise ValueError(f"option 'date_range' must be two years [first, last] between 1 and 9999, first <= last, like [1990, 2100]; got {value!r}")
    return (value[0], value[1])


def check(result: LoadResult, include_drafts: bool = False, *, date_range: tuple[int, int] = DEFAULT_DATE_RANGE, today: Optional[date] = None) -> None:
    """Run every cross-record rule, adding problems to `result.diagnostics`."""
    diags = result.diagnostics
    _check_dates(result, date_range, today, diags)
    taxonomy = result.taxonomy
    if taxonomy is not None:
        _check_taxonomy(taxonomy, diags)
    _check_teams_file(result, diags)
    refs = _Refs(result)
    for incident in result.incidents.values():
        _check_incident(incident, refs, diags)
    for sop in result.sops.values():
        _check_sop(sop, refs, diags)
    for path in result.paths.values():
        _check_path(path, refs, diags, include_drafts)
    # Records that failed the schema are checked too (all problems in one
    # run). They are built without the values the schema rejected (load.py),
    # so a field that is missing there reads as None: each check below runs
    # under its own guard, and one that trips over such a field stops alone,
    # the schema's own message already says why.
    for incident in result.partial["incident"]:
        _check_incident(incident, refs, diags)
    for sop in result.partial["sop"]:
        _check_sop(sop, refs, diags)
    for path in result.partial["path"]:
        _check_path(path, refs, diags, include_drafts)
    _drop_follow_on_problems(diags)


#: What a check of a partly built record may trip over (a None where a value was rejected).
_TRIPS = (TypeError, AttributeError, ValueError, KeyError, IndexError)


class _Guard:
    """`with guard:` around one check: for a record that failed its schema, a
    check that trips over a missing value stops alone; for a valid record
    nothing is swallowed."""

    __slots__ = ("partial",)

    def __init__(self, partial: bool) -> None:
        self.partial = partial

    def __enter__(self) -> "_Guard":
        return self

    def __exit__(self, kind, value, traceback) -> bool:  # type: ignore[no-untyped-def]
        return self.partial and kind is not None and issubclass(kind, _TRIPS)


def _drop_follow_on_problems(diags: Diagnostics) -> None:
    """A field the schema rejected gets no second message from a later rule."""
    rejected: dict[str, set[str]] = {}
    for d in diags.items:
        if d.rule.startswith("schema-") or d.rule in _REJECTING:
            rejected.setdefault(d.path, set()).add(d.field)

    def follows(d: Diagnostic) -> bool:
        fields = rejected.get(d.path)
        if not fields or d.rule.startswith("schema-") or d.rule in ("required", "unknown-field"):
            return False
        if d.rule in _REJECTING:
            # A date the schema rejected already: one message.
            return any(o.rule.startswith("schema-") and o.path == d.path and o.field == d.field for o in diags.items)
        return any(d.field == f or d.field.startswith((f + ".", f + "[")) for f in fields if f)

    diags.items[:] = [d for d in diags.items if not follows(d)]


# Rules that reject a value: a later rule's message about the same field is a follow-on.
_REJECTING = ("required", "unknown-field", "date-range", "future-date")


# -- dates ----------------------------------------------------------------------


@lru_cache(maxsize=None)
def date_fields(kind: str) -> tuple[tuple[str, ...], ...]:
    """Where the schema for `kind` holds a date or a timestamp: field paths, `*` for any list item."""
    root = schemas.schema(kind)
    defs = root.get("$defs", {})
    found: set[tuple[str, ...]] = set()

    def walk(node: Any, path: tuple[str, ...], seen: frozenset) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref[len("#/$defs/") :]
            if name in seen:
                return  # a recursive definition (taxonomy children) was walked once
            walk(defs.get(name), path, seen | {name})
        if node.get("format") in ("date", "date-time"):
            found.add(path)
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, path + (key,), seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], path + ("*",), seen)
        for combinator in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(combinator) or ():
                walk(branch, path, seen)

    walk(root, (), frozenset())
    return tuple(sorted(found))


def _values_at(data: Any, pattern: tuple[str, ...], path: FieldPath = ()) -> Iterator[tuple[FieldPath, Any]]:
    if not pattern:
        yield path, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from _values_at(item, rest, path + (index,))
    elif isinstance(data, dict) and head in data:
        yield from _values_at(data[head], rest, path + (head,))


_YEAR = re.compile(r"([0-9]{4,})-")


def _check_dates(result: LoadResult, date_range: tuple[int, int], today: Optional[date], diags: Diagnostics) -> None:
    """Every date and timestamp within `date_range`, and no incident that occurs after today.

    Pages span the time between the earliest and the latest date (per-quarter
    charts): one mistyped year would make them thousands of columns wide.
    """
    first, last = date_range
    records: list[tuple[str, Document]] = []
    for kind, records_of_kind in (("incident", result.incidents.values()), ("sop", result.sops.values())):
        for record in [*records_of_kind, *result.partial[kind]]:
            if record.source is not None:
                records.append((kind, record.source))
    if result.taxonomy is not None and result.taxonomy.source is not None:
        records.append(("taxonomy", result.taxonomy.source))
    for kind, doc in records:
        for pattern in date_fields(kind):
            for where, value in _values_at(doc.data, pattern):
                match = _YEAR.match(value) if isinstance(value, str) else None
                if match is None:
                    continue  # not a date at all: the schema says so
                year = int(match.group(1))
                if not first <= year <= last:
                    diags.add(
                        doc.diagnostic(
                            where,
                            f"{show(value)} is outside the date range {first}-{last} (year {year}); a typo? "
                            "(the range is the plugin option date_range)",
                            rule="date-range",
                        )
                    )
    if today is None:
        return
    for incident in [*result.incidents.values(), *result.partial["incident"]]:
        occurred = incident.occurred
        if incident.source is not None and occurred is not None and occurred.date() > today:
            diags.add(
                incident.source.diagnostic(
                    ("occurred",),
                    f"{show(incident.raw['occurred'])} is in the future (after today, the option today); an incident cannot have occurred yet",
                    rule="future-date",
                )
            )


class _Refs:
    """What references can point at, including ids of files that failed the schema."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result
        self.taxonomy = result.taxonomy
        self.incident_ids = set(result.incidents) | result.invalid_ids["incident"]
        self.sop_ids = set(result.sops) | result.invalid_ids["sop"]
        self.team_ids = set(result.teams)
        self.partial_ids = {id(record) for records in result.partial.values() for record in records}
        # SOPs that failed their schema, by id: their version numbers still answer "is there a version n?".
        self.partial_sops = {sop.id: sop for sop in result.partial["sop"] if isinstance(sop.id, str)}

    def guard(self, record: object) -> _Guard:
        return _Guard(id(record) in self.partial_ids)

    def term(self, doc: Document, where: FieldPath, path: str, diags: Diagnostics) -> bool:
        taxonomy = self.taxonomy
        if not isinstance(path, str):
            return False  # a record that failed the schema: its type error says so
        if taxonomy is None:
            return True  # the taxonomy file has its own errors
        if path in taxonomy.terms:
            return True
        retired = taxonomy.retired.get(path)
        if retired is not None:
            note = f" ({retired.note.rstrip('.')})" if retired.note else ""
            diags.add(doc.diagnostic(where, f"taxonomy term '{path}' is retired; use '{retired.replaced_by}' instead{note}", rule="retired-term"))
            return False
        diags.add(doc.diagnostic(where, f"unknown taxonomy term '{path}'{did_you_mean(path, taxonomy.terms)}", rule="unknown-term"))
        return False

    def team(self, doc: Document, where: FieldPath, team: str, diags: Diagnostics) -> None:
        # Without a usable teams.yaml its own error says so; no echo per reference.
        if isinstance(team, str) and self.result.teams_loaded and team not in self.team_ids:
            hint = did_you_mean(team, self.team_ids)
            diags.add(doc.diagnostic(where, f"unknown team '{team}'{hint}; teams are listed in taxonomy/teams.yaml", rule="unknown-team"))

    def incident(self, doc: Document, where: FieldPath, incident_id: str, diags: Diagnostics) -> bool:
        if not isinstance(incident_id, str):
            return False
        if incident_id in self.incident_ids:
            return True
        diags.add(doc.diagnostic(where, f"unknown incident '{incident_id}'{did_you_mean_id(incident_id, self.incident_ids)}", rule="unknown-incident"))
        return False

    def sop(self, doc: Document, where: FieldPath, text: str, diags: Diagnostics) -> Optional[Sop]:
        ref = SopRef.parse(text)
        if ref.sop_id not in self.sop_ids:
            diags.add(doc.diagnostic(where, f"unknown SOP '{ref.sop_id}'{did_you_mean_id(ref.sop_id, self.sop_ids)}", rule="unknown-sop"))
            return None
        sop = self.result.sops.get(ref.sop_id)
        if sop is None:
            # The SOP file has its own errors: only its version numbers, when they are all good, are used.
            partial = self.partial_sops.get(ref.sop_id)
            if partial is not None and ref.version is not None and isinstance(partial.raw.get("versions"), list):
                if all(isinstance(v.version, int) for v in partial.versions) and partial.version(ref.version) is None:
                    self._no_version(doc, where, ref, partial, diags)
            return None
        if ref.version is not None and sop.version(ref.version) is None:
            self._no_version(doc, where, ref, sop, diags)
            return None
        return sop

    @staticmethod
    def _no_version(doc: Document, where: FieldPath, ref: SopRef, sop: Sop, diags: Diagnostics) -> None:
        have = ", ".join(str(v.version) for v in sop.versions)
        diags.add(doc.diagnostic(where, f"{ref.sop_id} has no version {ref.version} (versions: {have})", rule="unknown-sop-version"))


def _check_taxonomy(taxonomy: Taxonomy, diags: Diagnostics) -> None:
    doc = taxonomy.source
    assert doc is not None
    seen: dict[str, FieldPath] = {}

    def walk(items: list, parent: str, where: FieldPath) -> None:
        for index, item in enumerate(items):
            path = f"{parent}/{item['id']}" if parent else item["id"]
            here = where + (index,)
            if path in seen:
                line = doc.where(seen[path] + ("id",))[0]
                diags.add(doc.diagnostic(here + ("id",), f"duplicate term '{path}' (first defined at line {line})", rule="duplicate-id"))
            else:
                seen[path] = here
            walk(item.get("children", []), path, here + ("children",))

    walk(doc.data["terms"], "", ("terms",))
    for index, item in enumerate(doc.data.get("retired", [])):
        where: FieldPath = ("retired", index)
        if item["id"] in taxonomy.terms:
            diags.add(doc.diagnostic(where + ("id",), f"'{item['id']}' is listed as retired but is still an active term", rule="retired-term"))
        target = item["replaced_by"]
        if target not in taxonomy.terms:
            hint = " (it is itself retired)" if target in taxonomy.retired else did_you_mean(target, taxonomy.terms)
            diags.add(doc.diagnostic(where + ("replaced_by",), f"replacement term '{target}' does not exist{hint}", rule="unknown-term"))


def _check_teams_file(result: LoadResult, diags: Diagnostics) -> None:
    doc = next((d for d in result.documents.values() if d.file and d.file.name == "teams.yaml" and d.data and not d.problems), None)
    if doc is None or not isinstance(doc.data, dict):
        return
    _duplicates(doc, [(("teams", i, "id"), t.get("id")) for i, t in enumerate(doc.data.get("teams", [])) if isinstance(t, dict)], "team", diags)


def _duplicates(doc: Document, items: Iterable[tuple[FieldPath, object]], what: str, diags: Diagnostics) -> None:
    first: dict[object, FieldPath] = {}
    for where, value in items:
        if not isinstance(value, str):
            continue  # missing or rejected (a record that failed its schema)
        if value in first:
            line = doc.where(first[value])[0]
            diags.add(doc.diagnostic(where, f"duplicate {what} id '{value}' (first defined at line {line})", rule="duplicate-id"))
        else:
            first[value] = where


def _check_incident(incident: Incident, refs: _Refs, diags: Diagnostics) -> None:
    doc = incident.source
    assert doc is not None
    raw = incident.raw
    guard = refs.guard(incident)
    with guard:
        refs.term(doc, ("classification", "primary"), incident.primary, diags)
    for index, term in enumerate(incident.secondary):
        with guard:
            where = ("classification", "secondary", index)
            if refs.term(doc, where, term, diags) and term == incident.primary:
                diags.add(doc.diagnostic(where, f"'{term}' is already the primary classification", rule="duplicate-term"))
    for index, team in enumerate(incident.teams):
        with guard:
            refs.team(doc, ("teams", index), team, diags)
    for index, link in enumerate(incident.sops):
        with guard:
            if link.ref is not None:
                refs.sop(doc, ("sops", index, "ref"), str(link.ref), diags)
    for index, related in enumerate(incident.related):
        with guard:
            where = ("related", index)
            if related == incident.id:
                diags.add(doc.diagnostic(where, "an incident cannot be related to itself", rule="self-reference"))
            else:
                refs.incident(doc, where, related, diags)

    # Times: detected >= occurred, resolved >= detected, a chronological timeline.
    with guard:
        if incident.detected and incident.detected < incident.occurred:
            diags.add(doc.diagnostic(("detected",), f"detected ({raw['detected']}) is before occurred ({raw['occurred']})", rule="time-order"))
    with guard:
        if incident.resolved:
            start, name = (incident.detected, "detected") if incident.detected else (incident.occurred, "occurred")
            if incident.resolved < start:
                diags.add(doc.diagnostic(("resolved",), f"resolved ({raw['resolved']}) is before {name} ({raw[name]})", rule="time-order"))
    for index in range(1, len(incident.timeline)):
        with guard:
            before, after = incident.timeline[index - 1], incident.timeline[index]
            if after.at < before.at:
                diags.add(
                    doc.diagnostic(
                        ("timeline", index, "at"),
                        f"timeline is out of order: {raw['timeline'][index]['at']} is earlier than the entry before it ({raw['timeline'][index - 1]['at']})",
                        rule="timeline-order",
                    )
                )

    with guard:
        _duplicates(doc, [(("action_items", i, "id"), a.id) for i, a in enumerate(incident.action_items)], "action item", diags)
    for index, item in enumerate(incident.action_items):
        with guard:
            if item.codified_in is not None:
                where = ("action_items", index, "codified_in")
                sop = refs.sop(doc, where, str(item.codified_in), diags)
                _check_codified_version(doc, where, item.codified_in, sop, diags)
        with guard:
            if item.closed and item.status is not None and item.status not in ("done", "dropped"):
                diags.add(doc.diagnostic(("action_items", index, "closed"), f"has a closed date but its status is '{item.status}'", rule="action-closed", severity=Severity.WARNING))


def _check_codified_version(doc: Document, where: FieldPath, ref: SopRef, sop: Optional[Sop], diags: Diagnostics) -> None:
    """`codified_in` names a version that is not (yet) the standard: a proposal or a draft."""
    if sop is None:
        return
    version = sop.resolve(ref)
    if version is None or version.status in IN_FORCE_STATUSES:
        return
    named = f"{sop.id}@{version.version}"
    if ref.version is None:
        named = f"{sop.id} has no approved version; its latest, {named},"
    diags.add(
        doc.diagnostic(
            where,
            f"{named} is {version.status}, not approved: the change it codifies is not standard practice yet",
            rule="codified-not-approved",
            severity=Severity.WARNING,
        )
    )


def _check_sop(sop: Sop, refs: _Refs, diags: Diagnostics) -> None:
    doc = sop.source
    assert doc is not None
    guard = refs.guard(sop)
    with guard:
        refs.team(doc, ("owner",), sop.owner, diags)
    approved_at: Optional[int] = None
    previous = None
    for index, version in enumerate(sop.versions):
        where: FieldPath = ("versions", index)
        with guard:
            if previous is not None and version.version <= previous.version:
                diags.add(
                    doc.diagnostic(
                        where + ("version",),
                        f"version {version.version} follows version {previous.version}; version numbers must strictly increase in file order",
                        rule="sop-version-order",
                    )
                )
        with guard:
            if version.status == "approved":
                if approved_at is not None:
                    diags.add(
                        doc.diagnostic(
                            where + ("status",),
                            f"version {version.version} is approved, but version {sop.versions[approved_at].version} is approved too; "
                            "only the current version is approved, earlier ones are superseded",
                            rule="sop-one-approved",
                        )
                    )
                else:
                    approved_at = index
            elif version.status == "superseded" and approved_at is not None:
                diags.add(
                    doc.diagnostic(
                        where + ("status",),
                        f"version {version.version} is superseded but comes after the approved version {sop.versions[approved_at].version}",
                        rule="sop-superseded-order",
                    )
                )
        with guard:
            if previous is not None and version.effective and previous.effective and version.effective < previous.effective:
                diags.add(
                    doc.diagnostic(
                        where + ("effective",),
                        f"version {version.version} takes effect ({version.effective}) before version {previous.version} ({previous.effective})",
                        rule="sop-effective-order",
                        severity=Severity.WARNING,
                    )
                )
        for m, incident_id in enumerate(version.motivated_by):
            with guard:
                refs.incident(doc, where + ("motivated_by", m), incident_id, diags)
        previous = version if version.version is not None else None


def _check_path(path: ReadingPath, refs: _Refs, diags: Diagnostics, include_drafts: bool) -> None:
    first_step: dict[str, int] = {}
    guard = refs.guard(path)
    for index, step in enumerate(path.steps):
        with guard:
            _check_step(path, index, step, first_step, refs, diags, include_drafts)


def _check_step(path: ReadingPath, index: int, step, first_step: dict[str, int], refs: _Refs, diags: Diagnostics, include_drafts: bool) -> None:  # type: ignore[no-untyped-def]
    doc = path.source
    assert doc is not None
    result = refs.result
    where: FieldPath = ("steps", index, "ref")
    if not isinstance(step.ref, str) or not _STEP_REF.fullmatch(step.ref):
        return
    kind, target = step.target_kind, step.target
    if step.ref in first_step:
        # A page that is two steps of one path cannot say which step it is.
        diags.add(doc.diagnostic(where, f"{step.ref} is already step {first_step[step.ref] + 1} of this path", rule="path-duplicate-step", severity=Severity.WARNING))
    else:
        first_step[step.ref] = index
    if kind == "incident":
        if refs.incident(doc, where, target, diags):
            incident = result.incidents.get(target)
            if incident is not None and incident.is_draft and not include_drafts:
                diags.add(doc.diagnostic(where, f"{target} is a draft and is not published; readers would meet a dead end", rule="path-draft", severity=Severity.WARNING))
            elif incident is not None and incident.is_draft:
                diags.add(doc.diagnostic(where, f"{target} is a draft, published only because drafts are included; new hires would study an unreviewed story", rule="path-draft", severity=Severity.WARNING))
    elif kind == "sop":
        sop = refs.sop(doc, where, target, diags)
        ref = SopRef.parse(target)
        current = sop.current if sop is not None else None
        if sop is not None and ref.version is not None:
            version = sop.version(ref.version)
            if version is not None and version.status in ("superseded", "retired"):
                hint = f"; the current version is {sop.id}@{current.version}" if current else ""
                diags.add(doc.diagnostic(where, f"{target} is {version.status}{hint}", rule="path-superseded", severity=Severity.WARNING))
            elif version is not None and version.status in ("draft", "proposed"):
                hint = f"; the current version is {sop.id}@{current.version}" if current else ""
                diags.add(doc.diagnostic(where, f"{target} is {version.status}, not yet standard practice{hint}", rule="path-draft", severity=Severity.WARNING))
        elif sop is not None and current is None and sop.versions:
            if sop.versions[-1].status == "retired":
                diags.add(doc.diagnostic(where, f"{target} is retired: its last version was withdrawn", rule="path-superseded", severity=Severity.WARNING))
            else:
                diags.add(doc.diagnostic(where, f"{target} has no approved version yet; readers would study a procedure that is not standard practice", rule="path-draft", severity=Severity.WARNING))
    elif kind == "team":
        refs.team(doc, where, target, diags)
    else:
        taxonomy = refs.taxonomy
        if taxonomy is not None and target in taxonomy.retired:
            replacement = taxonomy.retired[target].replaced_by
            diags.add(doc.diagnostic(where, f"taxonomy term '{target}' is retired; point the step at 'taxonomy/{replacement}'", rule="path-retired-term", severity=Severity.WARNING))
        else:
            refs.term(doc, where, target, diags)

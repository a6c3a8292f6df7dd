"""Rules that a schema cannot express: references between records, order, versions.

Each rule reports a located `Diagnostic`; none stops at the first problem.
Every lookup is a dict or set access, so the checks stay linear in the
number of records.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional
from urllib.parse import unquote, urlsplit

from mkdocs_lessons.diagnostics import Diagnostic, Diagnostics, Severity, did_you_mean, did_you_mean_id, show
from mkdocs_lessons.records import schema as schemas
from mkdocs_lessons.records.essentials import ESSENTIALS_ID
from mkdocs_lessons.records.in_force import IN_FORCE_STATUSES
from mkdocs_lessons.records.load import LoadResult
from mkdocs_lessons.records.model import Incident, Indicator, PathStep, ReadingPath, Session, Sop, SopRef, Taxonomy
from mkdocs_lessons.records.yamlsource import Document, FieldPath

if TYPE_CHECKING:  # imported when first needed (_link_targets)
    from markdown import Markdown

# The schema's `stepRef` pattern. A path that failed the schema is still
# cross-checked (all problems in one run), but a malformed ref such as
# `SOP-007@../2` was reported by the schema already and cannot be resolved.
_STEP_REF = re.compile(
    r"^(INC-[0-9]{4}-[0-9]{3,}|SOP-[0-9]{3,}(@[1-9][0-9]*)?|taxonomy/[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*|teams/[a-z0-9]+(-[a-z0-9]+)*)$"
)


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
        raise ValueError(
            "option 'date_range' must be two years [first, last] between 1 and 9999, first <= last, like [1990, "
            f"2100]; got {value!r}"
        )
    return (value[0], value[1])


@dataclass(frozen=True)
class LinkTargets:
    """What a relative link in record text may name, as the site will have it.

    The generated pages under `prefix` (their `.md` source paths) and, when
    known, the files in the site's `docs_dir`. The MkDocs adapter knows both;
    `lessons validate` reads them from `mkdocs.yml` (project.py).
    """

    prefix: str = ""
    docs_dir: Optional[Path] = None
    pagefind: bool = False  # the search page exists
    generated_paths: bool = False  # the Essentials path exists
    allow_html: bool = False  # raw HTML in record text is kept (its links are not Markdown links)
    # The site's validation.links.absolute_links: "ok" (info and below), "error" (warn: fails --strict),
    # "relative_to_docs" (resolved from docs_dir like any other link).
    absolute_links: str = "ok"


def check(
    result: LoadResult,
    include_drafts: bool = False,
    *,
    date_range: tuple[int, int] = DEFAULT_DATE_RANGE,
    today: Optional[date] = None,
    links: Optional[LinkTargets] = None,
) -> None:
    """Run every cross-record rule, adding problems to `result.diagnostics`."""
    diags = result.diagnostics
    _check_dates(result, date_range, today, diags)
    check_markdown_links(result, links or LinkTargets(), include_drafts)
    taxonomy = result.taxonomy
    if taxonomy is not None:
        _check_taxonomy(taxonomy, diags)
    _check_teams_file(result, diags)
    refs = _Refs(result)
    for incident in result.incidents.values():
        _check_incident(incident, refs, diags)
    _check_indicator_refs(result, diags)
    for sop in result.sops.values():
        _check_sop(sop, refs, diags)
    for path in result.paths.values():
        _check_path(path, refs, diags, include_drafts)
    # Records that failed the schema are checked too (all problems in one
    # run). They are built without the values the schema rejected (records/load.py),
    # so a field that is missing there reads as None: each check below runs
    # under its own guard, and one that trips over such a field stops alone,
    # the schema's own message already says why.
    for incident in result.partial["incident"]:
        _check_incident(incident, refs, diags)
    for sop in result.partial["sop"]:
        _check_sop(sop, refs, diags)
    for path in result.partial["path"]:
        _check_path(path, refs, diags, include_drafts)
    for session in [*result.sessions.values(), *result.partial["session"]]:
        _check_session(session, refs, diags)
    for indicator in [*result.indicators.values(), *result.partial["indicator"]]:
        _check_indicator(indicator, refs, diags, date_range)
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

    def __exit__(
        self, kind: Optional[type[BaseException]], value: Optional[BaseException], traceback: Optional[TracebackType]
    ) -> bool:
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
    return _schema_fields(kind, lambda node, name: node.get("format") in ("date", "date-time"))


@lru_cache(maxsize=None)
def markdown_fields(kind: str) -> tuple[tuple[str, ...], ...]:
    """Where the schema for `kind` holds Markdown text (its `markdown` definition)."""
    return _schema_fields(kind, lambda node, name: name == "markdown")


def _schema_fields(kind: str, wanted: Callable[[dict[str, Any], str], bool]) -> tuple[tuple[str, ...], ...]:
    root = schemas.schema(kind)
    defs = root.get("$defs", {})
    found: set[tuple[str, ...]] = set()

    def walk(node: Any, path: tuple[str, ...], seen: frozenset, name: str = "") -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = ref[len("#/$defs/") :]
            if target in seen:
                return  # a recursive definition (taxonomy children) was walked once
            walk(defs.get(target), path, seen | {target}, target)
        if wanted(node, name):
            found.add(path)
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, path + (key,), seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], path + ("*",), seen)
        for combinator in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(combinator) or ():
                walk(branch, path, seen)
        if isinstance(node.get("then"), dict):
            walk(node["then"], path, seen)

    walk(root, (), frozenset())
    return tuple(sorted(found))


_LEAF = ""  # a trie key no field has: the value itself is wanted


@lru_cache(maxsize=None)
def _trie(patterns: tuple[tuple[str, ...], ...]) -> dict:
    """The patterns as one trie, so that a record is walked once for all of them."""
    root: dict = {}
    for pattern in patterns:
        node = root
        for part in pattern:
            node = node.setdefault(part, {})
        node[_LEAF] = None
    return root


def _values_at(
    data: Any, patterns: tuple[tuple[str, ...], ...], wanted: Optional[Any] = None
) -> list[tuple[FieldPath, Any]]:
    """(path, value) of every value at `patterns` (`*`: any list item) for which `wanted(value)` holds."""
    out: list[tuple[FieldPath, Any]] = []

    def walk(value: Any, trie: dict, path: FieldPath) -> None:
        for key, sub in trie.items():
            if key == _LEAF:
                if wanted is None or wanted(value):
                    out.append((path, value))
            elif key == "*":
                if type(value) is list:
                    for index, item in enumerate(value):
                        walk(item, sub, path + (index,))
            elif isinstance(value, dict):
                item = value.get(key, walk)  # `walk` as a marker: not there
                if item is not walk:
                    walk(item, sub, path + (key,))

    walk(data, _trie(patterns), ())
    return out


_YEAR = re.compile(r"([0-9]{4,})-")


def _model_dates(kind: str, record: Any) -> Iterator[date]:
    """Every date and timestamp of a built incident or SOP (the fields `date_fields` names)."""
    if kind == "sop":
        yield from (v.effective for v in record.versions if v.effective is not None)
        return
    if kind == "session":
        yield record.date
        return
    yield record.occurred
    if record.detected is not None:
        yield record.detected
    if record.resolved is not None:
        yield record.resolved
    yield from (e.at for e in record.timeline)
    yield from (d.at for d in record.decisions if d.at is not None)
    for item in record.action_items:
        if item.due is not None:
            yield item.due
        if item.closed is not None:
            yield item.closed
        if item.next_check_in is not None:
            yield item.next_check_in
        yield from (c.date for c in item.check_ins)
    if record.review is not None and record.review.date is not None:
        yield record.review.date


def _check_indicator_refs(result: LoadResult, diags: Diagnostics) -> None:
    """An action item's `indicator_ref` names an indicator of `content/indicators/` (v1.1, issue 15).

    Runs once the loader reads indicators (`result.indicators`, id -> indicator);
    a knowledge base read without them has nothing to check the ids against.
    """
    indicators = getattr(result, "indicators", None)
    if indicators is None:
        return
    for incident in result.incidents.values():
        doc = incident.source
        if doc is None:
            continue
        for index, item in enumerate(incident.action_items):
            ref = item.indicator_ref
            if ref and ref not in indicators:
                hint = did_you_mean(ref, list(indicators)) if indicators else " (the knowledge base has no indicators)"
                diags.add(
                    doc.diagnostic(
                        ("action_items", index, "indicator_ref"), f"unknown indicator '{ref}'{hint}", rule="reference"
                    )
                )


def _check_dates(result: LoadResult, date_range: tuple[int, int], today: Optional[date], diags: Diagnostics) -> None:
    """Every date and timestamp within `date_range`, and no incident that occurs after today.

    Pages span the time between the earliest and the latest date (per-quarter
    charts): one mistyped year would make them thousands of columns wide.
    """
    first, last = date_range
    records: list[tuple[str, Document]] = []
    # Built records have their dates parsed: their years are read from the model
    # (a walk of every file's values costs 10 % of `lessons validate`), and only
    # a record with a year outside the range is walked for the located message.
    # `date_fields` (the schema) says where dates are; test_trust.py checks
    # that `_model_dates` reads every one of them.
    for kind, records_of_kind in (
        ("incident", result.incidents.values()),
        ("sop", result.sops.values()),
        ("session", result.sessions.values()),
    ):
        for record in records_of_kind:
            if record.source is not None and not all(first <= day.year <= last for day in _model_dates(kind, record)):
                records.append((kind, record.source))
        records += [(kind, record.source) for record in result.partial[kind] if record.source is not None]
    if result.taxonomy is not None and result.taxonomy.source is not None:
        records.append(("taxonomy", result.taxonomy.source))

    def outside(value: Any) -> bool:
        # Every date starts with its year: the common case costs a slice and a comparison.
        if type(value) is not str or value[4:5] != "-":
            return type(value) is str and _YEAR.match(value) is not None  # five digits or more
        return not (value[:4].isdigit() and first <= int(value[:4]) <= last)

    for kind, doc in records:
        for where, value in _values_at(doc.data, date_fields(kind), outside):
            match = _YEAR.match(value)
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
                    (
                        f"{show(incident.raw['occurred'])} is in the future (after today, the option today); an "
                        "incident cannot have occurred yet"
                    ),
                    rule="future-date",
                )
            )


# -- links in record text ----------------------------------------------------------


def check_markdown_links(result: LoadResult, targets: LinkTargets, include_drafts: bool = False) -> None:
    """Every relative link and image in a record's Markdown names a page or a file of the site.

    The one place this rule lives: `lessons validate` and the MkDocs build
    both come here (knowledge.py), so they agree. A target with a URL scheme
    (`https:`, `mailto:`...) or starting with `#` is left alone, and so is
    one starting with `/` unless the site's `validation.links.absolute_links`
    says otherwise (`warn`: an error here too; `relative_to_docs`: resolved
    from docs_dir). A relative target is resolved against the record's own
    page (`incidents/INC-….md`, `sops/SOP-…/index.md`, `paths/<id>/index.md`...)
    and must be the `.md` source path of a generated page or a file in
    `docs_dir`; a text that other pages show too (an incident's summary on
    the home page and on reading paths, a term's description on the
    taxonomy overview...) must resolve from those pages as well
    (`_shown_on`). Inline links, images, reference links and link
    definitions count; code spans and fenced code do not. Without `](` or
    `]:` a text has no link: most fields cost a substring search.
    """
    from mkdocs_lessons import text
    from mkdocs_lessons.urls import Urls

    urls = Urls(targets.prefix)
    known: Optional[set[str]] = None  # worked out at the first link
    steps = _path_steps(result, urls, targets)

    def check_text(doc: Document, where: FieldPath, value: Any, pages: list[str]) -> None:
        nonlocal known
        if not isinstance(value, str) or ("](" not in value and "]:" not in value):
            return
        source = text.markdown(value, allow_html=targets.allow_html)
        if all(_needs_no_file(c, targets.absolute_links) for c in _CANDIDATE.findall(source)):
            return  # every target that could be one is a URL or an anchor: no Markdown parse
        for target in _link_targets(source):
            if target.startswith(("/", "\\")) and targets.absolute_links == "error":
                result.diagnostics.add(
                    doc.diagnostic(
                        where,
                        (
                            f"link target {show(target)} is an absolute link, which this site's "
                            "validation.links.absolute_links rejects; write it relative to this record's page"
                        ),
                        rule="markdown-link",
                    )
                )
                continue
            for page in pages:
                problem = _unresolved(target, page, targets.absolute_links == "relative_to_docs")
                if problem is None:
                    break
                resolved, outside = problem
                if known is None:
                    known = _site_files(result, targets, urls, include_drafts)
                if not outside and resolved in known:
                    continue
                why = (
                    "which is outside the site"
                    if outside
                    else "which is neither a generated page nor a file in docs_dir"
                )
                hint = ""
                stem = resolved[:-3] if resolved.endswith(".md") else resolved
                for guess in (stem + "/index.md", stem + ".md", resolved.removesuffix("/index.md") + ".md"):
                    if not outside and guess != resolved and guess in known:
                        hint = f" (did you mean '{posixpath.relpath(guess, posixpath.dirname(page) or '.')}'?)"
                        break
                shown = resolved
                if page == pages[0]:
                    message = f"link target {show(target)} resolves to {shown}, {why}{hint}"
                else:
                    message = (
                        f"link target {show(target)} works on this record's page, but this text is shown on {page} "
                        "too, "
                        f"where it resolves to {shown}, {why}; link to the page with a full URL or drop the link"
                    )
                result.diagnostics.add(doc.diagnostic(where, message, rule="markdown-link"))
                break

    def record(kind: str, record_id: Any, doc: Optional[Document], own: str) -> None:
        if not isinstance(record_id, str) or doc is None or not isinstance(doc.data, dict):
            return
        if not doc.may_link:
            return  # the file has no `](` or `]:` anywhere (yamlsource.read_document)
        for where, value in _values_at(doc.data, markdown_fields(kind), _may_link):
            check_text(doc, where, value, _shown_on(kind, record_id, where, doc.data, own, urls, steps))

    for incident in [*result.incidents.values(), *result.partial["incident"]]:
        record(
            "incident", incident.id, incident.source, urls.incident(incident.id) if isinstance(incident.id, str) else ""
        )
    for sop in [*result.sops.values(), *result.partial["sop"]]:
        record("sop", sop.id, sop.source, urls.sop(sop.id) if isinstance(sop.id, str) else "")
    for reading_path in [*result.paths.values(), *result.partial["path"]]:
        record(
            "path",
            reading_path.id,
            reading_path.source,
            urls.path(reading_path.id) if isinstance(reading_path.id, str) else "",
        )
    for session in [*result.sessions.values(), *result.partial["session"]]:
        record("session", session.id, session.source, urls.session(session.id) if isinstance(session.id, str) else "")
    for indicator in [*result.indicators.values(), *result.partial["indicator"]]:
        record(
            "indicator",
            indicator.id,
            indicator.source,
            urls.indicator(indicator.id) if isinstance(indicator.id, str) else "",
        )
    taxonomy = result.taxonomy
    if taxonomy is not None and taxonomy.source is not None:
        doc = taxonomy.source

        def terms(items: Any, parent: str, where: FieldPath) -> None:
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    path = f"{parent}/{item['id']}" if parent else item["id"]
                    # Its own page, the overview, its broader term's page and the reading paths that have it as a step.
                    pages = [
                        urls.term(path),
                        urls.taxonomy,
                        *([urls.term(parent)] if parent else []),
                        *steps.get(f"taxonomy/{path}", ()),
                    ]
                    check_text(doc, where + (index, "description"), item.get("description"), pages)
                    terms(item.get("children"), path, where + (index, "children"))

        terms(doc.data.get("terms"), "", ("terms",))
        for index, item in enumerate(doc.data.get("retired") or ()):
            if isinstance(item, dict):
                replacement = item.get("replaced_by")
                pages = [
                    urls.taxonomy,
                    *(
                        [urls.term(replacement)]
                        if isinstance(replacement, str) and replacement in taxonomy.terms
                        else []
                    ),
                ]
                check_text(doc, ("retired", index, "note"), item.get("note"), pages)
    teams_doc = next(
        (
            d
            for d in result.documents.values()
            if d.file and d.file.name == "teams.yaml" and isinstance(d.data, dict) and not d.problems
        ),
        None,
    )
    if teams_doc is not None and result.teams_loaded:
        for index, item in enumerate(teams_doc.data.get("teams") or ()):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                pages = [urls.team(item["id"]), urls.teams, *steps.get(f"teams/{item['id']}", ())]
                check_text(teams_doc, ("teams", index, "description"), item.get("description"), pages)


# Whatever Python-Markdown takes for a link target follows `](` or `]:` (a superset:
# a text whose candidates are all URLs or anchors has no target to check).
_CANDIDATE = re.compile(r"\]\(\s*<?([^\s)>]*)|\]:\s*<?(?:([^\s>]*))")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _needs_no_file(candidate: tuple[str, str], absolute_links: str) -> bool:
    target = candidate[0] or candidate[1]
    return (
        not target
        or target.startswith("#")
        or _SCHEME.match(target) is not None
        or (target.startswith("/") and absolute_links == "ok")
    )


def _may_link(value: Any) -> bool:
    return type(value) is str and ("](" in value or "]:" in value)


def _path_steps(result: LoadResult, urls: Any, targets: LinkTargets) -> dict[str, list[str]]:
    """For each step ref (`INC-…`, `SOP-…`, `SOP-…@n`, `taxonomy/…`, `teams/…`): the path pages that show it."""

    found: dict[str, list[str]] = {}
    for reading_path in result.paths.values():
        for step in reading_path.steps:
            if isinstance(step.ref, str):
                found.setdefault(step.ref, []).extend((urls.path(reading_path.id), urls.path_print(reading_path.id)))
                found.setdefault("print:" + step.ref, []).append(urls.path_print(reading_path.id))
    if targets.generated_paths:  # the Essentials path picks its steps from the records: any may be one
        found.setdefault("*", []).extend((urls.path(ESSENTIALS_ID), urls.path_print(ESSENTIALS_ID)))
        found.setdefault("print:*", []).append(urls.path_print(ESSENTIALS_ID))
    return found


def _shown_on(
    kind: str, record_id: str, where: FieldPath, data: dict, own: str, urls: Any, steps: dict[str, list[str]]
) -> list[str]:
    """The pages that show the Markdown field at `where` of a record: its own page first.

    Kept with the pages (pages/*.py) by hand: `tests/test_trust.py` builds a
    site with a link in every such field and checks the build agrees.
    """
    pages = [own]
    field = where[0]
    # A reading path's printable page holds the whole page of each of its steps.
    if kind == "incident":
        pages += [*steps.get("print:" + record_id, ()), *steps.get("print:*", ())]
    elif kind == "sop":
        pages += [
            page
            for ref, shown in steps.items()
            if ref in ("print:" + record_id, "print:*") or ref.startswith(f"print:{record_id}@")
            for page in shown
        ]
    if kind == "incident":
        if field == "summary":  # the home page's newest reviews, reading paths
            pages += [urls.home, *steps.get(record_id, ()), *steps.get("*", ())]
        elif field == "lessons":
            pages.append(urls.lessons)
        elif field == "action_items" and len(where) > 2 and where[2] in ("action", "indicator", "check_ins"):
            pages.append(urls.actions)
            if where[2] == "action":  # the SOP page of the version it is codified in
                item = data["action_items"][where[1]]
                ref = item.get("codified_in") if isinstance(item, dict) else None
                if isinstance(ref, str):
                    pages.append(urls.sop(ref.partition("@")[0]))
    elif kind == "sop" and field == "versions" and len(where) > 2 and where[2] == "purpose":
        pages += [
            page
            for ref, shown in steps.items()
            if ref == record_id or ref.startswith(record_id + "@") or ref == "*"
            for page in shown
        ]
    elif kind == "path" and field in ("audience", "description"):
        pages.append(urls.paths)
    elif kind == "session" and field == "buddies":
        # A buddy's takeaway shows on every incident the session discussed ("What other teams took away").
        discussed = data.get("discussed")
        pages += [
            urls.incident(ref)
            for ref in (discussed if isinstance(discussed, list) else ())
            if isinstance(ref, str) and ref.startswith("INC-")
        ]
    return list(dict.fromkeys(pages))


def _unresolved(target: str, page: str, absolute_from_docs: bool = False) -> Optional[tuple[str, bool]]:
    """None for a target that needs no file (a URL, `#anchor`, `/absolute`, empty);
    else (the docs-relative path it names, whether it climbs out of the site)."""
    if not target or target.startswith("#"):
        return None
    absolute = target.startswith(("/", "\\"))
    if absolute and not absolute_from_docs:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    resolved = posixpath.normpath(path.lstrip("/\\") if absolute else posixpath.join(posixpath.dirname(page), path))
    return resolved, resolved == ".." or resolved.startswith("../")


_MARKDOWN: Optional[tuple[Markdown, Any]] = None  # the converter and its link collector, made on first use


@lru_cache(maxsize=4096)
def _link_targets(source: str) -> tuple[str, ...]:
    """The targets of the links, images and link definitions Python-Markdown finds in `source`."""
    global _MARKDOWN
    if _MARKDOWN is None:
        import markdown
        from markdown.extensions import Extension
        from markdown.treeprocessors import Treeprocessor

        class Collect(Treeprocessor):
            found: list[str] = []

            def run(self, root: Any) -> None:
                self.found = [
                    el.get("href") if el.tag == "a" else el.get("src") for el in root.iter() if el.tag in ("a", "img")
                ]

        class Links(Extension):
            def extendMarkdown(self, md: Any) -> None:
                md.treeprocessors.register(collector, "lessons-links", 1)  # after the inline patterns (20)

        collector = Collect()
        _MARKDOWN = markdown.Markdown(extensions=["fenced_code", "tables", Links()]), collector
    md, collector = _MARKDOWN
    md.reset()
    md.convert(source)
    found = [t for t in collector.found if t is not None]
    # Definitions count even when nothing refers to them.
    found += [url for url, _title in md.references.values()]
    return tuple(found)


def _site_files(result: LoadResult, targets: LinkTargets, urls: Any, include_drafts: bool) -> set[str]:
    """The `.md` source path of every page the knowledge base generates, its other files, and docs_dir's files."""
    from mkdocs_lessons.records.schema import KINDS

    pages = {
        urls.home,
        urls.incidents,
        urls.sops,
        urls.taxonomy,
        urls.teams,
        urls.paths,
        urls.dashboard,
        urls.actions,
        urls.actions_closed,
        urls.lessons,
        urls.renewal,
    }
    pages |= {urls.kb_json, urls.metrics_json, urls.feed} | {urls.schema(kind) for kind in KINDS}
    if targets.pagefind:
        pages.add(urls.search)
    for incident in result.incidents.values():
        if include_drafts or not incident.is_draft:
            pages.add(urls.incident(incident.id))
            pages.add(urls.year(incident.occurred.year))
    pages |= {urls.incident(i) for i in result.invalid_ids["incident"]}  # its own errors say what is wrong
    for sop in result.sops.values():
        pages.add(urls.sop(sop.id))
        pages |= {urls.sop_version(sop.id, v.version) for v in sop.versions}
    pages |= {urls.sop(i) for i in result.invalid_ids["sop"]}
    path_ids = set(result.paths) | result.invalid_ids["path"] | ({ESSENTIALS_ID} if targets.generated_paths else set())
    for path_id in path_ids:
        pages |= {urls.path(path_id), urls.path_print(path_id)}
    if result.taxonomy is not None:
        pages |= {urls.term(path) for path in result.taxonomy.terms}
    pages |= {urls.team(team_id) for team_id in result.teams}
    pages |= {urls.sessions, urls.indicators}
    pages |= {urls.session(i) for i in [*result.sessions, *result.invalid_ids["session"]]}
    pages |= {urls.indicator(i) for i in [*result.indicators, *result.invalid_ids["indicator"]]}
    if targets.docs_dir is not None:
        pages |= docs_files(targets.docs_dir)
    return pages


def absolute_links_mode(level: Any) -> str:
    """`LinkTargets.absolute_links` for the site's `validation.links.absolute_links` (a name, or MkDocs' value)."""
    import logging

    if level == "relative_to_docs" or level == -1:
        return "relative_to_docs"
    levels = {"warn": logging.WARNING, "info": logging.INFO, "ignore": logging.DEBUG}
    number = levels.get(level, level) if isinstance(level, str) else level
    return "error" if isinstance(number, int) and number >= logging.WARNING else "ok"


def docs_files(docs_dir: Path) -> set[str]:
    """Every file in `docs_dir`, as a docs-relative POSIX path (hidden files and folders left out, as MkDocs does)."""
    found: set[str] = set()
    root = str(docs_dir)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative = os.path.relpath(folder, root)
        for name in files:
            if not name.startswith("."):
                found.add(Path(relative, name).as_posix() if relative != "." else name)
    return found


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
            diags.add(
                doc.diagnostic(
                    where,
                    f"taxonomy term '{path}' is retired; use '{retired.replaced_by}' instead{note}",
                    rule="retired-term",
                )
            )
            return False
        diags.add(
            doc.diagnostic(
                where, f"unknown taxonomy term '{path}'{did_you_mean(path, taxonomy.terms)}", rule="unknown-term"
            )
        )
        return False

    def team(self, doc: Document, where: FieldPath, team: str, diags: Diagnostics) -> None:
        # Without a usable teams.yaml its own error says so; no echo per reference.
        if isinstance(team, str) and self.result.teams_loaded and team not in self.team_ids:
            hint = did_you_mean(team, self.team_ids)
            diags.add(
                doc.diagnostic(
                    where, f"unknown team '{team}'{hint}; teams are listed in taxonomy/teams.yaml", rule="unknown-team"
                )
            )

    def incident(self, doc: Document, where: FieldPath, incident_id: str, diags: Diagnostics) -> bool:
        if not isinstance(incident_id, str):
            return False
        if incident_id in self.incident_ids:
            return True
        diags.add(
            doc.diagnostic(
                where,
                f"unknown incident '{incident_id}'{did_you_mean_id(incident_id, self.incident_ids)}",
                rule="unknown-incident",
            )
        )
        return False

    def sop(self, doc: Document, where: FieldPath, text: str, diags: Diagnostics) -> Optional[Sop]:
        ref = SopRef.parse(text)
        if ref.sop_id not in self.sop_ids:
            diags.add(
                doc.diagnostic(
                    where, f"unknown SOP '{ref.sop_id}'{did_you_mean_id(ref.sop_id, self.sop_ids)}", rule="unknown-sop"
                )
            )
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
        diags.add(
            doc.diagnostic(
                where, f"{ref.sop_id} has no version {ref.version} (versions: {have})", rule="unknown-sop-version"
            )
        )


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
                diags.add(
                    doc.diagnostic(
                        here + ("id",), f"duplicate term '{path}' (first defined at line {line})", rule="duplicate-id"
                    )
                )
            else:
                seen[path] = here
            walk(item.get("children", []), path, here + ("children",))

    walk(doc.data["terms"], "", ("terms",))
    for index, item in enumerate(doc.data.get("retired", [])):
        where: FieldPath = ("retired", index)
        if item["id"] in taxonomy.terms:
            diags.add(
                doc.diagnostic(
                    where + ("id",),
                    f"'{item['id']}' is listed as retired but is still an active term",
                    rule="retired-term",
                )
            )
        target = item["replaced_by"]
        if target not in taxonomy.terms:
            hint = " (it is itself retired)" if target in taxonomy.retired else did_you_mean(target, taxonomy.terms)
            diags.add(
                doc.diagnostic(
                    where + ("replaced_by",), f"replacement term '{target}' does not exist{hint}", rule="unknown-term"
                )
            )


def _check_teams_file(result: LoadResult, diags: Diagnostics) -> None:
    doc = next(
        (d for d in result.documents.values() if d.file and d.file.name == "teams.yaml" and d.data and not d.problems),
        None,
    )
    if doc is None or not isinstance(doc.data, dict):
        return
    teams = doc.data.get("teams")
    if not isinstance(teams, list):
        return  # not a list: the schema says so
    _duplicates(
        doc, [(("teams", i, "id"), t.get("id")) for i, t in enumerate(teams) if isinstance(t, dict)], "team", diags
    )


def _duplicates(doc: Document, items: Iterable[tuple[FieldPath, object]], what: str, diags: Diagnostics) -> None:
    first: dict[object, FieldPath] = {}
    for where, value in items:
        if not isinstance(value, str):
            continue  # missing or rejected (a record that failed its schema)
        if value in first:
            line = doc.where(first[value])[0]
            diags.add(
                doc.diagnostic(
                    where, f"duplicate {what} id '{value}' (first defined at line {line})", rule="duplicate-id"
                )
            )
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
            where: FieldPath = ("classification", "secondary", index)
            if refs.term(doc, where, term, diags) and term == incident.primary:
                diags.add(
                    doc.diagnostic(where, f"'{term}' is already the primary classification", rule="duplicate-term")
                )
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
            diags.add(
                doc.diagnostic(
                    ("detected",),
                    f"detected ({raw['detected']}) is before occurred ({raw['occurred']})",
                    rule="time-order",
                )
            )
    with guard:
        if incident.resolved:
            start, name = (incident.detected, "detected") if incident.detected else (incident.occurred, "occurred")
            if incident.resolved < start:
                diags.add(
                    doc.diagnostic(
                        ("resolved",), f"resolved ({raw['resolved']}) is before {name} ({raw[name]})", rule="time-order"
                    )
                )
    for index in range(1, len(incident.timeline)):
        with guard:
            before, after = incident.timeline[index - 1], incident.timeline[index]
            if after.at < before.at:
                diags.add(
                    doc.diagnostic(
                        ("timeline", index, "at"),
                        (
                            f"timeline is out of order: {raw['timeline'][index]['at']} is earlier than the entry "
                            f"before it ({raw['timeline'][index - 1]['at']})"
                        ),
                        rule="timeline-order",
                    )
                )

    with guard:
        _duplicates(
            doc, [(("action_items", i, "id"), a.id) for i, a in enumerate(incident.action_items)], "action item", diags
        )
    for index, item in enumerate(incident.action_items):
        with guard:
            if item.codified_in is not None:
                where = ("action_items", index, "codified_in")
                sop = refs.sop(doc, where, str(item.codified_in), diags)
                _check_codified_version(doc, where, item.codified_in, sop, diags)
        with guard:
            if item.closed and item.status is not None and item.status not in ("done", "dropped"):
                diags.add(
                    doc.diagnostic(
                        ("action_items", index, "closed"),
                        f"has a closed date but its status is '{item.status}'",
                        rule="action-closed",
                        severity=Severity.WARNING,
                    )
                )


def _check_codified_version(
    doc: Document, where: FieldPath, ref: SopRef, sop: Optional[Sop], diags: Diagnostics
) -> None:
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
                        (
                            f"version {version.version} follows version {previous.version}; version numbers must "
                            "strictly increase in file order"
                        ),
                        rule="sop-version-order",
                    )
                )
        with guard:
            if version.status == "approved":
                if approved_at is not None:
                    diags.add(
                        doc.diagnostic(
                            where + ("status",),
                            f"version {version.version} is approved, but version {sop.versions[approved_at].version} "
                            "is approved too; "
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
                        (
                            f"version {version.version} is superseded but comes after the approved version "
                            f"{sop.versions[approved_at].version}"
                        ),
                        rule="sop-superseded-order",
                    )
                )
        with guard:
            if (
                previous is not None
                and version.effective
                and previous.effective
                and version.effective < previous.effective
            ):
                diags.add(
                    doc.diagnostic(
                        where + ("effective",),
                        (
                            f"version {version.version} takes effect ({version.effective}) before version "
                            f"{previous.version} ({previous.effective})"
                        ),
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


def _check_step(
    path: ReadingPath,
    index: int,
    step: PathStep,
    first_step: dict[str, int],
    refs: _Refs,
    diags: Diagnostics,
    include_drafts: bool,
) -> None:
    doc = path.source
    assert doc is not None
    result = refs.result
    where: FieldPath = ("steps", index, "ref")
    if not isinstance(step.ref, str) or not _STEP_REF.fullmatch(step.ref):
        return
    kind, target = step.target_kind, step.target
    if step.ref in first_step:
        # A page that is two steps of one path cannot say which step it is.
        diags.add(
            doc.diagnostic(
                where,
                f"{step.ref} is already step {first_step[step.ref] + 1} of this path",
                rule="path-duplicate-step",
                severity=Severity.WARNING,
            )
        )
    else:
        first_step[step.ref] = index
    if kind == "incident":
        if refs.incident(doc, where, target, diags):
            incident = result.incidents.get(target)
            if incident is not None and incident.is_draft and not include_drafts:
                diags.add(
                    doc.diagnostic(
                        where,
                        f"{target} is a draft and is not published; readers would meet a dead end",
                        rule="path-draft",
                        severity=Severity.WARNING,
                    )
                )
            elif incident is not None and incident.is_draft:
                diags.add(
                    doc.diagnostic(
                        where,
                        (
                            f"{target} is a draft, published only because drafts are included; new hires would study "
                            "an unreviewed story"
                        ),
                        rule="path-draft",
                        severity=Severity.WARNING,
                    )
                )
    elif kind == "sop":
        sop = refs.sop(doc, where, target, diags)
        ref = SopRef.parse(target)
        current = sop.current if sop is not None else None
        if sop is not None and ref.version is not None:
            version = sop.version(ref.version)
            if version is not None and version.status in ("superseded", "retired"):
                hint = f"; the current version is {sop.id}@{current.version}" if current else ""
                diags.add(
                    doc.diagnostic(
                        where, f"{target} is {version.status}{hint}", rule="path-superseded", severity=Severity.WARNING
                    )
                )
            elif version is not None and version.status in ("draft", "proposed"):
                hint = f"; the current version is {sop.id}@{current.version}" if current else ""
                diags.add(
                    doc.diagnostic(
                        where,
                        f"{target} is {version.status}, not yet standard practice{hint}",
                        rule="path-draft",
                        severity=Severity.WARNING,
                    )
                )
        elif sop is not None and current is None and sop.versions:
            if sop.versions[-1].status == "retired":
                diags.add(
                    doc.diagnostic(
                        where,
                        f"{target} is retired: its last version was withdrawn",
                        rule="path-superseded",
                        severity=Severity.WARNING,
                    )
                )
            else:
                diags.add(
                    doc.diagnostic(
                        where,
                        (
                            f"{target} has no approved version yet; readers would study a procedure that is not "
                            "standard practice"
                        ),
                        rule="path-draft",
                        severity=Severity.WARNING,
                    )
                )
    elif kind == "team":
        refs.team(doc, where, target, diags)
    else:
        taxonomy = refs.taxonomy
        if taxonomy is not None and target in taxonomy.retired:
            replacement = taxonomy.retired[target].replaced_by
            diags.add(
                doc.diagnostic(
                    where,
                    f"taxonomy term '{target}' is retired; point the step at 'taxonomy/{replacement}'",
                    rule="path-retired-term",
                    severity=Severity.WARNING,
                )
            )
        else:
            refs.term(doc, where, target, diags)


# -- learning sessions and indicators (record format v1.1) ---------------------------


def _check_session(session: Session, refs: _Refs, diags: Diagnostics) -> None:
    """Every team and every discussed record resolves; the host is one of the teams."""
    doc = session.source
    assert doc is not None
    guard = refs.guard(session)
    for index, team in enumerate(session.teams):
        with guard:
            refs.team(doc, ("teams", index), team, diags)
    with guard:
        host = session.host_team
        if host:
            refs.team(doc, ("host",), host, diags)
            if host in refs.team_ids and isinstance(session.teams, list) and host not in session.teams:
                diags.add(
                    doc.diagnostic(
                        ("host",),
                        (
                            f"the host team '{host}' is not one of the session's teams "
                            f"({', '.join(map(str, session.teams))})"
                        ),
                        rule="session-host",
                    )
                )
    for index, buddy in enumerate(session.buddies):
        with guard:
            refs.team(doc, ("buddies", index, "team"), buddy.team, diags)
    for index, ref in enumerate(session.discussed):
        with guard:
            where = ("discussed", index)
            if not isinstance(ref, str):
                continue
            if ref.startswith("INC-"):
                refs.incident(doc, where, ref, diags)
            elif ref.startswith("SOP-"):
                refs.sop(doc, where, ref, diags)


def _check_indicator(
    indicator: Indicator, refs: _Refs, diags: Diagnostics, date_range: tuple[int, int] = DEFAULT_DATE_RANGE
) -> None:
    """Known teams; periods within the date range; one value per period; one period form (months or quarters) per
    series.
    """
    doc = indicator.source
    assert doc is not None
    guard = refs.guard(indicator)
    for index, team in enumerate(indicator.teams):
        with guard:
            refs.team(doc, ("teams", index), team, diags)
    first_at: dict[str, int] = {}
    form: Optional[tuple[str, int]] = None  # (the series' form, the index that set it)
    for index, value in enumerate(indicator.values):
        with guard:
            period = value.period
            if not isinstance(period, str) or not _PERIOD.fullmatch(period):
                continue  # missing or in the wrong form: the schema says so
            where = ("values", index, "period")
            if not date_range[0] <= int(period[:4]) <= date_range[1]:
                diags.add(
                    doc.diagnostic(
                        where,
                        (
                            f"{period} is outside the date range {date_range[0]}-{date_range[1]} (year {period[:4]}); "
                            "a typo? (the range is the plugin option date_range)"
                        ),
                        rule="date-range",
                    )
                )
                continue
            if period in first_at:
                line = doc.where(("values", first_at[period], "period"))[0]
                diags.add(
                    doc.diagnostic(
                        where,
                        f"two values for period {period} (the first is at line {line}); keep one",
                        rule="indicator-duplicate-period",
                    )
                )
                continue
            first_at[period] = index
            this_form = "quarter" if "Q" in period else "month"
            if form is None:
                form = (this_form, index)
            elif form[0] != this_form:
                first = indicator.values[form[1]].period
                diags.add(
                    doc.diagnostic(
                        where,
                        (
                            f"period {period} is a {this_form}, but this series is in {form[0]}s (from {first}); one "
                            "form per series"
                        ),
                        rule="indicator-mixed-periods",
                    )
                )


_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])")


def reserved_id_problem(kb_paths: dict[str, ReadingPath]) -> Optional[Diagnostic]:
    """An error when a curated path already uses the generated path's id."""
    clash = kb_paths.get(ESSENTIALS_ID)
    if clash is None or clash.generated:
        return None
    message = (
        f"path id '{ESSENTIALS_ID}' is reserved for the generated Essentials path (option generated_paths: true); "
        "rename this path or turn the option off"
    )
    if clash.source is not None:
        return clash.source.diagnostic(("id",), message, rule="reserved-path-id")
    return Diagnostic(f"paths/{ESSENTIALS_ID}.yaml", 1, 1, "id", message, "reserved-path-id")

"""Schema-valid record data into the typed model (records/model.py), one builder per record kind.

The builders read schema-valid data, or a record that failed its schema
less its rejected values (`without_rejected`, used by records/load.py to check such
records too): required fields may then be None.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional, TypeVar

from mkdocs_lessons.records.model import (
    ActionItem,
    Assumption,
    Buddy,
    CheckIn,
    Criterion,
    Decision,
    Incident,
    Indicator,
    IndicatorValue,
    PathStep,
    Pdsa,
    ReadingPath,
    RetiredTerm,
    Review,
    RootCause,
    Session,
    Sop,
    SopLink,
    SopRef,
    SopVersion,
    Taxonomy,
    Team,
    Term,
    TimelineEvent,
    parse_date,
    parse_timestamp,
)
from mkdocs_lessons.records.yamlsource import Document


class Lenient(dict[str, Any]):
    """A mapping of a record that failed its schema: a missing field reads as None."""

    def __missing__(self, key: str) -> None:
        return None


NOTHING = Lenient()  # a rejected or missing mapping (never written to)


def without_rejected(value: Any, path: tuple, rejected: set) -> Any:
    """`value` without the values at `rejected` paths (see _check_partially)."""
    if isinstance(value, dict):
        out = Lenient()
        for key, item in value.items():
            where = path + (key,)
            if where not in rejected:
                out[key] = without_rejected(item, where, rejected)
        return out
    if isinstance(value, list):
        return [
            Lenient() if path + (i,) in rejected else without_rejected(item, path + (i,), rejected)
            for i, item in enumerate(value)
        ]
    return value


T = TypeVar("T")


def _required(value: Optional[T]) -> T:
    """A required field's value, typed as the model has it: None only in a
    record that failed its schema (_check_partially), which is never published."""
    return value  # type: ignore[return-value]  # None only in such a record: the model types the field as set


def _int(value: Any) -> int:
    if value is None:  # a record that failed its schema (_check_partially)
        return _required(None)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not a whole number: {value!r}")
    return value


def _opt_date(value: Optional[str]) -> Optional[date]:
    return parse_date(value) if value else None


def _opt_ts(value: Optional[str]) -> Optional[datetime]:
    return parse_timestamp(value) if value else None


def _opt_ref(value: Optional[str]) -> Optional[SopRef]:
    return SopRef.parse(value) if value else None


def build_taxonomy(doc: Document) -> Taxonomy:
    data = doc.data
    terms: dict[str, Term] = {}

    def walk(items: list[dict[str, Any]], parent: Optional[str]) -> list[str]:
        paths = []
        for item in items:
            path = f"{parent}/{item['id']}" if parent else item["id"]
            term = Term(item["id"], path, item["title"], item["description"], item.get("remedy"), parent)
            # A duplicate path keeps the first definition; checks/rules.py reports it.
            terms.setdefault(path, term)
            term.children = walk(item.get("children", []), path)
            paths.append(path)
        return paths

    walk(data["terms"], None)
    retired = {r["id"]: RetiredTerm(r["id"], r["replaced_by"], r.get("note", "")) for r in data.get("retired", [])}
    return Taxonomy(data["version"], _opt_date(data.get("updated")), terms, retired, doc)


def build_teams(doc: Document) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for item in doc.data["teams"]:
        teams.setdefault(
            item["id"], Team(item["id"], item["title"], item.get("description", ""), item.get("contact", ""))
        )
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


def build_incident(doc: Document, data: Optional[dict[str, Any]] = None) -> Incident:
    d = doc.data if data is None else data
    classification = d["classification"] or NOTHING
    rc = d.get("root_cause")
    review = d.get("review")
    return Incident(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        status=d["status"],
        occurred=_required(_opt_ts(d["occurred"])),
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
        timeline=[TimelineEvent(_required(_opt_ts(e["at"])), e["event"]) for e in d.get("timeline", [])],
        decisions=[
            Decision(x["decision"], _opt_ts(x.get("at")), x.get("rationale", "")) for x in d.get("decisions", [])
        ],
        assumptions=[Assumption(x["assumption"], x.get("held")) for x in d.get("assumptions", [])],
        root_cause=RootCause(rc.get("whys", []), rc.get("cause", ""), rc.get("contributing_factors", []))
        if rc
        else None,
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
                check_ins=[CheckIn(_required(_opt_date(c["date"])), c["note"]) for c in a.get("check_ins", [])],
                codified_in=SopRef.parse(a["codified_in"]) if a.get("codified_in") else None,
                next_check_in=_opt_date(a.get("next_check_in")),
                indicator_ref=a.get("indicator_ref", ""),
            )
            for a in d.get("action_items", [])
        ],
        sops=[SopLink(_required(_opt_ref(s["ref"])), s["relation"]) for s in d.get("sops", [])],
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


def build_sop(doc: Document, data: Optional[dict[str, Any]] = None) -> Sop:
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


def build_path(doc: Document, data: Optional[dict[str, Any]] = None) -> ReadingPath:
    d = doc.data if data is None else data
    return ReadingPath(
        id=d["id"],
        title=d["title"],
        steps=[PathStep(s["ref"], s.get("note", "")) for s in d["steps"] or ()],
        audience=d.get("audience", ""),
        description=d.get("description", ""),
        source=doc,
    )


def build_session(doc: Document, data: Optional[dict[str, Any]] = None) -> Session:
    d = doc.data if data is None else data
    return Session(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        date=_required(_opt_date(d["date"])),
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


def build_indicator(doc: Document, data: Optional[dict[str, Any]] = None) -> Indicator:
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

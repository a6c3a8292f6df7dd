"""One page per published incident: `incidents/INC-2024-017/`."""

from __future__ import annotations

from typing import Callable, Hashable, Iterable, Optional

from .. import text
from ..model import Incident
from .banners import with_path_banners
from .learning import loop_facts, similar_to
from .learning_sections import in_force_note, loop_section, recurrence_section, review_quality_note, similar_section
from .search import incident_filters
from .common import (
    Context,
    GeneratedFile,
    badge,
    bullets,
    fmt_date,
    fmt_duration,
    fmt_timestamp,
    join_blocks,
    kind_label,
    section,
    table,
)

RELATION_LABELS = {
    "violated": "violated",
    "missing": "was missing (the procedure did not cover this)",
    "followed": "followed",
    "updated": "updated as a result",
}
DETECTION_LABELS = {
    "alert": "Monitoring alert",
    "customer": "Customer report",
    "employee": "Employee noticed",
    "audit": "Audit",
    "other": "Other",
}


def render_incident(ctx: Context, incident: Incident) -> GeneratedFile:
    page = ctx.urls.incident(incident.id)
    title = f"{text.inline(incident.id)}: {text.inline(incident.title)}"
    body = join_blocks(f"# {title}", incident_filters(ctx, incident), incident_body(ctx, page, incident))
    body = with_path_banners(ctx, page, incident.id, body)
    source = incident.source.file if incident.source else None
    return GeneratedFile(page, body, source=source, title=f"{incident.id}: {incident.title}")


def incident_page_reads(ctx: Context, incident: Incident, rows_of: Callable[..., tuple]) -> Optional[Hashable]:
    """What an incident page shows of other incidents (for its narrow key, reuse.py); None for a step of a path.

    The rest of the page reads its own record, the records but the incidents
    (SOPs, terms, teams, settings) and the similar list, all in its key
    already; the loop's section too (its own action items, the SOPs'
    `motivated_by`). Of other incidents it shows titles and draft marks:
    related ones both ways, possible recurrences (with their dates, actions,
    terms, teams, and how many more there are) and similar ones. Adding a
    record then makes again the pages that list it, not every page.
    """
    if ctx.graph.path_visits.get(incident.id):
        return None  # its banners show the path's other steps
    kb = ctx.kb
    found = loop_facts(ctx).recurrences
    incoming = tuple(ctx.graph.related_from.get(incident.id, ()))
    before = tuple(found.before.get(incident.id, ()))
    after = tuple(found.after.get(incident.id, ()))
    similar = [s.incident_id for s in similar_to(ctx, incident.id)]  # how they are similar: in the page's own key
    shown: Iterable[str] = (*incident.related, *incoming, *(r.earlier for r in before), *(r.later for r in after), *similar)
    return (
        incoming,
        before,
        after,
        found.before_total.get(incident.id, 0),
        found.after_total.get(incident.id, 0),
        rows_of([kb.incidents[i] for i in dict.fromkeys(shown) if i in kb.incidents], page=True),
    )


def incident_body(ctx: Context, page: str, incident: Incident) -> str:
    """Everything under the title, with links relative to `page` (printed reading paths reuse it)."""
    badges = " ".join(
        b
        for b in (
            badge(kind_label(incident), incident.kind),
            badge(incident.severity, incident.severity.lower()) if incident.severity else "",
            badge(incident.status, incident.status),
        )
        if b
    )
    return join_blocks(
        badges,
        _facts(ctx, page, incident),
        section("Summary", ctx.md(incident.summary)),
        section("Context", ctx.md(incident.context)) if incident.context else "",
        section("Impact", ctx.md(incident.impact)) if incident.impact else "",
        _timeline(ctx, incident),
        _decisions(ctx, incident),
        _assumptions(ctx, incident),
        _root_cause(ctx, incident),
        _reflections(ctx, incident),
        section("Lessons", bullets(ctx.md_line(x) for x in incident.lessons)) if incident.lessons else "",
        _action_items(ctx, page, incident),
        loop_section(ctx, page, incident),
        recurrence_section(ctx, page, incident),
        _related(ctx, page, incident),
        similar_section(ctx, page, incident),
        _review(ctx, incident),
        review_quality_note(ctx, incident),
    )


def _facts(ctx: Context, page: str, incident: Incident) -> str:
    rows: list[list[str]] = [
        ["Kind", kind_label(incident)],
    ]
    if incident.severity:
        rows.append(["Severity", incident.severity])
    rows.append(["Status", incident.status])
    if incident.failure_type:
        hint = "a process fix stabilises it" if incident.failure_type == "process" else "an outcome fix pivots"
        rows.append(["Failure type", f"{incident.failure_type} ({hint})"])
    rows.append(["Occurred", fmt_timestamp(incident.occurred)])
    if incident.detected:
        rows.append(["Detected", f"{fmt_timestamp(incident.detected)} (time to detect: **{fmt_duration(incident.time_to_detect)}**)"])
    if incident.resolved:
        restore = incident.time_to_restore
        suffix = f" (time to restore: **{fmt_duration(restore)}**)" if restore is not None else ""
        rows.append(["Resolved", f"{fmt_timestamp(incident.resolved)}{suffix}"])
    if incident.detection:
        rows.append(["Detected by", DETECTION_LABELS.get(incident.detection, incident.detection)])
    if incident.caused_by_change is not None:
        rows.append(["Triggered by a change", "yes" if incident.caused_by_change else "no"])
    rows.append(["Teams", ctx.teams_links(page, incident.teams)])
    classification = ctx.term_link(page, incident.primary) + " (primary)"
    if incident.secondary:
        classification += "; " + ", ".join(ctx.term_link(page, t) for t in incident.secondary)
    rows.append(["Classification", classification])
    if incident.sops:
        rows.append(
            ["Procedures", "; ".join(f"{ctx.sop_link(page, s.ref, title=True)}: {RELATION_LABELS[s.relation]} {in_force_note(ctx, page, incident, s)}" for s in incident.sops)]
        )
    if incident.tags:
        rows.append(["Tags", ", ".join(text.code(t) for t in incident.tags)])
    return '<div class="lessons-facts" markdown>\n\n' + table(["Fact", "Value"], rows) + "\n\n</div>"


def _timeline(ctx: Context, incident: Incident) -> str:
    if not incident.timeline:
        return ""
    rows = [[fmt_timestamp(e.at), ctx.md_line(e.event)] for e in incident.timeline]
    return section("Timeline", table(["Time", "Event"], rows))


def _decisions(ctx: Context, incident: Incident) -> str:
    if not incident.decisions:
        return ""
    rows = [[fmt_timestamp(d.at) if d.at else "", ctx.md_line(d.decision), ctx.md_line(d.rationale)] for d in incident.decisions]
    return section("Decisions", table(["Time", "Decision", "Rationale"], rows))


def _assumptions(ctx: Context, incident: Incident) -> str:
    if not incident.assumptions:
        return ""
    labels = {True: badge("held", "held"), False: badge("did not hold", "not-held"), None: badge("unverified", "unknown")}
    rows = [[ctx.md_line(a.assumption), labels[a.held]] for a in incident.assumptions]
    return section("Assumptions", table(["Assumption", "Held?"], rows))


def _root_cause(ctx: Context, incident: Incident) -> str:
    rc = incident.root_cause
    if rc is None:
        return ""
    parts = []
    if rc.whys:
        parts.append(section("Five whys", "\n".join(f"{i}. {ctx.md_line(w)}" for i, w in enumerate(rc.whys, 1)), level=3))
    if rc.cause:
        parts.append(section("Cause", ctx.md(rc.cause), level=3))
    if rc.contributing_factors:
        parts.append(section("Contributing factors", bullets(ctx.md_line(x) for x in rc.contributing_factors), level=3))
    return section("Root cause", join_blocks(*parts)) if parts else ""


def _reflections(ctx: Context, incident: Incident) -> str:
    parts = [
        section(name, bullets(ctx.md_line(x) for x in items), level=3)
        for name, items in (("What went well", incident.went_well), ("What went wrong", incident.went_wrong), ("Where we got lucky", incident.got_lucky))
        if items
    ]
    return section("Reflections", join_blocks(*parts)) if parts else ""


def _action_items(ctx: Context, page: str, incident: Incident) -> str:
    if not incident.action_items:
        return ""
    rows = []
    for item in incident.action_items:
        status = badge(item.status, item.status)
        if item.is_open and item.due and item.due < ctx.today:
            status += " " + badge(f"overdue {(ctx.today - item.due).days} d", "overdue")
        latest = item.check_ins[-1] if item.check_ins else None
        rows.append(
            [
                text.inline(item.id),
                ctx.md_line(item.action) + (f" *({text.inline(item.type)})*" if item.type else ""),
                text.inline(item.owner),
                fmt_date(item.due),
                status + (f" {fmt_date(item.closed)}" if item.closed else ""),
                ctx.md_line(item.indicator),
                f"{fmt_date(latest.date)}: {ctx.md_line(latest.note)}" if latest else "",
                ctx.sop_link(page, item.codified_in) if item.codified_in else "",
            ]
        )
    return section("Action items", table(["Id", "Action", "Owner", "Due", "Status", "Indicator", "Latest check-in", "Codified in"], rows))


def _related(ctx: Context, page: str, incident: Incident) -> str:
    outgoing = incident.related
    incoming = [i for i in ctx.graph.related_from.get(incident.id, []) if i not in outgoing]
    if not outgoing and not incoming:
        return ""
    lines = [ctx.incident_link(page, i, title=True) for i in outgoing]
    lines += [f"{ctx.incident_link(page, i, title=True)} *(refers to this incident)*" for i in incoming]
    return section("Related incidents", bullets(lines))


def _review(ctx: Context, incident: Incident) -> str:
    review = incident.review
    if review is None:
        return ""
    rows = []
    if review.date:
        rows.append(["Held on", fmt_date(review.date)])
    if review.facilitator:
        rows.append(["Facilitator", text.inline(review.facilitator)])
    if review.participants:
        rows.append(["Participants", ", ".join(text.inline(p) for p in review.participants)])
    if review.learning_buddies:
        rows.append(["Learning buddies (observers from other teams)", ", ".join(text.inline(p) for p in review.learning_buddies)])
    return section("Review", table(["", ""], rows)) if rows else ""

"""One page per published incident: `incidents/INC-2024-017/`."""

from __future__ import annotations

from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.analysis.followup import ItemRef
from mkdocs_lessons.analysis.recurrence import SIMILARITY_THRESHOLD
from mkdocs_lessons.charts.timeline import timeline_chart
from mkdocs_lessons.pages.common import Context, GeneratedFile, badge, fmt_date, fmt_duration, fmt_timestamp, kind_label
from mkdocs_lessons.pages.incidents.followup import check_in_cell, experiment_rows, fix_effect_views, stage_badge
from mkdocs_lessons.pages.incidents.loop_sections import (
    in_force_note,
    loop_view,
    recurrence_view,
    review_quality_view,
    similar_view,
)
from mkdocs_lessons.pages.paths.banners import path_banners
from mkdocs_lessons.pages.search import incident_filters
from mkdocs_lessons.pages.sessions import record_sessions
from mkdocs_lessons.records.model import Incident

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
    source = incident.source.file if incident.source else None
    return ctx.page(
        "incident.html",
        page,
        f"{incident.id}: {incident.title}",
        source=source,
        filters=Markup(incident_filters(ctx, incident)),
        banners=path_banners(ctx, page, incident.id),
        body=incident_view(ctx, page, incident),
        sessions=record_sessions(ctx, page, incident.id, own_team=set(incident.teams)),
    )


def incident_body(ctx: Context, page: str, incident: Incident) -> Markup:
    """Everything under the title as HTML, with links relative to `page` (printed reading paths reuse it)."""
    return Markup(ctx.templates.render("partials/incident_body.html", body=incident_view(ctx, page, incident)))


def incident_view(ctx: Context, page: str, incident: Incident) -> dict[str, Any]:
    """What `partials/incident_body.html` shows of an incident on `page`: text, Markup and lists of them."""
    badges = [(kind_label(incident), incident.kind)]
    if incident.severity:
        badges.append((incident.severity, incident.severity.lower()))
    badges.append((incident.status, incident.status))
    return {
        "badges": badges,
        "facts": _facts(ctx, page, incident),
        "summary": ctx.prose(incident.summary, page),
        "context": ctx.prose(incident.context, page) if incident.context else None,
        "impact": ctx.prose(incident.impact, page) if incident.impact else None,
        "timeline": [(fmt_timestamp(e.at), ctx.prose_line(e.event, page)) for e in incident.timeline],
        "timeline_chart": Markup(timeline_chart(incident, f"timeline-{incident.id}")),
        "decisions": [
            (fmt_timestamp(d.at) if d.at else "", ctx.prose_line(d.decision, page), ctx.prose_line(d.rationale, page))
            for d in incident.decisions
        ],
        "assumptions": [(ctx.prose_line(a.assumption, page), badge(*_HELD[a.held])) for a in incident.assumptions],
        "root_cause": _root_cause(ctx, page, incident),
        "reflections": [
            (name, [ctx.prose_line(x, page) for x in items])
            for name, items in (
                ("What went well", incident.went_well),
                ("What went wrong", incident.went_wrong),
                ("Where we got lucky", incident.got_lucky),
            )
            if items
        ],
        "lessons": [ctx.prose_line(x, page) for x in incident.lessons],
        "action_items": _action_items(ctx, page, incident),
        "fix_effects": fix_effect_views(ctx, page, incident, getattr(ctx.kb, "indicators", None)),
        "experiments": experiment_rows(
            ctx,
            page,
            [ItemRef(incident, a) for a in incident.action_items if a.pdsa is not None and a.pdsa.is_experiment],
            False,
        ),
        "loop": loop_view(ctx, page, incident),
        "recurrence": recurrence_view(ctx, page, incident),
        "recurrence_threshold": f"{SIMILARITY_THRESHOLD:g}",
        "related": _related(ctx, page, incident),
        "similar": similar_view(ctx, page, incident),
        "review": _review(incident),
        "quality": review_quality_view(ctx, incident) if ctx.show_review_notes else [],
    }


_HELD = {True: ("held", "held"), False: ("did not hold", "not-held"), None: ("unverified", "unknown")}


def _facts(ctx: Context, page: str, incident: Incident) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [("Kind", kind_label(incident))]
    if incident.severity:
        rows.append(("Severity", incident.severity))
    rows.append(("Status", incident.status))
    if incident.failure_type:
        hint = "a process fix stabilises it" if incident.failure_type == "process" else "an outcome fix pivots"
        rows.append(("Failure type", f"{incident.failure_type} ({hint})"))
    rows.append(("Occurred", fmt_timestamp(incident.occurred)))
    if incident.detected:
        rows.append(
            (
                "Detected",
                Markup("{} (time to detect: <strong>{}</strong>)").format(
                    fmt_timestamp(incident.detected), fmt_duration(incident.time_to_detect)
                ),
            )
        )
    if incident.resolved:
        restore = incident.time_to_restore
        suffix = (
            Markup(" (time to restore: <strong>{}</strong>)").format(fmt_duration(restore))
            if restore is not None
            else ""
        )
        rows.append(("Resolved", Markup("{}{}").format(fmt_timestamp(incident.resolved), suffix)))
    if incident.detection:
        rows.append(("Detected by", DETECTION_LABELS.get(incident.detection, incident.detection)))
    if incident.caused_by_change is not None:
        rows.append(("Triggered by a change", "yes" if incident.caused_by_change else "no"))
    rows.append(("Teams", ctx.teams_html(page, incident.teams)))
    if incident.systems:
        rows.append(("Systems", Markup(", ").join(Markup("<code>{}</code>").format(s) for s in incident.systems)))
    classification = Markup("{} (primary)").format(ctx.term_a(page, incident.primary))
    if incident.secondary:
        classification += Markup("; ") + Markup(", ").join(ctx.term_a(page, t) for t in incident.secondary)
    rows.append(("Classification", classification))
    if incident.sops:
        rows.append(
            (
                "Procedures",
                Markup("; ").join(
                    Markup("{}: {} {}").format(
                        ctx.sop_a(page, s.ref, title=True),
                        RELATION_LABELS[s.relation],
                        in_force_note(ctx, page, incident, s),
                    )
                    for s in incident.sops
                ),
            )
        )
    if incident.tags:
        rows.append(("Tags", Markup(", ").join(Markup("<code>{}</code>").format(t) for t in incident.tags)))
    return rows


def _root_cause(ctx: Context, page: str, incident: Incident) -> Optional[dict[str, Any]]:
    rc = incident.root_cause
    if rc is None or not (rc.whys or rc.cause or rc.contributing_factors):
        return None
    return {
        "whys": [ctx.prose_line(w, page) for w in rc.whys],
        "cause": ctx.prose(rc.cause, page) if rc.cause else None,
        "factors": [ctx.prose_line(x, page) for x in rc.contributing_factors],
    }


def _action_items(ctx: Context, page: str, incident: Incident) -> list[list[Any]]:
    rows = []
    for item in incident.action_items:
        status = badge(item.status, item.status)
        if item.is_open and item.due and item.due < ctx.today:
            status += Markup(" ") + badge(f"overdue {(ctx.today - item.due).days} d", "overdue")
        if item.closed:
            status += Markup(" {}").format(fmt_date(item.closed))
        elif item.status == "done":
            # Recurrence dates this fix by its due date (else the review date): say so where the date is missing.
            taken = f"due date {fmt_date(item.due)}" if item.due else "review date"
            status += Markup(' <span class="lessons-estimated">no closed date (date estimated: {})</span>').format(
                taken
            )
        action = ctx.prose_line(item.action, page)
        if item.type:
            action += Markup(" <em>({})</em>").format(item.type)
        if item.pdsa is not None:
            action += Markup(" ") + stage_badge(item)
        rows.append(
            [
                item.id,
                action,
                item.owner,
                fmt_date(item.due),
                status,
                ctx.prose_line(item.indicator, page),
                check_in_cell(ctx, page, incident, item),
                ctx.sop_a(page, item.codified_in) if item.codified_in else "",
            ]
        )
    return rows


def _related(ctx: Context, page: str, incident: Incident) -> list[Markup]:
    outgoing = incident.related
    incoming = [i for i in ctx.graph.related_from.get(incident.id, []) if i not in outgoing]
    lines = [ctx.incident_a(page, i, title=True) for i in outgoing]
    lines += [ctx.incident_a(page, i, title=True) + Markup(" <em>(refers to this incident)</em>") for i in incoming]
    return lines


def _review(incident: Incident) -> list[tuple[str, str]]:
    review = incident.review
    if review is None:
        return []
    rows = []
    if review.date:
        rows.append(("Held on", fmt_date(review.date)))
    if review.facilitator:
        rows.append(("Facilitator", review.facilitator))
    if review.participants:
        rows.append(("Participants", ", ".join(review.participants)))
    if review.learning_buddies:
        rows.append(("Learning buddies (observers from other teams)", ", ".join(review.learning_buddies)))
    return rows

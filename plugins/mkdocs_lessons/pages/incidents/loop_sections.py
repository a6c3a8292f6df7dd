"""The learning loop on an incident page: which version was in force, what the
review changed, whether the failure came back, similar incidents, and the
review-quality note."""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import quote, urlencode

from markupsafe import Markup

from mkdocs_lessons.analysis.recurrence import CAUSE_AND_SYSTEM, SIMILARITY_THRESHOLD, Recurrence
from mkdocs_lessons.checks.lints import CODES
from mkdocs_lessons.pages.common import Context, badge
from mkdocs_lessons.records.in_force import IN_FORCE_RELATIONS, IN_FORCE_STATUSES, incident_day, version_in_force
from mkdocs_lessons.records.model import Incident, SopLink

LOOP_STATES = {
    "closed": ("loop closed", "The review's change reached a procedure version."),
    "in-progress": ("loop not yet closed", "Action items are agreed, but none is codified in a procedure version yet."),
    "open": ("loop open", "A procedure was missing or violated, and the review agreed no action item."),
}


def in_force_note(ctx: Context, page: str, incident: Incident, link: SopLink) -> Markup:
    """`(in force then: v2, current: v3)` for one SOP relation of an incident, as HTML."""
    sop = ctx.kb.sops.get(link.ref.sop_id)
    if sop is None:
        return Markup("")
    then = version_in_force(sop, incident_day(incident))
    current = sop.current
    cited = sop.resolve(link.ref)

    def version_link(number: int) -> Markup:
        # The cited version is already linked by the reference itself.
        label = f"v{number}"
        return (
            Markup.escape(label)
            if cited is not None and cited.version == number
            else ctx.a(page, ctx.urls.sop_version(sop.id, number), label)
        )

    parts = [Markup("in force then: ") + (version_link(then.version) if then is not None else "none yet")]
    if current is not None:
        parts.append(Markup("current: ") + version_link(current.version))
    elif sop.versions and sop.versions[-1].status == "retired":
        parts.append(Markup("current: retired"))
    note = Markup(", ").join(parts)
    if (
        link.ref.version is not None
        and link.relation in IN_FORCE_RELATIONS
        and (then is None or then.version != link.ref.version)
    ):
        note += Markup(" ") + badge("not in force then", "overdue")
    return Markup("({})").format(note)


def loop_view(ctx: Context, page: str, incident: Incident) -> Optional[dict[str, Any]]:
    """ "From lesson to standard": the loop's state and the procedure versions this review changed."""
    facts = ctx.analysis.loop
    state = facts.loop_state(incident)
    links = facts.by_incident.get(incident.id, [])
    if state == "none" and not links:
        return None
    changes: list[Markup] = []
    proposed: list[Markup] = []
    for link in links:
        target = ctx.a(page, ctx.urls.sop_version(link.sop_id, link.version), f"{link.sop_id}@{link.version}")
        sop = ctx.kb.sops.get(link.sop_id)
        version = sop.version(link.version) if sop else None
        status = ""
        if version:
            status = f" ({version.status}" + (f", effective {version.effective}" if version.effective else "") + ")"
        if link.declared_by_action and link.declared_by_sop:
            how = Markup("action {} is codified there, and the version names this incident as its motivation").format(
                link.action_id
            )
        elif link.declared_by_action:
            how = Markup("action {} is codified there (the version itself does not name this incident)").format(
                link.action_id
            )
        else:
            how = Markup(
                "the version names this incident as its motivation (no action item of this review points to it)"
            )
        # Only a version past the approval gate changed the standard (a proposal or a draft did not yet).
        (changes if version is not None and version.status in IN_FORCE_STATUSES else proposed).append(
            Markup("{}{}: {}").format(target, status, how)
        )
    head = None
    if state in LOOP_STATES:
        label, explanation = LOOP_STATES[state]
        head = (label, "loop-" + state, explanation)
    return {"state": head, "changes": changes, "proposed": proposed}


def recurrence_view(ctx: Context, page: str, incident: Incident) -> list[tuple[str, list[Markup]]]:
    """ "Possible recurrence": (lead sentence, items) for earlier and for later failures, each saying why."""
    facts = ctx.analysis.loop
    found = facts.recurrences
    before = found.before.get(incident.id, [])
    after = found.after.get(incident.id, [])
    parts: list[tuple[str, list[Markup]]] = []
    if before:
        more = found.before_total[incident.id] - len(before)
        items = [
            Markup("{}: its action {} was done on {}. Flagged for {}").format(
                ctx.incident_a(page, r.earlier, title=True), r.action_id, done_on(r), why_flagged(ctx, page, r)
            )
            for r in before
        ]
        if more:
            items.append(
                Markup("{} earlier {}: {}").format(
                    more, "one" if more == 1 else "ones", _same_cause_link(ctx, page, incident)
                )
            )
        lead = "This may be a recurrence of earlier failures whose fixes were already done"
        lead += f" (the {len(before)} most recent):" if more else ":"
        parts.append((lead, items))
    if after:
        more = found.after_total[incident.id] - len(after)
        items = [
            Markup("{} ({}), after action {} was done on {}. Flagged for {}").format(
                ctx.incident_a(page, r.later, title=True),
                ctx.kb.incidents[r.later].occurred.date(),
                r.action_id,
                done_on(r),
                why_flagged(ctx, page, r),
            )
            for r in after
        ]
        if more:
            items.append(
                Markup("{} later {}: {}").format(
                    more, "one" if more == 1 else "ones", _same_cause_link(ctx, page, incident)
                )
            )
        lead = "The failure may have come back after this review's fix was done"
        lead += f" (the first {len(after)}):" if more else ":"
        parts.append((lead, items))
    return parts


ESTIMATED_FROM = {"due": "its due date", "review": "the review date"}


def done_on(r: Recurrence) -> Markup:
    """The day the fix was done, marked "date estimated" when no `closed` date says so."""
    if not r.estimated:
        return Markup.escape(str(r.done_on))
    return Markup('{} <span class="lessons-estimated">(date estimated: no closed date, {} taken)</span>').format(
        r.done_on, ESTIMATED_FROM[r.estimated]
    )


def why_flagged(ctx: Context, page: str, r: Recurrence) -> Markup:
    """Why a pair was flagged: the rule that holds and what the two share."""
    if r.rule == CAUSE_AND_SYSTEM:
        terms = Markup(", ").join(ctx.term_a(page, t) for t in r.terms)
        systems = Markup(", ").join(Markup("<code>{}</code>").format(s) for s in r.systems)
        why = Markup("the same cause ({}) in the same system ({})").format(terms, systems)
    else:
        why = Markup("a shared team ({}) and a similarity of {} (at least {})").format(
            ctx.teams_html(page, r.teams), f"{r.similarity:.1f}", f"{SIMILARITY_THRESHOLD:g}"
        )
    if r.rule == CAUSE_AND_SYSTEM and r.teams:
        why += Markup("; shared team {}").format(ctx.teams_html(page, r.teams))
    return why + Markup(".")


def _same_cause_link(ctx: Context, page: str, incident: Incident) -> Markup:
    """The incident index filtered to this cause and team: where the rest are."""
    filters = [("term", incident.primary)] + [("team", t) for t in incident.teams]
    query = urlencode(filters, quote_via=quote, safe="/")
    return ctx.a(page, ctx.urls.incidents, "see them in the incident index", query)


def similar_view(ctx: Context, page: str, incident: Incident) -> list[Markup]:
    """ "Similar incidents": each with what it shares with this one."""
    items = []
    for s in ctx.analysis.similar.get(incident.id, []):
        why = []
        if s.terms:
            why.append(Markup("cause ") + Markup(", ").join(ctx.term_a(page, t) for t in s.terms))
        if s.teams:
            why.append(Markup("team ") + ctx.teams_html(page, s.teams))
        if s.systems:
            why.append(Markup("system ") + Markup(", ").join(Markup("<code>{}</code>").format(t) for t in s.systems))
        if s.tags:
            why.append(Markup("tag ") + Markup(", ").join(Markup("<code>{}</code>").format(t) for t in s.tags))
        reason = Markup(" — shares ") + Markup("; ").join(why) if why else Markup(" — similar words")
        items.append(ctx.incident_a(page, s.incident_id, title=True) + reason)
    return items


def review_quality_view(ctx: Context, incident: Incident) -> list[Markup]:
    """The review-quality suggestions (lints) of an incident, one line each."""
    return [
        Markup("{} (<code>{}</code>, line {}): {}").format(
            CODES.get(d.rule, d.rule).capitalize(), d.rule, d.line, d.message
        )
        for d in ctx.analysis.lints_by_incident.get(incident.id, [])
    ]

"""The learning loop on an incident page: which version was in force, what the
review changed, whether the failure came back, similar incidents, and the
review-quality note."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from .. import text
from ..lint import CODES
from ..loop import IN_FORCE_RELATIONS, IN_FORCE_STATUSES, incident_day, version_in_force
from ..model import Incident, SopLink
from .common import Context, badge, bullets, join_blocks, relative, section
from .learning import lints_of, loop_facts, similar_to

LOOP_STATES = {
    "closed": ("loop closed", "The review's change reached a procedure version."),
    "in-progress": ("loop not yet closed", "Action items are agreed, but none is codified in a procedure version yet."),
    "open": ("loop open", "A procedure was missing or violated, and the review agreed no action item."),
}


def in_force_note(ctx: Context, page: str, incident: Incident, link: SopLink) -> str:
    """`in force then: v2, current: v3` for one SOP relation of an incident."""
    sop = ctx.kb.sops.get(link.ref.sop_id)
    if sop is None:
        return ""
    then = version_in_force(sop, incident_day(incident))
    current = sop.current
    cited = sop.resolve(link.ref)

    def version_link(number: int) -> str:
        # The cited version is already linked by the reference itself.
        label = f"v{number}"
        return label if cited is not None and cited.version == number else ctx.link(page, ctx.urls.sop_version(sop.id, number), label)

    parts = ["in force then: " + (version_link(then.version) if then is not None else "none yet")]
    if current is not None:
        parts.append("current: " + version_link(current.version))
    elif sop.versions and sop.versions[-1].status == "retired":
        parts.append("current: retired")
    note = ", ".join(parts)
    if link.ref.version is not None and link.relation in IN_FORCE_RELATIONS and (then is None or then.version != link.ref.version):
        note += " " + badge("not in force then", "overdue")
    return f"({note})"


def loop_section(ctx: Context, page: str, incident: Incident) -> str:
    facts = loop_facts(ctx)
    state = facts.loop_state(incident)
    links = facts.by_incident.get(incident.id, [])
    if state == "none" and not links:
        return ""
    lines, proposed = [], []
    for link in links:
        target = ctx.link(page, ctx.urls.sop_version(link.sop_id, link.version), text.inline(f"{link.sop_id}@{link.version}"))
        sop = ctx.kb.sops.get(link.sop_id)
        version = sop.version(link.version) if sop else None
        status = f" ({text.inline(version.status)}" + (f", effective {version.effective}" if version and version.effective else "") + ")" if version else ""
        if link.declared_by_action and link.declared_by_sop:
            how = f"action {text.inline(link.action_id)} is codified there, and the version names this incident as its motivation"
        elif link.declared_by_action:
            how = f"action {text.inline(link.action_id)} is codified there (the version's `motivated_by` does not list this incident: derived)"
        else:
            how = "the version names this incident as its motivation (no action item says `codified_in`: derived)"
        # Only a version past the approval gate changed the standard (a proposal or a draft did not yet).
        (lines if version is not None and version.status in IN_FORCE_STATUSES else proposed).append(f"{target}{status}: {how}")
    head = ""
    if state in LOOP_STATES:
        label, explanation = LOOP_STATES[state]
        head = f"{badge(label, 'loop-' + state)} {explanation}"
    body = join_blocks(
        head,
        "This review changed the standard:\n\n" + bullets(lines) if lines else "",
        "This review proposed a change that is not standard practice yet:\n\n" + bullets(proposed) if proposed else "",
    )
    return section("From lesson to standard", body)


def recurrence_section(ctx: Context, page: str, incident: Incident) -> str:
    facts = loop_facts(ctx)
    found = facts.recurrences
    before = found.before.get(incident.id, [])
    after = found.after.get(incident.id, [])
    if not before and not after:
        return ""
    parts = []
    if before:
        more = found.before_total[incident.id] - len(before)
        items = [
            f"{ctx.incident_link(page, r.earlier, title=True)}: its action {text.inline(r.action_id)} was done on {r.done_on}; "
            f"same cause {ctx.term_link(page, r.terms[0])}, shared team {ctx.teams_links(page, r.teams)}"
            for r in before
        ]
        if more:
            items.append(f"{more} earlier {'one' if more == 1 else 'ones'}: {_same_cause_link(ctx, page, incident)}")
        lead = "This may be a recurrence of earlier failures whose fixes were already done"
        lead += f" (the {len(before)} most recent):" if more else ":"
        parts.append(lead + "\n\n" + bullets(items))
    if after:
        more = found.after_total[incident.id] - len(after)
        items = [
            f"{ctx.incident_link(page, r.later, title=True)} ({ctx.kb.incidents[r.later].occurred.date()}), after action {text.inline(r.action_id)} was done on {r.done_on}; "
            f"shared team {ctx.teams_links(page, r.teams)}"
            for r in after
        ]
        if more:
            items.append(f"{more} later {'one' if more == 1 else 'ones'}: {_same_cause_link(ctx, page, incident)}")
        lead = "The same cause came back after this review's fix was done"
        lead += f" (the first {len(after)}):" if more else ":"
        parts.append(lead + "\n\n" + bullets(items))
    note = (
        "A *possible recurrence*: a later incident or near miss with the same primary taxonomy term and a team in common, "
        "occurring after an action item of the earlier one was done (its closed date). Whether the fix failed is for a review to decide."
    )
    return section("Possible recurrence", join_blocks(*parts, f"<small>{note}</small>"))


def _same_cause_link(ctx: Context, page: str, incident: Incident) -> str:
    """The incident index filtered to this cause and team: where the rest are."""
    filters = [("term", incident.primary)] + [("team", t) for t in incident.teams]
    query = urlencode(filters, quote_via=quote, safe="/")
    return f"[see them in the incident index]({relative(page, ctx.urls.incidents)}?{query})"


def similar_section(ctx: Context, page: str, incident: Incident) -> str:
    similar = similar_to(ctx, incident.id)
    if not similar:
        return ""
    items = []
    for s in similar:
        why = []
        if s.terms:
            why.append("cause " + ", ".join(ctx.term_link(page, t) for t in s.terms))
        if s.teams:
            why.append("team " + ctx.teams_links(page, s.teams))
        if s.tags:
            why.append("tag " + ", ".join(text.code(t) for t in s.tags))
        reason = f" — shares {'; '.join(why)}" if why else " — similar words"
        items.append(f"{ctx.incident_link(page, s.incident_id, title=True)}{reason}")
    note = "Ranked by shared taxonomy terms (primary weighs most, broader terms less), teams, tags and words in title and summary."
    return section("Similar incidents", join_blocks(bullets(items), f"<small>{note}</small>"))


def review_quality_note(ctx: Context, incident: Incident) -> str:
    found = lints_of(ctx, incident.id)
    if not found:
        return ""
    items = [f"{text.inline(CODES.get(d.rule, d.rule).capitalize())} ({text.code(d.rule)}, line {d.line}): {text.inline(d.message)}" for d in found]
    body = "\n".join("    - " + item for item in items)
    count = len(found)
    return (
        f'!!! note "Review quality: {count} suggestion{"s" * (count != 1)}"\n\n'
        "    What could make this review more useful and more blameless (checked by `lessons lint`):\n\n"
        f"{body}"
    )

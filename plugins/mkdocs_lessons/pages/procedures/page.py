"""SOP pages: `sops/SOP-007/` (current first, with history) and `sops/SOP-007/v2/`.

Both render from templates (`sop.html`, `sop_version.html`); what is under
the title is a partial (`partials/sop_body.html`, `partials/sop_version_body.html`)
so the printed reading path shows the same body. The view functions here
gather what those templates show: plain values, converted record prose and
links as `Markup`.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from markupsafe import Markup

from mkdocs_lessons.charts.process_map import process_map
from mkdocs_lessons.dates import next_review
from mkdocs_lessons.pages.common import Context, GeneratedFile, badge, fmt_date
from mkdocs_lessons.pages.paths.banners import path_banners
from mkdocs_lessons.pages.programme_sections import sop_adherence
from mkdocs_lessons.pages.search import sop_filters, sop_version_filters
from mkdocs_lessons.pages.sessions import record_sessions
from mkdocs_lessons.records.model import Sop, SopRef, SopVersion
from mkdocs_lessons.records.version_diff import version_diff

STATUS_NOTES = {
    "approved": "the standard in force",
    "superseded": "replaced by a later version",
    "retired": "withdrawn",
    "proposed": "proposed, awaiting approval: not yet standard practice",
    "draft": "draft: not yet standard practice",
}


def render_sop_pages(ctx: Context, sop: Sop) -> list[GeneratedFile]:
    source = sop.source.file if sop.source else None
    page = ctx.urls.sop(sop.id)
    pages = [
        ctx.page(
            "sop.html",
            page,
            f"{sop.id}: {sop.title}",
            source=source,
            filters=Markup(sop_filters(ctx, sop)),
            banners=path_banners(ctx, page, sop.id),
            body=sop_view(ctx, page, sop),
            adherence=sop_adherence(ctx, sop.id),
            sessions=record_sessions(ctx, page, sop.id),
        )
    ]
    for index, version in enumerate(sop.versions):
        previous = sop.versions[index - 1] if index else None
        following = sop.versions[index + 1] if index + 1 < len(sop.versions) else None
        uri = ctx.urls.sop_version(sop.id, version.version)
        pages.append(
            ctx.page(
                "sop_version.html",
                uri,
                f"{sop.id} v{version.version}: {sop.title}",
                source=source,
                filters=Markup(sop_version_filters(ctx, sop, version.version)),
                banners=path_banners(ctx, uri, f"{sop.id}@{version.version}"),
                body=sop_version_view(ctx, uri, sop, version, previous, following),
            )
        )
    return pages


def sop_body(ctx: Context, page: str, sop: Sop) -> Markup:
    """The SOP page under its title as HTML, links relative to `page` (printed reading paths reuse it)."""
    return Markup(ctx.templates.render("partials/sop_body.html", body=sop_view(ctx, page, sop)))


def sop_version_body(
    ctx: Context,
    page: str,
    sop: Sop,
    version: SopVersion,
    previous: Optional[SopVersion],
    following: Optional[SopVersion],
) -> Markup:
    """One version's page under its title as HTML, links relative to `page` (printed reading paths reuse it)."""
    return Markup(
        ctx.templates.render(
            "partials/sop_version_body.html", body=sop_version_view(ctx, page, sop, version, previous, following)
        )
    )


# -- views ---------------------------------------------------------------------

_LEAD = re.compile(r"\A<p>(.*?)</p>\n?", re.S)


def _lead(html: Markup) -> dict[str, Markup]:
    """Block prose split so a bold lead-in (`Purpose.`) can open its first paragraph.

    `lead` is the first paragraph's inner HTML (empty when the text starts
    with something else, a list say), `rest` whatever follows it.
    """
    match = _LEAD.match(html)
    if match is None or "<p>" in match.group(1):
        return {"lead": Markup(""), "rest": html}
    return {"lead": Markup(match.group(1)), "rest": Markup(html[match.end() :])}


def _version_a(ctx: Context, page: str, sop: Sop, version: int, label: str) -> Markup:
    return ctx.a(page, ctx.urls.sop_version(sop.id, version), label)


def _content(ctx: Context, page: str, version: SopVersion) -> dict[str, Any]:
    """A version's purpose, steps (a checklist) and decision criteria."""
    return {
        "purpose": _lead(ctx.prose(version.purpose, page)),
        "steps": [ctx.prose_line(step, page) for step in version.steps],
        "criteria": [(ctx.prose_line(c.when, page), ctx.prose_line(c.then, page)) for c in version.decision_criteria],
    }


def _origin(ctx: Context, page: str, sop: Sop, version: SopVersion) -> Optional[dict[str, Any]]:
    """Why this version exists: its change note, the incidents and action items behind it."""
    changes = _lead(ctx.prose(version.changes, page)) if version.changes else None
    motivated = ctx.graph.motivated.get((sop.id, version.version), [])
    unpublished = [i for i in version.motivated_by if not ctx.kb.is_published(i)]
    links = [ctx.incident_a(page, i, title=True) for i in motivated] + [ctx.incident_a(page, i) for i in unpublished]
    # Both sides of the loop (codified_in and motivated_by), the missing one derived (analysis/loop.py).
    produced = []
    for link in ctx.analysis.loop.codified.get((sop.id, version.version), []):
        entry: dict[str, Any] = {"incident": ctx.incident_a(page, link.incident_id), "action_id": link.action_id}
        if link.action_id:
            incident = ctx.kb.incidents[link.incident_id]
            item = next(a for a in incident.action_items if a.id == link.action_id)
            entry.update(action=ctx.prose_line(item.action, page), status=item.status)
        produced.append(entry)
    if changes is None and not links and not produced:
        return None
    return {"changes": changes, "motivated": links, "produced": produced}


def _mentions(ctx: Context, page: str, sop: Sop, version: Optional[int]) -> list[list[Any]]:
    """Rows of the incidents citing the SOP (or one version), newest first."""
    mentions = [m for m in ctx.graph.sop_mentions.get(sop.id, []) if version is None or m.version == version]
    rows = []
    for m in sorted(mentions, key=lambda m: (m.incident.occurred, m.incident.id), reverse=True):
        rows.append(
            [
                m.incident.occurred.date().isoformat(),
                ctx.incident_a(page, m.incident.id, title=True),
                ctx.a(page, ctx.urls.sop_ref(SopRef(sop.id, m.version)), f"v{m.version}"),
                m.relation,
            ]
        )
    return rows


def sop_view(ctx: Context, page: str, sop: Sop) -> dict[str, Any]:
    """What `partials/sop_body.html` shows of an SOP on `page`."""
    current = sop.current
    facts: list[tuple[str, Any]] = [("Owner", ctx.team_a(page, sop.owner))]
    if current is not None:
        facts.append(
            (
                "Current version",
                Markup("{}, effective {}").format(
                    _version_a(ctx, page, sop, current.version, f"v{current.version}"), fmt_date(current.effective)
                ),
            )
        )
        if current.approved_by:
            facts.append(("Approved by", ", ".join(current.approved_by)))
    if sop.review_every_months:
        due = next_review(sop)
        review = Markup("every {} months").format(sop.review_every_months)
        if due:
            review += Markup("; next review due {}").format(fmt_date(due))
            if due < ctx.today:
                review += Markup(" ") + badge(f"overdue by {(ctx.today - due).days} d", "overdue")
        facts.append(("Review", review))
    mentions = ctx.graph.sop_mentions.get(sop.id, [])
    facts.append(("Versions", str(len(sop.versions))))
    facts.append(("Incidents linked", str(len({m.incident.id for m in mentions}))))
    pending = [
        {
            "version": v.version,
            "status": v.status,
            "link": _version_a(ctx, page, sop, v.version, f"version {v.version}"),
        }
        for v in sop.pending
    ]
    history = []
    for version in reversed(sop.versions):
        linked = sum(1 for m in mentions if m.version == version.version)
        history.append(
            {
                "link": _version_a(ctx, page, sop, version.version, f"v{version.version}"),
                "status": version.status,
                "effective": fmt_date(version.effective),
                "approved_by": ", ".join(version.approved_by),
                "changes": ctx.prose_line(version.changes, page) if version.changes else "",
                "motivated": Markup(", ").join(
                    ctx.incident_a(page, i) for i in ctx.graph.motivated.get((sop.id, version.version), [])
                ),
                "incidents": str(linked) if linked else "",
            }
        )
    return {
        "summary": ctx.prose(sop.summary, page) if sop.summary else None,
        "facts": facts,
        "pending": pending,
        "current": None
        if current is None
        else {
            "version": current.version,
            "effective": fmt_date(current.effective),
            "content": _content(ctx, page, current),
            "process_map": Markup(process_map(sop, current, f"process-{sop.id}")),
            "origin": _origin(ctx, page, sop, current),
        },
        "history": history,
        "mentions": _mentions(ctx, page, sop, None),
    }


def _steps_diff(ctx: Context, page: str, before: SopVersion, after: SopVersion) -> dict[str, Any]:
    """What changed (records/version_diff.py), as the version page shows it."""
    diff = version_diff(before, after)
    return {
        "since": before.version,
        "steps": [(change, ctx.prose_line(text, page)) for change, text in diff.steps],
        "purpose_was": ctx.prose_line(diff.purpose_was, page) if diff.purpose_was is not None else None,
        "criteria": [
            (change, ctx.prose_line(c.when, page), ctx.prose_line(c.then, page)) for change, c in diff.criteria
        ],
    }


def sop_version_view(
    ctx: Context,
    page: str,
    sop: Sop,
    version: SopVersion,
    previous: Optional[SopVersion],
    following: Optional[SopVersion],
) -> dict[str, Any]:
    """What `partials/sop_version_body.html` shows of one version on `page`."""
    current = sop.current
    until = ""
    if following is not None and following.effective and version.status in ("superseded", "retired"):
        until = fmt_date(following.effective)
    facts: list[tuple[str, Any]] = [
        ("Procedure", ctx.a(page, ctx.urls.sop(sop.id), f"{sop.id}: {sop.title}")),
        ("Status", badge(version.status, version.status)),
    ]
    if version.effective:
        facts.append(("Effective", fmt_date(version.effective)))
    if version.approved_by:
        facts.append(("Approved by", ", ".join(version.approved_by)))
    return {
        "version": version.version,
        "status": version.status,
        "is_current": version is current,
        "note_kind": "success"
        if version is current
        else "warning"
        if version.status in ("proposed", "draft")
        else "info",
        "status_note": STATUS_NOTES.get(version.status, version.status),
        "effective": fmt_date(version.effective),
        "until": until,
        "current": _version_a(ctx, page, sop, current.version, f"v{current.version}")
        if current is not None and version is not current
        else None,
        "facts": facts,
        "previous": _version_a(ctx, page, sop, previous.version, f"v{previous.version}")
        if previous is not None
        else None,
        "following": _version_a(ctx, page, sop, following.version, f"v{following.version}")
        if following is not None
        else None,
        "content": _content(ctx, page, version),
        "diff": _steps_diff(ctx, page, previous, version) if previous is not None else None,
        "origin": _origin(ctx, page, sop, version),
        "mentions": _mentions(ctx, page, sop, version.version),
    }

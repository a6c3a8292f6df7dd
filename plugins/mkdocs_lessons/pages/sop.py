"""SOP pages: `sops/SOP-007/` (current first, with history) and `sops/SOP-007/v2/`."""

from __future__ import annotations

import difflib
from typing import Optional

from .. import text
from ..dates import add_months, next_review  # noqa: F401  (re-exported: the review date is core logic now)
from ..model import Sop, SopRef, SopVersion
from .banners import with_path_banners
from .learning import loop_facts
from .common import Context, GeneratedFile, badge, bullets, fmt_date, join_blocks, section, table

STATUS_NOTES = {
    "approved": "the standard in force",
    "superseded": "replaced by a later version",
    "retired": "withdrawn",
    "proposed": "proposed, awaiting approval: not yet standard practice",
    "draft": "draft: not yet standard practice",
}


def render_sop_pages(ctx: Context, sop: Sop) -> list[GeneratedFile]:
    source = sop.source.file if sop.source else None
    pages = [GeneratedFile(ctx.urls.sop(sop.id), _main_page(ctx, sop), source=source, title=f"{sop.id}: {sop.title}")]
    for index, version in enumerate(sop.versions):
        previous = sop.versions[index - 1] if index else None
        following = sop.versions[index + 1] if index + 1 < len(sop.versions) else None
        uri = ctx.urls.sop_version(sop.id, version.version)
        pages.append(
            GeneratedFile(uri, _version_page(ctx, sop, version, previous, following), source=source, title=f"{sop.id} v{version.version}: {sop.title}")
        )
    return pages


def _version_body(ctx: Context, page: str, sop: Sop, version: SopVersion, level: int) -> str:
    h = "#" * level
    parts = [f"**Purpose.** {ctx.md(version.purpose)}"]
    parts.append(f"{h} Steps\n\n" + "\n".join(f"- [ ] {ctx.md_line(step)}" for step in version.steps))
    if version.decision_criteria:
        rows = [[ctx.md_line(c.when), ctx.md_line(c.then)] for c in version.decision_criteria]
        parts.append(f"{h} Decision criteria\n\n" + table(["When", "Then"], rows))
    return join_blocks(*parts)


def _origin(ctx: Context, page: str, sop: Sop, version: SopVersion) -> str:
    """Why this version exists: its change note, the incidents and action items behind it."""
    lines = []
    if version.changes:
        lines.append(f"**What changed.** {ctx.md(version.changes)}")
    motivated = ctx.graph.motivated.get((sop.id, version.version), [])
    unpublished = [i for i in version.motivated_by if not ctx.kb.is_published(i)]
    if motivated or unpublished:
        links = [ctx.incident_link(page, i, title=True) for i in motivated] + [ctx.incident_link(page, i) for i in unpublished]
        lines.append("**Motivated by:**\n\n" + bullets(links))
    # Both sides of the loop (codified_in and motivated_by), the missing one derived (loop.py).
    produced = loop_facts(ctx).codified.get((sop.id, version.version), [])
    if produced:
        items = []
        for link in produced:
            incident = ctx.kb.incidents[link.incident_id]
            if link.action_id:
                item = next(a for a in incident.action_items if a.id == link.action_id)
                entry = f"action {text.inline(link.action_id)} of {ctx.incident_link(page, link.incident_id)}: {ctx.md_line(item.action)} ({text.inline(item.status)})"
            else:
                entry = f"{ctx.incident_link(page, link.incident_id)}: no action item names this version (derived from *motivated by*)"
            items.append(entry)
        lines.append("**Made standard by:**\n\n" + bullets(items))
    return join_blocks(*lines) if lines else ""


def _mentions_table(ctx: Context, page: str, sop: Sop, version: Optional[int]) -> str:
    mentions = [m for m in ctx.graph.sop_mentions.get(sop.id, []) if version is None or m.version == version]
    if not mentions:
        return ""
    rows = []
    for m in sorted(mentions, key=lambda m: (m.incident.occurred, m.incident.id), reverse=True):
        ref = SopRef(sop.id, m.version)
        rows.append(
            [
                m.incident.occurred.date().isoformat(),
                ctx.incident_link(page, m.incident.id, title=True),
                ctx.link(page, ctx.urls.sop_ref(ref), f"v{m.version}"),
                m.relation,
            ]
        )
    return table(["Date", "Incident", "Version", "Relation"], rows)


def _main_page(ctx: Context, sop: Sop) -> str:
    page = ctx.urls.sop(sop.id)
    body = join_blocks(f"# {text.inline(sop.id)}: {text.inline(sop.title)}", sop_body(ctx, page, sop))
    return with_path_banners(ctx, page, sop.id, body)


def sop_body(ctx: Context, page: str, sop: Sop) -> str:
    """The SOP page under its title, links relative to `page` (printed reading paths reuse it)."""
    current = sop.current
    owner = ctx.team_link(page, sop.owner)
    facts = [["Owner", owner]]
    if current is not None:
        facts.append(["Current version", ctx.link(page, ctx.urls.sop_version(sop.id, current.version), f"v{current.version}") + f", effective {fmt_date(current.effective)}"])
        if current.approved_by:
            facts.append(["Approved by", ", ".join(text.inline(a) for a in current.approved_by)])
    if sop.review_every_months:
        due = next_review(sop)
        review = f"every {sop.review_every_months} months"
        if due:
            review += f"; next review due {fmt_date(due)}"
            if due < ctx.today:
                review += " " + badge(f"overdue by {(ctx.today - due).days} d", "overdue")
        facts.append(["Review", review])
    facts.append(["Versions", str(len(sop.versions))])
    mentions = ctx.graph.sop_mentions.get(sop.id, [])
    facts.append(["Incidents linked", str(len({m.incident.id for m in mentions}))])

    pending = []
    for version in sop.pending:
        link = ctx.link(page, ctx.urls.sop_version(sop.id, version.version), f"version {version.version}")
        pending.append(f'!!! warning "Version {version.version} is {version.status}: not yet standard practice"\n\n    Read {link} to comment on it before approval. Until it is approved, version {current.version if current else "—"} below is the standard.')

    if current is not None:
        current_block = join_blocks(
            f"## Current version: v{current.version}",
            f"In force since {fmt_date(current.effective)}.",
            _version_body(ctx, page, sop, current, 3),
            _origin(ctx, page, sop, current),
        )
    else:
        current_block = '!!! note "No approved version yet"\n\n    This procedure has no approved version: nothing in it is standard practice yet.'

    history_rows = []
    for version in reversed(sop.versions):
        motivated = ctx.graph.motivated.get((sop.id, version.version), [])
        linked = sum(1 for m in mentions if m.version == version.version)
        history_rows.append(
            [
                ctx.link(page, ctx.urls.sop_version(sop.id, version.version), f"v{version.version}"),
                badge(version.status, version.status),
                fmt_date(version.effective),
                ", ".join(text.inline(a) for a in version.approved_by),
                ctx.md_line(version.changes) if version.changes else "",
                ", ".join(ctx.incident_link(page, i) for i in motivated),
                str(linked) if linked else "",
            ]
        )
    return join_blocks(
        ctx.md(sop.summary) if sop.summary else "",
        '<div class="lessons-facts" markdown>\n\n' + table(["Fact", "Value"], facts) + "\n\n</div>",
        *pending,
        current_block,
        section("Version history", table(["Version", "Status", "Effective", "Approved by", "Changes", "Motivated by", "Incidents"], history_rows)),
        section("Incidents linked to this procedure", _mentions_table(ctx, page, sop, None)),
    )


def _steps_diff(ctx: Context, before: SopVersion, after: SopVersion) -> str:
    """What changed step by step: kept, added and removed steps in order."""
    old, new = before.steps, after.steps
    lines = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [f'- <span class="lessons-diff lessons-diff--same">unchanged</span> {ctx.md_line(s)}' for s in new[j1:j2]]
            continue
        lines += [f'- <span class="lessons-diff lessons-diff--removed">removed</span> <del>{ctx.md_line(s)}</del>' for s in old[i1:i2]]
        lines += [f'- <span class="lessons-diff lessons-diff--added">added</span> <ins>{ctx.md_line(s)}</ins>' for s in new[j1:j2]]
    parts = ["\n".join(lines)]
    if before.purpose.strip() != after.purpose.strip():
        parts.append(f"**Purpose changed.** Was: {ctx.md_line(before.purpose)}")
    old_criteria = {(c.when, c.then) for c in before.decision_criteria}
    new_criteria = {(c.when, c.then) for c in after.decision_criteria}
    added = [c for c in after.decision_criteria if (c.when, c.then) not in old_criteria]
    removed = [c for c in before.decision_criteria if (c.when, c.then) not in new_criteria]
    if added or removed:
        items = [f"added: *when* {ctx.md_line(c.when)} *then* {ctx.md_line(c.then)}" for c in added]
        items += [f"removed: *when* {ctx.md_line(c.when)} *then* {ctx.md_line(c.then)}" for c in removed]
        parts.append("**Decision criteria changed:**\n\n" + bullets(items))
    return join_blocks(*parts)


def _version_page(ctx: Context, sop: Sop, version: SopVersion, previous: Optional[SopVersion], following: Optional[SopVersion]) -> str:
    page = ctx.urls.sop_version(sop.id, version.version)
    title = f"# {text.inline(sop.id)} v{version.version}: {text.inline(sop.title)}"
    body = join_blocks(title, sop_version_body(ctx, page, sop, version, previous, following))
    return with_path_banners(ctx, page, f"{sop.id}@{version.version}", body)


def sop_version_body(
    ctx: Context, page: str, sop: Sop, version: SopVersion, previous: Optional[SopVersion], following: Optional[SopVersion]
) -> str:
    """One version's page under its title, links relative to `page` (printed reading paths reuse it)."""
    current = sop.current
    span = ""
    if version.effective:
        span = f" It took effect on {fmt_date(version.effective)}"
        if following is not None and following.effective and version.status in ("superseded", "retired"):
            span += f" and stood until {fmt_date(following.effective)}"
        span += "."
    if version is current:
        note = f'!!! success "This is the current version"\n\n    Version {version.version} is {STATUS_NOTES["approved"]}.{span}'
    else:
        pointer = ""
        if current is not None:
            pointer = " The current version is " + ctx.link(page, ctx.urls.sop_version(sop.id, current.version), f"v{current.version}") + "."
        kind = "warning" if version.status in ("proposed", "draft") else "info"
        note = f'!!! {kind} "Version {version.version}: {version.status}"\n\n    This version is {STATUS_NOTES[version.status]}.{span}{pointer}'
    facts = [["Procedure", ctx.link(page, ctx.urls.sop(sop.id), f"{text.inline(sop.id)}: {text.inline(sop.title)}")], ["Status", badge(version.status, version.status)]]
    if version.effective:
        facts.append(["Effective", fmt_date(version.effective)])
    if version.approved_by:
        facts.append(["Approved by", ", ".join(text.inline(a) for a in version.approved_by)])
    nav = []
    if previous is not None:
        nav.append("← " + ctx.link(page, ctx.urls.sop_version(sop.id, previous.version), f"v{previous.version}"))
    if following is not None:
        nav.append(ctx.link(page, ctx.urls.sop_version(sop.id, following.version), f"v{following.version}") + " →")
    diff = section(f"What changed since v{previous.version}", _steps_diff(ctx, previous, version)) if previous else section("What changed", "This is the first version.")
    return join_blocks(
        note,
        '<div class="lessons-facts" markdown>\n\n' + table(["Fact", "Value"], facts) + "\n\n</div>",
        " · ".join(nav),
        _version_body(ctx, page, sop, version, 2),
        diff,
        section("Why this version", _origin(ctx, page, sop, version)),
        section("Incidents linked to this version", _mentions_table(ctx, page, sop, version.version)),
    )

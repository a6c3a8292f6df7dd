"""Aggregate pages: the home section, the incident index and the SOP catalog."""

from __future__ import annotations


from .. import text
from .common import kind_counts, Context, GeneratedFile, fmt_date, join_blocks, kind_label, section, table
from .catalog import catalog_summary, review_cell


def render_home(ctx: Context) -> GeneratedFile:
    page = ctx.urls.home
    kb = ctx.kb
    incidents = kb.published_incidents
    versions = sum(len(s.versions) for s in kb.sops.values())
    years = sorted({i.year for i in incidents})
    span = f" from {years[0]} to {years[-1]}" if years else ""
    counts = [
        f"**{len(incidents)}** reviews{span}: "
        + kind_counts(incidents),
        f"**{len(kb.sops)}** standard operating procedures with {versions} versions kept",
        f"**{len(kb.taxonomy.terms)}** failure-taxonomy terms",
        f"**{len(kb.teams)}** teams",
        f"**{len(kb.paths)}** onboarding reading paths",
    ]
    newest = [i for i in kb.newest_first(incidents) if i.status in ("reviewed", "closed")][:5]
    newest_lines = [
        f"- {i.occurred.date().isoformat()} · {ctx.incident_link(page, i.id, title=True)} ({kind_label(i)})\n\n    {ctx.md_line(i.summary)}"
        for i in newest
    ]
    where = [
        f"- {ctx.link(page, ctx.urls.dashboard, 'Dashboard')}: the patterns no single review shows: recurring causes, speed of detection and recovery, follow-through.",
        f"- {ctx.link(page, ctx.urls.actions, 'Action items')}: every open follow-up by owner and team, overdue ones first.",
        f"- {ctx.link(page, ctx.urls.incidents, 'Incidents')}: every review, newest first.",
        f"- {ctx.link(page, ctx.urls.sops, 'Procedures')}: the standards we work by, with every version kept and the incidents that changed them.",
        f"- {ctx.link(page, ctx.urls.taxonomy, 'Taxonomy')}: the words we use for causes, and what each one has cost us.",
        f"- {ctx.link(page, ctx.urls.teams, 'Teams')}: each team's incidents and the procedures it owns.",
        f"- {ctx.link(page, ctx.urls.paths, 'Onboarding')}: where to start if you are new here.",
    ]
    if ctx.feed_size > 0:
        where.append(
            f"- {ctx.link(page, ctx.urls.feed, 'Atom feed')}: newly reviewed incidents and new procedure versions, "
            "for a feed reader or a chat channel."
        )
    body = join_blocks(
        "# Lessons learned",
        "What went wrong, what nearly did, what went right, and what we changed because of it. "
        "Every review here is blameless: it names causes, not culprits.",
        section("What is in here", "\n".join(f"- {c}" for c in counts)),
        section("Where to go", "\n".join(where)),
        section("Newest reviews", "\n\n".join(newest_lines)) if newest_lines else "",
    )
    return GeneratedFile(page, body, in_nav=True, title="Home")


# The incident index (a faceted browser) lives in incident_index.py.


def render_sop_catalog(ctx: Context) -> GeneratedFile:
    page = ctx.urls.sops
    rows = []
    for sop in ctx.kb.sops.values():
        current = sop.current
        due_text = review_cell(ctx, sop)  # overdue / due soon / no schedule, as on the dashboard
        linked = len({m.incident.id for m in ctx.graph.sop_mentions.get(sop.id, [])})
        pending = ", ".join(
            ctx.link(page, ctx.urls.sop_version(sop.id, v.version), f"v{v.version} ({v.status})") for v in sop.pending
        )
        rows.append(
            [
                ctx.link(page, ctx.urls.sop(sop.id), text.inline(sop.id)),
                text.inline(sop.title),
                f"v{current.version}" if current else "none approved",
                fmt_date(current.effective) if current else "",
                ctx.team_link(page, sop.owner),
                due_text,
                str(len(sop.versions)),
                str(linked),
                pending,
            ]
        )
    return GeneratedFile(
        page,
        join_blocks(
            "# Procedures",
            "Standard operating procedures. Each keeps every version, and each version names the incidents that motivated it.",
            catalog_summary(ctx, page) if rows else "",
            table(["Id", "Title", "Current", "Effective", "Owner", "Next review", "Versions", "Incidents", "Pending"], rows) if rows else "No procedure yet.",
        ),
        in_nav=True,
        title="Procedures",
    )


"""Onboarding reading paths: `paths/` and `paths/<id>/`."""

from __future__ import annotations

from .. import text
from ..model import PathStep, ReadingPath, SopRef
from .common import Context, GeneratedFile, join_blocks, table


def render_paths(ctx: Context) -> list[GeneratedFile]:
    files = [GeneratedFile(ctx.urls.paths, _overview(ctx), in_nav=True, title="Onboarding")]
    for reading_path in ctx.kb.paths.values():
        source = reading_path.source.file if reading_path.source else None
        files.append(GeneratedFile(ctx.urls.path(reading_path.id), _path_page(ctx, reading_path), source=source, title=reading_path.title))
    return files


def step_target(ctx: Context, page: str, step: PathStep) -> tuple[str, str]:
    """(link, summary) for a step's target."""
    kind, target = step.target_kind, step.target
    kb = ctx.kb
    if kind == "incident":
        incident = kb.incidents.get(target)
        return ctx.incident_link(page, target, title=True), ctx.md_line(incident.summary) if incident else ""
    if kind == "sop":
        ref = SopRef.parse(target)
        sop = kb.sops.get(ref.sop_id)
        version = sop.resolve(ref) if sop else None
        return ctx.sop_link(page, ref, title=True), ctx.md_line(version.purpose) if version else ""
    if kind == "team":
        team = kb.teams.get(target)
        return ctx.team_link(page, target), ctx.md_line(team.description) if team and team.description else ""
    terms = kb.taxonomy.terms
    if target not in terms and target in kb.taxonomy.retired:
        target = kb.taxonomy.retired[target].replaced_by
    term = terms.get(target)
    return ctx.term_link(page, target), ctx.md_line(term.description) if term else ""


def _overview(ctx: Context) -> str:
    page = ctx.urls.paths
    rows = [
        [
            ctx.link(page, ctx.urls.path(p.id), text.inline(p.title)),
            text.inline(p.audience),
            ctx.md_line(p.description),
            str(len(p.steps)),
        ]
        for p in ctx.kb.paths.values()
    ]
    return join_blocks(
        "# Onboarding reading paths",
        "Curated routes through the knowledge base for people who are new here. Follow one from the first step to the last.",
        table(["Path", "For", "What it covers", "Steps"], rows) if rows else "No reading path yet.",
    )


def _path_page(ctx: Context, reading_path: ReadingPath) -> str:
    page = ctx.urls.path(reading_path.id)
    steps = []
    for number, step in enumerate(reading_path.steps, 1):
        link, summary = step_target(ctx, page, step)
        block = f"{number}. **{link}**"
        if step.note:
            block += f"\n\n    {ctx.md_line(step.note)}"
        if summary:
            block += f"\n\n    {summary}"
        steps.append(block)
    return join_blocks(
        f"# {text.inline(reading_path.title)}",
        f"**For:** {text.inline(reading_path.audience)}" if reading_path.audience else "",
        ctx.md(reading_path.description) if reading_path.description else "",
        f"{len(reading_path.steps)} steps.",
        "\n\n".join(steps),
    )

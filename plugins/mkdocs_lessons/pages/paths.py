"""Onboarding reading paths: `paths/`, `paths/<id>/` and `paths/<id>/print/`.

Progress ("mark as read") lives in the reader's browser only: the pages
carry the step keys in data attributes and `assets/paths.js` fills in the
boxes and bars. Without JavaScript those controls stay hidden, so nobody
sees a progress bar that cannot move.
"""

from __future__ import annotations

from .. import text
from ..essentials import ESSENTIALS_ID
from ..model import ReadingPath
from .common import Context, GeneratedFile, join_blocks, section, table
from .path_print import render_path_print
from .steps import RATE_NOTE, StepView, fmt_minutes, path_minutes, root_url, step_link, step_views


def render_paths(ctx: Context) -> list[GeneratedFile]:
    files = [GeneratedFile(ctx.urls.paths, _overview(ctx), in_nav=True, title="Onboarding")]
    for reading_path in ctx.kb.paths.values():
        source = reading_path.source.file if reading_path.source else None
        files.append(GeneratedFile(ctx.urls.path(reading_path.id), _path_page(ctx, reading_path), source=source, title=reading_path.title))
        files.append(render_path_print(ctx, reading_path))
    return files


def progress_bar(ctx: Context, page: str, reading_path: ReadingPath, views: list[StepView], *, block: bool) -> str:
    """A bar paths.js fills from the reader's marks; hidden until then."""
    keys = " ".join(dict.fromkeys(v.key for v in views if v.target is not None))
    count = len(keys.split()) if keys else 0
    tag = "div" if block else "span"
    return (
        f'<{tag} class="lessons-progress" data-lessons-progress="{text.attr(reading_path.id)}" '
        f'data-lessons-steps="{text.attr(keys)}" data-lessons-root="{text.attr(root_url(ctx, page))}" hidden="hidden">'
        f'<progress max="{count}" value="0" aria-label="Steps read in {text.attr(reading_path.title)}"></progress> '
        f'<span class="lessons-progress__label">0 of {count} read</span></{tag}>'
    )


def _overview(ctx: Context) -> str:
    page = ctx.urls.paths
    rows = []
    for reading_path in ctx.kb.paths.values():
        views = step_views(ctx, reading_path)
        name = ctx.link(page, ctx.urls.path(reading_path.id), text.inline(reading_path.title))
        if reading_path.generated:
            name += " *(generated)*"
        rows.append(
            [
                name,
                ctx.md_line(reading_path.audience) if reading_path.audience else "",
                ctx.md_line(reading_path.description) if reading_path.description else "",
                str(len(reading_path.steps)),
                fmt_minutes(path_minutes(views)),
                progress_bar(ctx, page, reading_path, views, block=False),
            ]
        )
    return join_blocks(
        "# Onboarding reading paths",
        "Curated routes through the knowledge base for people who are new here. Follow one from the first step to the last: "
        "every step page says where you are in the path and links to the previous and next step.",
        table(["Path", "For", "What it covers", "Steps", "Reading time", "Your progress"], rows) if rows else "No reading path yet.",
        f"Reading times count the words of each step's page {RATE_NOTE}. "
        "Mark steps as read as you go: your progress is kept in this browser only (no account, nothing is sent anywhere), "
        "and a page you have read counts in every path that includes it." if rows else "",
    )


def _generated_note(reading_path: ReadingPath) -> str:
    if not reading_path.generated or reading_path.id != ESSENTIALS_ID:
        return ""
    return (
        '!!! info "How this path is chosen"\n\n'
        "    For each top-level term of the failure taxonomy, in taxonomy order: the reviewed incident classified under it "
        "that is the most severe, then the most referenced by other records (related incidents, procedures it motivated, "
        "curated reading paths), then the newest; followed by the current version of the procedure it led to."
    )


def _step_item(ctx: Context, page: str, view: StepView) -> str:
    title = text.inline(view.title)
    if view.target is None:
        head = f"**{title}** *(not published: this step is a draft)*"
    else:
        head = "**" + step_link(ctx, page, view, title, attrs=f'.lessons-step-link data-lessons-step="{text.attr(view.key)}"') + "**"
        head += f" · {text.inline(view.kind)}"
        if view.minutes:
            head += f" · about {fmt_minutes(view.minutes)}"
        head += (
            f' <label class="lessons-read" hidden="hidden"><input type="checkbox" data-lessons-read="{text.attr(view.key)}"> '
            "Read</label>"
        )
    block = f"{view.number}. {head}"
    if view.step.note:
        block += f"\n\n    {ctx.md_line(view.step.note)}"
    if view.summary:
        block += f'\n\n    <span class="lessons-step-summary">{view.summary}</span>'
    return block


def _path_page(ctx: Context, reading_path: ReadingPath) -> str:
    page = ctx.urls.path(reading_path.id)
    views = step_views(ctx, reading_path)
    readable = [v for v in views if v.target is not None]
    facts = [
        ["Steps", str(len(views))],
        ["Reading time", f"about {fmt_minutes(path_minutes(views))} ({RATE_NOTE})"],
        ["Printable version", ctx.link(page, ctx.urls.path_print(reading_path.id), "all steps on one page") + ", for paper or offline reading"],
    ]
    if reading_path.audience:
        facts.insert(0, ["For", ctx.md_line(reading_path.audience)])
    start = ""
    if readable:
        first = readable[0]
        start = step_link(
            ctx, page, first, f"Start with step {first.number}: {text.inline(first.title)}", attrs=".md-button .md-button--primary .lessons-continue"
        )
    return join_blocks(
        f"# {text.inline(reading_path.title)}",
        _generated_note(reading_path),
        ctx.md(reading_path.description) if reading_path.description else "",
        '<div class="lessons-facts" markdown>\n\n' + table(["Fact", "Value"], facts) + "\n\n</div>",
        progress_bar(ctx, page, reading_path, views, block=True),
        start,
        section("Steps", "\n\n".join(_step_item(ctx, page, v) for v in views)),
    )

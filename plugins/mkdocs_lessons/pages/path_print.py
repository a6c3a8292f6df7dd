"""The printable reading path: `paths/<id>/print/`, every step's page on one page, in order.

The step bodies come from the same functions that build the step pages
(incident, SOP, SOP version, term, team), rendered with links relative to
this page and their headings moved one level down under "Step k of n".
The page stays out of search (it repeats every step) and hides Material's
navigation and table of contents; `paths.css` drops the rest when printing
and starts each step on a new sheet.
"""

from __future__ import annotations

import re

from .. import text
from ..model import ReadingPath, SopRef
from .common import Context, GeneratedFile, join_blocks
from .incident import incident_body
from .sop import sop_body, sop_version_body
from .steps import RATE_NOTE, StepView, fmt_minutes, path_minutes, step_link, step_views
from .taxonomy import term_body
from .teams import team_body

FRONT_MATTER = """---
search:
  exclude: true
hide:
  - navigation
  - toc
---
"""

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")


def demote_headings(markdown: str, levels: int = 1) -> str:
    """Move every ATX heading `levels` down (at most to h6), leaving fenced code alone."""
    out = []
    fence = ""
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
        elif match:
            fence = match.group(1)
        else:
            line = _HEADING.sub(lambda m: m.group(1) + "#" * min(6, len(m.group(2)) + levels), line)
        out.append(line)
    return "\n".join(out)


def step_body(ctx: Context, page: str, view: StepView) -> str:
    """The body of the page a step opens (without its title), as seen from `page`."""
    kb = ctx.kb
    kind, target = view.step.target_kind, view.step.target
    if view.target is None:
        return "*This step points at a review that is still a draft; it is not published.*"
    if kind == "incident":
        # HTML from the incident template, as one raw block of this Markdown page.
        return f'<div class="lessons-step-body">\n{incident_body(ctx, page, kb.incidents[target])}\n</div>'
    if kind == "sop":
        # HTML from the SOP templates, as one raw block of this Markdown page (as incidents).
        ref = SopRef.parse(target)
        sop = kb.sops[ref.sop_id]
        if ref.version is None:
            return f'<div class="lessons-step-body">\n{sop_body(ctx, page, sop)}\n</div>'
        index = next(i for i, v in enumerate(sop.versions) if v.version == ref.version)
        previous = sop.versions[index - 1] if index else None
        following = sop.versions[index + 1] if index + 1 < len(sop.versions) else None
        return f'<div class="lessons-step-body">\n{sop_version_body(ctx, page, sop, sop.versions[index], previous, following)}\n</div>'
    if kind == "team":
        return team_body(ctx, page, kb.teams[target])
    return term_body(ctx, page, kb.taxonomy.terms[view.key.split("/", 1)[1]])


def render_path_print(ctx: Context, reading_path: ReadingPath) -> GeneratedFile:
    page = ctx.urls.path_print(reading_path.id)
    views = step_views(ctx, reading_path)
    contents = []
    steps = []
    for view in views:
        anchor = f"step-{view.number}"
        minutes = f" · about {fmt_minutes(view.minutes)}" if view.minutes else ""
        contents.append(f"{view.number}. [{text.inline(view.title)}](#{anchor}){minutes}")
        lines = [f"## Step {view.number} of {view.total}: {text.inline(view.title)} {{ #{anchor} .lessons-print-step }}"]
        if view.step.note:
            lines.append(f'<p class="lessons-print-note" markdown>{ctx.md_line(view.step.note)}</p>')
        if view.target is not None:
            lines.append(
                f'<p class="lessons-print-source" markdown>{text.inline(view.kind)}{minutes}. Online: '
                + step_link(ctx, page, view, text.inline(ctx.page_url(view.target)))
                + "</p>"
            )
        lines.append(demote_headings(step_body(ctx, page, view)))
        steps.append(join_blocks(*lines))
    intro = [
        f"# {text.inline(reading_path.title)}: all steps",
        f"**For:** {ctx.md_line(reading_path.audience)}" if reading_path.audience else "",
        ctx.md(reading_path.description) if reading_path.description else "",
        f"{len(views)} steps, about {fmt_minutes(path_minutes(views))} of reading ({RATE_NOTE}). "
        "Every step's page, in order, on one page for paper or offline reading; the "
        + ctx.link(page, ctx.urls.path(reading_path.id), "online path")
        + " keeps your progress.",
        '<p class="lessons-print-button" hidden="hidden"><button type="button" class="md-button">Print this path</button></p>',
        "**Contents**\n\n" + "\n".join(contents),
    ]
    body = FRONT_MATTER + "\n" + join_blocks(*intro, *steps)
    source = reading_path.source.file if reading_path.source else None
    return GeneratedFile(page, body, source=source, title=f"{reading_path.title}: all steps")

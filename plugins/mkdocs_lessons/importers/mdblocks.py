"""A Markdown file as a flat list of top-level blocks, each with its source lines.

markdown-it-py does the reading (CommonMark plus tables), so headings inside
code fences, setext headings, lazy list continuations and pipes inside
backticks are what CommonMark says they are; its token map gives every
block, list item and table row the line it came from, which the importer
quotes back in the record's header comment. The text of a block is always
the source text itself, never re-rendered, so nothing the author wrote is
lost on the way into a record.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Optional

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark").enable("table")
_MARKER = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s+")


@dataclass
class Item:
    """One list item: its Markdown (marker removed, continuation lines dedented) and first line (1-based)."""

    text: str
    line: int
    checked: Optional[bool] = None  # a task-list box: `- [x]` True, `- [ ]` False


@dataclass
class Block:
    kind: str  # heading | paragraph | list | table | code | quote | rule | html
    start: int  # first line, 0-based
    end: int  # past the last line
    source: str  # the block's own lines, as written
    level: int = 0  # heading level
    title: str = ""  # heading text (inline Markdown)
    items: list[Item] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)  # 1-based

    @property
    def line(self) -> int:
        """The block's first line, 1-based as editors count."""
        return self.start + 1

    def lines(self) -> list[tuple[int, str]]:
        """(1-based line, text) of each line of the block."""
        return [(self.start + 1 + i, text) for i, text in enumerate(self.source.split("\n"))]


def _front_matter(lines: list[str]) -> int:
    """How many lines a YAML front matter block (`---` ... `---`) takes at the top; 0 when there is none."""
    if lines and lines[0].strip() == "---":
        for index in range(1, min(len(lines), 60)):
            if lines[index].strip() in ("---", "..."):
                return index + 1
    return 0


def read_blocks(text: str) -> tuple[list[Block], list[tuple[int, str]]]:
    """The top-level blocks of a Markdown document, and the lines of its front matter (1-based)."""
    lines = text.split("\n")
    skip = _front_matter(lines)
    front = [(i + 1, lines[i]) for i in range(1, skip - 1)] if skip else []
    body = "\n".join([""] * skip + lines[skip:])  # blank lines keep the numbering
    tokens = _PARSER.parse(body)
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.map is None or token.nesting == -1:
            index += 1
            continue
        close = _closing(tokens, index)
        start, end = token.map
        source = "\n".join(lines[start:end]).rstrip()
        kind = _KINDS.get(token.type, "html")
        block = Block(kind, start, end, source)
        if kind == "heading":
            block.level = int(token.tag[1:])
            block.title = tokens[index + 1].content.strip() if index + 1 < len(tokens) else ""
        elif kind == "list":
            block.items = _items(tokens[index : close + 1], lines, token.level + 1)
        elif kind == "table":
            _table(tokens[index : close + 1], block)
        blocks.append(block)
        index = close + 1
    return _with_uncovered(blocks, lines, skip), front


def _with_uncovered(blocks: list[Block], lines: list[str], skip: int) -> list[Block]:
    """Lines no block covers (link reference definitions, which CommonMark takes out of the text) as paragraphs, in
    place.
    """
    covered = set(range(skip))
    for block in blocks:
        covered.update(range(block.start, block.end))
    extra: list[Block] = []
    run: list[int] = []
    for number in range(len(lines) + 1):
        if number < len(lines) and number not in covered and lines[number].strip():
            run.append(number)
        elif run:
            extra.append(Block("paragraph", run[0], run[-1] + 1, "\n".join(lines[run[0] : run[-1] + 1]).rstrip()))
            run = []
    return sorted(blocks + extra, key=lambda b: b.start) if extra else blocks


_KINDS = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "table_open": "table",
    "fence": "code",
    "code_block": "code",
    "blockquote_open": "quote",
    "hr": "rule",
    "html_block": "html",
}


def _closing(tokens: list[Token], index: int) -> int:
    """The index of the token that closes the one at `index` (itself for a self-contained token)."""
    if tokens[index].nesting != 1:
        return index
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _items(tokens: list[Token], lines: list[str], level: int) -> list[Item]:
    items: list[Item] = []
    for token in tokens:
        if token.type != "list_item_open" or token.level != level or token.map is None:
            continue
        start, end = token.map
        raw = lines[start:end]
        first = _MARKER.sub("", raw[0], count=1) if raw else ""
        rest = textwrap.dedent("\n".join(raw[1:])) if len(raw) > 1 else ""
        text = (first + ("\n" + rest if rest else "")).strip()
        checked = None
        box = _CHECKBOX.match(text)
        if box:
            checked = box.group(1) in "xX"
            text = text[box.end() :]
        items.append(Item(text, start + 1, checked))
    return items


def _table(tokens: list[Token], block: Block) -> None:
    row: list[str] = []
    in_head = False
    row_line = block.line
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
            row_line = token.map[0] + 1 if token.map else row_line
        elif token.type == "inline":
            row.append(token.content.strip())
        elif token.type == "tr_close":
            if in_head:
                block.header = row
            else:
                block.rows.append(row)
                block.row_lines.append(row_line)


def plain(inline: str) -> str:
    """Inline Markdown as plain words, for matching headings and labels: `**Root Causes:**` -> `Root Causes:`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", inline)
    text = re.sub(r"[*_`~]+", "", text)
    return " ".join(text.split())

"""A postmortem as sections and field lines, whatever marks them.

Headings, bold lines (`**Root Causes**`, `**Root Causes:** text`) and plain
`Label: value` lines all open a section when the label names one; other
`Label: value` lines in the metadata part of a document (the top, a
"Details" or "Summary" section, front matter, a two-column table there) are
field lines. Under a Timeline or Action Items heading, deeper headings stay
inside the section (a date, or a Prevention/Detection group), so those
readers see them in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from mkdocs_lessons.importers.mdblocks import Block, Item, plain, read_blocks
from mkdocs_lessons.importers.vocabulary import FIELD_OF, METADATA, SECTION_OF, label_value, norm


@dataclass
class Section:
    title: str
    key: Optional[str]
    level: int
    line: int
    pieces: list[Block] = field(default_factory=list)
    type_hint: str = ""

    def where(self) -> str:
        return f'"{plain(self.title)}" (line {self.line})' if self.title else f"line {self.line}"

    def markdown(self) -> str:
        parts = []
        for piece in self.pieces:
            if piece.kind == "heading":
                parts.append(f"{'#' * min(6, max(4, piece.level))} {piece.title}")
            else:
                parts.append(piece.source.strip("\n"))
        return "\n\n".join(p for p in parts if p.strip()).strip()


@dataclass
class FieldLine:
    label: str
    key: Optional[str]
    value: str
    line: int
    text: str


def _text_block(lines: list[tuple[int, str]]) -> Block:
    return Block("paragraph", lines[0][0] - 1, lines[-1][0], "\n".join(t for _, t in lines))


def _looks_like_label(label: str, line: str) -> bool:
    return line.lstrip("-*+ ").startswith(("**", "__")) or (label[:1].isupper() and len(label.split()) <= 4)


def sections_of(text: str) -> tuple[Optional[tuple[str, int]], list[Section], list[FieldLine]]:
    """(title and its line, sections in order, field lines)."""
    blocks, front = read_blocks(text)
    title: Optional[tuple[str, int]] = None
    preamble = Section("", "preamble", 0, 1)
    sections: list[Section] = [preamble]
    fields: list[FieldLine] = []
    for number, line in front:
        parsed = label_value(line)
        if parsed:
            fields.append(FieldLine(parsed[0], FIELD_OF.get(norm(parsed[0])), parsed[1], number, line))
    for block in blocks:
        current = sections[-1]
        if block.kind == "heading":
            first = current is preamble and not preamble.pieces and len(sections) == 1
            if (
                title is None
                and first
                and (block.level == 1 or (block.level == 2 and norm(block.title) not in SECTION_OF))
            ):
                title = (plain(block.title), block.line)
                continue
            absorbing = current.key in ("timeline", "actions") and block.level > current.level
            if absorbing:
                current.pieces.append(block)
                continue
            label = block.title
            parsed = label_value(label) if ":" in plain(label) else None
            if parsed and norm(parsed[0]) in FIELD_OF:  # `### Severity: SEV2`
                fields.append(FieldLine(parsed[0], FIELD_OF[norm(parsed[0])], parsed[1], block.line, block.source))
                continue
            sections.append(Section(block.title, SECTION_OF.get(norm(label)), block.level, block.line))
            continue
        labelled = label_value(block.source.split("\n")[0]) if block.kind == "paragraph" else None
        opens = labelled is not None
        if labelled is not None:
            label = norm(labelled[0])
            opens = label in SECTION_OF and block.source.lstrip().startswith(("**", "__"))
        if block.kind in ("paragraph", "list") and (current.key not in ("timeline", "actions") or opens):
            _split_fields(block, sections, fields, preamble)
            continue
        if (
            block.kind == "table"
            and (current is preamble or norm(current.title) in METADATA)
            and len(block.header) == 2
        ):
            rows = (
                [block.header] + block.rows
                if norm(block.header[0]) not in ("field", "question", "property", "key", "item")
                else block.rows
            )
            lines = [block.line] + block.row_lines if rows and rows[0] is block.header else block.row_lines
            for row, number in zip(rows, lines):
                if len(row) == 2 and row[0]:
                    fields.append(
                        FieldLine(
                            plain(row[0]).rstrip(":"),
                            FIELD_OF.get(norm(row[0])),
                            row[1],
                            number,
                            f"| {row[0]} | {row[1]} |",
                        )
                    )
            continue
        current.pieces.append(block)
    return title, sections, fields


def _split_fields(block: Block, sections: list[Section], fields: list[FieldLine], preamble: Section) -> None:
    """Field lines and inline sections (`**Root Causes:** text`) out of a paragraph or list; the rest stays text."""
    current = sections[-1]
    metadata = (
        current is preamble or norm(current.title) in METADATA or current.title == "" and current.key != "preamble"
    )
    if block.kind == "list":
        kept: list[Item] = []
        for item in block.items:
            parsed = label_value(item.text.split("\n")[0])
            key = FIELD_OF.get(norm(parsed[0])) if parsed else None
            if (
                parsed
                and "\n" not in item.text
                and (key or (metadata and _looks_like_label(parsed[0], item.text)))
                and norm(parsed[0]) not in SECTION_OF
            ):
                fields.append(FieldLine(parsed[0], key, parsed[1], item.line, item.text))
            else:
                kept.append(item)
        if kept:
            if len(kept) == len(block.items):
                current.pieces.append(block)
            else:
                source = "\n".join(f"- {item.text}" for item in kept)
                current.pieces.append(Block("list", kept[0].line - 1, kept[-1].line, source, items=kept))
        return
    pending: list[tuple[int, str]] = []

    def flush() -> None:
        if pending:
            sections[-1].pieces.append(_text_block(list(pending)))
            pending.clear()

    for number, line in block.lines():
        parsed = label_value(line)
        if parsed:
            label, value = parsed
            name = norm(label)
            if name in SECTION_OF and (
                line.lstrip().startswith(("**", "__")) or current is preamble or sections[-1].level == 99 or not value
            ):
                flush()
                section = Section(label, SECTION_OF[name], 99, number)
                sections.append(section)
                if value:
                    pending.append((number, value))
                continue
            # A label nobody knows is a field only where metadata is written, and only when it looks
            # like one (`Authors:`, `**Call Recording:**`), not a sentence (`some context first: ...`).
            if name in FIELD_OF or (metadata and sections[-1] is current and _looks_like_label(label, line)):
                flush()
                fields.append(FieldLine(label, FIELD_OF.get(name), value, number, line))
                continue
        pending.append((number, line))
    flush()


# -- reading values -------------------------------------------------------------------------------


def items_of(section: Section) -> list[tuple[str, int]]:
    """A section as a list of points: list items, or one point per paragraph (per line for short lines)."""
    out: list[tuple[str, int]] = []
    for piece in section.pieces:
        if piece.kind == "list":
            out.extend((item.text, item.line) for item in piece.items)
        elif piece.kind == "paragraph":
            lines = [(n, t.strip()) for n, t in piece.lines() if t.strip()]
            if len(lines) > 1 and all(re.search(r"[.?!:)]$", t) for _, t in lines):
                out.extend((t, n) for n, t in lines)
            elif lines:
                out.append(("\n".join(t for _, t in lines), lines[0][0]))
        elif piece.kind == "table":
            for row, number in zip(piece.rows, piece.row_lines):
                cells = [c for c in row if c]
                if cells:
                    out.append((" — ".join(cells), number))
        elif piece.kind != "heading" and piece.source.strip():
            out.append((piece.source.strip(), piece.line))
    return [
        (
            re.sub(
                r"^(?:why\s*\d*\s*[:.)-]\s*)", lambda m: m.group(0) if "?" in m.group(0) else "", t, flags=re.IGNORECASE
            ).strip()
            or t,
            n,
        )
        for t, n in out
    ]

"""A draft record as YAML text, the sources imported before, and writing without replacing.

The header comment says where the record came from and lists what was
mapped, what was guessed (with the source line) and what is missing before
the record can be reviewed. `source:` (the file name and the SHA-256 of
its content) lets a second import of the same source be skipped. Files
are created next to their final name and linked into place, so a reader
never sees half a record and an existing record is never replaced
(`records/write.py`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Optional

from mkdocs_lessons.cli.scaffold import COMMENT_COLUMN, yaml_scalar, yaml_text_block
from mkdocs_lessons.importers.draft import Draft, Note
from mkdocs_lessons.records import schema
from mkdocs_lessons.records.content_root import FILE, ContentRoot
from mkdocs_lessons.records.load import FOLDERS
from mkdocs_lessons.records.yamlsource import parse_text

_HASH_LINE = re.compile(r"^\s*sha256:\s*['\"]?([0-9a-f]{64})", re.MULTILINE)
_ORDER = (
    "title",
    "kind",
    "status",
    "severity",
    "occurred",
    "detected",
    "resolved",
    "teams",
    "detection",
    "caused_by_change",
    "summary",
    "context",
    "impact",
    "timeline",
    "classification",
    "root_cause",
    "lessons",
    "went_well",
    "went_wrong",
    "got_lucky",
    "action_items",
    "review",
    "tags",
)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def imported_before(root: Path) -> dict[str, str]:
    """sha256 -> record id, for every incident that names its source.

    A text scan, not a YAML parse (10,000 files in about 2 s); files are
    judged by `fsguard` first, so a link that leads out of the knowledge
    base is never read.
    """
    guard = ContentRoot(root)
    entries, _probe = guard.folder(root / FOLDERS["incident"])
    found: dict[str, str] = {}
    for entry in sorted(entries or [], key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")) or guard.entry(entry).kind != FILE:
            continue
        try:
            text = Path(entry.path).read_text("utf-8", errors="replace")
        except OSError:
            continue
        if "source:" in text:
            for match in _HASH_LINE.finditer(text):
                found.setdefault(match.group(1), entry.name.rsplit(".", 1)[0])
    return found


# Characters YAML does not allow even in a double-quoted string unless escaped; json.dumps (which
# yaml_scalar and yaml_text_block fall back to for any text with them) leaves DEL and C1 controls raw.
_UNESCAPED = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _escaped(yaml_text: str) -> str:
    return _UNESCAPED.sub(lambda m: f"\\u{ord(m.group(0)):04x}", yaml_text)


def _block(value: str, indent: str) -> str:
    return _escaped(yaml_text_block(value, indent))


def _scalar(value: str) -> str:
    return _escaped(yaml_scalar(value))


def _list(values: list[str], indent: str) -> list[str]:
    return [f"{indent}-{_block(v, indent + '  ')}" for v in values]


def _comment_safe(line: str) -> str:
    """A comment line YAML accepts: quoted source text may hold line breaks or control characters."""
    return "".join(ch if ch.isprintable() else (" " if ch in "\n\r\t" else f"\\u{ord(ch):04x}") for ch in line)


def _in_order(notes: list[Note]) -> list[Note]:
    """Notes in the order of the fields in the record (stable within a field), then the rest."""

    def rank(note: Note) -> int:
        top = note.field.split(".")[0].split(" ")[0]
        top = {"root_cause": "root_cause", "classification": "classification"}.get(top, top)
        return _ORDER.index(top) if top in _ORDER else len(_ORDER)

    return sorted(notes, key=rank)


def render(
    draft: Draft,
    record_id: str,
    schema_url: str,
    source_name: str,
    digest: str,
    extra_source: Optional[dict[str, str]] = None,
) -> str:
    v = draft.values
    width = max((len(n.field) for n in draft.mapped + draft.guessed), default=10)
    head = [
        f"# yaml-language-server: $schema={schema_url}",
        "#",
        f"# {record_id}: imported from {source_name} ({draft.template} shape) as a draft.",
        "# Check it against the source, fill in what is missing, then take it to review.",
        "#",
        "# Mapped:",
        *(f"#   {n.field.ljust(width)}  <- {n.source}" for n in _in_order(draft.mapped)),
    ]
    if draft.guessed:
        head += [
            "#",
            "# Guessed (check each against the source):",
            *(f"#   {n.field.ljust(width)}  = {n.value}  <- {n.source}" for n in _in_order(draft.guessed)),
        ]
    head += [
        "#",
        "# Missing before the record can be reviewed:",
        *(f"#   - {m}" for m in draft.missing or ["nothing the contract requires"]),
    ]
    lines = [_comment_safe(line) for line in head] + ["", f"id: {record_id}"]
    for key in _ORDER:
        if key == "status":
            lines.append("status: draft".ljust(COMMENT_COLUMN - 1) + " # draft -> in-review -> reviewed -> closed")
            continue
        if key not in v:
            continue
        value = v[key]
        if key in ("title", "kind", "severity", "occurred", "detected", "resolved", "detection"):
            lines.append(f"{key}: {_scalar(str(value))}")
        elif key == "caused_by_change":
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif key in ("teams", "tags"):
            lines.append(f"{key}: [" + ", ".join(_scalar(t) for t in value) + "]")
        elif key in ("summary", "context", "impact"):
            lines.append(f"{key}:{_block(value, '  ')}")
        elif key == "timeline":
            lines.append("timeline:")
            for entry in value:
                lines += [f"  - at: {entry['at']}", f"    event:{_block(entry['event'], '      ')}"]
        elif key == "classification":
            lines += ["classification:", f"  primary: {value['primary']}"]
        elif key == "root_cause":
            lines.append("root_cause:")
            if "whys" in value:
                lines += ["  whys:", *_list(value["whys"], "    ")]
            if "cause" in value:
                lines.append(f"  cause:{_block(value['cause'], '    ')}")
            if "contributing_factors" in value:
                lines += ["  contributing_factors:", *_list(value["contributing_factors"], "    ")]
        elif key in ("lessons", "went_well", "went_wrong", "got_lucky"):
            lines += [f"{key}:", *_list(value, "  ")]
        elif key == "action_items":
            lines.append("action_items:")
            for item in value:
                lines.append(f"  - id: {item['id']}")
                lines.append(f"    action:{_block(item['action'], '      ')}")
                for name in ("owner", "due", "status", "type"):
                    if name in item:
                        lines.append(f"    {name}: {_scalar(str(item[name]))}")
        elif key == "review":
            lines += ["review:", f"  date: {value['date']}"]
            if "facilitator" in value:
                lines.append(f"  facilitator: {_scalar(value['facilitator'])}")
            if "participants" in value:
                lines.append("  participants: [" + ", ".join(_scalar(p) for p in value["participants"]) + "]")
    lines += [
        "source:".ljust(COMMENT_COLUMN - 1)
        + " # where this record was imported from; a second import of it is skipped",
        f"  file: {_scalar(source_name)}",
    ]
    for name, text in (extra_source or {}).items():
        lines.append(f"  {name}: {_scalar(text)}")
    lines.append(f"  sha256: {_scalar(digest)}")  # quoted when YAML would read it as a number
    return "\n".join(lines) + "\n"


def self_check(content: str, record_id: str, display: str) -> list[str]:
    """Schema problems of a rendered record (none, unless the importer has a bug)."""
    doc = parse_text(content, display)
    problems = [str(p) for p in doc.problems]
    if not problems and isinstance(doc.data, dict):
        problems = [str(p) for p in schema.validate(doc, "incident")]
        if doc.data.get("id") != record_id:
            problems.append(f"{display}: id {doc.data.get('id')!r} is not {record_id!r}")
    return problems

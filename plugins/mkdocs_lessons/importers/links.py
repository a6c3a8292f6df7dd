"""Relative links in an imported text, which pointed next to the source file, turned into text.

A postmortem's `[runbook](../runbooks/db.md)` or `![graph](images/graph.png)`
was relative to where the Markdown file lived; inside a record it would
resolve against the record's page and fail `lessons validate` (and the
build). The link becomes its text followed by the target in parentheses, so
nothing is lost and a reviewer can put the page or the image where the site
can find it. Links with a scheme (`https:`, `mailto:`), site-absolute paths
and `#anchors` are left alone.
"""

from __future__ import annotations

import re
from typing import Any

_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]\\]|\\.)*)\]\((?P<target><[^>]*>|[^()\s]+(?:\([^()\s]*\))?[^()\s]*)(?:\s+(?P<title>\"[^\"]*\"|'[^']*'))?\)"
)
_DEFINITION = re.compile(r"^(?P<indent> {0,3})\[(?P<label>[^\]]+)\]:\s+(?P<target>\S+)(?P<rest>.*)$", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _relative(target: str) -> bool:
    target = target.strip("<>")
    return bool(target) and not _SCHEME.match(target) and not target.startswith(("/", "#"))


def unlink(text: str) -> tuple[str, list[str]]:
    """`text` with every relative link and image as plain words; and their targets."""
    found: list[str] = []

    def inline(match: re.Match[str]) -> str:
        target = match.group("target")
        if not _relative(target):
            return match.group(0)
        found.append(target.strip("<>"))
        words = match.group("text").strip()
        kind = "image" if match.group("bang") else "link"
        title = f", {match.group('title')}" if match.group("title") else ""
        where = f"({kind} in the source: `{target.strip('<>')}`{title})"
        return f"{words} {where}" if words else where

    def definition(match: re.Match[str]) -> str:
        if not _relative(match.group("target")):
            return match.group(0)
        found.append(match.group("target"))
        return (
            f"{match.group('indent')}{match.group('label')}: link in the source: "
            f"`{match.group('target')}`{match.group('rest')}"
        )

    text = _INLINE.sub(inline, text)
    text = _DEFINITION.sub(definition, text)
    return text, found


def unlink_all(value: Any) -> tuple[Any, list[str]]:
    """Every text in a record's values (nested lists and mappings), unlinked; and the targets, in order."""
    if isinstance(value, str):
        return unlink(value)
    found: list[str] = []
    if isinstance(value, list):
        out = []
        for item in value:
            new, targets = unlink_all(item)
            out.append(new)
            found += targets
        return out, found
    if isinstance(value, dict):
        mapping = {}
        for key, item in value.items():
            new, targets = unlink_all(item) if key not in ("at", "due", "id", "owner", "status", "type") else (item, [])
            mapping[key] = new
            found += targets
        return mapping, found
    return value, found


def source_lines(text: str, targets: list[str]) -> list[int]:
    """The 1-based lines of `text` that hold each target (for the note in the record's top comment)."""
    lines = text.split("\n")
    out: list[int] = []
    for target in targets:
        number = next(
            (
                n
                for n, line in enumerate(lines, 1)
                if f"({target}" in line or f"<{target}>" in line or f"]: {target}" in line
            ),
            None,
        )
        if number is not None and number not in out:
            out.append(number)
    return sorted(out)

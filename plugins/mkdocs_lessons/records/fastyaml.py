"""A fast first read of a record file, for the common case of a good record.

Composing with PyYAML keeps the position of every node but costs ~0.6 ms per
6 KB record, which is most of `lessons validate` on a large knowledge base.
yaml-rs (a Rust YAML 1.2 parser) builds the same plain values about five
times faster, without positions. It is only ever a first read:

- files that yaml-rs could read differently from `yamlsource` are left to the
  exact reader: anchors, aliases, tags, merge keys, directives, tabs,
  characters YAML forbids, deep block nesting (yaml-rs recurses and would
  overflow the stack), colons and `|`/`>` at the edge of flow items and empty
  block scalars (where libyaml and yaml-rs disagree), and the number
  spellings yaml-rs reads as numbers where YAML 1.2's core schema reads text
  (`1_000`, `0b101`, `0X1F`, `0O17`);
- a result that is not a single mapping is dropped;
- keys yaml-rs types (`1:`, `true:`, `~:`, an empty key, a complex key)
  where YAML 1.2 reads text or libyaml fails: every record schema closes
  every object (`additionalProperties: false`) and has no property such a
  key could name, so the record fails its schema and is read again exactly;
- `records/load.py` keeps a fast read only for a record that passes its schema. Any
  record with a problem is read again by the exact reader, so every message
  (and every value in it) comes from there, with its line and column.

Positions of a fast-read document are computed on first use (a cross-record
message or a lint), by composing that one file exactly.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any, Optional

yaml_rs: Optional[ModuleType]
try:  # an accelerator, never a requirement: without it every file is read exactly
    import yaml_rs
except ImportError:  # pragma: no cover - yaml-rs ships wheels for the common platforms
    yaml_rs = None

AVAILABLE = yaml_rs is not None

# What the fast reader might read differently (see the module docstring).
# Python's `re` is slow at alternations that can start anywhere, so rare
# characters are looked for with `in` (memchr) before a pattern runs.
_TOKEN_SIGIL = re.compile(r"(?<![^\s\[{,])[&*!]")  # anchor, alias or tag starting a token
_NUMBER_PREFIX = re.compile("0[bBXO]")
# Colons and block indicators at the edge of flow items: YAML 1.2 and libyaml
# disagree (`[a:]`, `[:x]`, `[>]`, `{b: >}`).
_FLOW_EDGE = re.compile(r"[\[{,:][ \t\n]*[:?|>]|:[\]},]")
_STRAY_INDICATOR = re.compile(r"[|>][-+0-9]*[ \t]*[\]},]|[:?-][ \t]+[|>](?![-+0-9]*[ \t]*(?:#[^\n]*)?$)", re.MULTILINE)
_BLOCK_HEADER = re.compile(r"[|>](?<=[ :-][|>])[-+0-9]*[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
# An underscore next to these may sit in a number (`1_000`, `_.5`), or at the start of a value.
_NEAR_NUMBER = frozenset("0123456789.+- \n[{,:")
_ASCII_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13)) + b"\x7f"
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NESTING = str.maketrans({" ": "x", "?": "x", "-": "x"})


def _needs_exact_reader(text: str) -> bool:
    if "\t" in text or text[:1] == "%" or ("<" in text and "<<" in text):
        return True  # tabs, a directive, a merge key
    if ("&" in text or "*" in text or "!" in text) and _TOKEN_SIGIL.search(text):
        return True
    if _NUMBER_PREFIX.search(text):
        return True  # binary or upper-case prefixes: text in YAML 1.2, numbers for yaml-rs
    position = text.find("_")
    while position >= 0:  # digit separators (`1_000`): the same
        if text[position - 1 : position] in _NEAR_NUMBER or text[position + 1 : position + 2] in _NEAR_NUMBER:
            return True
        position = text.find("_", position + 1)
    if ("[" in text or "{" in text) and _flow_items_disagree(text):
        return True
    if ("|" in text or ">" in text) and (_STRAY_INDICATOR.search(text) or _has_empty_block_scalar(text)):
        return True
    # Deep block nesting: yaml-rs recurses and overflows the stack past ~10,000
    # levels, which take at least one character each.
    if len(text) > 10_000 and "x" * 200 in text.translate(_NESTING):
        return True
    # Characters YAML forbids (PyYAML reports them with a position).
    if text.isascii():
        return len(text) != len(text.encode("ascii").translate(None, _ASCII_CONTROL))
    return _NON_PRINTABLE.search(text) is not None


def _flow_items_disagree(text: str) -> bool:
    """A flow collection (`[a, b]`, `{a: b}`) the two readers might read apart.

    Records write short flow lists on one line; a line with unbalanced
    brackets (a flow collection over several lines) is left to the exact reader.
    """
    for bracket in "[{":
        position = text.find(bracket)
        while position >= 0:
            start = text.rfind("\n", 0, position) + 1
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            line = text[start:end]
            if line.count("[") + line.count("{") != line.count("]") + line.count("}") or _FLOW_EDGE.search(line):
                return True
            position = text.find(bracket, end)
    return False


def _has_empty_block_scalar(text: str) -> bool:
    """`key: |` with no content: yaml-rs reads "\n", YAML 1.2 (and libyaml) ""."""
    for match in _BLOCK_HEADER.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        header = text[start : match.start()]
        indent = len(header) - len(header.lstrip(" "))
        position = match.end() + 1
        while True:
            if position >= len(text):
                return True  # the file ends: no content
            end = text.find("\n", position)
            line = text[position : end if end >= 0 else len(text)]
            if line.strip():
                # Content must be indented deeper than the header's line.
                return len(line) - len(line.lstrip(" ")) <= indent
            if end < 0:
                return True
            position = end + 1
    return False


def read(text: str) -> Optional[dict[str, Any]]:
    """The record's values, or None when the exact reader must decide."""
    if yaml_rs is None or _needs_exact_reader(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - any failure is the exact reader's to explain
        return None
    return data if isinstance(data, dict) else None

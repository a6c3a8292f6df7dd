"""Read one YAML file into plain JSON-like values, keeping where every node was.

PyYAML's constructors lose positions, keep the last of two duplicate keys
and turn `2024-03-14` into a `date` that JSON Schema then rejects. So we
compose the node graph (libyaml's C composer when present) and build the
values ourselves:

- every scalar keeps its text unless it is a YAML 1.2 core null, bool, int or
  float; dates and timestamps stay strings, exactly as written;
- `yes`/`no`/`on`/`off` are text (YAML 1.2), not booleans;
- duplicate keys, non-string keys, merge keys and custom tags are errors;
- alias expansion and nesting are bounded, so an alias bomb costs a clear
  error instead of the machine's memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from mkdocs_lessons.diagnostics import Diagnostic
from mkdocs_lessons.records import fastyaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
WITH_LIBYAML = Loader is not yaml.SafeLoader

#: A JSON pointer into a document, as a tuple of keys and indexes.
FieldPath = tuple[Union[str, int], ...]

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_KNOWN_TAGS = {
    _STR,
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def field_label(path: FieldPath) -> str:
    """`('action_items', 0, 'due')` -> `action_items[0].due`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Document:
    """A parsed YAML file: its data and the position of every node in it."""

    path: str  # as shown in messages
    file: Path | None
    data: Any = None
    problems: list[Diagnostic] = field(default_factory=list)
    # The schema's verdict per record kind, kept with the document so that a
    # cached (unchanged) file is not validated again.
    schema_problems: dict[str, list[Diagnostic]] = field(default_factory=dict)
    # Read by `fastyaml` (values only): positions are composed on first use,
    # from `text`, and a record with any problem is read again exactly.
    fast: bool = False
    # Hash of the file's bytes, set by the document cache (load.DocumentCache):
    # what pages reused across `mkdocs serve` rebuilds are keyed by.
    digest: str = ""
    # The record built from it, per kind (records/load.py): the model is made once per file content.
    built: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    text: Optional[str] = field(default=None, repr=False)
    # The text has `](` or `]:` somewhere: Markdown in it may link (checks.check_markdown_links).
    may_link: bool = field(default=True, repr=False, compare=False)
    _positions: Optional[dict[FieldPath, tuple[int, int]]] = field(default=None, repr=False)
    _key_positions: Optional[dict[FieldPath, tuple[int, int]]] = field(default=None, repr=False)

    @property
    def positions(self) -> dict[FieldPath, tuple[int, int]]:
        if self._positions is None:
            return self._compose_positions()[0]
        return self._positions

    @property
    def key_positions(self) -> dict[FieldPath, tuple[int, int]]:
        if self._key_positions is None:
            return self._compose_positions()[1]
        return self._key_positions

    def _source(self) -> Optional[str]:
        """The text read fast: kept, or read again (a fast read keeps no text, to save memory)."""
        if self.text is not None or self.file is None:
            return self.text
        try:
            return self.file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None

    def _compose_positions(self) -> tuple[dict[FieldPath, tuple[int, int]], dict[FieldPath, tuple[int, int]]]:
        """Read the positions from the text, keep them, and return them: (values', keys')."""
        source = self._source()
        exact = parse_text(source, self.path, self.file) if source is not None else None
        # The file may have changed since it was read (`mkdocs serve`): positions
        # of other values would mislead, so then every message points at 1:1.
        if exact is not None and not exact.problems and exact.data == self.data:
            self._positions, self._key_positions = exact.positions, exact.key_positions
        else:
            self._positions, self._key_positions = {}, {}
        return self._positions, self._key_positions

    def make_exact(self) -> None:
        """Replace a fast read by the exact reader's (values, positions, problems)."""
        source = self._source() if self.fast else None
        if source is None:  # already exact, or the file is gone: keep what was read
            return
        exact = parse_text(source, self.path, self.file)
        self.data, self.problems = exact.data, exact.problems
        self._positions, self._key_positions = exact.positions, exact.key_positions
        self.schema_problems = {}
        self.built = {}
        self.fast = False

    def where(self, path: FieldPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the node at `path`, or of its nearest parent."""
        if key and path in self.key_positions:
            return self.key_positions[path]
        if path in self.positions:
            return self.positions[path]
        # A missing field: point at the key of the mapping that lacks it.
        probe = tuple(path)[:-1]
        while probe:
            if probe in self.key_positions:
                return self.key_positions[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def diagnostic(self, path: FieldPath, message: str, *, rule: str, key: bool = False, **kwargs: Any) -> Diagnostic:
        line, column = self.where(path, key=key)
        return Diagnostic(self.path, line, column, field_label(path), message, rule, **kwargs)


class _Builder:
    def __init__(self, doc: Document, text: str) -> None:
        self.doc = doc
        self.text = text
        self.nodes = 0
        self.open: list[yaml.Node] = []  # the collections being built, outermost first
        self.open_ids: set[int] = set()

    def error(self, node: yaml.Node, path: FieldPath, message: str, rule: str) -> None:
        mark = node.start_mark
        self.doc.problems.append(
            Diagnostic(self.doc.path, mark.line + 1, mark.column + 1, field_label(path), message, rule)
        )

    def build(self, node: yaml.Node, path: FieldPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(node, f"more than {MAX_NODES} values (aliases expanded); is this an alias bomb?")
        if depth > MAX_DEPTH:
            raise _TooLarge(node, f"nested deeper than {MAX_DEPTH} levels")
        self.doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _KNOWN_TAGS and node.tag != _MERGE:
            self.error(node, path, f"unsupported YAML tag {node.tag!r}", "yaml-tag")
            return None
        if isinstance(node, yaml.ScalarNode):
            return scalar_value(node, self.text)
        if id(node) in self.open_ids:
            raise _TooLarge(node, self.cycle(node))
        self.open.append(node)
        self.open_ids.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path, depth)
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        finally:
            self.open.pop()
            self.open_ids.discard(id(node))

    def cycle(self, node: yaml.Node) -> str:
        """An alias inside its own anchor: the chain of ids it loops through, when the mappings have ids."""
        chain = self.open[next(i for i, n in enumerate(self.open) if n is node) :] + [node]
        names = [_id_of(n) for n in chain if isinstance(n, yaml.MappingNode)]
        if names and all(names):
            loop = " \u2192 ".join(names)
            return f"a YAML alias makes '{names[0]}' contain itself, a cycle: {loop}; write the entries out"
        return "a YAML alias makes this value contain itself, a cycle; write the entries out"

    def mapping(self, node: yaml.MappingNode, path: FieldPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.error(key_node, path, "YAML merge keys (<<) are not supported; write the fields out", "yaml-merge")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, path, "a key must be a plain name, not a list or mapping", "yaml-key")
                continue
            key = key_node.value
            child = path + (key,)
            if key in out:
                first = self.doc.key_positions[child]
                self.error(
                    key_node,
                    child,
                    f"duplicate key '{key}' (first defined at line {first[0]}); YAML would silently keep only the last",
                    "duplicate-key",
                )
                continue
            self.doc.key_positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child, depth + 1)
        return out


def _id_of(node: yaml.MappingNode) -> str:
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(value, yaml.ScalarNode):
            return value.value
    return ""


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def scalar_value(node: yaml.ScalarNode, source: str = "") -> Any:
    """The value of a scalar under YAML 1.2's core schema; dates stay text."""
    text = node.value
    # libyaml marks plain scalars with style '' and PyYAML with None.
    if node.style:  # quoted or block: text
        return text
    # PyYAML's resolver tags plain scalars by YAML 1.1 rules (`1e3` and
    # `0o17` are text there), so its str tag only counts when written out
    # (`!!str 12`): the mark then points at the tag, not at the value.
    if node.tag == _STR and source[node.start_mark.index : node.start_mark.index + 1] in ("!", ""):
        return text
    if _NULL.match(text):
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, path: str) -> Diagnostic:
    """A YAML syntax error in words a contributor can act on."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or "invalid YAML").strip()
    context = (exc.context or "").strip()
    if "maximum nesting depth" in problem:
        message = "nested more than 1000 levels deep; records nest only a few levels"
    elif "another document" in problem or "single document" in context:
        message = "the file holds more than one document ('---' starts a second one); put each record in its own file"
    elif mark is not None and text and _is_tab_at(text, mark):
        message = "a tab character here; YAML allows only spaces for indentation"
    else:
        message = problem
        started = exc.context_mark
        if (
            context
            and started is not None
            and mark is not None  # always when `started` is (`mark` falls back to it)
            and (started.line, started.column) != (mark.line, mark.column)
        ):
            message += f" ({context} started at line {started.line + 1}, column {started.column + 1})"
        elif context and context not in problem and "scanning for the next token" not in context:
            message += f" ({context})"
    return Diagnostic(path, line, column, "", f"YAML syntax error: {message}", "yaml-syntax")


def _is_tab_at(text: str, mark: yaml.Mark) -> bool:
    lines = text.split("\n")
    if mark.line >= len(lines):
        return False
    rest = lines[mark.line][mark.column :]
    return rest.startswith("\t") or (mark.column == 0 and rest[:1] == "\t")


def parse_text(text: str, path: str, file: Path | None = None) -> Document:
    """Parse YAML text; problems are collected on the returned document."""
    doc = Document(path=path, file=file, _positions={}, _key_positions={})
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        doc.problems.append(_syntax_problem(exc, text, path))
        return doc
    except yaml.reader.ReaderError as exc:
        # A control character (NUL, escape...): the reader gives an offset, not a mark.
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        doc.problems.append(
            Diagnostic(
                path,
                line,
                column,
                "",
                (
                    f"control character U+{exc.character:04X} is not allowed in YAML; remove it or write it as an "
                    "escape in a double-quoted string"
                ),
                "yaml-syntax",
            )
        )
        return doc
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml reports without a mark
        doc.problems.append(Diagnostic(path, 1, 1, "", f"YAML error: {exc}", "yaml-syntax"))
        return doc
    except RecursionError:  # PyYAML's pure-Python composer recurses per nesting level
        doc.problems.append(Diagnostic(path, 1, 1, "", f"nested deeper than {MAX_DEPTH} levels", "yaml-limits"))
        return doc
    if node is None:
        doc.problems.append(Diagnostic(path, 1, 1, "", "the file is empty", "empty-file"))
        return doc
    try:
        doc.data = _Builder(doc, text).build(node, (), 0)
    except _TooLarge as exc:
        mark = exc.node.start_mark
        doc.data = None
        rule = "yaml-cycle" if "cycle" in exc.message else "yaml-limits"
        doc.problems.append(Diagnostic(path, mark.line + 1, mark.column + 1, "", exc.message, rule))
    except RecursionError:
        doc.data = None
        doc.problems.append(Diagnostic(path, 1, 1, "", "the YAML is nested too deeply", "yaml-limits"))
    return doc


def read_document(
    file: Path, display: str, max_bytes: int = MAX_FILE_BYTES, raw: Optional[bytes] = None, fast: bool = False
) -> Document:
    """Read and parse a file, reporting size and encoding problems as diagnostics.

    With `fast`, a file `fastyaml` can read comes back with `fast=True`: values
    only, positions on demand; the caller calls `make_exact()` on any problem.
    """
    try:
        size = len(raw) if raw is not None else file.stat().st_size
        if size > max_bytes:
            doc = Document(path=display, file=file)
            doc.problems.append(
                Diagnostic(
                    display,
                    1,
                    1,
                    "",
                    f"file is {size / 1048576:.1f} MiB; records are limited to {max_bytes / 1048576:.0f} MiB",
                    "file-size",
                )
            )
            return doc
        if raw is None:
            raw = file.read_bytes()
    except OSError as exc:
        doc = Document(path=display, file=file)
        doc.problems.append(Diagnostic(display, 1, 1, "", f"cannot read file: {exc.strerror}", "io"))
        return doc
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is accepted
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        doc = Document(path=display, file=file)
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            # Some Windows editors save "Unicode" as UTF-16 with a byte-order mark.
            message = "the file is UTF-16; save it as UTF-8"
        else:
            message = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        doc.problems.append(Diagnostic(display, line, column, "", message, "encoding"))
        return doc
    may_link = "](" in text or "]:" in text
    if fast:
        data = fastyaml.read(text)
        if data is not None:
            return Document(
                path=display,
                file=file,
                data=data,
                fast=True,
                text=None if file is not None else text,
                may_link=may_link,
            )
    doc = parse_text(text, display, file)
    doc.may_link = may_link
    return doc

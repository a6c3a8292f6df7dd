"""An invariant generated from the schemas: every rule, broken once, is reported at its field.

No hand-written list of cases. For each record kind the JSON Schema is
walked together with the sample records under `content/`, and every rule
met on the way is broken once in a copy of the sample knowledge base:

- required: a required field removed;
- conditional: a field an `if`/`then` rule requires removed (or emptied)
  with the condition made true;
- type: a value of a type the schema does not allow;
- enum, pattern, format: a value outside the options, not matching, not a date;
- bounds: minimum/maximum, minLength/maxLength, minItems/maxItems, uniqueItems;
- unknown: an unknown key added to a closed mapping;
- date range: a date or timestamp in the year 1026 (the option `date_range`).

Every mutation must give at least one diagnostic at the field it broke, and
the two ways of reading a record must agree: the fast path (yaml-rs and
jsonschema-rs first, the exact reader for any record with a problem) and
the exact path alone (PyYAML's composer and `jsonschema`; forced by
switching `fastyaml.read` and `schema._fast_check` off). A rule found at
many places is tried at a bounded, deterministic sample of them
(`PER_RULE`), so the test stays fast.

With `LESSONS_RELIABILITY=<file>` set, each mutation tried is appended to
that file as a JSON line (scripts/reliability.py turns them into the
README's table).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import yaml

from conftest import SAMPLE, reliability
from mkdocs_lessons.records import fastyaml, schema
from mkdocs_lessons.checks.rules import date_fields
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.records.model import natural_key
from mkdocs_lessons.records.yamlsource import FieldPath, field_label, parse_text

#: Places tried per kind and rule at most (a deterministic sample of every place the rule applies).
PER_RULE = 8
TODAY = "2026-11-27"

FILES = {
    "incident": lambda root: sorted((root / "incidents").glob("*.yaml"), key=lambda p: natural_key(p.name)),
    "sop": lambda root: sorted((root / "sops").glob("*.yaml"), key=lambda p: natural_key(p.name)),
    "path": lambda root: sorted((root / "paths").glob("*.yaml"), key=lambda p: natural_key(p.name)),
    "taxonomy": lambda root: [root / "taxonomy" / "taxonomy.yaml"],
    "teams": lambda root: [root / "taxonomy" / "teams.yaml"],
}

_REMOVE = object()
_WRONG_TYPES: list[tuple[Any, str]] = [(123456, "integer"), ("zz text", "string"), ([1], "array"), ({"zz": 1}, "object"), (True, "boolean")]
_BAD_FORMAT = {"date": "2024-02-30", "date-time": "2024-03-14T09:12:00"}


class Mutation:
    def __init__(self, kind: str, file: Path, rule: str, expected: FieldPath, edits: list[tuple[FieldPath, Any]], where: tuple) -> None:
        self.kind, self.file, self.rule, self.expected, self.edits = kind, file, rule, expected, edits
        self.where = where  # the generalised place (list indexes as `*`): one mutation per rule and place

    def __repr__(self) -> str:
        return f"{self.kind}:{self.rule}:{self.file.name}:{field_label(self.expected) or '(record)'}"


def _resolve(node: Any, defs: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node if isinstance(node, dict) else {}


def _types(node: dict[str, Any], defs: dict[str, Any]) -> Optional[set[str]]:
    """The JSON types a node allows; None when it does not say (no type rule to break)."""
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        allowed = set(types)
    elif any(k in node for k in ("anyOf", "oneOf")):
        allowed = set()
        for branch in node.get("anyOf", []) + node.get("oneOf", []):
            branch_types = _types(_resolve(branch, defs), defs)
            if branch_types is None:
                return None
            allowed |= branch_types
    else:
        return None
    if "number" in allowed:
        allowed.add("integer")
    return allowed


def _not_matching(pattern: str) -> Optional[str]:
    for candidate in ("Not Valid!", "zz zz", "-", "x" * 3):
        if not schema._ecma_pattern(pattern).search(candidate):
            return candidate
    return None


def _generalised(path: FieldPath) -> tuple:
    return tuple("*" if isinstance(p, int) else p for p in path)


def _sites(kind: str, file: Path, data: Any) -> Iterator[Mutation]:
    root = schema.schema(kind)
    defs = root.get("$defs", {})

    def mutation(rule: str, expected: FieldPath, edits: list[tuple[FieldPath, Any]]) -> Mutation:
        return Mutation(kind, file, rule, expected, edits, (rule, _generalised(expected)))

    def walk(raw: Any, value: Any, path: FieldPath) -> Iterator[Mutation]:
        node = _resolve(raw, defs)
        if path:
            allowed = _types(node, defs)
            if allowed is not None:
                wrong = next((v for v, t in _WRONG_TYPES if t not in allowed), None)
                if wrong is not None:
                    yield mutation("type", path, [(path, wrong)])
            if "enum" in node:
                yield mutation("enum", path, [(path, "zz-not-an-option")])
            if "const" in node:
                yield mutation("enum", path, [(path, "zz-not-the-constant")])
            if isinstance(node.get("pattern"), str) and isinstance(value, str):
                bad = _not_matching(node["pattern"])
                if bad is not None:
                    yield mutation("pattern", path, [(path, bad)])
            if node.get("format") in _BAD_FORMAT:
                yield mutation("format", path, [(path, _BAD_FORMAT[node["format"]])])
            for key, delta in (("minimum", -1), ("maximum", 1), ("exclusiveMinimum", 0), ("exclusiveMaximum", 0)):
                if isinstance(node.get(key), (int, float)) and not isinstance(node.get(key), bool):
                    yield mutation("bounds", path, [(path, node[key] + delta)])
            if isinstance(value, str) and node.get("minLength", 0) >= 1:
                yield mutation("bounds", path, [(path, "")])
            if isinstance(value, str) and isinstance(node.get("maxLength"), int):
                yield mutation("bounds", path, [(path, "x" * (node["maxLength"] + 1))])
            if isinstance(value, list) and node.get("minItems", 0) >= 1:
                yield mutation("bounds", path, [(path, value[: node["minItems"] - 1])])
            if isinstance(value, list) and value and isinstance(node.get("maxItems"), int):
                yield mutation("bounds", path, [(path, value + [value[0]] * (node["maxItems"] + 1 - len(value)))])
            if isinstance(value, list) and value and node.get("uniqueItems"):
                yield mutation("bounds", path, [(path, value + [value[0]])])
        if isinstance(value, dict):
            properties = node.get("properties", {})
            for key in node.get("required", []):
                if key in value:
                    yield mutation("required", path + (key,), [(path + (key,), _REMOVE)])
            if node.get("additionalProperties") is False:
                yield mutation("unknown", path + ("zz_unknown",), [(path + ("zz_unknown",), "x")])
            for rule in node.get("allOf", []):
                yield from conditional(rule, value, path)
            for key, item in value.items():
                if key in properties:
                    yield from walk(properties[key], item, path + (key,))
        if isinstance(value, list) and "items" in node:
            for index, item in enumerate(value):
                yield from walk(node["items"], item, path + (index,))

    def conditional(rule: dict[str, Any], value: dict[str, Any], path: FieldPath) -> Iterator[Mutation]:
        condition, then = rule.get("if"), rule.get("then")
        if not isinstance(condition, dict) or not isinstance(then, dict):
            return
        make_true: list[tuple[FieldPath, Any]] = []
        for name, spec in condition.get("properties", {}).items():
            wanted = spec["const"] if "const" in spec else spec.get("enum", [None])[0]
            if wanted is None:
                return
            make_true.append((path + (name,), wanted))
        for key in then.get("required", []):
            yield mutation("conditional", path + (key,), make_true + [(path + (key,), _REMOVE)])
        for key, spec in then.get("properties", {}).items():
            if spec.get("minItems", 0) >= 1 and isinstance(value.get(key), list):
                yield mutation("conditional", path + (key,), make_true + [(path + (key,), [])])
            for required in spec.get("required", []):
                if isinstance(value.get(key), dict) and required in value[key]:
                    yield mutation("conditional", path + (key, required), make_true + [(path + (key, required), _REMOVE)])

    yield from walk(root, data, ())
    for pattern in date_fields(kind):
        for path in _concrete(data, pattern):
            yield mutation("date range", path, [(path, "1026-03-14" if kind != "incident" or pattern[-1] in ("due", "closed", "date") else "1026-03-14T09:12:00Z")])


def _concrete(data: Any, pattern: tuple[str, ...], path: FieldPath = ()) -> Iterator[FieldPath]:
    if not pattern:
        yield path
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(data, list):
        for index, item in enumerate(data):
            yield from _concrete(item, rest, path + (index,))
    elif isinstance(data, dict) and head in data:
        yield from _concrete(data[head], rest, path + (head,))


def _apply(data: Any, edits: list[tuple[FieldPath, Any]]) -> Any:
    data = json.loads(json.dumps(data))
    for path, value in edits:
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if value is _REMOVE:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    return data


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _read(file: Path) -> Any:
    return parse_text(file.read_text("utf-8"), file.name).data


def _mutations(root: Path) -> dict[str, list[Mutation]]:
    """Every rule at every generalised place it applies (first met, files in natural order), then a sample of PER_RULE per rule."""
    chosen: dict[str, list[Mutation]] = {}
    for kind, files in FILES.items():
        first: dict[tuple, Mutation] = {}
        for file in files(root):
            for found in _sites(kind, file, _read(file)):
                first.setdefault(found.where, found)
        by_rule: dict[str, list[Mutation]] = {}
        for found in first.values():
            by_rule.setdefault(found.rule, []).append(found)
        picked: list[Mutation] = []
        for rule, places in sorted(by_rule.items()):
            rng = random.Random(f"{kind}/{rule}")
            picked += places if len(places) <= PER_RULE else rng.sample(places, PER_RULE)
        chosen[kind] = picked
    return chosen


class _Reader:
    """One knowledge base read again and again; `exact` forces the exact path (no yaml-rs, no jsonschema-rs)."""

    def __init__(self, root: Path, exact: bool) -> None:
        self.root, self.exact, self.cache = root, exact, DocumentCache()

    def diagnostics(self) -> list[str]:
        from datetime import date

        with pytest.MonkeyPatch.context() as patch:
            if self.exact:
                patch.setattr(fastyaml, "read", lambda text: None)
                patch.setattr(schema, "_fast_check", lambda kind: None)
            outcome = open_knowledge_base(self.root, base=self.root, cache=self.cache, today=date.fromisoformat(TODAY))
        return [str(d) for d in outcome.diagnostics]


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample knowledge base, every record written back as the mutations write them."""
    root = tmp_path_factory.mktemp("invariants") / "kb"
    shutil.copytree(SAMPLE, root)
    for files in FILES.values():
        for file in files(root):
            file.write_text(_dump(_read(file)), "utf-8")
    return root


@pytest.mark.parametrize("kind", list(FILES))
def test_every_schema_rule_broken_once_is_located_by_both_readers(kind: str, sample_copy: Path) -> None:
    root = sample_copy
    fast, exact = _Reader(root, exact=False), _Reader(root, exact=True)
    baseline = fast.diagnostics()
    assert not [line for line in baseline if ": warning: " not in line], baseline  # the sample is valid
    assert exact.diagnostics() == baseline
    mutations = _mutations(root)[kind]
    rules = {m.rule for m in mutations}
    assert {"required", "type", "unknown"} <= rules, rules
    lost, disagree = [], []
    for found in mutations:
        original = found.file.read_text("utf-8")
        shown = found.file.relative_to(root).as_posix()
        try:
            found.file.write_text(_dump(_apply(_read(found.file), found.edits)), "utf-8")
            got_fast, got_exact = fast.diagnostics(), exact.diagnostics()
        finally:
            found.file.write_text(original, "utf-8")
        label = field_label(found.expected)
        located = any(line.startswith(shown + ":") and f"[{label}] " in line for line in got_fast)
        if not located:
            lost.append((found, [line for line in got_fast if line not in baseline]))
        if got_fast != got_exact:
            disagree.append((found, sorted(set(got_fast) ^ set(got_exact))))
        reliability(test="invariant", kind=kind, rule=found.rule, located=located, agree=got_fast == got_exact)
    assert not lost, "\n".join(f"{m!r}: {lines}" for m, lines in lost)
    assert not disagree, "\n".join(f"{m!r}: {lines}" for m, lines in disagree)

"""JSON Schema validation of records, with messages a contributor can act on.

The schemas ship inside the package (`schemas/*.schema.json`), are compiled
once per process, and every error is turned into a located `Diagnostic`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Iterator, Optional

from mkdocs_lessons.diagnostics import Diagnostic, did_you_mean, show
from mkdocs_lessons.records.yamlsource import Document, FieldPath

if TYPE_CHECKING:  # imported when first needed: valid records never need it (0.1 s of every start)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

KINDS = ("incident", "sop", "taxonomy", "teams", "path", "session", "indicator")

# Friendly names for the patterns the schemas use, so that a message says
# "an incident id like INC-2024-017" instead of printing a regular expression.
_PATTERN_NAMES = {
    r"^INC-[0-9]{4}-[0-9]{3,}$": "an incident id like INC-2024-017",
    r"^SOP-[0-9]{3,}$": "an SOP id like SOP-007",
    r"^SOP-[0-9]{3,}(@[1-9][0-9]*)?$": "an SOP reference like SOP-007 or SOP-007@2",
    r"^[a-z0-9]+(-[a-z0-9]+)*$": "a lowercase slug like payments or skipped-review",
    r"^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*$": "a taxonomy term path like process-deviation/skipped-review",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$": (
        "a timestamp with a time zone like 2024-03-14T09:12:00Z"
    ),
    (
        r"^(INC-[0-9]{4}-[0-9]{3,}|SOP-[0-9]{3,}(@[1-9][0-9]*)?|"
        r"taxonomy/[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*|teams/[a-z0-9]+(-[a-z0-9]+)*)$"
    ): "a reference like INC-2024-017, SOP-007, SOP-007@2, taxonomy/process-deviation or teams/payments",
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$": "a short id like A1",
    r"^(INC-[0-9]{4}-[0-9]{3,}|SOP-[0-9]{3,}(@[1-9][0-9]*)?)$": (
        "an incident id like INC-2024-017 or an SOP reference like SOP-007 or SOP-007@2"
    ),
    r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$": "a period: a month like 2024-01 or a quarter like 2024-Q1",
}

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
    "null": "empty",
}


def schema_text(kind: str) -> str:
    """The packaged schema for `kind`, as published."""
    return resources.files("mkdocs_lessons").joinpath("schemas").joinpath(f"{kind}.schema.json").read_text("utf-8")


@lru_cache(maxsize=None)
def schema(kind: str) -> dict[str, Any]:
    return json.loads(schema_text(kind))


@lru_cache(maxsize=None)
def _reasons(kind: str) -> dict[int, str]:
    """Why a field is required by an if/then rule, keyed by the id() of every
    subschema inside the `then` (jsonschema reports those dicts on errors)."""
    reasons: dict[int, str] = {}

    def condition(rule: dict[str, Any]) -> str:
        parts = []
        for name, spec in rule.get("properties", {}).items():
            if "const" in spec:
                parts.append(f"{name} is {spec['const']}")
            elif "enum" in spec:
                parts.append(f"{name} is {' or '.join(str(v) for v in spec['enum'])}")
        return " and ".join(parts)

    def mark(node: Any, reason: str) -> None:
        if isinstance(node, dict):
            reasons[id(node)] = reason
            for value in node.values():
                mark(value, reason)
        elif isinstance(node, list):
            for value in node:
                mark(value, reason)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("if"), dict) and isinstance(node.get("then"), dict):
                reason = condition(node["if"])
                if reason:
                    label = node.get("x-rule")
                    mark(node["then"], f"required when {reason}" + (f": {label}" if label else ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema(kind))
    return reasons


@lru_cache(maxsize=None)
def validator(kind: str) -> Draft202012Validator:
    """A compiled validator, built once per process and reused for every record."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    # JSON Schema patterns are ECMA-262: `$` ends the text. Python's `$` also
    # matches before a final newline ("payments\n" would pass as a slug here
    # and fail in jsonschema-rs): the fast and the exact path must agree.
    exact = validators.extend(Draft202012Validator, {"pattern": _pattern})
    return exact(schema(kind), format_checker=FormatChecker())


@lru_cache(maxsize=None)
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@lru_cache(maxsize=None)
def _fast_check(kind: str) -> Optional[Callable[[Any], bool]]:
    """A compiled Rust validator (jsonschema-rs) that only answers "valid?".

    `jsonschema` costs a few milliseconds per record, most of it in `$ref`
    resolution; the Rust validator answers in microseconds. Valid records (the
    vast majority) stop there; an invalid one goes through `jsonschema` for
    located, explained errors. Without the wheel everything goes the slow way.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the dependency is declared
        return None
    return jsonschema_rs.validator_for(schema(kind), validate_formats=True).is_valid


def is_valid(data: Any, kind: str) -> bool:
    """Only "valid?", as fast as the installed validators allow."""
    fast = _fast_check(kind)
    if fast is None:
        return next(validator(kind).iter_errors(data), None) is None
    try:
        return fast(data)
    except Exception:  # noqa: BLE001 - e.g. a key that is no text: the exact path explains it
        return False


def validate(doc: Document, kind: str) -> list[Diagnostic]:
    """Validate a parsed document against the schema for `kind`."""
    fast = _fast_check(kind)
    if fast is not None and fast(doc.data):
        return []
    problems: list[Diagnostic] = []
    seen: set[tuple[str, str]] = set()
    errors = list(_leaf_errors(validator(kind).iter_errors(doc.data)))
    hinted = _hinted_keys(errors)
    for error in errors:
        for problem in _describe(doc, error, _reasons(kind), hinted):
            # A timestamp without a zone fails both `pattern` and `format`: say it once.
            key = (problem.field, "form" if problem.rule in ("schema-pattern", "schema-format") else problem.message)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems


# Rules about a mapping's or a list's shape (a field missing or unknown, too
# few items): the values themselves are still good to read.
_SHAPE_RULES = frozenset(
    {
        "required",
        "additionalProperties",
        "unevaluatedProperties",
        "dependentRequired",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "contains",
    }
)


def rejected_paths(data: Any, kind: str) -> set[FieldPath]:
    """Where the schema rejects a value itself (type, enum, pattern, format, bounds).

    The cross-record checks of a record that failed its schema read every
    other value (records/load.py, `_check_partially`).
    """
    return {
        tuple(e.absolute_path)
        for e in _leaf_errors(validator(kind).iter_errors(data))
        if e.validator not in _SHAPE_RULES
    }


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """Unfold anyOf/oneOf into their most relevant branch, so messages stay concrete."""
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            # Prefer the branch that got deepest into the value.
            deepest = max(len(e.absolute_path) for e in error.context)
            if deepest > len(error.absolute_path):
                yield from _leaf_errors(iter(e for e in error.context if len(e.absolute_path) == deepest))
                continue
            # Else the branches whose type fits the value (`pdsa: {stage: ...}` is the object form, not the stage).
            wrong_type = {
                e.schema_path[0]
                for e in error.context
                if e.validator == "type" and len(e.absolute_path) == len(error.absolute_path)
            }
            fitting = [e for e in error.context if e.schema_path and e.schema_path[0] not in wrong_type]
            if fitting and wrong_type:
                yield from _leaf_errors(iter(fitting))
                continue
        yield error


def _hinted_keys(errors: list[ValidationError]) -> set[FieldPath]:
    """Missing keys that an unknown key's "did you mean" names (`sumary` -> `summary`).

    Only such a key makes a "missing required field" message redundant: any
    other resemblance (`decisions` and a missing `lessons`) does not.
    """
    hinted: set[FieldPath] = set()
    for error in errors:
        if (
            error.validator == "additionalProperties"
            and isinstance(error.instance, dict)
            and isinstance(error.schema, dict)
        ):
            allowed = list(error.schema.get("properties", {}))
            path = tuple(error.absolute_path)
            for key in set(error.instance) - set(allowed):
                match = _closest(key, allowed)
                if match is not None and match not in error.instance:
                    hinted.add(path + (match,))
    return hinted


def _closest(word: str, candidates: list[str]) -> Optional[str]:
    """The candidate `did_you_mean` would name, or None."""
    import difflib

    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _describe(
    doc: Document, error: ValidationError, reasons: dict[int, str], hinted: AbstractSet[FieldPath] = frozenset()
) -> Iterator[Diagnostic]:
    path: FieldPath = tuple(error.absolute_path)
    value = error.instance
    kind = error.validator
    # Set on every error a validator reports (jsonschema types them as maybe unset, for errors made by hand).
    schema_here: Any = error.schema
    expected: Any = error.validator_value
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(schema_here.get("properties", {}))
        for key in sorted(set(value) - set(allowed)):
            hint = did_you_mean(key, allowed) or f" (allowed here: {', '.join(allowed)})"
            yield doc.diagnostic(path + (key,), f"unknown field '{key}'{hint}", rule="unknown-field", key=True)
        return
    if kind == "required" and isinstance(value, dict):
        reason = reasons.get(id(error.schema))
        for key in expected:
            if key in value:
                continue
            if path + (key,) in hinted:
                continue  # the misspelt key's "did you mean" names it already
            why = f" ({reason})" if reason else ""
            yield doc.diagnostic(path + (key,), f"missing required field '{key}'{why}", rule="required")
        return
    yield doc.diagnostic(path, _message(error), rule=f"schema-{kind}")


_show = show


_DATE_SHAPE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIMESTAMP_SHAPE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


_OFFSET = re.compile(r"[Tt][0-9:.]+(?P<offset>[+-](?P<hours>[0-9]{2}):(?P<minutes>[0-9]{2}))$")


def _impossible(form: str, value: Any) -> str:
    """Why a value of the right shape is still no date: "day is out of range for month"."""
    if not isinstance(value, str):
        return ""
    offset = _OFFSET.search(value) if form == "date-time" else None
    if offset is not None and (int(offset["hours"]) > 23 or int(offset["minutes"]) > 59):
        return f"{offset['offset']} is not a valid UTC offset: offsets run from -23:59 to +23:59"
    try:
        if form == "date" and _DATE_SHAPE.match(value):
            date.fromisoformat(value)
        elif form == "date-time" and _TIMESTAMP_SHAPE.match(value):
            datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        else:
            return ""
    except ValueError as exc:
        return str(exc)
    return ""


def _message(error: ValidationError) -> str:
    kind = error.validator
    # Set on every error a validator reports (jsonschema types them as maybe unset, for errors made by hand).
    value: Any = error.instance
    expected: Any = error.validator_value
    if kind == "type":
        names: list[str] = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        hint = ""
        if "boolean" in names and isinstance(value, str) and value.lower() in ("yes", "no", "on", "off", "y", "n"):
            hint = " (write true or false)"
        if "string" in names and isinstance(value, (int, float, bool)):
            hint = " (put it in quotes to make it text)"
        if "array" in names and isinstance(value, (str, int, float)):
            hint = f" (write [{value}] for a list of one)"
        return f"expected {wanted}, got {_show(value)}{hint}"
    if kind == "enum":
        options = [str(o) for o in expected]
        hint = ""
        if isinstance(value, str):
            folded = {o.lower(): o for o in options}
            hint = (
                f" (did you mean '{folded[value.lower()]}'?)"
                if value.lower() in folded
                else did_you_mean(value, options)
            )
        return f"{_show(value)} is not one of: {', '.join(options)}{hint}"
    if kind == "const":
        return f"must be {_show(expected)}, got {_show(value)}"
    if kind == "pattern":
        name = _PATTERN_NAMES.get(expected)
        if name is None and isinstance(error.schema, dict) and error.schema.get("x-pattern-name"):
            name = error.schema["x-pattern-name"]
        return f"{_show(value)} is not {name}" if name else f"{_show(value)} does not match {expected}"
    if kind == "format":
        forms = {
            "date": "a date like 2024-03-14",
            "date-time": "a timestamp with a time zone like 2024-03-14T09:12:00Z",
        }
        impossible = _impossible(expected, value)
        if impossible:
            return f"{_show(value)} is not a valid {'date' if expected == 'date' else 'timestamp'} ({impossible})"
        return f"{_show(value)} is not {forms.get(expected, expected)}"
    if kind == "minItems":
        return "must not be empty" if expected == 1 else f"needs at least {expected} items"
    if kind == "minLength":
        return "must not be empty" if expected == 1 else f"needs at least {expected} characters"
    if kind == "maxLength":
        return f"is {len(value)} characters long; at most {expected} allowed"
    if kind == "uniqueItems":
        dupes = sorted(text for text, count in Counter(json.dumps(v) for v in value).items() if count > 1)
        return f"lists {', '.join(dupes)} more than once"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }
        return f"{_show(value)} must be {words[kind]} {expected}"
    return error.message

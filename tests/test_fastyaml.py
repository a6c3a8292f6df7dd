"""The fast reader (yaml-rs) never reads a file differently from the exact one.

`fastyaml.read` either declines a file or returns exactly what `yamlsource`
builds, except for keys that are no text (`1: x`), which yaml-rs types and
every schema then rejects, so the exact reader reports them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from mkdocs_lessons.records import fastyaml, schema
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.cache import DocumentCache
from mkdocs_lessons.records.yamlsource import parse_text, read_document

pytestmark = pytest.mark.skipif(not fastyaml.AVAILABLE, reason="yaml-rs is not installed")


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def typed_keys(value) -> bool:
    if isinstance(value, dict):
        return any(not isinstance(k, str) or typed_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(typed_keys, value))
    return False


def agrees(text: str) -> None:
    fast = fastyaml.read(text)
    if fast is None or typed_keys(fast):
        return
    exact = parse_text(text, "probe.yaml")
    assert not exact.problems, (text, fast, [p.message for p in exact.problems])
    assert same(fast, exact.data), (text, fast, exact.data)


SCALARISH = st.text(alphabet="0123456789+-._eExXoObBaAfFnNiItTrRuUlLsS~:# yY'\"[]{},&*!|>", min_size=1, max_size=10)
FORMS = ["a: {}\n", "- {}\n", "a: [{}]\n", "{}: 1\n", "a:\n  - {}\n", "a: {{b: {}}}\n", "a: |\n  {}\nb: 1\n"]


@settings(max_examples=1500, derandomize=False, suppress_health_check=list(HealthCheck), deadline=None)
@given(SCALARISH, st.sampled_from(FORMS))
def test_scalars_and_small_shapes_read_alike(value, form):
    agrees(form.format(value))


def test_every_yaml_file_in_the_repository_reads_alike():
    files = sorted((REPO / "content").rglob("*.yaml")) + sorted(FIXTURES.rglob("*.yaml"))
    assert len(files) > 150
    for file in files:
        raw = file.read_bytes()
        try:
            agrees(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            continue


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # aliases: bounded by the exact reader
        "a: !!str 12\n",
        "<<: {a: 1}\n",
        "%YAML 1.2\n---\na: 1\n",
        "a:\tb\n",
        "a: 1_000\n",
        "a: 0b101\n",
        "a: \x07\n",
        "".join(" " * i + f"k{i}:\n" for i in range(300)),  # yaml-rs would recurse this deep
        "- " * 30000 + "a\n",
        "a: [b:]\n",
        "- : x\n",
        "a: 1\n---\na: 2\n",  # two documents
        "- a\n",  # not a mapping
    ],
)
def test_files_left_to_the_exact_reader(text):
    assert fastyaml.read(text) is None


def test_non_text_keys_fail_every_schema():
    for kind, text in [("incident", "1: x\n"), ("sop", "true: x\n"), ("path", "~: x\n")]:
        data = fastyaml.read(text)
        assert data is not None and typed_keys(data)
        assert not schema.is_valid(data, kind)


def test_a_bad_record_is_read_again_exactly_with_positions(tmp_path):
    kb = tmp_path / "kb"
    import shutil

    shutil.copytree(FIXTURES / "minimal", kb)
    record = kb / "incidents/INC-2023-044.yaml"
    record.write_text(record.read_text("utf-8").replace("kind: near-miss", "kind: near-mis"), "utf-8")
    outcome = open_knowledge_base(kb, base=kb, cache=DocumentCache())
    [problem] = [d for d in outcome.diagnostics if d.path.endswith("INC-2023-044.yaml")]
    assert problem.field == "kind" and problem.line > 1 and (problem.line, problem.column) == (3, 7) and "did you mean 'near-miss'" in problem.message
    doc = outcome.loaded.documents["incidents/INC-2023-044.yaml"]
    assert not doc.fast


def test_good_records_are_read_fast_and_positions_come_on_demand():
    doc = read_document(REPO / "content" / "incidents" / "INC-2024-017.yaml", "INC-2024-017.yaml", fast=True)
    assert doc.fast and doc._positions is None
    line, column = doc.where(("summary",))
    assert line > 1 and column > 1 and doc._positions
    assert same(doc.data, parse_text(Path(doc.file).read_text("utf-8"), "x").data)


def test_every_record_schema_closes_every_object():
    """What makes a typed key (`1: x`) safe to leave to the schema: it is always an unknown field."""
    for kind in ("incident", "sop", "path", "taxonomy", "teams"):
        open_objects = []

        def walk(node, path):
            if isinstance(node, dict):
                conditional = any(part in ("if", "then", "else") for part in path)
                if not conditional and (node.get("type") == "object" or "properties" in node):
                    if node.get("additionalProperties") is not False or "patternProperties" in node:
                        open_objects.append("/".join(path))
                    assert not any(name[:1].isdigit() or name in ("true", "false", "null") for name in node.get("properties", {}))
                for key, value in node.items():
                    walk(value, path + (key,))
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, path + (str(index),))

        walk(schema.schema(kind), ())
        assert open_objects == [], kind


@pytest.mark.parametrize(
    ("text", "value"),
    [("1e3", 1000.0), ("-.5", -0.5), ("0o17", 15), ("0x1F", 31), ("!!str 1e3", "1e3"), ("'1e3'", "1e3"), ("2024-03-14", "2024-03-14"), ("yes", "yes"), ("1_000", "1_000")],
)
def test_plain_scalars_follow_yaml_1_2_core(text, value):
    """PyYAML's resolver follows YAML 1.1; the exact reader does not let it decide."""
    assert parse_text(f"a: {text}\n", "x.yaml").data == {"a": value}

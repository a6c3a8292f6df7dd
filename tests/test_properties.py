"""Property-based tests: valid records build, nothing is dropped, any mutation is caught with a location.

Strategies build records from the model's own vocabulary (the schema's enums
and id patterns, the minimal knowledge base's teams, terms and SOPs), with
free text drawn from all of Unicode's letters, digits, punctuation and
symbols, so Markdown and HTML specials are common. Builds run in-process and
example counts stay small (each build is ~0.5 s); `derandomize` keeps CI
runs repeatable.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import MINIMAL, build, write_config
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.pages.site import generate, make_context
from mkdocs_lessons.records.yamlsource import parse_text

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LOCATED = re.compile(r"^(?P<path>[^:]+):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): (warning: )?(\[[^\]]+\] )?\S")

TEAMS = ["payments", "sre"]
TERMS = ["design-flaw", "design-flaw/missing-guardrail", "data-gap", "process-deviation", "process-deviation/skipped-review", "external-shock"]
SOP_REFS = ["SOP-007@2", "SOP-007@3"]

# Letters, digits, punctuation, symbols and spaces from all of Unicode (no
# control or surrogate characters, which YAML cannot carry).
_CHARS = st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), max_codepoint=0x2FFFF)
_SPECIALS = st.sampled_from(["<script>", "</title>", "|", "[x](javascript:y)", "*", "_", "`", "{: onclick=x}", "&amp;", "<!--", "#", "\\", "---"])
_TEXT = st.lists(st.one_of(st.text(_CHARS, min_size=1, max_size=12), _SPECIALS), min_size=1, max_size=6).map(" ".join).filter(lambda s: s.strip() and not s.strip().startswith("TODO"))
_LINE = _TEXT.map(lambda s: " ".join(s.split())[:200]).filter(bool)


@st.composite
def incident(draw: st.DrawFn, number: int) -> dict[str, Any]:
    year = draw(st.integers(2019, 2025))  # nothing after `today` (2026-11-27): a future `occurred` is an error
    month, day, hour = draw(st.integers(1, 12)), draw(st.integers(1, 28)), draw(st.integers(0, 20))
    occurred = f"{year}-{month:02d}-{day:02d}T{hour:02d}:00:00Z"
    kind = draw(st.sampled_from(["incident", "near-miss", "success"]))
    status = draw(st.sampled_from(["draft", "in-review", "reviewed", "closed"]))
    record: dict[str, Any] = {
        "id": f"INC-{year}-{number:03d}",
        "title": draw(_LINE),
        "kind": kind,
        "status": status,
        "occurred": occurred,
        "teams": draw(st.lists(st.sampled_from(TEAMS), min_size=1, max_size=2, unique=True)),
        "summary": draw(_TEXT),
        "classification": {"primary": draw(st.sampled_from(TERMS))},
    }
    if kind == "incident" or draw(st.booleans()):
        record["severity"] = draw(st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"]))
    if draw(st.booleans()):
        record["detected"] = f"{year}-{month:02d}-{day:02d}T{hour + 1:02d}:00:00Z"
        if draw(st.booleans()):
            record["resolved"] = f"{year}-{month:02d}-{day:02d}T{hour + 3:02d}:30:00Z"
    if draw(st.booleans()):
        record["context"] = draw(_TEXT)
    if draw(st.booleans()):
        record["timeline"] = [{"at": occurred, "event": draw(_TEXT)}]
    if draw(st.booleans()):
        record["sops"] = [{"ref": draw(st.sampled_from(SOP_REFS)), "relation": draw(st.sampled_from(["violated", "missing", "followed", "updated"]))}]
    if draw(st.booleans()):
        record["tags"] = draw(st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=3, unique=True))
    if status in ("reviewed", "closed") or draw(st.booleans()):
        record["root_cause"] = {"cause": draw(_TEXT)}
        record["lessons"] = draw(st.lists(_TEXT, min_size=1, max_size=3))
        record["review"] = {"date": f"{year}-{month:02d}-{day:02d}"}
    return record


@st.composite
def sop(draw: st.DrawFn, number: int) -> dict[str, Any]:
    """An SOP whose versions pass the approval gate: superseded ones, then approved, proposed or draft."""
    count = draw(st.integers(1, 3))
    last = draw(st.sampled_from(["approved", "proposed", "draft"]))
    versions = []
    for index in range(count):
        status = last if index == count - 1 else "superseded"
        version: dict[str, Any] = {"version": index + 1, "status": status, "purpose": draw(_TEXT), "steps": draw(st.lists(_TEXT, min_size=1, max_size=3))}
        if status in ("approved", "superseded"):
            version["effective"] = f"{2020 + index}-0{draw(st.integers(1, 9))}-1{draw(st.integers(0, 9))}"
            version["approved_by"] = ["ops-council"]
        if draw(st.booleans()):
            version["decision_criteria"] = [{"when": draw(_TEXT), "then": draw(_TEXT)}]
        versions.append(version)
    record: dict[str, Any] = {"id": f"SOP-{number:03d}", "title": draw(_LINE), "owner": draw(st.sampled_from(TEAMS)), "versions": versions}
    if draw(st.booleans()):
        record["summary"] = draw(_TEXT)
    return record


@st.composite
def incident_sets(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    count = draw(st.integers(1, 5))
    sops = [draw(sop(100 + index)) for index in range(draw(st.integers(0, 2)))]
    return [draw(incident(100 + index)) for index in range(count)], sops


def _write(root: Path, record: dict[str, Any], folder: str = "incidents") -> None:
    (root / folder / f"{record['id']}.yaml").write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), "utf-8")


def _kb_with(records: list[dict[str, Any]], target: Path) -> Path:
    root = target / "kb"
    shutil.copytree(MINIMAL, root)
    for record in records:
        _write(root, record)
    return root


def _build(root: Path, target: Path):
    project = target / "project"
    project.mkdir()
    write_config(project, root, options={"search": "material"})  # "one search entry" is read from Material's index
    # Knowledge-base warnings (e.g. a rule about SOP versions) are not failures here.
    site = build(project, strict=False)
    errors = [r.getMessage() for r in site.log if r.levelname == "ERROR"]
    assert errors == []
    return site


# No shrinking for the build tests: each step is a build; the failing example is printed as found.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(max_examples=8, phases=NO_SHRINK, **SETTINGS)
@given(incident_sets())
def test_valid_records_build_and_each_appears_exactly_once(generated: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    records, sops = generated
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder)
        root = _kb_with(records, target)
        for record in sops:
            _write(root, record, "sops")
        outcome = open_knowledge_base(root, base=root)
        assert [str(d) for d in outcome.diagnostics.errors] == []
        assert outcome.kb is not None
        site = _build(root, target)
        published = sorted(i.id for i in outcome.kb.incidents.values() if i.status != "draft")
        drafts = {r["id"] for r in records if r["status"] == "draft"}

        # Every published incident: one page, one kb.json entry, one index link, one search entry.
        kb = json.loads((site.site_dir / "kb.json").read_text("utf-8"))
        assert sorted(i["id"] for i in kb["incidents"]) == published
        index = (site.site_dir / "incidents" / "index.html").read_text("utf-8")
        search = json.loads((site.site_dir / "search" / "search_index.json").read_text("utf-8"))
        locations = [doc["location"] for doc in search["docs"]]
        for record in records:
            page = site.page(f"incidents/{record['id']}/")
            if record["id"] in drafts:
                assert not page.exists()
                assert f'href="{record["id"]}/"' not in index
                continue
            assert page.is_file()
            heading = site.article(f"incidents/{record['id']}/").find("h1")
            assert heading is not None and heading.get_text().startswith(record["id"])
            # The title reads back exactly (whitespace aside), whatever characters it holds.
            assert " ".join(record["title"].split()) in " ".join(heading.get_text().split())
            assert index.count(f'href="{record["id"]}/"') == 1
            assert locations.count(f"incidents/{record['id']}/") == 1
        for taken in kb["incidents"]:
            assert site.page(f"incidents/{taken['id']}/").is_file()

        # Every SOP (the minimal one and the generated ones): its page, a page per version,
        # one kb.json entry with every version, one link from the catalog, one search entry.
        catalog = (site.site_dir / "sops" / "index.html").read_text("utf-8")
        expected_sops = ["SOP-007"] + [r["id"] for r in sops]
        assert sorted(s["id"] for s in kb["sops"]) == sorted(expected_sops)
        for record in sops:
            entry = next(s for s in kb["sops"] if s["id"] == record["id"])
            assert [v["version"] for v in entry["versions"]] == [v["version"] for v in record["versions"]]
            assert site.page(f"sops/{record['id']}/").is_file()
            heading = site.article(f"sops/{record['id']}/").find("h1")
            assert heading is not None and " ".join(record["title"].split()) in " ".join(heading.get_text().split())
            for version in record["versions"]:
                assert site.page(f"sops/{record['id']}/v{version['version']}/").is_file()
            assert catalog.count(f'href="{record["id"]}/"') == 1
            assert locations.count(f"sops/{record['id']}/") == 1


# -- mutations ---------------------------------------------------------------------

BASE_RECORD = "incidents/INC-2024-017.yaml"
_BASE = parse_text((MINIMAL / BASE_RECORD).read_text("utf-8"), BASE_RECORD).data


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _leaves(item, path + (index,))
    return out


LEAVES = _leaves(_BASE)
_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
    st.sampled_from(["", " ", "2024-02-30", "2024-03-14T09:12:00", "INC-2024-999", "SOP-007@9", "SOP-007@../2", "../../etc/passwd", "payments", "sre", "done", "SEV9", "yes"]),
    st.lists(st.one_of(st.integers(), _LINE), max_size=3),
    st.dictionaries(st.sampled_from(["id", "x", "date", "ref"]), st.one_of(st.integers(), _LINE), max_size=2),
)


@st.composite
def mutation(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    data = json.loads(json.dumps(_BASE))
    path = draw(st.sampled_from(LEAVES))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "add-key"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add-key" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["summry", "titel", "x", "notes"]))] = draw(_JUNK)
    else:
        parent[path[-1]] = draw(_JUNK)
    return data, f"{action} {path}"


@settings(max_examples=60, **SETTINGS)
@given(mutation())
def test_any_single_mutation_is_accepted_or_located(case: tuple[dict[str, Any], str]) -> None:
    data, what = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "kb"
        shutil.copytree(MINIMAL, root)
        (root / BASE_RECORD).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        outcome = open_knowledge_base(root, base=root)
        for problem in outcome.diagnostics:
            line = str(problem)
            assert LOCATED.match(line), (what, line)
            source = root / problem.path
            assert source.is_file(), (what, line)
            assert problem.line <= len(source.read_text("utf-8").splitlines()) + 1, (what, line)
        if outcome.kb is None:
            assert outcome.diagnostics.errors, what  # never rejected without a reason
        else:
            # Accepted: the incident is not dropped and every page generates
            # (the page generator is pure; one full MkDocs build per accepted
            # mutation would make this test minutes long).
            assert "INC-2024-017" in outcome.kb.incidents, what
            files = generate(make_context(outcome.kb, today=date(2026, 11, 27), feed_size=10))
            uris = [f.src_uri for f in files]
            assert "incidents/INC-2024-017.md" in uris, what
            assert len(uris) == len(set(uris)), what


@settings(max_examples=6, phases=NO_SHRINK, **SETTINGS)
@given(mutation())
def test_accepted_mutations_build_with_mkdocs(case: tuple[dict[str, Any], str]) -> None:
    data, what = case
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder)
        root = target / "kb"
        shutil.copytree(MINIMAL, root)
        (root / BASE_RECORD).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        if open_knowledge_base(root, base=root).kb is None:
            return  # located errors: the test above
        site = _build(root, target)
        assert site.page("incidents/INC-2024-017/").is_file(), what


# Texts rich in what markdown() neutralises: code, raw HTML, attribute lists, links.
_MARKDOWN_PIECES = st.sampled_from(["<b>", "{: x}", "`", "```", "~~~", "]", "[a](javascript:x)", "[a]: data:x", "\r\n", "\n", " ", "~", "|"])
_MARKDOWN_TEXT = st.lists(st.one_of(st.text(_CHARS, max_size=6), _MARKDOWN_PIECES), max_size=12).map("".join)


@settings(max_examples=400, **SETTINGS)
@given(text=_MARKDOWN_TEXT, allow_html=st.booleans())
def test_markdown_fast_path_gives_what_the_full_pass_gives(text: str, allow_html: bool) -> None:
    # markdown() skips its full pass for texts without any character the pass acts on.
    from mkdocs_lessons.text import _markdown, markdown

    assert markdown(text, allow_html=allow_html) == _markdown(text, allow_html)


_TITLE_TEXT = st.lists(st.one_of(st.text(_CHARS, max_size=6), st.sampled_from(["<", ">", "&", "&amp;", "<b>", "</title>", "  ", "\t"])), max_size=8).map("".join)


@settings(max_examples=400, **SETTINGS)
@given(title=_TITLE_TEXT, site_name=_TITLE_TEXT)
def test_head_title_fast_path_gives_what_the_repair_gives(title: str, site_name: str) -> None:
    # head_title() returns the page untouched for titles and site names without < > &.
    from markupsafe import Markup

    from mkdocs_lessons.adapter.title_repair import _repair_title, head_title

    output = f"<html><head><title>{Markup(title).striptags()} - {site_name}</title></head><body>{title}</body></html>"
    assert head_title(output, title, site_name) == _repair_title(output, title, site_name)

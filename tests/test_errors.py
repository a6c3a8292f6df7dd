"""Error reporting: a corpus of broken knowledge bases, one mistake each.

Every folder under `tests/fixtures/broken/` is one case:

- `files/<path>`: files copied over (or added to) a copy of `tests/fixtures/minimal`,
  paths relative to the knowledge-base root;
- `remove` (optional): knowledge-base-relative paths to delete, one per line;
- `generate` (optional): `<path> <MiB>` lines; the runner grows that record
  (from `files/` or the minimal copy) to the given size with a long `context`,
  so a 20 MB file is tested without committing one;
- `expected`: the exact diagnostics, one per line, as `Diagnostics` yields them
  (sorted), with paths relative to the knowledge-base root. An empty file means
  "no problems" (the case is valid).

Cases listed in `CORE_PROBLEMS` hold what the message *should* say; the core
does not say it yet, so they are strict xfails until the core is fixed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import reliability
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.records.yamlsource import WITH_LIBYAML

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
BROKEN = FIXTURES / "broken"

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<warning>warning: )?(?P<rest>.*)$")

# Known problems in the core: the case's `expected` holds the message it should print.
CORE_PROBLEMS: dict[str, str] = {}

# Syntax-error wording comes from libyaml; PyYAML's pure-Python parser words it differently.
LIBYAML_WORDING = {"yaml-syntax-error", "yaml-tab-indent", "yaml-two-documents", "yaml-deep-nesting-flow"}


def _cases() -> list[str]:
    return sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def _params() -> list:
    params = []
    for name in _cases():
        marks = []
        if name in CORE_PROBLEMS:
            marks.append(pytest.mark.xfail(strict=True, reason=CORE_PROBLEMS[name]))
        if name in LIBYAML_WORDING:
            marks.append(pytest.mark.skipif(not WITH_LIBYAML, reason="message text comes from libyaml"))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def make_kb(name: str, target: Path) -> Path:
    """A copy of the minimal knowledge base with the case's mistake applied."""
    case = BROKEN / name
    root = target / "kb"
    shutil.copytree(MINIMAL, root)
    files = case / "files"
    if files.is_dir():
        for source in sorted(files.rglob("*")):
            if source.is_file():
                dest = root / source.relative_to(files)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
    removals = case / "remove"
    if removals.is_file():
        for line in removals.read_text("utf-8").splitlines():
            if line.strip():
                (root / line.strip()).unlink()
    generate = case / "generate"
    if generate.is_file():
        for line in generate.read_text("utf-8").splitlines():
            if line.strip():
                relative, mebibytes = line.split()
                grow(root / relative, int(mebibytes) * 1024 * 1024)
    return root


def grow(record: Path, size: int) -> None:
    """Append a `context` block scalar until the file is `size` bytes: still valid YAML."""
    head = record.read_bytes().rstrip(b"\n") + b"\ncontext: |\n"
    line = b"  " + b"x" * 97 + b"\n"
    count = max(0, (size - len(head)) // len(line) + 1)
    with record.open("wb") as out:
        out.write(head)
        out.write(line * count)


def _case_kind(expected: list[str]) -> str:
    """The record kind a case is about: the folder of its first problem (valid cases: "valid")."""
    if not expected:
        return "valid"
    path = expected[0].split(":", 1)[0]
    for prefix, kind in (("incidents/", "incident"), ("sops/", "sop"), ("paths/", "path"), ("taxonomy/taxonomy", "taxonomy"), ("taxonomy/teams", "teams")):
        if path.startswith(prefix):
            return kind
    return "file"


def expected_lines(name: str) -> list[str]:
    text = (BROKEN / name / "expected").read_text("utf-8")
    return [line for line in text.splitlines() if line.strip()]


def is_error(line: str) -> bool:
    match = LINE.match(line)
    assert match, f"malformed expected line: {line!r}"
    return not match["warning"]


def test_corpus_is_well_formed() -> None:
    names = _cases()
    assert len(names) >= 80
    for name in names:
        case = BROKEN / name
        assert (case / "expected").is_file(), f"{name}: no expected file"
        assert any((case / part).exists() for part in ("files", "remove", "generate")), f"{name}: changes nothing"
        for line in expected_lines(name):
            is_error(line)
    assert set(CORE_PROBLEMS) <= set(names)
    assert LIBYAML_WORDING <= set(names)


@pytest.mark.parametrize("name", _params())
def test_diagnostics(name: str, tmp_path: Path) -> None:
    root = make_kb(name, tmp_path)
    expected = expected_lines(name)
    outcome = open_knowledge_base(root, base=root)
    assert [str(d) for d in outcome.diagnostics] == expected
    # Every problem at a file, line and column (a whole-file problem at 1:1), none lost.
    located = all(d.line >= 1 and d.column >= 1 and ((root / d.path).exists() or d.rule == "missing-file") for d in outcome.diagnostics)
    reliability(test="corpus", kind=_case_kind(expected), rule=name, located=located, agree=True, problems=len(expected))
    if any(is_error(line) for line in expected):
        assert outcome.kb is None
        assert not outcome.ok
    else:
        assert outcome.kb is not None
        assert outcome.ok


@pytest.mark.parametrize("name", _params())
def test_cli_reports_every_problem(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_kb(name, tmp_path)
    expected = expected_lines(name)
    monkeypatch.chdir(root)
    code = cli.main(["validate", str(root)])
    out = capsys.readouterr().out
    lines = out.splitlines()
    for line in expected:
        assert line in lines
    # Nothing else: every problem, then the one-line summary.
    assert lines[:-1] == expected
    failing = any(is_error(line) for line in expected)
    errors = sum(is_error(line) for line in expected)
    if expected:
        assert lines[-1].endswith(f": {errors} error{'s' * (errors != 1)}, {len(expected) - errors} warning{'s' * (len(expected) - errors != 1)}")
    else:
        assert lines[-1].endswith(": no problems")
    assert code == (1 if failing else 0)


def _console_script() -> str:
    beside = Path(sys.executable).parent / ("lessons.exe" if os.name == "nt" else "lessons")
    found = str(beside) if beside.exists() else shutil.which("lessons")
    assert found, "the `lessons` console script is not installed"
    return found


def test_console_script_on_alias_bomb(tmp_path: Path) -> None:
    """The installed `lessons` command fails cleanly on an alias bomb: no traceback, no memory blow-up."""
    root = make_kb("yaml-alias-bomb", tmp_path)
    proc = subprocess.run(
        [_console_script(), "validate", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for line in expected_lines("yaml-alias-bomb"):
        assert line in proc.stdout.splitlines()


def test_json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_kb("unknown-team", tmp_path)
    monkeypatch.chdir(root)
    code = cli.main(["validate", str(root), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 1
    problems = json.loads(captured.out)  # the summary goes to stderr, stdout is pure JSON
    assert isinstance(problems, list)
    assert problems == [
        {
            "file": "incidents/INC-2024-017.yaml",
            "line": 10,
            "column": 9,
            "field": "teams[0]",
            "rule": "unknown-team",
            "severity": "error",
            "message": "unknown team 'payment' (did you mean 'payments'?); teams are listed in taxonomy/teams.yaml",
        }
    ]
    assert "1 error" in captured.err


def test_github_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_kb("retired-term", tmp_path)
    monkeypatch.chdir(root)
    code = cli.main(["validate", str(root), "--format", "github"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0] == (
        "::error file=incidents/INC-2023-044.yaml,line=10,col=12::[classification.primary] "
        "taxonomy term 'human-error' is retired; use 'process-deviation' instead "
        "(Retired in v3; it named a person, not a cause)"
    )
    assert len(out) == 2  # the annotation and the summary


def test_github_format_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_kb("path-draft-incident", tmp_path)
    monkeypatch.chdir(root)
    code = cli.main(["validate", str(root), "--format", "github"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("::warning file=paths/new-engineer.yaml,line=11,col=10::[steps[3].ref] INC-2025-001 is a draft")


def test_minimal_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "kb"
    shutil.copytree(MINIMAL, root)
    outcome = open_knowledge_base(root, base=root)
    assert list(outcome.diagnostics) == []
    assert outcome.kb is not None
    monkeypatch.chdir(root)
    code = cli.main(["validate", str(root)])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"\d+ incidents \(\d+ drafts?\), \d+ SOPs .*: no problems", lines[0]), lines[0]


# -- the same corpus through `mkdocs build` ------------------------------------
#
# Every case also goes through a real MkDocs build of a site whose knowledge
# base is `kb/` beside `mkdocs.yml`, so messages carry the `kb/` prefix.
# In-process for all cases (a failing build stops before any page is
# rendered: ~0.1 s each); a real `mkdocs build` subprocess (~1.2 s each,
# measured) for a handful, for the exit code and the absence of a traceback.

SUBPROCESS_CASES = [
    "file-too-large",
    "not-utf8",
    "path-ref-sop-version-traversal",
    "unknown-team",
    "yaml-alias-bomb",
    "yaml-deep-nesting",
    "yaml-syntax-error",
]


def _project(name: str, tmp_path: Path) -> Path:
    from conftest import write_config

    project = tmp_path / "project"
    project.mkdir()
    root = make_kb(name, project)
    write_config(project, root)
    return project


@pytest.mark.parametrize("name", _params())
def test_mkdocs_build_reports_every_problem(name: str, tmp_path: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    project = _project(name, tmp_path)
    expected = [f"kb/{line}" for line in expected_lines(name)]
    failing = any(is_error(line) for line in expected)
    from conftest import _Collect

    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        config = load_config(str(project / "mkdocs.yml"), strict=False)
        if failing:
            with pytest.raises(Abort, match="BuildError"):
                build(config)
        else:
            build(config)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    # The plugin's logger prefixes its messages with the package name.
    reported = [
        (record.levelno, record.getMessage().split(": ", 1)[1])
        for record in handler.records
        if record.name.startswith("mkdocs.plugins.mkdocs_lessons") and LINE.match(record.getMessage().split(": ", 1)[1])
    ]
    assert [message for _, message in reported] == expected
    reliability(test="corpus-build", kind=_case_kind(expected_lines(name)), rule=name, located=True, agree=True, problems=len(expected))
    for (levelno, _), line in zip(reported, expected):
        assert levelno == (logging.ERROR if is_error(line) else logging.WARNING), line
    if failing:
        errors = sum(is_error(line) for line in expected)
        summary = [r.getMessage() for r in handler.records if "in the knowledge base at" in r.getMessage()]
        assert summary == [f"lessons: {errors} error{'s' * (errors != 1)} in the knowledge base at {project / 'kb'} (listed above)"]
        assert not (project / "site" / "index.html").exists()  # nothing half-built
    else:
        assert (project / "site" / "index.html").is_file()


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_mkdocs_build_subprocess_exits_1_without_traceback(name: str, tmp_path: Path) -> None:
    project = _project(name, tmp_path)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output
    for line in expected_lines(name):
        assert f"mkdocs_lessons: kb/{line}" in output
    assert "Aborted with a BuildError!" in output


def test_case_limits_are_bounded_in_time_and_memory(tmp_path: Path) -> None:
    """Alias bomb, deep nesting and a 20 MB file: a clear error, little memory, little time."""
    import time
    import tracemalloc

    for name in ("yaml-alias-bomb", "yaml-deep-nesting", "yaml-deep-nesting-flow", "file-too-large"):
        root = make_kb(name, tmp_path / name)
        tracemalloc.start()
        started = time.perf_counter()
        try:
            outcome = open_knowledge_base(root, base=root)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        elapsed = time.perf_counter() - started
        assert [str(d) for d in outcome.diagnostics] == expected_lines(name)
        # Generous safety nets, not benchmarks: an unbounded expansion of the
        # bomb needs gigabytes; reading the 20 MB file into memory needs 20 MB.
        assert peak < 64 * 1024 * 1024, (name, peak)
        assert elapsed < 10, (name, elapsed)


def test_every_message_of_a_verbose_build_has_one_prefix(tmp_path: Path) -> None:
    """`mkdocs build -v`: each of the plugin's lines starts "mkdocs_lessons: " once (MkDocs' plugin logger adds it)."""
    from conftest import write_config

    project = tmp_path / "project"
    write_config(project, MINIMAL, extra={"plugins": [{"lessons": {"root": str(MINIMAL), "today": "2026-11-27"}}]})
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-v"], cwd=project, capture_output=True, text=True, timeout=300, env=env)
    ours = [line for line in (proc.stdout + proc.stderr).splitlines() if "lessons:" in line and "Config value" not in line]
    assert proc.returncode == 0 and any("time by phase" in line for line in ours), ours
    doubled = [line for line in ours if re.search(r"mkdocs_lessons: (mkdocs_)?lessons:", line)]
    assert not doubled

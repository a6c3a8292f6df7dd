"""The `lessons` command under real-world pressure: closed pipes, runs at the same time, links out of the knowledge base."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conftest import MINIMAL, copy_kb
from mkdocs_lessons.cli import main as cli, scaffold
from mkdocs_lessons.knowledge import open_knowledge_base

RUNS = 8


def _console_script() -> str:
    beside = Path(sys.executable).parent / "lessons"
    found = str(beside) if beside.exists() else shutil.which("lessons")
    assert found, "the `lessons` console script is not installed"
    return found


def _request(kb: Path) -> scaffold.NewRecord:
    return scaffold.NewRecord(
        record="incident", root=kb, title="Parallel", teams=["payments"], kind="near-miss",
        occurred="2026-03-14T09:12:00Z", term="process-deviation/skipped-review", summary="Made at the same time as others.",
    )


def _new_incidents(kb: Path) -> list[str]:
    return sorted(p.name for p in (kb / "incidents").glob("INC-2026-*.yaml"))


def test_concurrent_writes_each_take_the_next_free_number(tmp_path):
    """Eight runs counted the same number before any wrote: each still gets a file of its own."""
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    made = [scaffold.build(_request(kb)) for _ in range(RUNS)]
    assert {c.record_id for c in made} == {"INC-2026-001"}  # all counted before anyone wrote
    start = threading.Barrier(RUNS)
    written: list[object] = []
    failures: list[BaseException] = []

    def run(created: scaffold.Created) -> None:
        start.wait()
        try:
            written.append(scaffold.write(created, root=kb))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert _new_incidents(kb) == [f"INC-2026-{n:03d}.yaml" for n in range(1, RUNS + 1)]
    assert sorted(c.record_id for c in written) == [f"INC-2026-{n:03d}" for n in range(1, RUNS + 1)]  # type: ignore[attr-defined]
    for name in _new_incidents(kb):  # each file carries its own id
        assert yaml.safe_load((kb / "incidents" / name).read_text())["id"] == name[:-5]
    assert open_knowledge_base(kb).diagnostics.errors == []


def test_eight_lessons_new_at_once_all_succeed(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    argv = [
        _console_script(), "new", "incident", "--root", str(kb), "--no-input", "--title", "Parallel", "--team", "payments",
        "--kind", "near-miss", "--occurred", "2026-03-14T09:12:00Z", "--term", "process-deviation/skipped-review",
    ]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path) for _ in range(RUNS)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0] * RUNS, [err for _, _, err in results]
    assert _new_incidents(kb) == [f"INC-2026-{n:03d}.yaml" for n in range(1, RUNS + 1)]
    assert open_knowledge_base(kb).diagnostics.errors == []


def test_new_never_writes_through_a_folder_linked_outside(tmp_path, monkeypatch, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(kb / "incidents", elsewhere)
    (kb / "incidents").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(elsewhere))
    code = cli.main(["new", "incident", "--root", "kb", "--no-input", "--title", "T", "--team", "payments", "--kind", "near-miss",
                     "--occurred", "2026-03-14T09:12:00Z", "--term", "process-deviation/skipped-review"])
    assert code == 2
    assert "points outside the knowledge base" in capsys.readouterr().err
    assert sorted(os.listdir(elsewhere)) == before


def test_new_never_reads_a_teams_file_linked_outside(tmp_path, monkeypatch, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    secret = tmp_path / "secret.yaml"
    secret.write_text("teams: hunter2-do-not-print\n")
    (kb / "taxonomy" / "teams.yaml").unlink()
    (kb / "taxonomy" / "teams.yaml").symlink_to(secret)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["new", "sop", "--root", "kb", "--no-input", "--title", "T", "--team", "payments"])
    err = capsys.readouterr().err
    assert code == 2
    assert "points outside the knowledge base" in err and "hunter2" not in err


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`lessons validate --format json | head -1`: the command stops quietly when the pipe closes."""
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    record = (kb / "incidents" / "INC-2024-017.yaml").read_text()
    for n in range(100, 400):  # enough problems to fill the pipe (64 KiB) many times over
        (kb / "incidents" / f"INC-2024-{n}.yaml").write_text(record.replace("INC-2024-017", f"INC-2024-{n}").replace("teams: [payments", "teams: [paymnts"))
    head = f"{_console_script()} validate {kb} --format json | head -1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", head], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.stdout == "[\n"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode == 141  # like any Unix tool whose reader left (128 + SIGPIPE)

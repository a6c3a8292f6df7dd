"""The "Last updated" line from the records' git history, and "edit this page" opening
the YAML source: real git repositories and real MkDocs builds in tmp_path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import MINIMAL, build, write_config
from mkdocs_lessons.records import gitdates

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str, date: str = "2024-01-01T12:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.invalid",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.invalid",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def commit(repo: Path, message: str, date: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)


def touch(file: Path, comment: str) -> None:
    file.write_text(file.read_text("utf-8") + f"# {comment}\n", "utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository holding a site project: mkdocs.yml, docs/ and the knowledge base in content/,
    with a history: everything on 2024-03-20, one incident edited on 2025-02-03 (late in the
    evening west of UTC, so the committer's own date counts), SOP-007 on 2025-06-30."""
    project = tmp_path / "repo"
    project.mkdir()
    shutil.copytree(MINIMAL, project / "content")
    write_config(project, Path("content"))
    git(project, "init", "-q")
    commit(project, "start", "2024-03-20T10:00:00+00:00")
    touch(project / "content" / "incidents" / "INC-2024-017.yaml", "reviewed again")
    commit(project, "edit", "2025-02-03T23:30:00-05:00")
    touch(project / "content" / "sops" / "SOP-007.yaml", "typo")
    commit(project, "sop", "2025-06-30T08:00:00+02:00")
    return project


def updated(site, url: str):
    line = site.article(url).find(class_="lessons-updated")
    return None if line is None else line.get_text(" ", strip=True)


def test_record_pages_show_their_last_change(repo: Path) -> None:
    site = build(repo)
    assert updated(site, "incidents/INC-2024-017/") == "Last updated: 2025-02-03"
    assert updated(site, "incidents/INC-2023-044/") == "Last updated: 2024-03-20"
    assert updated(site, "sops/SOP-007/") == "Last updated: 2025-06-30"
    assert updated(site, "paths/new-engineer/") == "Last updated: 2024-03-20"
    assert site.article("incidents/INC-2024-017/").find("time")["datetime"] == "2025-02-03"
    # Not on pages that show more than one record, nor on a version page (it shows the version as it stood).
    for url in ("", "incidents/", "sops/", "sops/SOP-007/v2/", "taxonomy/", "teams/payments/"):
        assert updated(site, url) is None, url


def test_uncommitted_records_show_no_date(repo: Path) -> None:
    shutil.copy(repo / "content" / "incidents" / "INC-2023-044.yaml", repo / "content" / "incidents" / "INC-2023-045.yaml")
    record = repo / "content" / "incidents" / "INC-2023-045.yaml"
    record.write_text(record.read_text("utf-8").replace("id: INC-2023-044", "id: INC-2023-045"), "utf-8")
    site = build(repo)
    assert updated(site, "incidents/INC-2023-045/") is None
    assert updated(site, "incidents/INC-2023-044/") == "Last updated: 2024-03-20"


def test_without_git_nothing_is_shown_and_builds_are_identical(tmp_path: Path) -> None:
    project = tmp_path / "plain"
    project.mkdir()
    shutil.copytree(MINIMAL, project / "content")
    write_config(project, Path("content"))
    first = build(project)
    page = (first.site_dir / "incidents/INC-2024-017/index.html").read_bytes()
    assert b"lessons-updated" not in page
    second = build(project)
    assert (second.site_dir / "incidents/INC-2024-017/index.html").read_bytes() == page


def test_the_option_turns_it_off(repo: Path) -> None:
    write_config(repo, Path("content"), options={"last_updated": False})
    site = build(repo)
    assert updated(site, "incidents/INC-2024-017/") is None


def test_one_git_call_reads_every_date(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        if args and args[0] == "git":
            calls.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(gitdates.subprocess, "run", counting)
    found = gitdates.last_changed(repo / "content")
    logs = [c for c in calls if "log" in c]
    assert len(logs) == 1 and len(calls) == 2  # the log, and the shallow-clone probe
    assert found.dates[(repo / "content/incidents/INC-2024-017.yaml").resolve()].isoformat() == "2025-02-03"
    assert found.dates[(repo / "content/taxonomy/teams.yaml").resolve()].isoformat() == "2024-03-20"
    assert found.note == "" and not found.shallow


def test_outside_a_repository(tmp_path: Path) -> None:
    found = gitdates.last_changed(tmp_path)
    assert found.dates == {}
    assert "not a git repository" in found.note


def test_a_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    found = gitdates.last_changed(tmp_path)
    assert found.dates == {}


def test_shallow_clones_only_date_what_they_saw_change(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone)], check=True, capture_output=True)
    found = gitdates.last_changed(clone / "content")
    assert found.shallow
    dates = {path.name: day.isoformat() for path, day in found.dates.items()}
    # The two newest commits are there; the boundary commit lists every file as added: not a date.
    assert dates == {"SOP-007.yaml": "2025-06-30"}


def test_file_names_need_no_unquoting(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "we, ird ü\nname.yaml").write_text("x", "utf-8")
    commit(tmp_path, "odd", "2023-05-06T07:08:09+00:00")
    found = gitdates.last_changed(tmp_path)
    assert {p.name: d.isoformat() for p, d in found.dates.items()} == {"we, ird ü\nname.yaml": "2023-05-06"}


def test_parse_log() -> None:
    root = Path("/kb")
    output = "\x1e2025-02-03\x1fabc\0\nincidents/A.yaml\0\x1e2024-01-01\x1f\0\nincidents/A.yaml\0incidents/B.yaml\0"
    assert {p.name: d.isoformat() for p, d in gitdates.parse_log(output, root).items()} == {"A.yaml": "2025-02-03", "B.yaml": "2024-01-01"}
    assert {p.name for p in gitdates.parse_log(output, root, shallow=True)} == {"A.yaml"}


# -- "edit this page" ------------------------------------------------------------------------------


def test_edit_links_open_the_yaml_source(repo: Path) -> None:
    write_config(
        repo,
        Path("content"),
        extra={
            "repo_url": "https://git.example/acme/kb",
            "edit_uri": "edit/main/docs/",
            "theme": {"name": "material", "font": False, "features": ["content.action.edit"]},
        },
    )
    site = build(repo)
    expected = {
        "incidents/INC-2024-017/": "https://git.example/acme/kb/edit/main/content/incidents/INC-2024-017.yaml",
        "sops/SOP-007/": "https://git.example/acme/kb/edit/main/content/sops/SOP-007.yaml",
        "sops/SOP-007/v2/": "https://git.example/acme/kb/edit/main/content/sops/SOP-007.yaml",
        "paths/new-engineer/": "https://git.example/acme/kb/edit/main/content/paths/new-engineer.yaml",
        "taxonomy/design-flaw/": "https://git.example/acme/kb/edit/main/content/taxonomy/taxonomy.yaml",
        "teams/payments/": "https://git.example/acme/kb/edit/main/content/taxonomy/teams.yaml",
    }
    for url, href in expected.items():
        edit = site.soup(url).find("a", attrs={"title": "Edit this page"})
        assert edit is not None, url
        assert edit["href"] == href, url
        # The file it opens exists in the repository, at that path.
        assert (repo / href.split("/edit/main/", 1)[1]).is_file()
    # Pages computed from many records have nothing to edit.
    for url in ("incidents/", "sops/"):
        assert site.soup(url).find("a", attrs={"title": "Edit this page"}) is None, url


def test_edit_uri_template(repo: Path) -> None:
    write_config(
        repo,
        Path("content"),
        extra={
            "repo_url": "https://git.example/acme/kb",
            "edit_uri_template": "src/branch/main/docs/{path}?mode=edit",
            "theme": {"name": "material", "font": False, "features": ["content.action.edit"]},
        },
    )
    site = build(repo)
    edit = site.soup("incidents/INC-2024-017/").find("a", attrs={"title": "Edit this page"})
    assert edit["href"] == "https://git.example/acme/kb/src/branch/main/content/incidents/INC-2024-017.yaml?mode=edit"

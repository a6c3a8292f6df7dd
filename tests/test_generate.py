"""`lessons generate --out DIR`: the plugin's pages in a folder, for other builders."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import MINIMAL, build, copy_kb, internal_links
from mkdocs_lessons.cli.main import main as lessons
from mkdocs_lessons.generate.write import MANIFEST

TODAY = "2026-11-27"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """`lessons generate` writes only inside the repository it runs in: here, the test's own folder."""
    monkeypatch.chdir(tmp_path)


def _files(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Relative path -> (inode, mtime_ns, bytes) for every file."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(folder).as_posix()] = (stat.st_ino, stat.st_mtime_ns, path.read_bytes())
    return found


def _generate(kb: Path, out: Path, *extra: str) -> int:
    return lessons(["generate", str(kb), "--out", str(out), "--today", TODAY, *extra])


def test_generates_every_page_asset_and_data_file(tmp_path, capsys):
    out = tmp_path / "kb"
    assert _generate(MINIMAL, out) == 0
    assert capsys.readouterr().out.startswith(f"{len(json.loads((out / MANIFEST).read_text())['files'])} files in ")
    for name in ("index.md", "incidents/index.md", "incidents/INC-2024-017.md", "sops/SOP-007/index.md", "sops/SOP-007/v2.md",
                 "taxonomy/index.md", "teams/index.md", "paths/new-engineer/index.md", "dashboard/index.md", "actions/index.md",
                 "kb.json", "metrics.json", "schemas/incident.schema.json", "assets/lessons/lessons.css", "assets/lessons/incidents.js"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["files"] == sorted(p for p in _files(out) if p != MANIFEST)


def test_a_second_run_without_changes_rewrites_nothing(tmp_path, capsys):
    out = tmp_path / "kb"
    assert _generate(MINIMAL, out) == 0
    first = _files(out)
    capsys.readouterr()
    assert _generate(MINIMAL, out) == 0
    assert ": 0 written, " in capsys.readouterr().out
    assert _files(out) == first  # same bytes, same inodes, same modification times


def test_output_is_deterministic(tmp_path):
    assert _generate(MINIMAL, tmp_path / "a") == 0
    assert _generate(MINIMAL, tmp_path / "b") == 0
    assert {k: v[2] for k, v in _files(tmp_path / "a").items()} == {k: v[2] for k, v in _files(tmp_path / "b").items()}


def test_removes_only_files_it_wrote_that_are_no_longer_generated(tmp_path, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "content")
    out = tmp_path / "kb"
    assert _generate(kb, out) == 0
    # A person's files in the folder, beside and among the generated ones.
    (out / "notes.md").write_text("# My notes\n")
    (out / "incidents" / "mine.md").write_text("# Mine\n")
    path = yaml.safe_load((kb / "paths" / "new-engineer.yaml").read_text())
    (kb / "paths" / "new-engineer.yaml").unlink()
    assert path["id"] == "new-engineer"
    capsys.readouterr()
    assert _generate(kb, out) == 0
    assert capsys.readouterr().out.rstrip().endswith(", 2 removed")  # the path page and its print page
    assert not (out / "paths" / "new-engineer").exists()  # its folder went with its files
    assert (out / "notes.md").read_text() == "# My notes\n"
    assert (out / "incidents" / "mine.md").read_text() == "# Mine\n"
    assert "paths/new-engineer/index.md" not in json.loads((out / MANIFEST).read_text())["files"]


def test_refuses_to_overwrite_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "kb"
    (out / "incidents").mkdir(parents=True)
    (out / "incidents" / "index.md").write_text("# Our own incident list\n")
    assert _generate(MINIMAL, out) == 2
    err = capsys.readouterr().err
    assert "did not write: incidents/index.md" in err and "nothing was changed" in err
    assert (out / "incidents" / "index.md").read_text() == "# Our own incident list\n"
    assert sorted(p.name for p in out.rglob("*")) == ["incidents", "index.md"]


def test_adopts_a_foreign_file_that_already_holds_the_generated_bytes(tmp_path):
    first = tmp_path / "first"
    assert _generate(MINIMAL, first) == 0
    out = tmp_path / "kb"
    (out / "incidents").mkdir(parents=True)
    (out / "incidents" / "index.md").write_bytes((first / "incidents" / "index.md").read_bytes())
    assert _generate(MINIMAL, out) == 0


def test_a_manifest_naming_files_outside_the_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "kb"
    assert _generate(MINIMAL, out) == 0
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"].append("../precious.txt")
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert _generate(MINIMAL, out) == 2
    assert "outside the folder" in capsys.readouterr().err
    assert victim.read_text() == "keep me"


def test_a_knowledge_base_with_errors_writes_nothing(tmp_path, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "content")
    record = kb / "incidents" / "INC-2024-017.yaml"
    record.write_text(record.read_text().replace("severity: SEV2", "severity: SEV9"))
    assert _generate(kb, tmp_path / "kb") == 1
    err = capsys.readouterr().err
    assert "INC-2024-017.yaml" in err and "nothing generated" in err
    assert not (tmp_path / "kb").exists()


def test_refuses_an_output_folder_inside_the_knowledge_base(tmp_path, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "content")
    assert _generate(kb, kb / "site") == 2
    assert "overlaps the knowledge base" in capsys.readouterr().err


def test_prefix_follows_the_place_in_docs_dir_and_config_out(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "mkdocs.yml").write_text("site_name: KB\ndocs_dir: docs\nINHERIT: lessons.yml\n")
    monkeypatch.chdir(project)
    assert lessons(["generate", str(MINIMAL), "--out", "docs/kb", "--today", TODAY, "--config-out", "lessons.yml"]) == 0
    settings = yaml.safe_load((project / "lessons.yml").read_text())
    assert settings["nav"][0] == {"Home": "kb/index.md"}
    assert {"Incidents": "kb/incidents/index.md"} in settings["nav"]
    assert all("INC-" not in next(iter(item.values())) for item in settings["nav"])  # records stay out of the sidebar
    assert "kb/assets/lessons/lessons.css" in settings["extra_css"]
    assert "kb/assets/lessons/incidents.js" in settings["extra_javascript"]
    assert {"pymdownx.tasklist": {"custom_checkbox": True}} in settings["markdown_extensions"]
    assert "md_in_html" in settings["markdown_extensions"]
    data = json.loads((project / "docs/kb/kb.json").read_text())
    assert data["incidents"][0]["url"].startswith("kb/incidents/")  # URLs as the site will have them
    # A mismatching --prefix is a usage error; a config file someone else wrote is never replaced.
    assert lessons(["generate", str(MINIMAL), "--out", "docs/kb", "--prefix", "other"]) == 2
    (project / "mine.yml").write_text("site_name: mine\n")
    assert lessons(["generate", str(MINIMAL), "--out", "docs/kb", "--today", TODAY, "--config-out", "mine.yml"]) == 2
    assert (project / "mine.yml").read_text() == "site_name: mine\n"


def test_the_same_generator_as_the_plugin(build_kb, tmp_path):
    """No second rendering path: data files and assets match the plugin's site byte for byte."""
    site = build_kb(MINIMAL, search="material")  # `lessons generate` writes no Pagefind search page
    out = site.root / "generated"  # inside the site's repository
    assert lessons(["generate", str(MINIMAL), "--out", str(out), "--site-config", str(site.root / "mkdocs.yml"), "--builder", "mkdocs"]) == 0
    for name in ("kb.json", "metrics.json", "feed.xml", "schemas/incident.schema.json", "assets/lessons/paths.js"):
        assert (out / name).read_bytes() == (site.site_dir / name).read_bytes(), name
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.md")}
    html = {p.relative_to(site.site_dir).as_posix() for p in site.html_pages()} - {"404.html"}
    as_html = {p[:-3] + "/index.html" if not p.endswith("index.md") else p[:-2] + "html" for p in pages}
    assert as_html == html


def test_plain_mkdocs_builds_the_generated_folder_without_the_plugin(tmp_path, monkeypatch):
    """`--builder mkdocs`: any MkDocs-compatible builder, no plugin, strict, every link resolves."""
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    config = {"site_name": "KB", "docs_dir": "docs", "site_dir": "site", "INHERIT": "lessons.yml", "theme": {"name": "material", "font": False}}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(project)
    assert lessons(["generate", str(MINIMAL), "--out", "docs", "--today", TODAY, "--builder", "mkdocs", "--config-out", "lessons.yml"]) == 0
    site = build(project, strict=True)
    assert [r.getMessage() for r in site.log if r.levelname == "WARNING"] == []
    assert site.page("incidents/INC-2024-017/").is_file()
    broken = sorted({(str(p.relative_to(site.site_dir)), h) for p, h, t, _ in internal_links(site) if not t.exists()})
    assert broken == []
    assert os.path.exists(project / "docs" / MANIFEST)
    assert not (site.site_dir / MANIFEST).exists()  # a dot file: builders leave it out


# -- it never touches what it did not write: links, manifests and places outside ----------------


def _project(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A repository with a knowledge base in content/ and a generated folder in gen/."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "mkdocs.yml").write_text("site_name: KB\ndocs_dir: docs\nplugins:\n  - lessons:\n      root: content\n")
    kb = copy_kb(MINIMAL, project / "content")
    return project, kb, project / "gen"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): (os.readlink(p).encode() if p.is_symlink() else p.read_bytes() if p.is_file() else b"/")
            for p in sorted(folder.rglob("*"))}


def _add_to_manifest(out: Path, *names: str) -> None:
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"] = sorted({*manifest["files"], *names})
    (out / MANIFEST).write_text(json.dumps(manifest))


def test_a_generated_folder_replaced_by_a_link_into_the_knowledge_base_is_refused(tmp_path, monkeypatch, capsys):
    """gen/sops -> ../content/sops and a manifest naming sops/SOP-007.yaml: the record stays, nothing lands in content/."""
    project, kb, out = _project(tmp_path)
    monkeypatch.chdir(project)
    assert _generate(kb, out) == 0
    shutil.rmtree(out / "sops")
    (out / "sops").symlink_to(Path("..") / "content" / "sops", target_is_directory=True)
    _add_to_manifest(out, "sops/SOP-007.yaml")
    kb_before, out_before = _tree(kb), _tree(out)
    capsys.readouterr()
    assert _generate(kb, out) == 2
    err = capsys.readouterr().err
    assert "sops/SOP-007.yaml" in err and "resolve outside the folder" in err and "nothing was changed" in err
    assert _tree(kb) == kb_before
    assert _tree(out) == out_before


def test_a_manifest_entry_that_is_a_link_is_refused(tmp_path, monkeypatch, capsys):
    project, kb, out = _project(tmp_path)
    monkeypatch.chdir(project)
    assert _generate(kb, out) == 0
    (out / "notes.md").symlink_to(Path("..") / "content" / "incidents" / "INC-2024-017.yaml")
    _add_to_manifest(out, "notes.md")
    out_before = _tree(out)
    assert _generate(kb, out) == 2
    assert "notes.md" in capsys.readouterr().err
    assert _tree(out) == out_before  # the link is still there, and so is its target
    assert (kb / "incidents" / "INC-2024-017.yaml").is_file()


def test_a_generated_file_replaced_by_a_link_out_of_the_folder_is_refused(tmp_path, monkeypatch, capsys):
    project, kb, out = _project(tmp_path)
    monkeypatch.chdir(project)
    assert _generate(kb, out) == 0
    victim = project / "victim.md"
    victim.write_text("keep me\n")
    (out / "dashboard" / "index.md").unlink()
    (out / "dashboard" / "index.md").symlink_to(victim)
    assert _generate(kb, out) == 2
    assert "dashboard/index.md" in capsys.readouterr().err
    assert victim.read_text() == "keep me\n" and (out / "dashboard" / "index.md").is_symlink()


def test_a_manifest_link_to_itself_outside_is_not_read(tmp_path, monkeypatch, capsys):
    project, kb, out = _project(tmp_path)
    monkeypatch.chdir(project)
    out.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"hunter2": true}')
    (out / MANIFEST).symlink_to(secret)
    assert _generate(kb, out) == 2
    assert "hunter2" not in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]


def test_a_manifest_naming_an_absolute_path_is_refused(tmp_path, monkeypatch, capsys):
    project, kb, out = _project(tmp_path)
    monkeypatch.chdir(project)
    assert _generate(kb, out) == 0
    record = kb / "incidents" / "INC-2024-017.yaml"
    _add_to_manifest(out, str(record))
    assert _generate(kb, out) == 2
    assert "outside the folder" in capsys.readouterr().err
    assert record.is_file()


@pytest.mark.parametrize("where", ["outside", "linked-outside", "repository-root"])
def test_out_must_lie_inside_the_repository(tmp_path, monkeypatch, capsys, where):
    project, kb, _ = _project(tmp_path)
    monkeypatch.chdir(project)
    elsewhere = tmp_path / "elsewhere"
    if where == "outside":
        out = elsewhere
    elif where == "linked-outside":
        elsewhere.mkdir()
        (project / "gen").symlink_to(elsewhere, target_is_directory=True)
        out = project / "gen"
    else:
        out = project
    before = _tree(project)
    assert _generate(kb, out) == 2
    err = capsys.readouterr().err
    assert "outside the repository" in err or "overlaps the knowledge base" in err
    assert _tree(project) == before
    assert not elsewhere.exists() or list(elsewhere.iterdir()) == []


def test_out_linked_into_the_knowledge_base_is_refused(tmp_path, monkeypatch, capsys):
    project, kb, _ = _project(tmp_path)
    monkeypatch.chdir(project)
    (project / "gen").symlink_to(Path("content") / "sops", target_is_directory=True)
    before = _tree(kb)
    assert _generate(kb, project / "gen") == 2
    assert "overlaps the knowledge base" in capsys.readouterr().err
    assert _tree(kb) == before


@pytest.mark.parametrize("config_out", ["../elsewhere.yml", "content/lessons.yml"])
def test_config_out_must_lie_inside_the_repository_and_outside_the_knowledge_base(tmp_path, monkeypatch, capsys, config_out):
    project, kb, out = _project(tmp_path)
    monkeypatch.chdir(project)
    assert _generate(kb, out, "--config-out", config_out) == 2
    assert "--config-out" in capsys.readouterr().err
    assert not (project / config_out).exists()
    assert not out.exists()  # refused before anything was written

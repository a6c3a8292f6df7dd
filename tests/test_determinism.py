"""Same input, same bytes: whole built trees compared file by file.

With `SOURCE_DATE_EPOCH` set (and no `today` option, so "today" comes from
it), two builds of the same knowledge base are byte-identical: every page,
sitemap.xml(.gz), the Pagefind index, kb.json, metrics.json, feed.xml and the
schemas. The order in which record files were written, their modification
times and the order the file system lists them in change nothing either.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, MINIMAL, build, write_config
from site_snapshot import differing, tree  # the whole-site comparison, one definition (conftest puts scripts/ on the path)

EPOCH = "1795000000"  # 2026-11-18
OPTIONS = {"today": None, "include_drafts": True, "generated_paths": True}


def _build(project: Path, kb: Path, **options) -> dict[str, bytes]:
    project.mkdir(parents=True)
    write_config(project, kb, options={**OPTIONS, **options}, extra={"site_url": "https://kb.example.org/"})
    # write_config fills in a `today`; drop it so the date comes from SOURCE_DATE_EPOCH.
    config = (project / "mkdocs.yml").read_text("utf-8").replace("    today: null\n", "")
    (project / "mkdocs.yml").write_text(config, "utf-8")
    return tree(build(project, strict=False).site_dir)


def _copy_shuffled(source: Path, target: Path, seed: int) -> Path:
    """Copy a knowledge base writing files in a random order with random modification times."""
    files = [p for p in source.rglob("*") if p.is_file()]
    rng = random.Random(seed)
    rng.shuffle(files)
    for index, file in enumerate(files):
        dest = target / file.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, dest)
        stamp = 1_600_000_000 + rng.randrange(10**8)
        os.utime(dest, (stamp, stamp))
    return target


def _diff(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    # The Pagefind bundle is compared whole: its filter chunks are put in order after each run (search/stable_bundle.py).
    assert any(name.startswith("pagefind/filter/") for name in set(first) | set(second))
    assert any(name.startswith("pagefind/index/") for name in set(first) | set(second))
    return differing(first, second)


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.mark.parametrize("fixture", ["minimal", "dashboard"])
def test_two_builds_are_byte_identical(fixture: str, tmp_path: Path, epoch: None) -> None:
    kb = FIXTURES / fixture
    first = _build(tmp_path / "one", kb)
    second = _build(tmp_path / "two" / "elsewhere", kb)  # another folder: no absolute paths leak in
    for expected in ("index.html", "sitemap.xml", "sitemap.xml.gz", "pagefind/pagefind-entry.json", "search/words.json", "kb.json", "feed.xml"):
        assert expected in first, expected
    assert _diff(first, second) == []


def test_record_order_and_mtimes_change_nothing(tmp_path: Path, epoch: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both copies outside git: "Last updated" comes from git history, which is input too.
    reference = _build(tmp_path / "reference", shutil.copytree(MINIMAL, tmp_path / "kb"))
    shuffled = _copy_shuffled(MINIMAL, tmp_path / "shuffled-kb", seed=8)

    # A file system that lists directories in reverse order.
    real_scandir, real_listdir, real_iterdir = os.scandir, os.listdir, Path.iterdir

    class _Reversed:
        def __init__(self, entries):
            self.entries = sorted(entries, key=lambda e: e.name, reverse=True)

        def __iter__(self):
            return self

        def __next__(self):
            if not self.entries:
                raise StopIteration
            return self.entries.pop(0)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def close(self) -> None:
            pass

    def scandir(path="."):
        with real_scandir(path) as it:
            return _Reversed(list(it))

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", lambda path=".": sorted(real_listdir(path), reverse=True))
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(sorted(real_iterdir(self), reverse=True)))
    other = _build(tmp_path / "shuffled", shuffled)
    monkeypatch.undo()
    assert _diff(reference, other) == []


def test_today_comes_from_source_date_epoch(tmp_path: Path, epoch: None) -> None:
    tree = _build(tmp_path / "p", MINIMAL)
    sitemap = tree["sitemap.xml"].decode("utf-8")
    assert "<lastmod>2026-11-18</lastmod>" in sitemap


def test_sample_site_with_git_dates_is_byte_identical(tmp_path: Path, epoch: None) -> None:
    """The repository's own site: 236 files with dashboard, metrics, feed and "Last updated" from git (~6 s a build)."""
    import yaml

    from conftest import REPO, SAMPLE

    def one(project: Path) -> dict[str, bytes]:
        project.mkdir(parents=True)
        config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
        config["docs_dir"] = str(REPO / "docs")
        config["site_dir"] = str(project / "site")
        for entry in config["plugins"]:
            if isinstance(entry, dict) and "lessons" in entry:
                entry["lessons"] = {**(entry["lessons"] or {}), "root": str(SAMPLE)}
                entry["lessons"].pop("today", None)
        (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
        return tree(build(project, strict=False).site_dir)

    first = one(tmp_path / "one")
    second = one(tmp_path / "two" / "elsewhere")
    assert "metrics.json" in first and "feed.xml" in first
    assert _diff(first, second) == []

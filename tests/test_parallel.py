"""`mkdocs build` renders half its pages in a forked second process (pages/parallel.py): the same site, byte for byte.

The rest of the suite builds with the default (`parallel: true`), so every
test of what readers see checks pages made by both processes; `mkdocs
serve` and `parallel: false` make them in one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from site_snapshot import differing, tree

from conftest import MINIMAL, build, synthetic_kb, write_config
from mkdocs_lessons.pages import parallel
from mkdocs_lessons.timing import Timings

pytestmark = pytest.mark.skipif(not parallel.available(), reason="one core, or no fork: pages render in one process")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return synthetic_kb(tmp_path_factory.mktemp("synth"), 60)


def _site(project: Path, kb: Path, *, plugins: tuple = (), hooks: tuple = (), **options) -> dict[str, bytes]:
    lessons = {"root": str(kb), "today": "2026-11-27", "last_updated": False, **options}
    write_config(project, kb, extra={"plugins": [*plugins, {"lessons": lessons}], **({"hooks": list(hooks)} if hooks else {})})
    return tree(build(project, strict=False).site_dir)  # the synthetic paths name drafts: warnings


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The second processes started (their ids), so a test knows the build did use two."""
    started: list[int] = []
    fork = os.fork

    def counting() -> int:
        pid = fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(parallel.os, "fork", counting)
    return started


@pytest.mark.parametrize("base", ["minimal", "synthetic"])
def test_two_processes_build_the_site_one_does(tmp_path, synthetic, forks, base):
    kb = MINIMAL if base == "minimal" else synthetic
    one = _site(tmp_path / "one", kb, parallel=False)
    assert forks == []
    two = _site(tmp_path / "two", kb)
    # The pages rendered in two; the page loop too, past parallel_build.MINIMUM_PAGES generated pages.
    assert len(forks) == (1 if base == "minimal" else 2)
    assert differing(one, two) == []
    assert len(two) > (40 if base == "minimal" else 150)


@pytest.mark.parametrize("dies", ["both", "the page loop's"])
def test_a_second_process_that_dies_leaves_its_pages_to_the_first(tmp_path, synthetic, forks, monkeypatch, dies):
    one = _site(tmp_path / "one", synthetic, parallel=False)
    work_and_exit = parallel._work_and_exit

    deaths = tmp_path / "deaths"  # one line per copy killed: the copies are other processes

    def killed(work, path):  # say for memory; this runs in the copy
        if dies == "both" or "build_from_the_back" in work.__qualname__:  # adapter/parallel_build.py's work
            with open(deaths, "a", encoding="utf-8") as out:
                out.write(f"{work.__qualname__}\n")
            os._exit(9)
        work_and_exit(work, path)

    monkeypatch.setattr(parallel, "_work_and_exit", killed)
    two = _site(tmp_path / "two", synthetic)
    assert len(forks) == 2
    assert len(deaths.read_text("utf-8").split()) == (2 if dies == "both" else 1)  # the copies meant died
    assert differing(one, two) == []


def test_a_second_process_that_dies_midway_leaves_what_it_took_to_the_first(tmp_path, synthetic, forks, monkeypatch):
    """Each copy takes three positions from the back of its list, renders or builds the first two and dies as it
    takes the third: this process renders and builds all three again."""
    one = _site(tmp_path / "one", synthetic, parallel=False)
    parent = os.getpid()
    take_back = parallel.Split.take_back
    taken = [0]  # counted in each copy's own memory

    def dying(split):
        if os.getpid() != parent:
            taken[0] += 1
            if taken[0] == 3:
                take_back(split)
                os._exit(9)
        return take_back(split)

    monkeypatch.setattr(parallel.Split, "take_back", dying)
    two = _site(tmp_path / "two", synthetic)
    assert len(forks) == 2
    assert differing(one, two) == []


def test_the_page_loop_with_materials_search_builds_the_site_one_does(tmp_path, synthetic, forks):
    """Material's search index takes each page's entry here, in MkDocs' order, also for the pages the copy builds."""
    one = _site(tmp_path / "one", synthetic, parallel=False, search="material", plugins=["search"])
    two = _site(tmp_path / "two", synthetic, search="material", plugins=["search"])
    assert len(forks) == 2
    assert len(two["search/search_index.json"]) > 100_000
    assert differing(one, two) == []


def test_the_page_loop_with_materials_tags_plugin_builds_the_site_one_does(tmp_path, synthetic, forks):
    """Material's tags plugin only adds each page's own tags to its context: the loop is split with it."""
    one = _site(tmp_path / "one", synthetic, parallel=False, plugins=["tags"])
    two = _site(tmp_path / "two", synthetic, plugins=["tags"])
    assert len(forks) == 2
    assert differing(one, two) == []


def test_another_plugins_page_hook_keeps_the_page_loop_in_one_process(tmp_path, synthetic, forks):
    """A hook that collects across pages would collect in the copy and lose it: the loop is not split for it."""
    seen = tmp_path / "seen.txt"
    hook = tmp_path / "collect.py"
    hook.write_text(
        "def on_post_page(output, page, config):\n"
        f"    with open({str(seen)!r}, 'a') as out:\n"
        "        out.write(page.file.src_uri + '\\n')\n"
        "    return output\n",
        "utf-8",
    )
    site = _site(tmp_path / "site", synthetic, hooks=[str(hook)])
    assert len(forks) == 1  # the pages' rendering only
    pages = seen.read_text("utf-8").split()
    assert len(pages) == len(set(pages)) == sum(1 for name in site if name.endswith(".html") and name != "404.html")


def test_a_template_error_fails_the_build_as_in_one_process(tmp_path):
    """An override that breaks on every incident page: the error is the one a one-process build reports."""
    templates = tmp_path / "overrides"
    (templates / "lessons").mkdir(parents=True)
    (templates / "lessons" / "incident.html").write_text("{{ no_such_name }}", "utf-8")
    errors = []
    for name, flag in (("one", False), ("two", True)):
        project = tmp_path / name
        lessons = {"root": str(MINIMAL), "today": "2026-11-27", "custom_templates": str(templates), "parallel": flag}
        write_config(project, MINIMAL, extra={"plugins": [{"lessons": lessons}]})
        with pytest.raises(Exception) as raised:
            build(project)
        errors.append((type(raised.value), str(raised.value)))
    assert errors[0] == errors[1]
    assert "no_such_name" in errors[0][1]


def test_what_the_second_process_logs_is_logged_here_in_its_order(caplog):
    """Lines logged while rendering in the copy (a Markdown extension's warning, say) reach this process's log,
    so `mkdocs build --strict` counts them."""
    import time

    work = parallel.Parallel(Timings(), lambda rendered, finish: [rendered])
    logger = logging.getLogger("mkdocs.plugins.test_parallel")
    parent = os.getpid()

    def page(number: int):
        def render():
            if os.getpid() == parent:
                time.sleep(0.3)  # slow here: the copy takes the shared pages meanwhile
            logger.warning("page %s: %s", number, os.getpid())
            return f"page {number}"

        return render

    for number in range(6):
        work.phase = "pages"
        work.defer(page(number))
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.test_parallel"):
        # Page 0 is this process's own: however the two are scheduled, both render some.
        done = work.resolve(lambda pending: pending.index == 0, lambda pending: False)
    assert done == {n: [f"page {n}"] for n in range(6)}
    lines = [r.getMessage() for r in caplog.records if r.name == "mkdocs.plugins.test_parallel"]
    here = [int(line.split(":")[0][5:]) for line in lines if line.endswith(f": {parent}")]
    there = [int(line.split(":")[0][5:]) for line in lines if not line.endswith(f": {parent}")]
    assert here and there  # both rendered some
    assert here == sorted(here) and there == sorted(there, reverse=True)  # from the front here, the back there
    assert sorted(here + there) == list(range(6))
    assert lines == [line for line in lines if line.endswith(f": {parent}")] + [
        line for line in lines if not line.endswith(f": {parent}")
    ]  # the copy's lines after this process's own


def test_the_two_ends_of_a_split_never_take_the_same_position():
    """`Split`: this process from the front, the copy from the back; every position is taken once."""
    split = parallel.Split.make(5)
    assert split is not None
    assert split.take_back() == 4 and split.take_front(0) and split.take_back() == 3
    assert split.take_front(1) and split.take_front(2)
    assert not split.take_front(3)  # the copy's
    assert split.take_back() is None and list(split.theirs()) == [3, 4]
    split.close()


@pytest.mark.parametrize("search", ["material", "pagefind"])
def test_what_mkdocs_and_material_would_work_out_of_a_page_is_worked_out_with_it(tmp_path, synthetic, search, monkeypatch):
    """Heading anchors and Material's search sections are worked out where each page is rendered
    (adapter/rendered_page.py `Preparer`): the site, Material's search index included, is the one MkDocs and
    Material make when they work them out themselves."""
    from mkdocs_lessons import plugin
    from mkdocs_lessons.adapter import rendered_page

    def site(project: Path) -> dict[str, bytes]:
        lessons = {"root": str(synthetic), "today": "2026-11-27", "last_updated": False, "search": search}
        plugins = (["search"] if search == "material" else []) + [{"lessons": lessons}]
        write_config(project, synthetic, extra={"plugins": plugins})
        return tree(build(project, strict=False).site_dir)

    taken: list[bool] = []  # each page Material's index took: from its prepared sections or not
    sections = rendered_page.RenderedPage.prepared_sections

    def noted(page):
        found = sections(page)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(rendered_page.RenderedPage, "prepared_sections", noted)
    prepared = site(tmp_path / "prepared")
    if search == "material":
        assert len(taken) > 150 and all(taken)  # every generated page, none parsed again

    class Unprepared:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __call__(self, file) -> None:
            pass

    monkeypatch.setattr(plugin, "Preparer", Unprepared)
    unprepared = site(tmp_path / "unprepared")
    assert differing(prepared, unprepared) == []
    if search == "material":
        assert len(prepared["search/search_index.json"]) > 100_000


def test_lessons_generate_on_two_processes_writes_what_one_does(tmp_path, synthetic, forks, monkeypatch, capsys):
    from mkdocs_lessons.cli.main import main as lessons

    monkeypatch.chdir(tmp_path)
    assert lessons(["generate", str(synthetic), "--out", "two", "--today", "2026-11-27"]) == 0
    assert len(forks) == 1
    monkeypatch.setattr(parallel, "available", lambda: False)
    assert lessons(["generate", str(synthetic), "--out", "one", "--today", "2026-11-27"]) == 0
    assert len(forks) == 1
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert len(one) > 150 and differing(one, two) == []


def test_the_analysis_is_worked_out_once_before_the_fork(tmp_path, synthetic, forks, monkeypatch):
    """Products many pages read (the loop, the metrics) are made before the fork, not once in each process."""
    from mkdocs_lessons.analysis import derive

    made = tmp_path / "made.txt"
    for name in ("build_loop", "compute", "build_programme", "build_followup"):
        original = getattr(derive, name)

        def noting(*args, _original=original, _name=name, **kwargs):
            with open(made, "a", encoding="utf-8") as out:
                out.write(f"{_name} {os.getpid()}\n")
            return _original(*args, **kwargs)

        monkeypatch.setattr(derive, name, noting)
    _site(tmp_path / "site", synthetic)
    assert len(forks) == 2  # the pages' rendering, then MkDocs' page loop
    lines = made.read_text("utf-8").split()
    assert sorted(lines[0::2]) == ["build_followup", "build_loop", "build_programme", "compute"]
    assert set(lines[1::2]) == {str(os.getpid())}

"""The knowledge base on other builders: Zensical (from `lessons generate`) and ProperDocs (the plugin itself).

Both run as separate processes, as a user runs them: Zensical's own command
on the generated folder, and `properdocs build`, which aliases `mkdocs.*`
imports to its own modules (so it never shares state with the MkDocs that the
rest of the suite imports).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

import mkdocs_lessons
from conftest import MINIMAL, REPO, SAMPLE, Site, copy_kb, internal_links
from mkdocs_lessons.knowledge import open_knowledge_base

pytestmark = pytest.mark.platform

TODAY = "2026-11-27"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return str(found)


#: The plugin under test, first on the tools' path: a checkout or worktree run with PYTHONPATH tests its own code,
#: not whatever copy the environment has installed.
PLUGIN_PATH = str(Path(mkdocs_lessons.__file__).resolve().parent.parent)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(BIN), "NO_MKDOCS_2_WARNING": "1", "HOME": str(cwd), "PYTHONPATH": PLUGIN_PATH}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _broken_links(site: Site) -> list[tuple[str, str]]:
    return sorted({(str(p.relative_to(site.site_dir)), h) for p, h, t, _ in internal_links(site) if not t.exists()})


def _broken_anchors(site: Site) -> list[tuple[str, str]]:
    ids: dict[Path, set[str]] = {}
    broken = []
    for page, href, target, fragment in internal_links(site):
        if not fragment or target.suffix != ".html" or not target.exists():
            continue
        if target not in ids:
            ids[target] = {tag["id"] for tag in BeautifulSoup(target.read_text("utf-8"), "html.parser").find_all(id=True)}
        if fragment not in ids[target]:
            broken.append((str(page.relative_to(site.site_dir)), href))
    return broken


def _contract_urls(kb_root: Path) -> list[str]:
    kb = open_knowledge_base(kb_root).kb
    assert kb is not None
    urls = ["", "incidents/", "sops/", "taxonomy/", "teams/", "paths/", "dashboard/", "actions/", "kb.json", "metrics.json", "feed.xml"]
    urls += [f"incidents/{i.id}/" for i in kb.published_incidents]
    for sop in kb.sops.values():
        urls += [f"sops/{sop.id}/"] + [f"sops/{sop.id}/v{v.version}/" for v in sop.versions]
    urls += [f"taxonomy/{t}/" for t in kb.taxonomy.terms]
    urls += [f"teams/{t}/" for t in kb.teams]
    urls += [f"paths/{p}/" for p in kb.paths]
    urls += [f"schemas/{kind}.schema.json" for kind in ("incident", "sop", "taxonomy", "teams", "path")]
    return urls


# -- Zensical -----------------------------------------------------------------


def zensical_project(project: Path, kb_root: Path, *, out: str = "docs/kb", directory_urls: bool = True) -> Site:
    """The README recipe: a mkdocs.yml without the plugin, `lessons generate`, `zensical build`."""
    (project / "docs").mkdir(parents=True)
    config = {
        "site_name": "Fernhill Provisions",
        "docs_dir": "docs",
        "site_dir": "site",
        "use_directory_urls": directory_urls,
        "INHERIT": "lessons.yml",
        "theme": {"name": "material", "font": False},
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    if out != "docs":
        (project / "docs" / "index.md").write_text(f"# Fernhill Provisions\n\nThe [knowledge base]({out[5:]}/index.md).\n", "utf-8")
    generate = _run([_tool("lessons"), "generate", str(kb_root), "--out", out, "--today", TODAY, "--generated-paths", "--config-out", "lessons.yml"], project)
    assert generate.returncode == 0, generate.stderr
    build = _run([_tool("zensical"), "build", "--strict", "--clean"], project)
    assert build.returncode == 0, build.stdout + build.stderr
    return Site(project, project / "site", [])


@pytest.fixture(scope="module")
def zensical_sample(tmp_path_factory) -> Site:
    return zensical_project(tmp_path_factory.mktemp("zensical") / "project", SAMPLE)


def test_zensical_builds_every_contract_url(zensical_sample):
    kb = zensical_sample.site_dir / "kb"
    missing = [url for url in _contract_urls(SAMPLE) if not (kb / url / "index.html" if url.endswith("/") or url == "" else kb / url).is_file()]
    assert missing == []
    assert (kb / "paths" / "essentials" / "index.html").is_file()  # --generated-paths


def test_zensical_output_has_no_broken_internal_link_or_anchor(zensical_sample):
    assert len(list(internal_links(zensical_sample))) > 5000
    assert _broken_links(zensical_sample) == []
    assert _broken_anchors(zensical_sample) == []


def test_zensical_renders_the_markdown_the_pages_rely_on(zensical_sample):
    soup = BeautifulSoup((zensical_sample.site_dir / "kb/incidents/INC-2024-017/index.html").read_text("utf-8"), "html.parser")
    article = soup.find("article")
    assert article.find("div", class_="lessons-facts").find("table") is not None  # md_in_html + tables
    assert "markdown" not in str(article.find("div", class_="lessons-facts").attrs)
    banner = article.find("nav", class_="lessons-path-banner")
    assert banner.find("a", rel="next") is not None  # attr_list on a link inside md_in_html
    assert "{ ." not in article.get_text()  # no attribute list left as text
    heads = [link.get("href") for link in soup.find_all("link", rel="stylesheet")] + [s.get("src") for s in soup.find_all("script") if s.get("src")]
    assert "../../assets/lessons/lessons.css" in heads and "../../assets/lessons/incidents.js" in heads
    sop = BeautifulSoup((zensical_sample.site_dir / "kb/sops/SOP-007/index.html").read_text("utf-8"), "html.parser").find("article")
    assert sop.find("input", type="checkbox") is not None  # pymdownx.tasklist
    assert sop.find(class_="admonition") is not None  # admonition
    assert "!!!" not in sop.get_text()
    team = (zensical_sample.site_dir / "kb/teams/payments/index.html").read_text("utf-8")
    assert "<svg" in team and "lessons-chart" in team  # inline SVG charts
    printed = BeautifulSoup((zensical_sample.site_dir / "kb/paths/new-engineer/print/index.html").read_text("utf-8"), "html.parser").find("article")
    steps = printed.select("h2.lessons-print-step")  # the class paths.css breaks pages on, kept on the Markdown heading
    assert [h["id"] for h in steps] == [f"step-{n}" for n in range(1, len(steps) + 1)] and len(steps) > 3


def test_zensical_search_leaves_out_what_material_search_leaves_out(zensical_sample):
    items = json.loads((zensical_sample.site_dir / "search.json").read_text("utf-8"))["items"]
    locations = {item["location"].split("#")[0] for item in items}
    assert "kb/incidents/INC-2024-017/" in locations
    assert not any(loc.endswith("/print/") for loc in locations)  # front matter search.exclude
    record = next(item for item in items if item["location"] == "kb/incidents/INC-2024-017/")
    assert "Step 2 of" not in record["text"]  # data-search-exclude on the path banner


def test_zensical_without_directory_urls_and_without_a_prefix(tmp_path):
    site = zensical_project(tmp_path / "project", MINIMAL, out="docs", directory_urls=False)
    assert (site.site_dir / "incidents/INC-2024-017.html").is_file()
    assert (site.site_dir / "sops/SOP-007/v2.html").is_file()
    assert _broken_links(site) == []


# -- ProperDocs -----------------------------------------------------------------


def _properdocs_config(project: Path, kb_root: Path, **options: object) -> Path:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    config["site_dir"] = str(project / "site")
    for entry in config["plugins"]:
        if isinstance(entry, dict) and "lessons" in entry:
            entry["lessons"] = {**(entry["lessons"] or {}), "root": str(kb_root), "today": TODAY, **options}
    project.mkdir(parents=True, exist_ok=True)
    path = project / "properdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


def test_properdocs_builds_the_sample_strictly(tmp_path, sample_site):
    config = _properdocs_config(tmp_path / "project", SAMPLE)
    run = _run([_tool("properdocs"), "build", "--strict", "-f", str(config)], tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "WARNING" not in run.stderr
    site = Site(tmp_path / "project", tmp_path / "project" / "site", [])
    missing = [url for url in _contract_urls(SAMPLE) if not site.page(url).is_file()]
    assert missing == []
    assert _broken_links(site) == []
    # The same plugin makes the same site: every page MkDocs builds, ProperDocs builds.
    ours = {p.relative_to(site.site_dir).as_posix() for p in site.html_pages()}
    theirs = {p.relative_to(sample_site.site_dir).as_posix() for p in sample_site.html_pages()}
    assert ours == theirs
    assert (site.site_dir / "kb.json").read_bytes() == (sample_site.site_dir / "kb.json").read_bytes()


def test_properdocs_strict_fails_on_the_plugins_warnings(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "content")
    path = kb / "paths" / "new-engineer.yaml"
    data = yaml.safe_load(path.read_text())
    data["steps"].append(dict(data["steps"][0]))  # a step repeated within one path: a warning
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = _properdocs_config(tmp_path / "project", kb, generated_paths=False)
    run = _run([_tool("properdocs"), "build", "--strict", "-f", str(config)], tmp_path)
    assert run.returncode == 1
    assert "new-engineer.yaml" in run.stderr and "WARNING" in run.stderr

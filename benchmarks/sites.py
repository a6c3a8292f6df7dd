"""What the benchmark builds and how: the MkDocs settings both sites share, a build in a fresh process, the site's sizes.

The plugin's site and the floor (`floor.py`) use the same theme, the same
Markdown extensions and Material's search plugin; only the pages differ.
Every build is `python -m mkdocs build` in a fresh process, as a user runs
it, timed from outside: wall time from spawn to exit (imports and all), its
CPU time and peak RSS from `wait4`, the host's steal time around it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

import synth

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PLUGINS = REPO / "plugins"

# As the sample site (mkdocs.yml at the repository root), without the colour palettes.
THEME: dict[str, Any] = {
    "name": "material",
    "font": False,  # intranets: no web fonts from a CDN
    "features": ["navigation.tabs", "navigation.top", "search.suggest", "search.highlight"],
}
MARKDOWN_EXTENSIONS: list[Any] = [
    {"toc": {"permalink": True}},
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    "pymdownx.details",
    {"pymdownx.tasklist": {"custom_checkbox": True}},
]
TODAY = "2026-11-27"  # synth.generate's "today": the records' dates lean on it
ONE_MB = 1_000_000


def child_env() -> dict[str, str]:
    """The environment of every process the benchmark starts: this checkout's plugin first on the path.

    Bytecode is cached as on a user's machine (an installed package comes
    compiled): without it every fresh process compiles the plugin again
    (about 0.6 s of each build here).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    paths = [str(PLUGINS)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(PLUGINS)]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def compile_plugin() -> None:
    """Cache the plugin's bytecode before anything is timed (`__pycache__` is ignored by git)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PLUGINS / "mkdocs_lessons")], check=True, env=child_env(), stdout=subprocess.DEVNULL)


def write_config(root: Path, config: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "docs").mkdir(exist_ok=True)
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


def synthetic_plugin_site(work: Path, incidents: int, kb: Path | None = None) -> tuple[Path, Path]:
    """A synthetic base of `incidents` incidents in `kb` (or under `work`; made unless there), and the
    `plugin_config` of its site: (knowledge base, mkdocs.yml)."""
    kb = kb or work / f"kb-{incidents}"
    if not (kb / "incidents").is_dir():
        synth.generate(kb, incidents)
    return kb, plugin_config(work / f"site-{incidents}", kb.resolve())


def plugin_config(root: Path, kb: Path, *, search: str = "material", phases_file: Path | None = None) -> Path:
    """The plugin's site: every page generated from the records in `kb` (its docs folder stays empty)."""
    # Relative to mkdocs.yml: a --keep copy of the work folder still builds.
    lessons = {"root": os.path.relpath(kb, root), "today": TODAY, "search": search, "last_updated": False}
    config: dict[str, Any] = {
        "site_name": "Benchmark",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": THEME,
        "plugins": ([] if search == "pagefind" else ["search"]) + [{"lessons": lessons}],
        "markdown_extensions": MARKDOWN_EXTENSIONS,
    }
    if phases_file is not None:
        # A hook after the plugin that saves its phase timings (phases_hook.py): nothing else.
        config["hooks"] = [str(HERE / "phases_hook.py")]
    return write_config(root, config)


# -- a build in a fresh process ------------------------------------------------------


def _steal_seconds() -> float | None:
    """CPU time the hypervisor gave other guests, all CPUs, since boot (Linux); None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _group_pss_kib(group: int) -> int:
    """The proportional memory of every process in process group `group` (Linux): shared pages count once."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                if int(stat.read().rsplit(b")", 1)[1].split()[2]) != group:
                    continue
            with open(f"/proc/{entry.name}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile, or not readable
    return total


class _GroupMemory:
    """The peak of a build's processes' memory together (the build, a forked copy, Pagefind), sampled 4 times a
    second: `wait4`'s peak is the largest single process's."""

    def __init__(self, group: int) -> None:
        self.group, self.peak_kib = group, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, _group_pss_kib(self.group))
            self._stop.wait(0.25)

    def stop(self) -> float | None:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024 if self.peak_kib else None


def run_build(config_file: Path, log: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`python -m mkdocs build -f config_file` in a fresh process; wall and CPU seconds, peak RSS (MB), steal."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config_file)]
    steal = _steal_seconds()
    with open(log, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env or child_env(), start_new_session=True
        )
        memory = _GroupMemory(process.pid)  # a session of its own: its process group is its id
        # wait4: this child's own resource use (CPU, peak RSS), whatever else runs.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        peak_pss = memory.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    steal_after = _steal_seconds()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{log.read_text('utf-8', 'replace')[-4000:]}")
    return {
        "wall": wall,
        # The CPU time the build used: a slow spell of the host lengthens the wall time only.
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "peak_pss_mb": peak_pss,  # every process of the build together (None where /proc has no smaps_rollup)
        "steal": None if steal is None or steal_after is None else steal_after - steal,
    }


# -- what a build leaves ---------------------------------------------------------------


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def site_stats(site: Path) -> dict[str, Any]:
    """Sizes a reader meets: the whole site, Material's search index, the HTML pages and the heaviest one."""
    pages = [(p.stat().st_size, p) for p in site.rglob("*.html")]
    heaviest_bytes, heaviest = max(pages, key=lambda item: (item[0], str(item[1])))
    index = site / "search" / "search_index.json"
    return {
        "pages": len(pages),
        "site_mb": round(tree_size(site) / ONE_MB, 1),
        "search_index_mb": round(index.stat().st_size / ONE_MB, 2) if index.exists() else None,
        "heaviest_page": {"path": heaviest.relative_to(site).as_posix(), "bytes": heaviest_bytes},
        "pages_over_1mb": sum(1 for size, _ in pages if size > ONE_MB),
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

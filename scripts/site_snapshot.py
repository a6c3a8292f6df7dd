"""Whole-site byte comparison, for changes that must not change what is built.

    python scripts/site_snapshot.py build OUT [--incidents 1000]
    python scripts/site_snapshot.py compare OLD NEW

`build` writes two sites into OUT: the sample (this repository's
`mkdocs.yml`) and a synthetic knowledge base of `--incidents` incidents
(benchmarks/synth.py), both with a fixed SOURCE_DATE_EPOCH. `compare` lists
every file that differs, Pagefind's bundle included (its filter chunks are
put in a fixed order after each run: search/stable_bundle.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import sites  # noqa: E402
import synth  # noqa: E402

EPOCH = "1795000000"  # 2026-11-18


def _mkdocs(config: Path, site: Path) -> None:
    env = {**sites.child_env(), "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d", str(site)]
    subprocess.run(command, check=True, env=env, cwd=config.parent)


def build(out: Path, incidents: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _mkdocs(ROOT / "mkdocs.yml", (out / "sample").resolve())
    with tempfile.TemporaryDirectory() as work:
        kb = synth.generate(Path(work) / "kb", incidents)
        config = sites.plugin_config(Path(work) / "site", kb, search="pagefind")
        _mkdocs(config, (out / f"synth-{incidents}").resolve())


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a built site by its path: the bytes compared."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def differing(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    """Paths whose bytes differ between two trees, or that one lacks.

    tests/test_determinism.py holds builds to the same comparison.
    """
    names = sorted(set(first) | set(second))
    return [n for n in names if first.get(n) != second.get(n)]


def compare(old: Path, new: Path) -> int:
    differ = 0
    for site in sorted(p.name for p in old.iterdir() if p.is_dir()):
        first, second = tree(old / site), tree(new / site)
        names = set(first) | set(second)
        changed = differing(first, second)
        print(f"{site}: {len(names)} files, {len(changed)} differ")
        for name in changed[:20]:
            print(f"  {name}")
        differ += len(changed)
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build")
    build_command.add_argument("out", type=Path)
    build_command.add_argument("--incidents", type=int, default=1000)
    compare_command = commands.add_parser("compare")
    compare_command.add_argument("old", type=Path)
    compare_command.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        build(args.out, args.incidents)
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()

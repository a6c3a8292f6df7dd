"""The `lessons` command: check a knowledge base without building a site."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .knowledge import open_knowledge_base, summary_line


def _find_root(given: Optional[str]) -> Path:
    if given:
        return Path(given)
    # Without an argument: ./content when it exists (the default layout), else here.
    return Path("content") if Path("content").is_dir() else Path(".")


def cmd_validate(args: argparse.Namespace) -> int:
    root = _find_root(args.root)
    outcome = open_knowledge_base(root, include_drafts=args.include_drafts)
    problems = list(outcome.diagnostics)
    if args.format == "json":
        print(json.dumps([d.as_dict() for d in problems], indent=2, ensure_ascii=False))
    elif args.format == "github":
        for d in problems:
            level = "error" if d.severity.value == "error" else "warning"
            title = f"[{d.field}] " if d.field else ""
            message = f"{title}{d.message}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(f"::{level} file={d.path},line={d.line},col={d.column}::{message}")
    else:
        for d in problems:
            print(d)
    failed = bool(outcome.diagnostics.errors) or (args.strict and bool(outcome.diagnostics.warnings))
    print(summary_line(outcome), file=sys.stderr if args.format == "json" else sys.stdout)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lessons", description="Work with a mkdocs-lessons knowledge base.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check every record and report all problems")
    validate.add_argument("root", nargs="?", help="the knowledge-base folder (default: ./content)")
    validate.add_argument("--format", choices=("text", "github", "json"), default="text")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--include-drafts", action="store_true", help="check as if drafts were published")
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

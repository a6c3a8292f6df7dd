"""The README's reliability figures, counted by running the tests (never by hand).

    python scripts/reliability.py            # print the table
    python scripts/reliability.py --readme   # and write it into README.md

Runs the schema-generated invariant test (tests/test_invariants.py), the
broken-record corpus through the core and through `mkdocs build`
(tests/test_errors.py) and the link test (tests/test_trust.py) with
LESSONS_RELIABILITY set: each case tried appends a JSON line, counted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"
KINDS = ["incident", "sop", "path", "taxonomy", "teams", "file", "valid"]
TESTS = [
    "tests/test_invariants.py",
    "tests/test_errors.py::test_diagnostics",
    "tests/test_errors.py::test_mkdocs_build_reports_every_problem",
    "tests/test_trust.py::test_every_page_that_shows_record_text_is_checked",
]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "cases.jsonl"
        env = {**os.environ, "LESSONS_RELIABILITY": str(target), "NO_MKDOCS_2_WARNING": "1"}
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=REPO, env=env)
        if proc.returncode != 0:
            sys.exit(f"the tests failed (exit {proc.returncode}): no figures")
        return [json.loads(line) for line in target.read_text("utf-8").splitlines() if line.strip()]


def table(cases: list[dict]) -> str:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in cases:
        row = rows[case["kind"]]
        row[case["test"]] += 1
        row["located"] += bool(case["located"]) if case["test"] != "corpus-build" else 0
        row["lost"] += (not case["located"]) if case["test"] != "corpus-build" else 0
        row["disagree"] += not case["agree"]
    lines = [
        "| kind | schema rules broken (invariant test) | broken-record cases (validate, and `mkdocs build`) | record-text links | located | lost | fast ≠ exact reader, validate ≠ build |",
        "|---|---|---|---|---|---|---|",
    ]
    total: dict[str, int] = defaultdict(int)
    for kind in KINDS:
        if kind not in rows:
            continue
        row = rows[kind]
        for key, value in row.items():
            total[key] += value
        lines.append(
            f"| {kind} | {row['invariant']} | {row['corpus']} ({row['corpus-build']}) | {row['links']} | {row['located']} | {row['lost']} | {row['disagree']} |"
        )
    lines.append(
        f"| **all** | **{total['invariant']}** | **{total['corpus']} ({total['corpus-build']})** | **{total['links']}** | **{total['located']}** | **{total['lost']}** | **{total['disagree']}** |"
    )
    rules: dict[str, int] = defaultdict(int)
    for case in cases:
        if case["test"] == "invariant":
            rules[case["rule"]] += 1
    by_rule = ", ".join(f"{rule} {count}" for rule, count in sorted(rules.items()))
    return "\n".join(lines) + f"\n\nInvariant mutations by rule: {by_rule}.\n"


def main() -> None:
    text = table(run())
    print(text)
    if "--readme" in sys.argv:
        readme = REPO / "README.md"
        content = readme.read_text("utf-8")
        before, _, rest = content.partition(START)
        _, _, after = rest.partition(END)
        readme.write_text(f"{before}{START}\n{text}{END}{after}", "utf-8")
        print("README.md updated")


if __name__ == "__main__":
    main()

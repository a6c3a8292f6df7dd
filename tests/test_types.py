"""The type checker's exceptions stay few and explained.

`make lint` runs mypy on the package (pyproject.toml's [tool.mypy]); mypy
itself holds that an ignore names its error code (`ignore-without-code`)
and is still needed (`warn_unused_ignores`). What mypy cannot hold is the
why: every `# type: ignore[code]` left says why in a comment, after it on
its line or on the comment lines right above it.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "plugins" / "mkdocs_lessons"
_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[a-z0-9-]+(?:,\s*[a-z0-9-]+)*\])?(?P<rest>.*)$")


def unexplained_ignores(source: str) -> list[tuple[int, str]]:
    """(line, why it is not enough) for each `# type: ignore` comment in `source` without a code or a reason."""
    lines = source.splitlines()
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = _IGNORE.search(token.string)
        if match is None:
            continue
        number = token.start[0]
        if match["codes"] is None:
            found.append((number, "no error code"))
            continue
        reason = match["rest"].strip().lstrip("#").strip()
        above = lines[number - 2].strip() if number >= 2 else ""
        if not reason and not (above.startswith("#") and len(above) > 2):
            found.append((number, "no reason"))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = f()  # type: ignore\n", [(1, "no error code")]),
        ("x = f()  # type: ignore[assignment]\n", [(1, "no reason")]),
        ("y = 1\nx = f()  # type: ignore[assignment]\n", [(2, "no reason")]),
        ("x = f()  # type: ignore[assignment]  # f is untyped\n", []),
        ("# f is untyped\nx = f()  # type: ignore[assignment]\n", []),
        ("x = f()  # type: ignore[assignment, misc]  # f is untyped\n", []),
        ('x = "# type: ignore"\n', []),  # in a string: not a comment
    ],
)
def test_the_rule_tells_an_explained_ignore_from_a_bare_one(source, expected):
    assert unexplained_ignores(source) == expected


def test_every_type_ignore_in_the_package_names_its_code_and_says_why():
    problems = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {why}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, why in unexplained_ignores(path.read_text("utf-8"))
    ]
    assert problems == []

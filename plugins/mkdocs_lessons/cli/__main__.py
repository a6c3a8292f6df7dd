"""`python -m mkdocs_lessons.cli`: the `lessons` command."""

from mkdocs_lessons.cli.main import run

run()

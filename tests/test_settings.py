"""One parse of the options for every adapter: the MkDocs plugin, `lessons generate`, lint and stats."""

from __future__ import annotations

from dataclasses import fields

import pytest

from mkdocs_lessons.config import LessonsConfig
from mkdocs_lessons.settings import Settings, SettingsError


def _schema() -> dict:
    return dict(LessonsConfig._schema)


def test_the_mkdocs_config_and_the_settings_name_the_same_options_with_the_same_defaults():
    schema = _schema()
    assert set(schema) == {f.name for f in fields(Settings)}
    defaults = Settings()
    for name, option in schema.items():
        default = option.default
        value = getattr(defaults, name)
        if isinstance(value, tuple):
            value = list(value)
        assert default == value or (default in (None, {}) and value in (None, {})), name


def test_defaults_parse_to_the_default_settings():
    assert Settings.from_options({}) == Settings()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"feed_size": -1}, "option 'feed_size' must be 0 (no feed) or more, got -1"),
        ({"feed_size": True}, "option 'feed_size' must be a whole number, got True"),
        ({"renewal_every_months": 0}, "option 'renewal_every_months' must be 1 or more, got 0"),
        ({"today": "14/03/2024"}, "option 'today' must be a date like 2024-03-14, got '14/03/2024'"),
        ({"search": "lunr"}, "option 'search' must be material or pagefind, got 'lunr'"),
        ({"lint_level": "loud"}, "lint_level must be one of"),
        ({"feeds": 3}, "unknown option feeds"),
    ],
)
def test_a_wrong_option_is_named(options, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_options(options)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_every_problem_at_once():
    with pytest.raises(SettingsError) as raised:
        Settings.from_options({"feed_size": -1, "renewal_every_months": 0, "search": "x"})
    assert len(raised.value.problems) == 3


@pytest.mark.parametrize("options", [{"feed_size": -1}, {"renewal_every_months": 0}])
def test_mkdocs_build_and_lessons_generate_refuse_the_same_option_alike(tmp_path, monkeypatch, capsys, caplog, options):
    """Before, `feed_size: -1` stopped `mkdocs build` while `lessons generate` quietly used 50."""
    from mkdocs.exceptions import Abort, PluginError

    from conftest import MINIMAL, build, copy_kb, write_config
    from mkdocs_lessons.cli.main import main as lessons

    kb = copy_kb(MINIMAL, tmp_path / "kb")
    project = tmp_path / "site"
    write_config(project, kb, options=options)
    with pytest.raises((PluginError, Abort)):
        build(project)
    name = next(iter(options))
    assert f"lessons: option '{name}'" in caplog.text

    monkeypatch.chdir(project)
    assert lessons(["generate", "--out", "docs/kb"]) == 2
    assert f"option '{name}'" in capsys.readouterr().err
    assert not (project / "docs/kb").exists()

"""The plugin's options in `mkdocs.yml` (see the README for each one)."""

from __future__ import annotations

from datetime import date

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class LessonsConfig(Config):
    #: The knowledge-base folder, relative to `mkdocs.yml`.
    root = c.Type(str, default="content")
    #: A folder to put every generated page under, e.g. `kb` -> `kb/incidents/...`.
    prefix = c.Type(str, default="")
    #: Publish `status: draft` incidents too (they are always validated).
    include_drafts = c.Type(bool, default=False)
    #: "Today" for overdue marks, as YYYY-MM-DD; default: SOURCE_DATE_EPOCH, else the build date.
    today = c.Optional(c.Type((str, date)))  # YAML reads an unquoted date as a date
    #: Let raw HTML in record Markdown through. Off: records cannot inject markup.
    allow_html = c.Type(bool, default=False)
    #: Generate the home page when `docs_dir` has none at the prefix.
    home = c.Type(bool, default=True)
    #: Build the navigation (Home, Incidents, Procedures, Taxonomy, Teams, Onboarding) when `nav` is not set.
    navigation = c.Type(bool, default=True)
    #: The search engine behind the header's search box: Pagefind (an index in small chunks, any size) or Material's
    #: built-in search.
    search = c.Choice(("material", "pagefind"), default="pagefind")
    #: Words a reader may type for a word of the records, e.g. {outage: [downtime, incident]}; found both ways.
    search_synonyms = c.Type(dict, default={})
    #: Render half the generated pages in a second process during `mkdocs build` (a second core; more memory).
    parallel = c.Type(bool, default=True)
    #: Point "edit this page" of generated pages at their YAML source.
    edit_links = c.Type(bool, default=True)
    #: Show "Last updated: YYYY-MM-DD" on record pages, from the record file's git history.
    last_updated = c.Type(bool, default=True)
    #: Entries in the Atom feed `feed.xml` (newest reviews and SOP versions); 0 turns the feed off.
    feed_size = c.Type(int, default=50)
    #: Add the generated "Essentials" reading path (id `essentials`, reserved then).
    generated_paths = c.Type(bool, default=False)
    #: Review-quality lints (checks/lints.py) in `mkdocs build`: info (logged, never failing), warning (fails --strict)
    #: or off.
    lint_level = c.Choice(("info", "warning", "off"), default="info")
    #: Show the review-quality notes (lints) on incident pages too; off: they stay with contributors (`lessons lint`,
    #: the build log).
    show_review_notes = c.Type(bool, default=False)
    #: Per-code lint levels, e.g. {LL001: warning, LL002: off}; codes not named follow lint_level.
    lint = c.Type(dict, default={})
    #: Words and phrases that blame people (lint LL001); replaces the built-in list.
    blame_words = c.Optional(c.ListOfItems(c.Type(str)))
    #: Lint LL007: a review held more than this many days after resolution is late.
    review_within_days = c.Type(int, default=30)
    #: The taxonomy (the learning framework) is due for review this long after its `updated` date.
    renewal_every_months = c.Type(int, default=12)
    #: A folder of templates that replace the plugin's own (`lessons/incident.html`, `lessons/partials/...`), relative
    #: to `mkdocs.yml`.
    custom_templates = c.Optional(c.Type(str))
    #: How `mkdocs serve` watches the records folder: auto (the system's file events, polling where they may not be
    #: reported: network shares, shared folders, linked folders), native, or polling (as MkDocs does).
    serve_watch = c.Choice(("auto", "native", "polling"), default="auto")
    #: The years every date and timestamp must fall in, [first, last]: a mistyped year is an error at its field.
    date_range = c.Type(list, default=[1990, 2100])

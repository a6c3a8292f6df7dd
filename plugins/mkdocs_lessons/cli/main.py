"""The `lessons` command: work on a knowledge base without building a site.

A thin argument parser; each command's work lives in its own module:
`validate` in knowledge.py, `new` in cli/scaffold.py, `stats` in cli/stats.py,
`schema` in cli/schema_export.py. Exit codes: 0 done (no errors), 1 the
knowledge base has errors (or warnings with `--strict`; schemas out of
date with `schema --check`), 2 a usage error (unknown option, team or term,
a file that already exists, a folder that is not a knowledge base).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from mkdocs_lessons import __version__
from mkdocs_lessons.analysis.derive import Analysis
from mkdocs_lessons.checks.lints import LintConfig
from mkdocs_lessons.checks.rules import LinkTargets, absolute_links_mode, parse_date_range
from mkdocs_lessons.cli import scaffold, schema_export, stats
from mkdocs_lessons.clock import resolve_today
from mkdocs_lessons.knowledge import Outcome, open_knowledge_base, summary_line
from mkdocs_lessons.project import SiteSettings, find_config, repository_root, site_settings
from mkdocs_lessons.records import schema
from mkdocs_lessons.records.load import display_path
from mkdocs_lessons.records.model import INCIDENT_KINDS, SEVERITIES, KnowledgeBase, Taxonomy
from mkdocs_lessons.urls import normalize_prefix

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _settings(given: Optional[str]) -> SiteSettings:
    # Without a folder: the `root` of the lessons plugin in ./mkdocs.yml, else ./content, else here.
    return site_settings(given)


def _usage_error(message: str) -> int:
    print(f"lessons: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _escape_property(value: str) -> str:
    # GitHub's workflow-command property escaping (file names with `,` or `:`).
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def _annotation_base() -> Optional[Path]:
    """Annotations must name files relative to the repository root to show on a pull request's diff."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and Path(workspace).is_dir():
        return Path(workspace)
    return repository_root(Path.cwd())


def _link_targets(settings: SiteSettings, generated_paths: bool = False) -> LinkTargets:
    """What relative links in record text may name, as `mkdocs build` of the site would have it."""
    options = settings.options
    return LinkTargets(
        prefix=normalize_prefix(str(options.get("prefix") or "")),
        docs_dir=settings.docs_dir if settings.docs_dir is not None and settings.docs_dir.is_dir() else None,
        pagefind=(options.get("search") or "pagefind") == "pagefind",  # the default engine
        generated_paths=generated_paths or options.get("generated_paths") is True,
        allow_html=options.get("allow_html") is True,
        absolute_links=absolute_links_mode(settings.absolute_links),
    )


def _date_options(options: dict, today: Optional[str] = None) -> dict:
    """`date_range` and `today` as `mkdocs build` reads them (ValueError: a usage error)."""
    try:
        day = resolve_today(today or options.get("today"))
    except (TypeError, ValueError):
        raise ValueError(f"today must be a date like 2026-03-14, got {today or options.get('today')!r}") from None
    return {"date_range": parse_date_range(options.get("date_range")), "today": day}


def cmd_validate(args: argparse.Namespace) -> int:
    settings = _settings(args.root)
    base = _annotation_base() if args.format == "github" else None
    try:
        dates = _date_options(settings.options)
    except ValueError as problem:
        return _usage_error(str(problem))
    outcome = open_knowledge_base(
        settings.root,
        base=base,
        include_drafts=args.include_drafts or settings.flag("include_drafts"),
        generated_paths=args.generated_paths or settings.flag("generated_paths"),
        links=_link_targets(settings, args.generated_paths),
        **dates,
    )
    problems = list(outcome.diagnostics)
    if args.format == "json":
        print(json.dumps([d.as_dict() for d in problems], indent=2, ensure_ascii=False))
    elif args.format == "github":
        for d in problems:
            level = "error" if d.severity.value == "error" else "warning"
            title = f"[{d.field}] " if d.field else ""
            message = f"{title}{d.message}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(f"::{level} file={_escape_property(d.path)},line={d.line},col={d.column}::{message}")
    else:
        for d in problems:
            print(d)
    failed = bool(outcome.diagnostics.errors) or (args.strict and bool(outcome.diagnostics.warnings))
    print(summary_line(outcome), file=sys.stderr if args.format == "json" else sys.stdout)
    return EXIT_PROBLEMS if failed else EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    """Exit 1 when any lint is reported (a code not switched off), or the knowledge base has errors."""
    settings = _settings(args.root)
    if not settings.root.is_dir():
        return _usage_error(f"{settings.root}: no such folder")
    options = dict(settings.options)
    if args.level:
        options["lint_level"] = args.level
    config = LintConfig.from_options(options)
    problems = config.problems()
    if problems:
        return _usage_error("; ".join(problems))
    base = _annotation_base() if args.format == "github" else None
    try:
        dates = _date_options(settings.options)
    except ValueError as problem:
        return _usage_error(str(problem))
    outcome = open_knowledge_base(
        settings.root,
        base=base,
        include_drafts=args.include_drafts or settings.flag("include_drafts"),
        links=_link_targets(settings),
        **dates,
    )
    if outcome.kb is None:
        for d in outcome.diagnostics.errors:
            print(d, file=sys.stderr)
        print(f"lessons: cannot lint: {summary_line(outcome)} (run `lessons validate`)", file=sys.stderr)
        return EXIT_PROBLEMS
    # Lints read no "today": the date only matters to the figures, which this command does not show.
    found = Analysis(outcome.kb, today=resolve_today(None), lint_config=config).lints
    if args.format == "json":
        print(json.dumps([d.as_dict() for d in found], indent=2, ensure_ascii=False))
    elif args.format == "github":
        for d in found:
            level = "warning" if d.severity.value == "warning" else "notice"
            message = (
                f"[{d.field}] {d.message} ({d.rule})".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            )
            print(f"::{level} file={_escape_property(d.path)},line={d.line},col={d.column},title={d.rule}::{message}")
    else:
        for d in found:
            print(f"{d} [{d.rule}]")
    files = len({d.path for d in found})
    tally = (
        f"{len(found)} review-quality finding{'s' * (len(found) != 1)} in {files} file{'s' * (files != 1)}"
        if found
        else "no review-quality findings"
    )
    print(tally, file=sys.stderr if args.format == "json" else sys.stdout)
    return EXIT_PROBLEMS if found else EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    settings = _settings(args.root)
    request = scaffold.NewRecord(
        record=args.record,
        root=settings.root,
        title=args.title,
        teams=list(args.team or []),
        kind=getattr(args, "kind", None),
        severity=getattr(args, "severity", None),
        occurred=getattr(args, "occurred", None),
        term=getattr(args, "term", None),
        summary=getattr(args, "summary", None),
        purpose=getattr(args, "purpose", None),
        step=getattr(args, "step", None),
        review_every_months=getattr(args, "review_every_months", None),
        date=getattr(args, "date", None),
        period=getattr(args, "period", None),
        value=getattr(args, "value", None),
        unit=getattr(args, "unit", None),
        better=getattr(args, "better", None),
        id=getattr(args, "id", None),
        schema_url=args.schema_url,
    )
    asker = None if args.no_input else scaffold.terminal_asker()
    try:
        created = scaffold.build(request, asker)
        if args.dry_run:
            sys.stdout.write(created.content)
            print(f"(dry run: {created.path} was not written)", file=sys.stderr)
            return EXIT_OK
        created = scaffold.write(created, root=settings.root)
    except scaffold.ScaffoldError as problem:
        return _usage_error(str(problem))
    except FileExistsError:
        return _usage_error(f"{created.path} already exists")
    here = Path.cwd()
    state = (
        "" if args.record in ("path", "session", "indicator") else ", draft"
    )  # reading paths have no draft state: valid means published
    print(f"Created {display_path(created.path, here)} ({created.record_id}{state})")
    for note in created.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        "Next: fill it in (a comment explains every field), then run `lessons validate "
        f"{display_path(settings.root, here)}` and open a pull request."
    )
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """`lessons import markdown|csv`: the work is in importers/run.py."""
    from mkdocs_lessons.importers import run as importing

    settings = _settings(args.root)
    common = dict(
        teams=list(args.team or []),
        term=args.term,
        severity=args.severity,
        zone=args.timezone,
        dry_run=args.dry_run,
        schema_url=args.schema_url,
    )
    try:
        if args.source == "markdown":
            return importing.import_markdown(args.files, settings.root, **common)
        return importing.import_csv(args.file, args.map, settings.root, **common)
    except importing.UsageError as problem:
        return _usage_error(str(problem))


def _kb_for_stats(outcome: Outcome) -> KnowledgeBase:
    if outcome.kb is not None:
        return outcome.kb
    loaded = outcome.loaded  # the records that passed their schema; others are left out
    return KnowledgeBase(
        taxonomy=loaded.taxonomy or Taxonomy(1, None, {}, {}),
        teams=loaded.teams,
        incidents=loaded.incidents,
        sops=loaded.sops,
        paths=loaded.paths,
        sessions=loaded.sessions,
        indicators=loaded.indicators,
    )


def cmd_stats(args: argparse.Namespace) -> int:
    settings = _settings(args.root)
    try:
        today = resolve_today(args.today or settings.options.get("today"))
    except (TypeError, ValueError):
        return _usage_error(f"--today must be a date like 2026-03-14, got {args.today!r}")
    if not settings.root.is_dir():
        return _usage_error(f"{settings.root}: no such folder")
    include_drafts = args.include_drafts or settings.flag("include_drafts")
    try:
        date_range = parse_date_range(settings.options.get("date_range"))
    except ValueError as problem:
        return _usage_error(str(problem))
    outcome = open_knowledge_base(
        settings.root, include_drafts=include_drafts, date_range=date_range, today=today, links=_link_targets(settings)
    )
    kb = _kb_for_stats(outcome)
    kb.include_drafts = include_drafts
    figures = stats.compute(kb, today)
    errors = len(outcome.diagnostics.errors)
    shown = Path(settings.root).as_posix()
    if args.format == "json":
        sys.stdout.write(stats.render_json(figures, root=shown, include_drafts=include_drafts, problems=errors))
    else:
        sys.stdout.write(stats.render_text(figures, root=shown, include_drafts=include_drafts))
    if errors:
        print(
            f"lessons: the knowledge base has {errors} error{'s' * (errors != 1)}; these figures leave out the records "
            "that failed their schema (run `lessons validate` for the list)",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    kinds = [args.kind] if args.kind else list(schema.KINDS)
    if args.out is None:
        if args.check:
            return _usage_error("--check needs --out DIR (the folder to compare)")
        if not args.kind:
            return _usage_error(
                f"name a schema to print ({', '.join(schema.KINDS)}) or pass --out DIR to write them all"
            )
        sys.stdout.write(schema.schema_text(args.kind))
        return EXIT_OK
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _usage_error(f"{out} exists and is not a folder")
    results = schema_export.export(out, kinds, check=args.check)
    for result in results:
        print(f"{result.state:9} {result.path.as_posix()}")
    if args.check:
        stale = [r for r in results if r.state != "unchanged"]
        if stale:
            print(
                (
                    f"lessons: {len(stale)} schema file{'s' * (len(stale) != 1)} out of date; run `lessons schema "
                    f"--out {out.as_posix()}`"
                ),
                file=sys.stderr,
            )
            return EXIT_PROBLEMS
        return EXIT_OK
    settings = _settings(None)
    print(
        "\nNew records made by `lessons new` point at these files. For records made by hand, "
        "map the folders in your editor's settings (VS Code, .vscode/settings.json):\n"
        + schema_export.editor_settings(out, settings.root, Path.cwd())
    )
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    """Write every generated page into a folder, for builders that cannot run the plugin (generate/write.py)."""
    from mkdocs_lessons.generate import write as export

    here = Path.cwd()
    named = Path(args.site_config) if args.site_config else None
    if named is not None and not named.is_file():
        return _usage_error(f"{args.site_config}: no such file")
    config_file = named if named is not None else find_config(here)
    # The site config may still list the lessons plugin (Zensical skips it):
    # then its options apply, as in `mkdocs build`.
    settings = site_settings(args.root, cwd=config_file.parent if config_file else None)
    if not settings.root.is_dir():
        return _usage_error(f"{settings.root}: no such folder (the knowledge base)")
    out = Path(args.out)
    # Only inside the repository, never in the knowledge base: checked before anything is written.
    repository = repository_root(config_file.parent if config_file else here) or (
        config_file.parent if config_file else here
    )
    for option, path in (("--out", out), ("--config-out", Path(args.config_out) if args.config_out else None)):
        problem = export.place_problem(path, repository, settings.root, option) if path is not None else None
        if problem:
            return _usage_error(problem)
    site = export.read_site_facts(config_file)
    prefix = export.prefix_for(out, site.docs_dir)
    if args.prefix is not None:
        given = normalize_prefix(args.prefix)
        if prefix is not None and given != prefix:
            return _usage_error(
                f"--prefix {args.prefix!r} does not match where {out} sits in docs_dir {site.docs_dir} "
                f"({prefix or 'its root'})"
            )
        prefix = given
    options = dict(settings.options)
    for flag in ("include_drafts", "generated_paths"):
        if getattr(args, flag):
            options[flag] = True
    try:
        today = resolve_today(args.today or options.get("today"))
    except (TypeError, ValueError):
        return _usage_error(f"--today must be a date like 2026-03-14, got {args.today!r}")
    try:
        done = export.generate_into(
            settings.root,
            out,
            prefix=prefix or "",
            options=options,
            today=today,
            site=site,
            links_from_source=args.builder == "zensical",
        )
    except export.ExportError as problem:
        return _usage_error(str(problem))
    for note in done.diagnostics:
        print(note, file=sys.stderr)
    if not done.kb_ok or done.result is None:
        print(f"lessons: nothing generated: {done.summary} (run `lessons validate`)", file=sys.stderr)
        return EXIT_PROBLEMS
    print(done.result.summary())
    if args.config_out:
        target = Path(args.config_out)
        from mkdocs_lessons.generate.builder_yml import HEADER

        if target.exists() and not target.read_text("utf-8", errors="replace").startswith(HEADER):
            return _usage_error(
                f"{target} exists and was not written by `lessons generate`; choose another --config-out"
            )
        if not target.exists() or target.read_text("utf-8") != done.settings_yaml:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(done.settings_yaml, "utf-8")
            print(f"written   {target.as_posix()} (nav, extra_css, extra_javascript, markdown_extensions)")
    elif args.print_config:
        sys.stdout.write(done.settings_yaml)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lessons",
        description="Work with a mkdocs-lessons knowledge base.",
        epilog="Exit codes: 0 done, 1 the knowledge base has problems, 2 a usage error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    root_help = "the knowledge-base folder (default: the lessons plugin's root in ./mkdocs.yml, else ./content)"

    validate = commands.add_parser(
        "validate",
        help="check every record and report all problems",
        description="Check every record and report all problems, as file:line:column: [field] message.",
    )
    validate.add_argument("root", nargs="?", help=root_help)
    validate.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text (default); github: workflow annotations that show on a pull request's diff; json: a list of objects",
    )
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--include-drafts", action="store_true", help="check as if drafts were published")
    validate.add_argument(
        "--generated-paths",
        action="store_true",
        help="check as if the plugin option generated_paths were on (the path id 'essentials' is reserved)",
    )
    validate.set_defaults(func=cmd_validate)

    lint_cmd = commands.add_parser(
        "lint",
        help="review-quality lints: blame words, vague or unmeasurable actions, single causes, late reviews",
        description=(
            "Review-quality lints (codes LL001-LL008) as file:line:column: level: [field] message [code]. Levels and "
            "per-code switches come from the plugin's lint_level, lint, blame_words and review_within_days options in "
            "mkdocs.yml."
        ),
    )
    lint_cmd.add_argument("root", nargs="?", help=root_help)
    lint_cmd.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text (default), github workflow annotations, or json",
    )
    lint_cmd.add_argument(
        "--level",
        choices=("info", "warning", "off"),
        help="the level of every code not switched per code (default: lint_level in mkdocs.yml, else info)",
    )
    lint_cmd.add_argument("--include-drafts", action="store_true", help="lint drafts too")
    lint_cmd.set_defaults(func=cmd_lint)

    new = commands.add_parser(
        "new",
        help="start a new incident, SOP or reading path",
        description=(
            "Write a new record with the next free id, a schema line for editors and a comment for every field. It "
            "validates as a draft at once. In a terminal, what is not given is asked for."
        ),
    )
    kinds = new.add_subparsers(dest="record", required=True, metavar="RECORD")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", help=root_help)
    common.add_argument("--title", help="the title, one line (up to 200 characters)")
    common.add_argument(
        "--schema-url",
        help=(
            "where editors find the JSON Schema: a URL or a folder (default: a schemas/ folder written by `lessons "
            "schema --out` in the knowledge base or above it, else the installed plugin's copy)"
        ),
    )
    common.add_argument("--no-input", action="store_true", help="never ask; fail with the list of what is missing")
    common.add_argument("--dry-run", action="store_true", help="print the new record instead of writing it")

    incident = kinds.add_parser("incident", parents=[common], help="an incident, near-miss or success review")
    incident.add_argument(
        "--team", action="append", metavar="TEAM", help="a team involved (repeat, or separate with commas)"
    )
    incident.add_argument("--kind", help=f"{' | '.join(INCIDENT_KINDS)} (default: incident)")
    incident.add_argument("--severity", help=f"{' | '.join(SEVERITIES)}; required for kind incident")
    incident.add_argument(
        "--occurred", help="when it started: 2026-03-14T09:12:00Z (default: now); the id takes its year"
    )
    incident.add_argument(
        "--term", help="the primary cause class, a taxonomy term path like process-deviation/skipped-review"
    )
    incident.add_argument(
        "--summary", help="one paragraph: what happened and why it matters (default: a placeholder to replace)"
    )

    sop = kinds.add_parser("sop", parents=[common], help="a standard operating procedure (version 1, draft)")
    sop.add_argument("--team", action="append", metavar="TEAM", help="the owning team")
    sop.add_argument("--purpose", help="why the procedure exists (default: a placeholder to replace)")
    sop.add_argument("--step", help="the first step (default: a placeholder to replace)")
    sop.add_argument("--review-every-months", type=int, metavar="N", help="review interval in months (1 to 120)")

    path = kinds.add_parser("path", parents=[common], help="an onboarding reading path")
    path.add_argument(
        "--team", action="append", metavar="TEAM", help="the team whose newcomers it is for (its first step)"
    )
    path.add_argument("--id", help="the path's slug (default: made from the title)")

    session = kinds.add_parser(
        "session", parents=[common], help="a learning session: review meeting, cross-team session, drill or renewal"
    )
    session.add_argument(
        "--team",
        action="append",
        metavar="TEAM",
        help="a team that took part, the host first (repeat, or separate with commas)",
    )
    session.add_argument("--kind", help="review | learning-session | drill | renewal (default: learning-session)")
    session.add_argument("--date", help="when it took place: 2026-03-19")
    session.add_argument(
        "--id", help="the session's slug (default: the date and the title, e.g. 2026-03-19-checkout-review)"
    )

    indicator = kinds.add_parser(
        "indicator", parents=[common], help="an indicator the organisation measures (leading or lagging), as a series"
    )
    indicator.add_argument(
        "--team",
        action="append",
        metavar="TEAM",
        help="optional: whose indicator it is (repeat, or separate with commas)",
    )
    indicator.add_argument("--kind", help="leading | lagging")
    indicator.add_argument("--unit", help="free text shown after each value, e.g. percent")
    indicator.add_argument("--better", help="higher | lower")
    indicator.add_argument("--period", help="the first value's period: a month like 2026-03 or a quarter like 2026-Q1")
    indicator.add_argument("--value", help="the first value, a number")
    indicator.add_argument("--id", help="the indicator's slug (default: made from the title)")
    new.set_defaults(func=cmd_new)

    import_cmd = commands.add_parser(
        "import",
        help="turn existing postmortems (Markdown, or a tracker's CSV export) into draft incident records",
        description=(
            "Turn existing postmortems into draft incident records at the next free ids, each with a comment at its "
            "top listing what was mapped, what was guessed (with the source line) and what is missing. Never "
            "overwrites a record; a source imported before is skipped."
        ),
    )
    sources = import_cmd.add_subparsers(dest="source", required=True, metavar="SOURCE")
    import_common = argparse.ArgumentParser(add_help=False)
    import_common.add_argument("--root", help=root_help)
    import_common.add_argument(
        "--team",
        action="append",
        metavar="TEAM",
        help="team for sources that name none from teams.yaml (repeat, or separate with commas)",
    )
    import_common.add_argument(
        "--term", help="primary cause class for sources that name none, a taxonomy term path (the review corrects it)"
    )
    import_common.add_argument("--severity", help=f"{' | '.join(SEVERITIES)} for sources that give none")
    import_common.add_argument(
        "--timezone",
        metavar="ZONE",
        help="zone of times written without one: Europe/Berlin, +02:00, UTC (default: UTC, noted as a guess)",
    )
    import_common.add_argument("--schema-url", help="where editors find the JSON Schema (as for `lessons new`)")
    import_common.add_argument("--dry-run", action="store_true", help="print the records instead of writing them")
    markdown_cmd = sources.add_parser(
        "markdown",
        parents=[import_common],
        help="postmortems in the Google SRE, PagerDuty, Atlassian or GitLab template shapes (or variations)",
        description=(
            "Import Markdown postmortems; one record per file. A file that cannot be read gets file:line: message and "
            "the others go on."
        ),
    )
    markdown_cmd.add_argument(
        "files", nargs="+", metavar="FILE", help="a postmortem in Markdown; each file becomes one record"
    )
    csv_cmd = sources.add_parser(
        "csv",
        parents=[import_common],
        help="rows of a tracker or incident-tool CSV export, through a map file",
        description=(
            "Import the rows of a CSV export; MAP.yaml says which column feeds which field and how dates and statuses "
            "are written (examples in examples/import-maps/)."
        ),
    )
    csv_cmd.add_argument(
        "file", metavar="FILE", help="the CSV export (UTF-8, a header row); each row becomes one record"
    )
    csv_cmd.add_argument("--map", required=True, metavar="MAP.yaml", help="the column map")
    import_cmd.set_defaults(func=cmd_import)

    stats_cmd = commands.add_parser(
        "stats",
        help="counts by kind, status, team and term; open and overdue action items; SOPs due for review",
        description=(
            "Where the knowledge base stands, counted over the published records (as the site and its dashboard count "
            "them)."
        ),
    )
    stats_cmd.add_argument("root", nargs="?", help=root_help)
    stats_cmd.add_argument("--format", choices=("text", "json"), default="text")
    stats_cmd.add_argument(
        "--today",
        help="the date overdue is measured against (default: the plugin's today option, SOURCE_DATE_EPOCH, else today)",
    )
    stats_cmd.add_argument("--include-drafts", action="store_true", help="count drafts as if they were published")
    stats_cmd.set_defaults(func=cmd_stats)

    schema_cmd = commands.add_parser(
        "schema",
        help="write the JSON Schemas, for editors and other tools",
        description=(
            "Write the JSON Schemas of the record format (or print one). Commit the folder: `lessons new` points new "
            "records at it."
        ),
    )
    schema_cmd.add_argument(
        "kind", nargs="?", choices=schema.KINDS, help="print this schema (or, with --out, write only this one)"
    )
    schema_cmd.add_argument("--out", metavar="DIR", help="the folder to write <kind>.schema.json files into")
    schema_cmd.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the files in --out differ from the installed plugin's",
    )
    schema_cmd.set_defaults(func=cmd_schema)

    generate_cmd = commands.add_parser(
        "generate",
        help="write every generated page into a folder, for Zensical or any builder that reads Markdown",
        description=(
            "Write the pages the plugin generates (Markdown with inline SVG, assets, kb.json, metrics.json, feed.xml, "
            "schemas) into DIR, for builders that cannot run the plugin (Zensical). Unchanged files are not rewritten; "
            "files a previous run wrote and the generator no longer produces are removed (a manifest lists them); "
            "files it did not write are never touched."
        ),
    )
    generate_cmd.add_argument("root", nargs="?", help=root_help)
    generate_cmd.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="the folder for the generated pages, usually inside docs_dir (e.g. docs/kb)",
    )
    generate_cmd.add_argument(
        "--prefix",
        help=(
            "where DIR sits in the site (e.g. kb); default: its place inside docs_dir of the site config, else the "
            "site root"
        ),
    )
    generate_cmd.add_argument(
        "--site-config",
        metavar="FILE",
        help="the builder's mkdocs.yml (docs_dir, use_directory_urls, site_name, site_url); default ./mkdocs.yml",
    )
    generate_cmd.add_argument(
        "--config-out",
        metavar="FILE",
        help=(
            "also write the settings a builder needs (nav, extra_css, extra_javascript, markdown_extensions) as YAML "
            "for INHERIT"
        ),
    )
    generate_cmd.add_argument("--print-config", action="store_true", help="print those settings instead")
    generate_cmd.add_argument(
        "--builder",
        choices=("zensical", "mkdocs"),
        default="zensical",
        help=(
            "who builds the folder: zensical (default; it rewrites links in raw HTML) or mkdocs (MkDocs or ProperDocs "
            "without the plugin)"
        ),
    )
    generate_cmd.add_argument(
        "--today",
        help="the date overdue is measured against (default: the plugin's today option, SOURCE_DATE_EPOCH, else today)",
    )
    generate_cmd.add_argument("--include-drafts", action="store_true", help="publish drafts too")
    generate_cmd.add_argument(
        "--generated-paths", action="store_true", help="add the generated Essentials reading path"
    )
    generate_cmd.set_defaults(func=cmd_generate)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


#: The exit status of a command whose reader left: 128 + SIGPIPE, as for any Unix tool.
EXIT_READER_LEFT = 141


def _reader_left() -> int:
    """`lessons validate --format json | head -1`: the reader closed the pipe; stop quietly.

    What is still buffered for stdout can never be delivered: it goes to
    /dev/null, so the flush at exit raises nothing, and no traceback is
    printed over the reader's terminal.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_READER_LEFT


def run() -> None:  # pragma: no cover - the console script; tests call main()
    """`lessons`: main(), then exit without tearing the heap down.

    A command is one short process: the cyclic collector would only rescan
    10,000 records that are about to go, and freeing them one by one at exit
    takes longer than the exit itself (the same "fast exit" as mypy's).
    """
    gc.disable()
    try:
        code = main()
    except SystemExit as exc:  # argparse's usage errors and --help
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BrokenPipeError:
        code = _reader_left()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):  # `lessons validate | head`: the reader left
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()

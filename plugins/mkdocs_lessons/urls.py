"""Where every generated page lives. The URLs are part of the public contract.

Pages are addressed by their Markdown source path (`incidents/INC-2024-017.md`);
MkDocs turns that into `incidents/INC-2024-017/` (or `.html` without
directory URLs). Links between pages are relative `.md` paths, so MkDocs
rewrites and checks them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import lru_cache

from mkdocs_lessons.records.model import SopRef


@dataclass(frozen=True)
class Urls:
    prefix: str = ""  # "" or "kb/": every page lives under it

    def _p(self, path: str) -> str:
        return f"{self.prefix}{path}"

    @property
    def home(self) -> str:
        return self._p("index.md")

    @property
    def incidents(self) -> str:
        return self._p("incidents/index.md")

    def incident(self, incident_id: str) -> str:
        return self._p(f"incidents/{incident_id}.md")

    def year(self, year: int) -> str:
        """The time archive: incidents of one year."""
        return self._p(f"incidents/{year}/index.md")

    @property
    def sops(self) -> str:
        return self._p("sops/index.md")

    def sop(self, sop_id: str) -> str:
        return self._p(f"sops/{sop_id}/index.md")

    def sop_version(self, sop_id: str, version: int) -> str:
        return self._p(f"sops/{sop_id}/v{version}.md")

    def sop_ref(self, ref: SopRef) -> str:
        return self.sop(ref.sop_id) if ref.version is None else self.sop_version(ref.sop_id, ref.version)

    @property
    def taxonomy(self) -> str:
        return self._p("taxonomy/index.md")

    def term(self, path: str) -> str:
        return self._p(f"taxonomy/{path}/index.md")

    @property
    def teams(self) -> str:
        return self._p("teams/index.md")

    def team(self, team_id: str) -> str:
        return self._p(f"teams/{team_id}.md")

    @property
    def paths(self) -> str:
        return self._p("paths/index.md")

    def path(self, path_id: str) -> str:
        return self._p(f"paths/{path_id}/index.md")

    def path_print(self, path_id: str) -> str:
        """Every step of a path on one page, for paper or offline reading."""
        return self._p(f"paths/{path_id}/print.md")

    @property
    def sessions(self) -> str:
        """Every learning session, newest first (record format v1.1)."""
        return self._p("sessions/index.md")

    def session(self, session_id: str) -> str:
        return self._p(f"sessions/{session_id}.md")

    @property
    def indicators(self) -> str:
        """The organisation's leading and lagging indicators (record format v1.1)."""
        return self._p("indicators/index.md")

    def indicator(self, indicator_id: str) -> str:
        return self._p(f"indicators/{indicator_id}.md")

    @property
    def search(self) -> str:
        """The Pagefind search page (only with `search: pagefind`)."""
        return self._p("search/index.md")

    @property
    def search_words(self) -> str:
        """The records' words, for the search box's spelling fallback (search/words.py)."""
        return self._p("search/words.json")

    @property
    def pagefind_dir(self) -> str:
        """Where the Pagefind bundle is written (a folder, not a page)."""
        return self._p("pagefind/")

    @property
    def kb_json(self) -> str:
        return self._p("kb.json")

    @property
    def dashboard(self) -> str:
        return self._p("dashboard/index.md")

    @property
    def actions(self) -> str:
        """The action-item backlog across all incidents."""
        return self._p("actions/index.md")

    def actions_owner(self, slug: str) -> str:
        """One owner's open action items (`slug` from the owner's name)."""
        return self._p(f"actions/owner/{slug}/index.md")

    def actions_team(self, team_id: str) -> str:
        """One team's open action items."""
        return self._p(f"actions/team/{team_id}/index.md")

    @property
    def actions_closed(self) -> str:
        """Done and dropped action items, newest first."""
        return self._p("actions/closed/index.md")

    @property
    def renewal(self) -> str:
        """The agenda of the periodic framework review (printable, dated)."""
        return self._p("renewal/index.md")

    @property
    def lessons(self) -> str:
        """Every lesson of every review, grouped by taxonomy term."""
        return self._p("lessons/index.md")

    @property
    def feed(self) -> str:
        """The Atom feed of newly reviewed incidents and new SOP versions."""
        return self._p("feed.xml")

    @property
    def metrics_json(self) -> str:
        """Every figure of the dashboard, as data."""
        return self._p("metrics.json")

    def schema(self, kind: str) -> str:
        return self._p(f"schemas/{kind}.schema.json")

    def asset(self, name: str) -> str:
        return self._p(f"assets/lessons/{name}")


def relative(from_page: str, to_page: str) -> str:
    """A link from one source path to another, relative, as MkDocs expects."""
    # Pages link to each other by the ten thousand; folders pair up in a few
    # hundred ways, so the path arithmetic is done once per pair of folders.
    to_dir, _, name = to_page.rpartition("/")
    up = _relative_folder(from_page.rpartition("/")[0], to_dir)
    return name if up == "." else f"{up}/{name}"


@lru_cache(maxsize=4096)
def _relative_folder(from_dir: str, to_dir: str) -> str:
    return posixpath.relpath(to_dir or ".", from_dir or ".")


def normalize_prefix(prefix: str) -> str:
    prefix = prefix.strip().strip("/")
    return f"{prefix}/" if prefix else ""

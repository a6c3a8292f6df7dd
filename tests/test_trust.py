"""Trust the checks (issue 20): every error located, in one run, none dropped, no hangs from dates.

The located messages themselves are cases of the broken corpus
(`tests/fixtures/broken/`, run by test_errors.py through `lessons validate`
and `mkdocs build` alike); the tests here check what a corpus case cannot:
what a page says, how long the work takes, how the messages read.
"""

from __future__ import annotations

from pathlib import Path

from test_errors import make_kb


def test_codified_in_a_proposed_version_does_not_claim_the_standard_changed(tmp_path: Path, build_kb) -> None:
    root = make_kb("codified-in-proposed-version", tmp_path)
    site = build_kb(root, strict=False)
    text = site.text("incidents/INC-2024-017/")
    assert "This review changed the standard" not in text
    assert "This review proposed a change that is not standard practice yet: SOP-007@4 (proposed)" in text


# -- dates cannot hang the build -------------------------------------------------

import shutil
import tempfile
import time
from datetime import date

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINIMAL
from mkdocs_lessons.dates import MAX_QUARTERS, MAX_YEARS, recent_quarters
from mkdocs_lessons.knowledge import open_knowledge_base
from mkdocs_lessons.metrics import compute

FAR_TODAY = date(2100, 12, 31)  # nothing in the default date range is in the future
_SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
_YEARS = st.one_of(st.sampled_from([1990, 2100]), st.integers(1990, 2100))


def _extreme_kb(root: Path, years: list[int], sop_years: tuple[int, int]) -> Path:
    """The minimal knowledge base with one near miss per year given, and SOP versions in `sop_years`."""
    shutil.copytree(MINIMAL, root)
    base = yaml.safe_load((MINIMAL / "incidents" / "INC-2023-044.yaml").read_text("utf-8"))
    for index, year in enumerate(years):
        record = dict(base, id=f"INC-{year}-{900 + index}", occurred=f"{year}-03-01T10:00:00Z", detected=f"{year}-03-01T11:00:00Z", review={"date": f"{year}-03-09"})
        (root / "incidents" / f"{record['id']}.yaml").write_text(yaml.safe_dump(record, sort_keys=False), "utf-8")
    sop = yaml.safe_load((MINIMAL / "sops" / "SOP-007.yaml").read_text("utf-8"))
    sop["versions"][0]["effective"], sop["versions"][1]["effective"] = (f"{sop_years[0]}-01-01", f"{sop_years[1]}-01-01")
    (root / "sops" / "SOP-007.yaml").write_text(yaml.safe_dump(sop, sort_keys=False), "utf-8")
    return root


@settings(max_examples=200, **_SETTINGS)
@given(first=st.integers(1, 9999 * 4 - 1), span=st.integers(0, 9999 * 4))
def test_recent_quarters_are_bounded_whatever_the_span(first: int, span: int) -> None:
    start, end = f"{first // 4}-Q{first % 4 + 1}", f"{(first + span) // 4}-Q{(first + span) % 4 + 1}"
    quarters, left_out = recent_quarters(start, end)
    assert 1 <= len(quarters) <= MAX_QUARTERS
    assert len(quarters) + left_out == span + 1
    assert quarters[-1] == end


@settings(max_examples=15, **_SETTINGS)
@given(years=st.lists(_YEARS, min_size=1, max_size=4), sop_years=st.tuples(_YEARS, _YEARS).map(sorted))
def test_extreme_dates_keep_every_chart_bounded(years: list[int], sop_years: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = _extreme_kb(Path(folder) / "kb", years, (sop_years[0], sop_years[1]))
        outcome = open_knowledge_base(root, base=root, today=FAR_TODAY)
        assert outcome.ok, [str(d) for d in outcome.diagnostics.errors]
        m = compute(outcome.kb, FAR_TODAY)
    assert len(m.quarters) <= MAX_QUARTERS
    assert all(len(t) <= MAX_QUARTERS for t in (m.times, m.reporting, m.actions.quarters, m.term_by_quarter.columns))
    assert len(m.sops.approved_per_year) <= MAX_YEARS
    assert m.quarters[-1] == "2100-Q4"  # the most recent quarters are the ones shown


def test_a_build_spanning_1990_to_2100_finishes_in_seconds(tmp_path: Path, build_kb) -> None:
    root = _extreme_kb(tmp_path / "kb", [1990, 2000, 2100], (1990, 2100))
    started = time.perf_counter()
    site = build_kb(root, today=FAR_TODAY.isoformat())
    elapsed = time.perf_counter() - started
    assert elapsed < 12, elapsed  # 4 s here with the bound, 18 s without (2 cores); a year 1026 took minutes
    text = site.text("dashboard/")
    assert f"the most recent {MAX_QUARTERS} quarters" in text

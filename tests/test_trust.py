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

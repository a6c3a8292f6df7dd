"""Checks: every rule a record is held to beyond its schema, and the review-quality lints.

`rules.py` holds the cross-record rules (references, ids, versions, paths), `loop.py` the
learning loop's warnings, `placeholders.py` the text `lessons new` leaves to fill in, and
`lints.py` what a blameless, useful review looks like. No MkDocs here.
"""

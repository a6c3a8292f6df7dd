"""Analysis: every fact derived from a checked knowledge base, computed once (`derive.py`), read-only after.

No MkDocs here.
"""

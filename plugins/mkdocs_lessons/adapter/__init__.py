"""The MkDocs side: everything that knows MkDocs' objects, events and `serve` (plugin.py is the entry).

Only `plugin.py`, `config.py` and the modules here import `mkdocs` (tests/test_structure.py).
"""

"""mkdocs-lessons: a lessons-learned knowledge base built from validated YAML records.

The public API is `__all__`, and nothing else: read a knowledge base and its
problems (`open_knowledge_base`), the typed records, the derived facts, the
options, and the MkDocs plugin class. Each name is imported on first use, so
`import mkdocs_lessons` costs nothing and does not import MkDocs (the plugin
class does, when asked for). ARCHITECTURE.md lists the same names;
tests/test_structure.py holds the two together.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that owns it.
_OWNERS = {
    "open_knowledge_base": "mkdocs_lessons.knowledge",
    "Outcome": "mkdocs_lessons.knowledge",
    "KnowledgeBase": "mkdocs_lessons.records.model",
    "Incident": "mkdocs_lessons.records.model",
    "Sop": "mkdocs_lessons.records.model",
    "ReadingPath": "mkdocs_lessons.records.model",
    "Session": "mkdocs_lessons.records.model",
    "Indicator": "mkdocs_lessons.records.model",
    "Diagnostic": "mkdocs_lessons.diagnostics",
    "Severity": "mkdocs_lessons.diagnostics",
    "Analysis": "mkdocs_lessons.analysis.derive",
    "Settings": "mkdocs_lessons.settings",
    "SettingsError": "mkdocs_lessons.settings",
    "LessonsPlugin": "mkdocs_lessons.plugin",
}

__all__ = [
    "__version__",
    "Analysis",
    "Diagnostic",
    "Incident",
    "Indicator",
    "KnowledgeBase",
    "LessonsPlugin",
    "Outcome",
    "ReadingPath",
    "Session",
    "Settings",
    "SettingsError",
    "Severity",
    "Sop",
    "open_knowledge_base",
]

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from mkdocs_lessons.analysis.derive import Analysis
    from mkdocs_lessons.diagnostics import Diagnostic, Severity
    from mkdocs_lessons.knowledge import Outcome, open_knowledge_base
    from mkdocs_lessons.plugin import LessonsPlugin
    from mkdocs_lessons.records.model import Incident, Indicator, KnowledgeBase, ReadingPath, Session, Sop
    from mkdocs_lessons.settings import Settings, SettingsError


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'mkdocs_lessons' has no attribute {name!r}")
    value = getattr(importlib.import_module(owner), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_OWNERS))

"""mkdocs-lessons: a lessons-learned knowledge base built from validated YAML records."""

__version__ = "0.1.0"

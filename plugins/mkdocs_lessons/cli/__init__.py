"""The `lessons` command: work on a knowledge base without building a site (`main.py` is the entry)."""

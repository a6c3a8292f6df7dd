"""Machine-readable output: `kb.json`, the JSON Schemas and the Atom feed `feed.xml`."""

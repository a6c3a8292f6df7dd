"""Turning what a page shows into HTML: templates, record prose, headings.

- `templates.py`: the Jinja environment (the package's templates, a site's
  `custom_templates` folder first) and `render_page`, which every page
  renderer calls;
- `prose.py`: record text that is Markdown by contract, converted once per
  distinct text with the site's Markdown extensions;
- `headings.py`: ids, permalinks and the table of contents of a rendered
  page, the way Python-Markdown's `toc` extension would have made them.

Nothing here imports MkDocs: the adapters decide what a page becomes.
"""

"""`lessons import`: bring existing postmortems into the knowledge base as draft records.

- `mdblocks.py` reads a Markdown file into sections, field lines, lists and
  tables, each with its source line (markdown-it-py's token map);
- `moments.py` reads dates, times and time zones the way people write them;
- `postmortem.py` maps one postmortem (any of the public templates, or a
  variation) onto the record contract, noting what it mapped, guessed and
  could not find;
- `csvsource.py` does the same for rows of a tracker or incident-tool CSV
  export, as a map file says;
- `drafts.py` renders a draft record with its header comment, finds sources
  imported before, and writes new files without ever replacing one.

No MkDocs here; `cli.py` only parses the arguments.
"""

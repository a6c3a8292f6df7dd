"""`lessons import`: bring existing postmortems into the knowledge base as draft records.

- `mdblocks.py` reads a Markdown file into top-level blocks (headings,
  paragraphs, lists, tables), each with its source line (markdown-it-py's
  token map);
- `vocabulary.py` knows the section names and field labels of the templates;
- `sections.py` groups the blocks into sections and field lines;
- `moments.py` reads dates, times and time zones the way people write them;
- `timeline.py` and `actions.py` read those two sections;
- `draft.py` holds a record before rendering, with a note on where each
  value came from; `postmortem.py` maps one postmortem onto it;
- `csvsource.py` does the same for rows of a tracker or incident-tool CSV
  export, as a map file says;
- `links.py` turns links relative to the source file into text;
- `output.py` renders a draft record with its header comment and finds
  sources imported before; `run.py` is the command, which writes each new
  record through `records/write.py` (it never replaces a file).

No MkDocs here; `cli/main.py` only parses the arguments.
"""

"""Pages: every generated page, one module or folder per section of the site.

`site.py` is the page generator (a checked knowledge base and its analysis in, every
generated file out); `common.py` is what every page renderer shares.
"""

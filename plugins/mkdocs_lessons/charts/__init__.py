"""Charts: pictures drawn at build time as inline SVG, data in and an HTML string out.

`svg.py` draws the kinds of chart; the other modules say what each page's charts show.
"Figures" in this code base are numbers (analysis/metrics.py); charts are their pictures.
"""

"""Charts as inline SVG, drawn at build time: data in, an HTML string out.

No chart library and nothing fetched at view time (intranets often have no
internet). Every chart is a `<figure>` holding

- an `<svg>` with a visible title, axis labels and a legend, a `<title>`
  tooltip on every mark and `data-*` attributes on every mark carrying the
  number it draws (so tests, and anyone curious, can read the figures back);
- a "Show data" `<details>` with the same numbers as an HTML table (works
  without JavaScript and with screen readers);
- an optional caption (how the figure is computed, with its n).

Colours are CSS classes styled by `dashboard.css` with Material's palette
variables (`--md-primary-fg-color`, `--md-default-fg-color--light`...), so
a chart follows the light and the dark palette. Heat-map intensity is a
class scale (`lessons-heat--0` .. `--5`). Every label is escaped here;
callers pass plain text. Ids derive from the caller's `chart_id`, so the
same data gives the same bytes. The output has no blank lines, so
Python-Markdown passes it through as one raw HTML block.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

FONT = 12  # px, axis labels and legend
TITLE_FONT = 14
CHAR = 6.6  # average width of a 12 px character, for layout estimates
TITLE_CHAR = 8.0
LEVELS = 5  # heat-map intensity steps above zero


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def px(value: float) -> str:
    """A coordinate: one decimal, no trailing `.0`, stable across runs."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def value_text(value: float) -> str:
    """A data value: up to two decimals, `8` rather than `8.0`."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _data(attrs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' data-{name}="{esc(value)}"' for name, value in attrs)


# -- inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One heat-map cell: its count, tooltip, link (None: not a link) and data attributes."""

    count: int
    tooltip: str
    href: Optional[str] = None
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Series:
    """One bar series: a value per category, an optional link per category."""

    key: str  # data-series and the colour class `lessons-series--<key>`
    label: str
    values: Sequence[int]
    hrefs: Optional[Sequence[Optional[str]]] = None


@dataclass(frozen=True)
class LineSeries:
    """One line: a value per category (None: no data), its n, drawn solid or dashed."""

    key: str
    label: str
    values: Sequence[Optional[float]]
    ns: Sequence[int]
    dashed: bool = False


@dataclass(frozen=True)
class Marker:
    """An event marked on a line chart's time axis (an incident on an indicator's chart)."""

    category: str  # the period it falls in
    label: str  # tooltip and data table text
    href: Optional[str] = None
    key: str = ""  # data-marker (e.g. the incident id)


@dataclass(frozen=True)
class Column:
    """An extra column for the data table of a bar chart (e.g. a share)."""

    header: str
    values: Sequence[str]


@dataclass
class Canvas:
    width: float
    height: float
    parts: list[str] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append(markup)


# -- shared pieces -------------------------------------------------------------------


def text_element(x: float, y: float, label: str, *, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{px(x)}" y="{px(y)}" text-anchor="{anchor}"{klass}{extra}>{esc(label)}</text>'


def svg_element(chart_id: str, title: str, description: str, canvas: Canvas, *, interactive: bool) -> str:
    # role=img would hide the links of an interactive chart from assistive tech; such a
    # chart keeps the svg's own role (graphics-document): HTML does not allow role=group on <svg>.
    role = "" if interactive else 'role="img" '
    # Tick labels and tooltips would flood the search index ("Design flaw, 2024-Q1: 0
    # failures" a hundred times): Material's search and Pagefind skip the drawing.
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lessons-chart__svg" id="{esc(chart_id)}-svg" '
        'data-search-exclude="" data-pagefind-ignore="all" '
        f'viewBox="0 0 {px(canvas.width)} {px(canvas.height)}" width="{px(canvas.width)}" height="{px(canvas.height)}" '
        f'{role}aria-labelledby="{esc(chart_id)}-title {esc(chart_id)}-desc">'
        f'<title id="{esc(chart_id)}-title">{esc(title)}</title>'
        f'<desc id="{esc(chart_id)}-desc">{esc(description)}</desc>'
    )
    return head + "".join(canvas.parts) + "</svg>"


def _title(canvas: Canvas, title: str) -> None:
    canvas.add(text_element(0, TITLE_FONT + 2, title, cls="lessons-chart__title"))


def _legend(canvas: Canvas, items: Sequence[tuple[str, str, str]], y: float) -> None:
    """Swatches in a row: (css class, label, shape) with shape `box`, `line`, `dash` or `triangle`."""
    x = 0.0
    for cls, label, shape in items:
        if shape == "triangle":
            canvas.add(
                f'<path class="{cls}" d="M{px(x + 6)} {px(y - 11)} L{px(x + 1)} {px(y - 1)} L{px(x + 11)} {px(y - 1)} '
                'Z"/>'
            )
        elif shape == "box":
            canvas.add(f'<rect class="{cls}" x="{px(x)}" y="{px(y - 10)}" width="12" height="12" rx="2"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if shape == "dash" else ""
            canvas.add(f'<line class="{cls}" x1="{px(x)}" y1="{px(y - 4)}" x2="{px(x + 18)}" y2="{px(y - 4)}"{dash}/>')
            hollow = " is-hollow" if shape == "dash" else ""
            marker = cls.replace("lessons-line", "lessons-point")
            canvas.add(f'<circle class="{marker}{hollow}" cx="{px(x + 9)}" cy="{px(y - 4)}" r="3.5"/>')
        width = 12 if shape in ("box", "triangle") else 18
        canvas.add(text_element(x + width + 5, y, label, cls="lessons-chart__legend"))
        x += width + 5 + len(label) * CHAR + 18


def _legend_width(items: Sequence[tuple[str, str, str]]) -> float:
    return sum((12 if shape in ("box", "triangle") else 18) + 5 + len(label) * CHAR + 18 for _, label, shape in items)


def _category_labels(canvas: Canvas, labels: Sequence[str], centres: Sequence[float], y: float, style: str) -> float:
    """Labels under the plot; returns the height they take."""
    if style == "quarter":
        # "Q1" under every column, the year under each first quarter (and the first column).
        for index, (label, x) in enumerate(zip(labels, centres)):
            year, _, quarter = label.partition("-")
            canvas.add(text_element(x, y + FONT, quarter or label, cls="lessons-chart__tick", anchor="middle"))
            if quarter in ("Q1", "") or index == 0:
                canvas.add(text_element(x, y + 2 * FONT + 3, year, cls="lessons-chart__tick", anchor="middle"))
        return 2 * FONT + 6
    if style == "month":
        # `YYYY-MM`: the month's name at each quarter's start, the year under January (and the first column).
        for index, (label, x) in enumerate(zip(labels, centres)):
            year, _, month = label.partition("-")
            if month in ("01", "04", "07", "10"):
                canvas.add(
                    text_element(x, y + FONT, _MONTHS[int(month) - 1], cls="lessons-chart__tick", anchor="middle")
                )
            if month == "01" or index == 0:
                canvas.add(text_element(x, y + 2 * FONT + 3, year, cls="lessons-chart__tick", anchor="middle"))
        return 2 * FONT + 6
    if style == "slanted":
        longest = max((len(label) for label in labels), default=0)
        for label, x in zip(labels, centres):
            canvas.add(
                text_element(
                    x + 4,
                    y + FONT - 2,
                    label,
                    cls="lessons-chart__tick",
                    anchor="end",
                    extra=f' transform="rotate(-35 {px(x + 4)} {px(y + FONT - 2)})"',
                )
            )
        return longest * CHAR * math.sin(math.radians(35)) + FONT + 4
    for label, x in zip(labels, centres):
        canvas.add(text_element(x, y + FONT, label, cls="lessons-chart__tick", anchor="middle"))
    return FONT + 4


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _labels_height(labels: Sequence[str], style: str) -> float:
    if style in ("quarter", "month"):
        return 2 * FONT + 6
    if style == "slanted":
        return max((len(label) for label in labels), default=0) * CHAR * math.sin(math.radians(35)) + FONT + 4
    return FONT + 4


def nice_ticks(top: float, *, integer: bool, count: int = 4) -> list[float]:
    """Round tick values from 0 up to at least `top` (1-2-5 steps)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _tick_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def data_table(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]], *, row_headers: bool = True) -> str:
    """An accessible HTML table; every cell is plain text, escaped here."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            if index == 0 and row_headers:
                cells.append(f'<th scope="row">{esc(value)}</th>')
            else:
                cells.append(f"<td>{esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def chart_figure(chart_id: str, kind: str, svg: str, table: str, note: str, *, small: bool) -> str:
    classes = f"lessons-chart lessons-chart--{kind}" + (" lessons-chart--small" if small else "")
    caption = f'<figcaption class="lessons-chart__note">{esc(note)}</figcaption>' if note else ""
    # Out of both indexes: the numbers behind a chart are not what anyone searches for.
    details = (
        '<details class="lessons-chart__data" data-search-exclude="" data-pagefind-ignore="all"><summary>Show '
        f"data</summary>{table}</details>"
    )
    return f'<figure class="{classes}" id="{esc(chart_id)}">{svg}{details}{caption}</figure>'


def _axis_titles(
    canvas: Canvas,
    x_label: str,
    y_label: str,
    *,
    plot_left: float,
    plot_right: float,
    plot_top: float,
    plot_bottom: float,
    x_y: float,
) -> None:
    if x_label:
        canvas.add(
            text_element((plot_left + plot_right) / 2, x_y, x_label, cls="lessons-chart__axis-title", anchor="middle")
        )
    if y_label:
        y = (plot_top + plot_bottom) / 2
        canvas.add(
            text_element(
                FONT,
                y,
                y_label,
                cls="lessons-chart__axis-title",
                anchor="middle",
                extra=f' transform="rotate(-90 {px(FONT)} {px(y)})"',
            )
        )


# -- heat map ---------------------------------------------------------------------------


def heat_level(count: int, top: int) -> int:
    """0 for an empty cell, else 1..LEVELS in proportion to the largest count."""
    if count <= 0 or top <= 0:
        return 0
    return max(1, math.ceil(LEVELS * count / top))


def heatmap(
    chart_id: str,
    title: str,
    *,
    description: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[Cell]],
    row_totals: Sequence[int],
    column_totals: Sequence[int],
    grand_total: int,
    x_label: str,
    y_label: str,
    column_style: str = "quarter",  # quarter | slanted | plain
    unit: str = "failures",
    note: str = "",
    small: bool = False,
) -> str:
    """Rows × columns of counts, darker for more; each non-empty cell may link somewhere."""
    top = max((c.count for row in cells for c in row), default=0)
    cell_w = (26 if small else 40) if column_style == "quarter" else (34 if small else 48)
    cell_h = 20 if small else 26
    gap = 2
    label_w = max((len(label) for label in row_labels), default=0) * CHAR + 10
    left = (2 * FONT + 6 if y_label else 0) + label_w
    top_y = TITLE_FONT + 10 + 22 + 14  # title, legend, the "Total" head
    plot_w = len(column_labels) * cell_w
    total_w = 48  # the row-total column
    labels_h = _labels_height(column_labels, column_style)
    plot_h = len(row_labels) * cell_h
    legend_items_w = 150.0
    width = max(left + plot_w + total_w, len(title) * TITLE_CHAR, legend_items_w + 120)
    height = top_y + plot_h + labels_h + (FONT + 10 if x_label else 4)
    canvas = Canvas(width, height)
    _title(canvas, title)

    # Legend: an intensity scale from 0 to the largest count.
    legend_y = TITLE_FONT + 10 + 12
    canvas.add(text_element(0, legend_y, "0", cls="lessons-chart__legend"))
    x = 12.0
    for level in range(LEVELS + 1):
        canvas.add(
            f'<rect class="lessons-heat lessons-heat--{level}" x="{px(x)}" y="{px(legend_y - 10)}" width="16" '
            'height="12"/>'
        )
        x += 18
    canvas.add(
        text_element(
            x + 4, legend_y, f"{top}: the most {unit} in one cell" if top else f"no {unit}", cls="lessons-chart__legend"
        )
    )

    for r, label in enumerate(row_labels):
        y = top_y + r * cell_h
        canvas.add(
            text_element(left - 8, y + cell_h / 2 + FONT / 2 - 2, label, cls="lessons-chart__tick", anchor="end")
        )
        for c, cell in enumerate(cells[r]):
            x = left + c * cell_w
            level = heat_level(cell.count, top)
            strong = " is-strong" if level >= 4 else ""
            rect = (
                f'<rect class="lessons-heat lessons-heat--{level}" x="{px(x)}" y="{px(y)}" width="{cell_w - gap}" '
                f'height="{cell_h - gap}" rx="2"/>'
            )
            number = (
                text_element(
                    x + (cell_w - gap) / 2,
                    y + (cell_h - gap) / 2 + FONT / 2 - 2,
                    str(cell.count),
                    cls=f"lessons-heat__count{strong}",
                    anchor="middle",
                )
                if cell.count
                else ""
            )
            inner = f"<title>{esc(cell.tooltip)}</title>{rect}{number}"
            attrs = f'class="lessons-heat__cell"{_data(cell.data)}'
            if cell.href and cell.count:
                canvas.add(f'<a {attrs} href="{esc(cell.href)}" aria-label="{esc(cell.tooltip)}">{inner}</a>')
            else:
                canvas.add(f"<g {attrs}>{inner}</g>")
        canvas.add(
            text_element(
                left + plot_w + 8, y + cell_h / 2 + FONT / 2 - 2, str(row_totals[r]), cls="lessons-chart__total"
            )
        )
    canvas.add(text_element(left + plot_w + 8, top_y - 6, "Total", cls="lessons-chart__total-head"))
    centres = [left + c * cell_w + (cell_w - gap) / 2 for c in range(len(column_labels))]
    _category_labels(canvas, column_labels, centres, top_y + plot_h + 2, column_style)
    _axis_titles(
        canvas,
        x_label,
        y_label,
        plot_left=left,
        plot_right=left + plot_w,
        plot_top=top_y,
        plot_bottom=top_y + plot_h,
        x_y=height - 4,
    )

    svg = svg_element(chart_id, title, description, canvas, interactive=any(c.href for row in cells for c in row))
    header = [y_label or "", *column_labels, "Total"]
    rows = [[label, *(str(c.count) for c in cells[r]), str(row_totals[r])] for r, label in enumerate(row_labels)]
    # An incident under two terms (or with two teams) counts in both rows, once here.
    rows.append([f"All {unit} (each once)", *(str(t) for t in column_totals), str(grand_total)])
    return chart_figure(chart_id, "heatmap", svg, data_table(title, header, rows), note, small=small)


# -- bars -------------------------------------------------------------------------------


def bar_chart(
    chart_id: str,
    title: str,
    *,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool,
    x_label: str,
    y_label: str,
    category_style: str = "quarter",
    extra_columns: Sequence[Column] = (),
    first_header: str = "Quarter",
    note: str = "",
    small: bool = False,
) -> str:
    """Grouped or stacked bars of counts per category; every bar carries data-series/period/count."""
    if stacked:
        top = max((sum(s.values[i] for s in series) for i in range(len(categories))), default=0)
    else:
        top = max((v for s in series for v in s.values), default=0)
    ticks = nice_ticks(top, integer=True)
    band = (26 if small else 40) if category_style == "quarter" else (40 if small else 56)
    if not stacked:
        band = max(band, 12 * len(series) + 10)
    left = 2 * FONT + 6 + max(len(_tick_label(t)) for t in ticks) * CHAR + 6
    legend = [(f"lessons-series lessons-series--{esc(s.key)}", s.label, "box") for s in series]
    top_y = TITLE_FONT + 10 + 34  # title, legend, room for the top tick label
    plot_h = 100 if small else 180
    plot_w = len(categories) * band
    labels_h = _labels_height(categories, category_style)
    width = max(left + plot_w + 12, len(title) * TITLE_CHAR, _legend_width(legend))
    height = top_y + plot_h + labels_h + (FONT + 10 if x_label else 4)
    canvas = Canvas(width, height)
    _title(canvas, title)
    _legend(canvas, legend, TITLE_FONT + 10 + 12)
    scale = plot_h / ticks[-1]
    bottom = top_y + plot_h
    for tick in ticks:
        y = bottom - tick * scale
        canvas.add(
            f'<line class="lessons-chart__grid" x1="{px(left)}" y1="{px(y)}" x2="{px(left + plot_w)}" y2="{px(y)}"/>'
        )
        canvas.add(text_element(left - 6, y + FONT / 2 - 2, _tick_label(tick), cls="lessons-chart__tick", anchor="end"))
    for i, category in enumerate(categories):
        x0 = left + i * band
        base = 0
        for s_index, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            if stacked:
                bar_w = band * 0.62
                x = x0 + (band - bar_w) / 2
                y = bottom - (base + value) * scale
                base += value
            else:
                bar_w = (band * 0.8) / len(series)
                x = x0 + band * 0.1 + s_index * bar_w
                y = bottom - value * scale
            tooltip = f"{s.label}, {category}: {value}"
            rect = (
                f'<rect class="lessons-bar lessons-series lessons-series--{esc(s.key)}" x="{px(x)}" y="{px(y)}" '
                f'width="{px(bar_w - (0 if stacked else 1))}" height="{px(value * scale)}"'
                f"{_data((('series', s.key), ('period', category), ('count', str(value))))}>"
                f"<title>{esc(tooltip)}</title></rect>"
            )
            href = s.hrefs[i] if s.hrefs else None
            canvas.add(f'<a href="{esc(href)}" aria-label="{esc(tooltip)}">{rect}</a>' if href else rect)
    canvas.add(
        f'<line class="lessons-chart__axis" x1="{px(left)}" y1="{px(bottom)}" x2="{px(left + plot_w)}" '
        f'y2="{px(bottom)}"/>'
    )
    centres = [left + i * band + band / 2 for i in range(len(categories))]
    _category_labels(canvas, categories, centres, bottom + 2, category_style)
    _axis_titles(
        canvas,
        x_label,
        y_label,
        plot_left=left,
        plot_right=left + plot_w,
        plot_top=top_y,
        plot_bottom=bottom,
        x_y=height - 4,
    )

    svg = svg_element(chart_id, title, description, canvas, interactive=any(s.hrefs for s in series))
    header = [first_header, *(s.label for s in series)]
    if stacked:
        header.append("Total")
    header += [c.header for c in extra_columns]
    rows = []
    for i, category in enumerate(categories):
        row = [category, *(str(s.values[i]) for s in series)]
        if stacked:
            row.append(str(sum(s.values[i] for s in series)))
        row += [c.values[i] for c in extra_columns]
        rows.append(row)
    return chart_figure(chart_id, "bars", svg, data_table(title, header, rows), note, small=small)


# -- lines ------------------------------------------------------------------------------


def line_chart(
    chart_id: str,
    title: str,
    *,
    description: str,
    categories: Sequence[str],
    series: Sequence[LineSeries],
    x_label: str,
    y_label: str,
    scale: float,  # divide values by this for the axis (60: minutes shown in hours)
    fmt: Callable[[float], str],  # a value for tooltips and the table
    note: str = "",
    small: bool = False,
    markers: Sequence[Marker] = (),
    first_header: str = "Quarter",
    floor: Optional[float] = None,  # the axis starts here (default 0)
    show_n: bool = True,  # False: values are measurements, not statistics of n values
    category_style: str = "quarter",  # or "month" (`YYYY-MM` categories, a narrower band)
    marker_label: str = "Incident",  # the legend's name for the markers
) -> str:
    """Lines with a point per category that has data; a missing value breaks the line.

    `markers` are drawn as triangles under the axis of the category they fall in
    (several in one category stack upwards), each with its tooltip and link, and
    listed in the data table's last column.
    """
    base = (floor or 0.0) / scale
    top = max((v for s in series for v in s.values if v is not None), default=0.0) / scale
    ticks = [base + t for t in nice_ticks(top - base, integer=False)]
    band = (10 if small else 16) if category_style == "month" else (26 if small else 40)
    left = 2 * FONT + 6 + max(len(_tick_label(t)) for t in ticks) * CHAR + 6
    legend = [(f"lessons-line lessons-series--{esc(s.key)}", s.label, "dash" if s.dashed else "line") for s in series]
    if markers:
        legend.append(("lessons-marker", marker_label, "triangle"))
    top_y = TITLE_FONT + 10 + 34  # title, legend, room for the top tick label
    plot_h = 100 if small else 180
    plot_w = len(categories) * band
    labels_h = _labels_height(categories, category_style)
    width = max(left + plot_w + 12, len(title) * TITLE_CHAR, _legend_width(legend))
    height = top_y + plot_h + labels_h + (FONT + 10 if x_label else 4)
    canvas = Canvas(width, height)
    _title(canvas, title)
    _legend(canvas, legend, TITLE_FONT + 10 + 12)
    ratio = plot_h / (ticks[-1] - base)
    bottom = top_y + plot_h
    for tick in ticks:
        y = bottom - (tick - base) * ratio
        canvas.add(
            f'<line class="lessons-chart__grid" x1="{px(left)}" y1="{px(y)}" x2="{px(left + plot_w)}" y2="{px(y)}"/>'
        )
        canvas.add(text_element(left - 6, y + FONT / 2 - 2, _tick_label(tick), cls="lessons-chart__tick", anchor="end"))
    stacked: dict[str, int] = {}
    for marker in markers:
        if marker.category not in categories:
            continue
        i = categories.index(marker.category)
        level = stacked.get(marker.category, 0)
        stacked[marker.category] = level + 1
        x = left + i * band + band / 2
        y = bottom - 2 - level * 9
        mark = (
            f'<path class="lessons-marker" d="M{px(x)} {px(y - 8)} L{px(x - 4)} {px(y)} L{px(x + 4)} {px(y)} Z"'
            f"{_data((('marker', marker.key), ('period', marker.category)))}><title>{esc(marker.label)}</title></path>"
        )
        canvas.add(f'<a href="{esc(marker.href)}" aria-label="{esc(marker.label)}">{mark}</a>' if marker.href else mark)
    for s in series:
        path: list[str] = []
        points: list[str] = []
        pen_down = False
        for i, (category, value) in enumerate(zip(categories, s.values)):
            if value is None:
                pen_down = False
                continue
            x = left + i * band + band / 2
            y = bottom - (value / scale - base) * ratio
            path.append(f"{'L' if pen_down else 'M'}{px(x)} {px(y)}")
            pen_down = True
            tooltip = f"{s.label}, {category}: {fmt(value)}" + (f" (n = {s.ns[i]})" if show_n else "")
            points.append(
                # Dashed series get hollow points: the two series differ by shape, not only by dash.
                f'<circle class="lessons-point lessons-series--{esc(s.key)}{" is-hollow" if s.dashed else ""}" '
                f'cx="{px(x)}" cy="{px(y)}" r="{3 if small or category_style == "month" else 4}"'
                f"{_data((('series', s.key), ('period', category), ('value', value_text(value)), ('n', str(s.ns[i]))))}"
                ">"
                f"<title>{esc(tooltip)}</title></circle>"
            )
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        if path:
            canvas.add(f'<path class="lessons-line lessons-series--{esc(s.key)}" d="{" ".join(path)}"{dash}/>')
        canvas.parts.extend(points)
    canvas.add(
        f'<line class="lessons-chart__axis" x1="{px(left)}" y1="{px(bottom)}" x2="{px(left + plot_w)}" '
        f'y2="{px(bottom)}"/>'
    )
    centres = [left + i * band + band / 2 for i in range(len(categories))]
    _category_labels(canvas, categories, centres, bottom + 2, category_style)
    _axis_titles(
        canvas,
        x_label,
        y_label,
        plot_left=left,
        plot_right=left + plot_w,
        plot_top=top_y,
        plot_bottom=bottom,
        x_y=height - 4,
    )

    svg = svg_element(chart_id, title, description, canvas, interactive=any(m.href for m in markers))
    # One n column when every series has the same n (a median and a percentile of the same values).
    shared_n = all(list(s.ns) == list(series[0].ns) for s in series)
    header = [first_header]
    for s in series:
        header += [s.label] if shared_n or not show_n else [s.label, f"n ({s.label})"]
    if shared_n and show_n:
        header.append("n")
    rows = []
    for i, category in enumerate(categories):
        row = [category]
        for s in series:
            value = s.values[i]
            row.append(fmt(value) if value is not None else "–")
            if not shared_n and show_n:
                row.append(str(s.ns[i]))
        if shared_n and series and show_n:
            row.append(str(series[0].ns[i]))
        if markers:
            row.append("; ".join(m.label for m in markers if m.category == category) or "–")
        rows.append(row)
    if markers:
        header.append("Marked")
    return chart_figure(chart_id, "lines", svg, data_table(title, header, rows), note, small=small)

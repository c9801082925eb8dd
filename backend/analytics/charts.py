"""Charts drawn on the server as SVG: no script, no chart library, nothing fetched
from outside, and the same picture on paper as on screen.

Pure functions turn a report's rows into a `Chart`, a model of shapes with their
coordinates already worked out; the template `analytics/_chart.html` draws it. Any
report may use them:

    from backend.analytics import charts

    chart = charts.line_chart(            # periods (days, weeks, months, years)
        chart_id="by-month",              # unique on the page: ids of the caption and patterns
        title=_("Weight by month"),
        unit="kg",                        # every figure on the chart carries it
        labels=["2026-10", "2026-11"],    # one per point, in order
        series=[
            charts.Series(_("This period"), [Decimal("1237.067"), Decimal("12.5")]),
            charts.Series(_("A year earlier"), [Decimal("980"), None]),  # None: no figure
        ],
    )
    chart = charts.bar_chart(...)         # the same arguments, for categories
                                          # (districts, business types, haulers)

    {% include "analytics/_chart.html" with chart=chart %}
    {% include "analytics/_chart.html" with chart=chart table=False %}  {# a table of your own follows #}

Values are numbers from 0 up (int, float or Decimal) or None; at most three series.
`label_heading` names the table's first column (default "Period" or "Item"), and
`value_format(value) -> str` writes a figure without its unit (default: thousands
separators, one decimal when not whole; the unit is added after it).

Readable without colour: each series has its own line dash and marker (lines) or its
own fill pattern (bars), named in a legend inside the picture, and every bar carries
its figure as text. For a screen reader the picture is one image named by its caption
(`role="img"`, `aria-labelledby`); the figures themselves are in the table under it,
which the template draws from the same model (`Chart.table`) unless told not to.
"""

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Number = int | float | Decimal

#: The picture's own units; the SVG scales to its box (viewBox), so these only set proportions.
WIDTH = 720
LINE_HEIGHT = 300
#: Past this many points a line draws no markers (they would merge into a thick line).
MAX_MARKERS = 60
#: The labels' font size in the picture's units (site.css: `.chart svg { font-size: 14px }`),
#: and the least room between two labels under a line's x axis.
FONT_SIZE = 14
LABEL_GAP = 12
#: Each series' look: a line's dash and marker, a bar's fill. Three are enough for
#: "this period, a year earlier" and one more.
STYLES = (
    {"dash": "", "marker": "circle", "fill": "solid"},
    {"dash": "6 4", "marker": "square", "fill": "hatch"},
    {"dash": "2 3", "marker": "diamond", "fill": "dots"},
)


@dataclass(frozen=True)
class Series:
    name: "str | Promise"
    values: Sequence[Number | None]


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    shape: str  # circle (at x, y), or square / diamond (`points`)
    title: str
    points: str = ""


def marker(shape: str, x: float, y: float, title: str = "") -> Marker:
    r = 3.5 if shape == "square" else 4.5
    if shape == "square":
        corners = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    else:
        corners = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    points = "" if shape == "circle" else " ".join(f"{cx:g},{cy:g}" for cx, cy in corners)
    return Marker(x, y, shape, title, points)


@dataclass(frozen=True)
class Line:
    style: int
    name: "str | Promise"
    dash: str
    runs: list[str]  # "x,y x,y …" per <polyline>: a missing value breaks the line
    markers: list[Marker]


@dataclass(frozen=True)
class Bar:
    style: int
    fill: str
    x: float
    y: float
    width: float
    height: float
    title: str
    value: Text


@dataclass(frozen=True)
class LegendItem:
    """A sample of the series' look (a 30-unit line with its marker, or a 30 × 12
    swatch of its fill) at x…x+30 around y, and its name from text_x."""

    style: int
    name: "str | Promise"
    x: float
    y: float
    dash: str
    marker: Marker
    fill: str

    @property
    def x2(self) -> float:
        return self.x + 30

    @property
    def swatch_y(self) -> float:
        return self.y - 6

    @property
    def text_x(self) -> float:
        return self.x + 36

    @property
    def text_y(self) -> float:
        return self.y + 4


@dataclass(frozen=True)
class Chart:
    """What `analytics/_chart.html` draws. Coordinates are in the viewBox's units."""

    chart_id: str
    kind: str  # "line" or "bar"
    title: "str | Promise"
    unit: str
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom of the plotting area
    grid: list[Text]  # one per y tick (lines); x positions of ticks for bars
    axis_labels: list[Text]
    category_labels: list[Text]
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    label_heading: "str | Promise" = ""
    table_columns: list[str] = field(default_factory=list)
    table: list[tuple[str, list[str]]] = field(default_factory=list)


def default_format(value: Number) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.1f}"


def line_chart(
    *,
    chart_id: str,
    title: "str | Promise",
    unit: str,
    labels: Sequence[str],
    series: Sequence[Series],
    label_heading: "str | Promise | None" = None,
    value_format: Callable[[Number], str] = default_format,
    counts: bool = False,
) -> Chart:
    """A line per series over `labels` (periods, in order), y from 0 to a round top.
    `counts`: the figures are counts, so the ticks are whole numbers, and the unit (a
    noun that would need its plural: "1 request", "2 requests") is said once, in the
    caption, rather than beside each figure."""
    _check(labels, series)
    # Room left for the y axis' figures, right for half the last period's label.
    left, top, right, bottom = 110.0, 40.0, WIDTH - 44.0, LINE_HEIGHT - 40.0
    ticks = _ticks(_highest(series), whole=counts)
    beside = "" if counts else f" {unit}"
    scale_y = _scale(ticks[-1], top, bottom)
    count = len(labels)
    step = (right - left) / max(count - 1, 1)

    def x_of(index: int) -> float:
        return left + step * index if count > 1 else (left + right) / 2

    grid = [Text(left - 6, round(scale_y(tick), 1), f"{value_format(tick)}{beside}", "end") for tick in ticks]
    shown = _every_kth(labels, step)
    axis_labels = [Text(round(x_of(i), 1), bottom + 20, labels[i], "middle") for i in shown]
    lines = []
    for index, one in enumerate(series):
        style = STYLES[index]
        runs: list[list[str]] = [[]]
        markers = []
        for i, value in enumerate(one.values):
            if value is None:
                runs.append([])
                continue
            x, y = round(x_of(i), 1), round(scale_y(value), 1)
            runs[-1].append(f"{x},{y}")
            if count <= MAX_MARKERS:
                markers.append(marker(style["marker"], x, y, f"{labels[i]} {one.name}: {value_format(value)}{beside}"))
        kept = [" ".join(run) for run in runs if run]
        lines.append(Line(index, one.name, style["dash"], kept, markers))
    return Chart(
        chart_id=chart_id,
        kind="line",
        title=title,
        unit=unit,
        width=WIDTH,
        height=LINE_HEIGHT,
        plot=(left, top, right, bottom),
        grid=grid,
        axis_labels=axis_labels,
        category_labels=[],
        lines=lines,
        legend=_legend(series, left),
        label_heading=label_heading or _("Period"),
        **_table(labels, series, unit, value_format, beside=beside),
    )


#: A bar chart's rows: each category gets a band this tall per series, plus a gap.
BAR_THICKNESS = 14
BAR_GAP = 12
BAR_LABEL_WIDTH = 170.0
#: Room right of the longest bar for its figure.
BAR_VALUE_WIDTH = 120.0
MAX_LABEL_CHARACTERS = 11


def bar_chart(
    *,
    chart_id: str,
    title: "str | Promise",
    unit: str,
    labels: Sequence[str],
    series: Sequence[Series],
    label_heading: "str | Promise | None" = None,
    value_format: Callable[[Number], str] = default_format,
) -> Chart:
    """Horizontal bars, one band per label (a category) with a bar per series side by
    side; each bar ends in its figure. The picture grows with the number of labels."""
    _check(labels, series)
    band = BAR_THICKNESS * len(series) + BAR_GAP
    left, top = BAR_LABEL_WIDTH, 40.0
    right = WIDTH - BAR_VALUE_WIDTH
    bottom = top + band * max(len(labels), 1)
    height = int(bottom + 28)
    ticks = _ticks(_highest(series))
    span = right - left

    def width_of(value: Number) -> float:
        return round(span * float(value) / float(ticks[-1]), 1)

    grid = [Text(left + width_of(tick), bottom + 18, f"{value_format(tick)} {unit}", "middle") for tick in ticks]
    category_labels = []
    bars = []
    for row, label in enumerate(labels):
        band_top = top + band * row + BAR_GAP / 2
        short = label if len(label) <= MAX_LABEL_CHARACTERS else label[: MAX_LABEL_CHARACTERS - 1] + "…"
        category_labels.append(Text(left - 8, round(band_top + BAR_THICKNESS * len(series) / 2 + 4, 1), short, "end"))
        for index, one in enumerate(series):
            value = one.values[row]
            if value is None:
                continue
            y = band_top + BAR_THICKNESS * index
            length = width_of(value)
            text = f"{value_format(value)} {unit}"
            bars.append(
                Bar(
                    style=index,
                    fill=STYLES[index]["fill"],
                    x=left,
                    y=y,
                    width=length,
                    height=BAR_THICKNESS - 2,
                    title=f"{label} {one.name}: {text}",
                    value=Text(round(left + length + 4, 1), y + BAR_THICKNESS - 4, text),
                )
            )
    return Chart(
        chart_id=chart_id,
        kind="bar",
        title=title,
        unit=unit,
        width=WIDTH,
        height=height,
        plot=(left, top, right, bottom),
        grid=grid,
        axis_labels=[],
        category_labels=category_labels,
        bars=bars,
        legend=_legend(series, left),
        label_heading=label_heading or _("Item"),
        **_table(labels, series, unit, value_format),
    )


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not 1 <= len(series) <= len(STYLES):
        raise ValueError(f"a chart draws 1 to {len(STYLES)} series")
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"series {one.name!s} has {len(one.values)} values for {len(labels)} labels")
        if any(value is not None and value < 0 for value in one.values):
            raise ValueError("charts draw figures from 0 up")


def _highest(series: Sequence[Series]) -> float:
    return max((float(value) for one in series for value in one.values if value is not None), default=0.0)


def _ticks(highest: float, count: int = 4, *, whole: bool = False) -> list[Number]:
    """0 and round steps (1, 2, 2.5 or 5 times a power of ten) up to at least `highest`;
    `whole`: whole-number steps only (counts), 1 at the least."""
    if highest <= 0:
        return [0, 1]
    raw = highest / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)
    if whole:
        step = max(1, step if float(step).is_integer() else power * 5)
    steps = math.ceil(highest / step - 1e-9)
    ticks = [round(step * n, 9) for n in range(steps + 1)]
    return [int(tick) if float(tick).is_integer() else tick for tick in ticks]


def _scale(top_value: Number, top: float, bottom: float) -> Callable[[Number], float]:
    return lambda value: bottom - (bottom - top) * float(value) / float(top_value)


def text_width(text: str) -> float:
    """A generous guess at a label's width: Hangul and other wide letters a full em, the
    rest (digits, Latin, spaces) about 0.6 em."""
    return sum(FONT_SIZE if unicodedata.east_asian_width(c) in "WF" else FONT_SIZE * 0.6 for c in str(text))


def _every_kth(labels: Sequence[str], step: float) -> list[int]:
    """The indexes of every k-th label, from the first, with k the least that keeps the
    widest label clear of its neighbours `step` units apart."""
    if not labels:
        return []
    widest = max(text_width(label) for label in labels)
    k = max(1, math.ceil((widest + LABEL_GAP) / step)) if step > 0 else 1
    return list(range(0, len(labels), k))


def _legend(series: Sequence[Series], left: float) -> list[LegendItem]:
    items, x = [], left
    for index, one in enumerate(series):
        style = STYLES[index]
        items.append(
            LegendItem(index, one.name, x, 16.0, style["dash"], marker(style["marker"], x + 15, 16.0), style["fill"])
        )
        x += 36 + 16 * len(str(one.name)) + 24
    return items


def _table(labels: Sequence[str], series: Sequence[Series], unit: str, value_format, beside: str | None = None) -> dict:
    beside = f" {unit}" if beside is None else beside
    return {
        "table_columns": [f"{one.name} ({unit})" for one in series],
        "table": [
            (
                label,
                ["–" if one.values[i] is None else f"{value_format(one.values[i])}{beside}" for one in series],
            )
            for i, label in enumerate(labels)
        ],
    }

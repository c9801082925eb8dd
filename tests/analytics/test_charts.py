"""backend/analytics/charts.py: what a reader sees in a chart, drawn from rows."""

import itertools
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from backend.analytics import charts


def test_a_line_breaks_where_a_figure_is_missing_and_every_figure_carries_its_unit():
    chart = charts.line_chart(
        chart_id="by-month",
        title="Weight by month",
        unit="kg",
        labels=["2026-09", "2026-10", "2026-11"],
        series=[
            charts.Series("This period", [Decimal("1.5"), None, 3]),
            charts.Series("A year earlier", [1, 2, 3]),
        ],
    )
    this, earlier = chart.lines
    assert len(this.runs) == 2 and len(earlier.runs) == 1  # two pieces around the gap
    assert [tick.text for tick in chart.grid] == ["0 kg", "1 kg", "2 kg", "3 kg"]
    assert chart.table[1] == ("2026-10", ["–", "2 kg"])
    assert this.dash != earlier.dash and this.markers[0].shape != earlier.markers[0].shape  # not colour alone

    html = render_to_string("analytics/_chart.html", {"chart": chart})
    assert 'role="img" aria-labelledby="by-month-caption"' in html and 'id="by-month-caption"' in html
    assert 'data-testid="by-month-table"' in html and '<th scope="col" class="num">This period (kg)</th>' in html


@pytest.mark.parametrize(
    "labels",
    [[f"2026-{m:02}" for m in range(1, 13)] * 2, [f"2026년 {m}월 {d}일 주" for m in range(1, 13) for d in (1, 15)]],
)
def test_labels_under_a_line_never_overlap_and_the_table_keeps_them_all(labels):
    chart = charts.line_chart(
        chart_id="months", title="t", unit="kg", labels=labels, series=[charts.Series("s", [1] * len(labels))]
    )
    shown = chart.axis_labels
    assert len(shown) >= 2 and shown[0].text == labels[0]
    for one, after in itertools.pairwise(shown):
        room = after.x - one.x
        assert room >= (charts.text_width(one.text) + charts.text_width(after.text)) / 2
    assert len(chart.table) == len(labels)


def test_counts_have_whole_ticks_and_their_unit_said_once_in_the_caption():
    chart = charts.line_chart(
        chart_id="pickups",
        title="Pickups",
        unit="requests",
        labels=["2026-10"],
        series=[charts.Series("Done", [1])],
        counts=True,
    )
    assert [tick.text for tick in chart.grid] == ["0", "1"]
    assert chart.lines[0].markers[0].title == "2026-10 Done: 1"
    assert "(requests)" in render_to_string("analytics/_chart.html", {"chart": chart})


def test_bars_end_in_their_figure_and_a_year_earlier_is_hatched():
    chart = charts.bar_chart(
        chart_id="by-district",
        title="Weight by district",
        unit="kg",
        labels=["서교동", "상암동"],
        series=[charts.Series("This period", [Decimal("1237.067"), 0]), charts.Series("A year earlier", [500, 250])],
    )
    assert [bar.value.text for bar in chart.bars] == ["1,237.1 kg", "500 kg", "0 kg", "250 kg"]
    assert [bar.fill for bar in chart.bars[:2]] == ["solid", "hatch"]
    assert chart.bars[0].width > chart.bars[1].width > chart.bars[3].width > chart.bars[2].width == 0
    html = render_to_string("analytics/_chart.html", {"chart": chart, "table": False})
    assert 'fill="url(#by-district-hatch)"' in html and "chart-table" not in html


def test_a_chart_refuses_what_it_cannot_draw_honestly():
    with pytest.raises(ValueError):
        charts.bar_chart(chart_id="x", title="x", unit="kg", labels=["a"], series=[charts.Series("n", [-1])])
    with pytest.raises(ValueError):
        charts.line_chart(chart_id="x", title="x", unit="kg", labels=["a", "b"], series=[charts.Series("n", [1])])

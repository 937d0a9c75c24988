"""charts: numeric metric values, outliers by the median absolute deviation, inline SVG charts."""

import re
import xml.etree.ElementTree as ET

import pytest

from jupyterstream.report import charts
from jupyterstream.collect.runs import Run

SVG = "{http://www.w3.org/2000/svg}"


def pairs(values, prefix="v"):
    return [(f"{prefix}{i}", float(v)) for i, v in enumerate(values)]


def parse(text):
    """The chart as XML (it must be well formed), and its bars."""
    root = ET.fromstring(text)
    svg = root.find(f"{SVG}svg")
    return root, svg, list(svg.iter(f"{SVG}rect"))


def dots(svg):
    return list(svg.iter(f"{SVG}circle"))


def tick_labels(svg):
    """The numbers written along the value axis."""
    return [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end" and "rotate" not in (t.get("transform") or "")]


# --- numeric ----------------------------------------------------------------------------------


def test_numeric_keeps_finite_ints_and_floats_in_run_order():
    runs = [Run("a", "A", {}, metrics={"m": 3}), Run("b", "B", {}, metrics={"m": 1.5}),
            Run("c", "C", {}, metrics={"other": 1}), Run("d", "D", {}, metrics={"m": -2})]
    assert charts.numeric(runs, "m") == [("A", 3.0), ("B", 1.5), ("D", -2.0)]


@pytest.mark.parametrize("value", [True, False, None, "1.5", [1], {"x": 1}, float("nan"), float("inf"),
                                   float("-inf")])
def test_numeric_skips_values_that_are_not_finite_numbers(value):
    assert charts.numeric([Run("a", "a", {}, metrics={"m": value})], "m") == []


@pytest.mark.parametrize("value", [10 ** 400, -(10 ** 400), 2e307, -1.7e308])
def test_numeric_skips_numbers_past_a_floats_range_or_too_far_apart_to_draw(value):
    assert charts.numeric([Run("a", "a", {}, metrics={"m": value})], "m") == []


def test_the_widest_numbers_a_chart_takes_draw_without_overflow():
    extremes = [Run(str(i), str(i), {}, metrics={"m": v}) for i, v in
                enumerate([charts.SPAN_LIMIT, -charts.SPAN_LIMIT, 0.0] * 40)]
    pairs = charts.numeric(extremes, "m")
    assert len(pairs) == 120 and "histogram of 120 runs" in charts.chart("m", pairs, charts.outliers(pairs))
    assert "sorted" in charts.chart("m", pairs[:3], [])


# --- outliers ---------------------------------------------------------------------------------


def test_an_obvious_outlier_among_near_identical_values_is_flagged():
    data = pairs([1.0, 1.0001, 0.9999, 1.0002, 0.9998, 1.0001, 50.0])
    assert charts.outliers(data) == [("v6", 50.0)]


def test_outliers_on_both_sides_are_flagged_in_their_order():
    data = pairs([-500, 10, 11, 9, 10, 12, 8, 10, 11, 900])
    assert charts.outliers(data) == [("v0", -500.0), ("v9", 900.0)]


def test_fewer_than_five_values_have_no_outliers_however_far_apart():
    assert charts.outliers(pairs([1, 1, 1, 1e9])) == []
    assert charts.outliers([]) == []


def test_an_outlier_is_flagged_when_most_values_are_equal():
    assert charts.outliers(pairs([5, 5, 5, 5, 5, 5, 5, 5, 5, 9])) == [("v9", 9.0)]


def test_equal_values_have_no_outliers():
    assert charts.outliers(pairs([2.5] * 20)) == []


def test_evenly_spread_values_have_no_outliers():
    assert charts.outliers(pairs(range(100))) == []


def test_the_rule_is_robust_a_few_huge_values_do_not_hide_each_other():
    data = pairs([10 + (i % 5) / 10 for i in range(20)] + [1e6, 2e6, 3e6])
    assert [label for label, _ in charts.outliers(data)] == ["v20", "v21", "v22"]


# --- chart ------------------------------------------------------------------------------------


def test_no_values_make_no_chart():
    assert charts.chart("m", [], []) == ""


# --- the rules: which picture a metric gets ----------------------------------------------------


def test_a_constant_metric_is_one_line_not_a_chart():
    data = pairs([1968] * 51)
    assert charts.kind(data) == "constant"
    assert charts.chart("first_year", data, []) == "<p class='js-constant'>all 51 runs: 1968</p>"


def test_values_far_from_zero_are_dots_on_an_axis_that_does_not_start_at_zero():
    data = pairs([1970, 2004, 1988, 1991, 1975])
    assert charts.kind(data) == "dots"
    root, svg, bars = parse(charts.chart("peak_year", data, []))
    assert bars == [] and len(dots(svg)) == 5
    assert tick_labels(svg)[0] == "1970" and tick_labels(svg)[-1] == "2010"
    assert "not from zero" in root.find("figcaption").text
    heights = [float(d.get("cy")) for d in dots(svg)]
    assert heights == sorted(heights, reverse=True), "sorted: the lowest value first, drawn lowest"
    assert heights[0] - heights[-1] > 100, "1970 and 2004 are far apart on the page"


def test_negative_values_far_from_zero_are_dots_too():
    assert charts.kind(pairs([-1000, -1010, -1005])) == "dots"


def test_values_near_zero_or_on_both_sides_are_bars_from_zero():
    assert charts.kind(pairs([3, 10, 7])) == "bars"
    assert charts.kind(pairs([-2, 5, 1])) == "bars"
    assert charts.kind(pairs([0.1, 0.9, 0.5])) == "bars", "spread wider than the distance to zero"
    assert charts.kind(pairs([0.5, 0.9, 0.7])) == "dots"
    _, svg, _ = parse(charts.chart("m", pairs([3, 10, 7]), []))
    assert tick_labels(svg)[0] == "0"


def test_up_to_100_values_are_sorted_bars_one_per_run_each_named_on_hover():
    data = pairs([3, -1, 2, 7, 0])
    root, svg, bars = parse(charts.chart("m", data, []))
    assert root.tag == "figure" and svg.get("role") == "img"
    titles = [b.find(f"{SVG}title").text for b in bars]
    assert titles == ["v1: -1", "v4: 0", "v2: 2", "v0: 3", "v3: 7"]
    assert "5 runs, sorted (bars from zero); lowest -1, highest 7" in root.find("figcaption").text
    heights = [float(b.get("height")) for b in bars]
    assert heights[3] < heights[4] and all(h >= 1 for h in heights)


def test_the_value_axis_has_round_ticks_covering_every_value():
    assert charts.ticks(0, 1) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.ticks(1968, 2004) == [1960, 1970, 1980, 1990, 2000, 2010]
    assert charts.ticks(-3, 1000) == [-500, 0, 500, 1000]
    _, svg, _ = parse(charts.chart("m", pairs([-1, 3, 7]), []))
    assert tick_labels(svg) == ["-2", "0", "2", "4", "6", "8"]


def test_numbers_on_axes_read_as_numbers():
    assert [charts.number(v) for v in (0.1456, 1968, 14652, 18_437_354, 2.5e9, -3e6)] == \
        ["0.1456", "1968", "14,652", "18.4M", "2.5G", "-3M"]


def test_up_to_60_runs_are_named_under_their_marks_and_more_are_not():
    _, svg, _ = parse(charts.chart("m", pairs(range(1, 61)), []))
    assert len([t for t in svg.iter(f"{SVG}text") if "rotate" in (t.get("transform") or "")]) == 60
    _, svg, _ = parse(charts.chart("m", pairs(range(1, 62)), []))
    assert not [t for t in svg.iter(f"{SVG}text") if "rotate" in (t.get("transform") or "")]


def test_exactly_100_values_are_still_bars_and_101_a_histogram():
    assert len(parse(charts.chart("m", pairs(range(100)), []))[2]) == 100
    assert charts.kind(pairs(range(101))) == "histogram"
    root, _, bars = parse(charts.chart("m", pairs(range(101)), []))
    assert len(bars) == 26 and "histogram of 101 runs, 0 to 100" in root.find("figcaption").text, "whole bins of 4"
    _, _, bars = parse(charts.chart("m", pairs([v / 10 for v in range(101)]), []))
    assert len(bars) == 30


def test_the_histogram_counts_every_value_once():
    values = [i % 17 for i in range(5000)]
    _, _, bars = parse(charts.chart("m", pairs(values), []))
    counts = [int(re.search(r": (\d+) runs$", b.find(f"{SVG}title").text).group(1)) for b in bars]
    assert sum(counts) == 5000


def test_whole_numbers_get_bins_of_whole_width_so_no_bin_is_empty_by_construction():
    years = [1960 + i % 45 for i in range(5000)]
    _, _, bars = parse(charts.chart("peak_year", pairs(years), []))
    titles = [b.find(f"{SVG}title").text for b in bars]
    assert len(bars) == 23 and titles[0] == "1960 to 1961: 224 runs" and titles[-1] == "2004 to 2005: 111 runs"
    assert all(int(t.rsplit(": ", 1)[1].split()[0]) > 0 for t in titles)


def test_outlying_bars_are_red_link_to_their_run_and_the_others_blue():
    data = pairs([1, 1.01, 0.99, 1.02, 0.98, 30])
    flagged = charts.outliers(data)
    text = charts.chart("m", data, flagged, {"v5": "#run-job5", "v1": "#run-job1"})
    _, svg, bars = parse(text)
    colours = {b.find(f"{SVG}title").text.split(":")[0]: b.get("fill") for b in bars}
    assert colours.pop("v5") == "#cc0000" and set(colours.values()) == {"#3465a4"}
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links == ["#run-job5"], "only outliers link; the others say who they are on hover"


def test_outliers_of_a_histogram_are_marked_and_linked_below_it():
    data = pairs([1.0 + i / 1000 for i in range(200)] + [50])
    flagged = charts.outliers(data)
    _, svg, _ = parse(charts.chart("m", data, flagged, {"v200": "#run-big"}))
    [link] = svg.iter(f"{SVG}a")
    assert link.get("href") == "#run-big" and link.find(f"{SVG}circle/{SVG}title").text == "v200: 50 (outlier)"


@pytest.mark.parametrize("count", [3, 300])
def test_labels_and_names_are_escaped_and_the_svg_is_well_formed_xml(count):
    label = "<b>&amp; 'q' \"dq\"</b>"
    data = [(label, 1.0)] + pairs(range(count))
    text = charts.chart(label, data, [])
    root, svg, bars = parse(text)
    assert "<b>" not in text
    assert svg.get("aria-label") == label and root.find("figcaption").text.startswith(label + ": ")
    if count < charts.BARS_LIMIT:
        assert f"{label}: 1" in [b.find(f"{SVG}title").text for b in bars]


def test_negative_and_large_values_stay_inside_the_chart():
    data = pairs([-1e12, 5, 1e12, 3, 0])
    _, svg, bars = parse(charts.chart("m", data, []))
    height = float(svg.get("height"))
    for bar in bars:
        y, h = float(bar.get("y")), float(bar.get("height"))
        assert 0 <= y and y + h <= height

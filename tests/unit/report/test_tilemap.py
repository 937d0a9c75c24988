"""tilemap: a square per US state in its rough place, coloured by value, only for state codes."""

import xml.etree.ElementTree as ET
from pathlib import Path

from jupyterstream.report import tilemap

SVG = "{http://www.w3.org/2000/svg}"
VALUES = (Path(__file__).resolve().parents[3] / "states.txt").read_text().splitlines()
STATES = [line.strip() for line in VALUES if line.strip() and not line.startswith("#")]


def test_the_layout_holds_the_50_states_and_dc_once_each():
    assert len(tilemap.PLACES) == 51 and set(STATES) == tilemap.STATES
    assert len(set(tilemap.PLACES.values())) == 51, "no two states share a square"
    assert tilemap.PLACES["AK"][0] < tilemap.PLACES["WA"][0] < tilemap.PLACES["ME"][0]
    assert tilemap.PLACES["FL"][1] > tilemap.PLACES["GA"][1] > tilemap.PLACES["NC"][1]


def test_the_map_applies_only_when_every_value_is_a_state_code():
    assert tilemap.applies(STATES) and tilemap.applies(["CA", "NY"])
    assert not tilemap.applies(STATES + ["PR"])
    assert not tilemap.applies(["ca", "ny"]) and not tilemap.applies(["R00001", "R00002"])
    assert not tilemap.applies(["CA"]), "one state is not a map"


def test_each_state_is_a_square_named_on_hover_and_linked_to_its_run():
    pairs = [(code, float(i)) for i, code in enumerate(STATES)]
    root = ET.fromstring(tilemap.tilemap("births", pairs, {"CA": "#run-CA"}))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert len(titles) == 51 and "CA: 4" in titles
    [link] = root.iter(f"{SVG}a")
    assert link.get("href") == "#run-CA" and link.find(f"{SVG}title").text == "CA: 4"


def test_colour_grows_with_the_value_and_the_legend_gives_each_step_its_range():
    pairs = [("AL", 0.0), ("CA", 50.0), ("NY", 100.0)]
    root = ET.fromstring(tilemap.tilemap("m", pairs))
    fill = {g.find(f"{SVG}title").text.split(":")[0]: g.find(f"{SVG}rect").get("fill") for g in root.iter(f"{SVG}g")}
    assert fill["AL"] == tilemap.COLOURS[0] and fill["CA"] == tilemap.COLOURS[2] and fill["NY"] == tilemap.COLOURS[-1]
    assert fill["TX"] == "#f0f0f0", "a state without a value is grey"
    legend = [t.text for t in root.iter(f"{SVG}text") if "–" in (t.text or "")]
    assert legend == ["0 – 20", "20 – 40", "40 – 60", "60 – 80", "80 – 100"]


def test_large_values_read_as_numbers_in_the_legend():
    root = ET.fromstring(tilemap.tilemap("m", [("AL", 14652.0), ("CA", 18_437_354.0)]))
    legend = [t.text for t in root.iter(f"{SVG}text") if "–" in (t.text or "")]
    assert legend[0] == "14,652 – 3.7M" and legend[-1] == "14.8M – 18.4M"

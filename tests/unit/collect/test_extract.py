"""extract: read an executed notebook's JSON; keep its metrics and figures."""

import base64
import hashlib
import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from jupyterstream.collect import extract
from jupyterstream.runner.outcome import Check
from jupyterstream.runner.record import MIME_TYPE, record

from ..helpers import notebook


def display(data):
    """A display_data output; raw, so that malformed payloads can be built too."""
    return {"output_type": "display_data", "data": data, "metadata": {}}


def ran_notebook(*outputs_per_cell):
    nb = notebook("state = 'CA'\n")
    for outputs in outputs_per_cell:
        cell = new_code_cell("x")
        cell.outputs = list(outputs)
        nb.cells.append(cell)
    return json.loads(json.dumps(nb))


def metric(name, value):
    return display({MIME_TYPE: record(name, value, display=False), "text/plain": f"{name} = {value!r}"})


# --- read_run ---------------------------------------------------------------------------------


def test_read_run_returns_the_notebook_dict(tmp_path):
    path = tmp_path / "AL.ipynb"
    nbformat.write(notebook(), path)
    nb, problem, _ = extract.read_run(path)
    assert problem is None and nb["nbformat"] == 4 and isinstance(nb["cells"], list)


def test_read_run_checks_the_sha256_of_the_status_record(tmp_path):
    path = tmp_path / "AL.ipynb"
    nbformat.write(notebook(), path)
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    assert extract.read_run(path, good)[1] is None
    nb, problem, _ = extract.read_run(path, "0" * 64)
    assert nb is None and problem[0] is Check.MISMATCH and "status record" in problem[1]


def test_read_run_gives_the_size_of_the_file_in_bytes(tmp_path):
    path = tmp_path / "AL.ipynb"
    nbformat.write(notebook(), path)
    assert extract.read_run(path)[2] == len(path.read_bytes()) > 0


def test_read_run_gives_the_size_even_when_the_notebook_is_corrupt(tmp_path):
    path = tmp_path / "AL.ipynb"
    path.write_bytes(b'{"cells": [')
    assert extract.read_run(path)[2] == 11
    nbformat.write(notebook(), path)
    assert extract.read_run(path, "0" * 64)[2] == len(path.read_bytes())


def test_read_run_of_a_missing_file_says_results_missing(tmp_path):
    assert extract.read_run(tmp_path / "nope.ipynb") == (None, (Check.ABSENT, "results missing: no executed notebook"), 0)


def test_read_run_of_a_folder_says_unreadable(tmp_path):
    nb, problem, _ = extract.read_run(tmp_path)
    assert nb is None and problem[0] is Check.UNREADABLE and problem[1].startswith("results unreadable")


def test_read_run_of_truncated_or_non_utf8_json_says_corrupt(tmp_path):
    for data in (b'{"cells": [', b"\xff\xfe{}", b""):
        path = tmp_path / "AL.ipynb"
        path.write_bytes(data)
        nb, problem, _ = extract.read_run(path)
        assert nb is None and problem[0] is Check.DAMAGED and problem[1].startswith("results corrupt: not valid JSON"), data


def test_read_run_of_json_that_is_not_a_notebook_says_corrupt(tmp_path):
    for content in ([], {"cells": "no"}, {"metadata": {}}, "x"):
        path = tmp_path / "AL.ipynb"
        path.write_text(json.dumps(content))
        assert extract.read_run(path) == (None, (Check.DAMAGED, "results corrupt: not a notebook"), path.stat().st_size)


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_are_read_in_cell_order_and_a_later_value_wins():
    nb = ran_notebook([metric("peak", 1990), metric("rate", 0.5)], [metric("peak", 2000), metric("n", [1, 2])])
    found = extract.metrics(nb)
    assert found == {"peak": 2000, "rate": 0.5, "n": [1, 2]}
    assert list(found) == ["peak", "rate", "n"]


def test_metrics_from_execute_results_count_and_from_streams_do_not():
    result = new_output("execute_result", data={MIME_TYPE: {"name": "a", "value": 1}}, execution_count=1)
    stream = new_output("stream", name="stdout", text="b = 2")
    assert extract.metrics(ran_notebook([result, stream])) == {"a": 1}


def test_a_nan_metric_is_read_as_text():
    assert extract.metrics(ran_notebook([metric("x", float("nan"))])) == {"x": "nan"}


def test_scrapbook_scraps_are_read_too():
    scrap = display({"application/scrapbook.scrap.json+json": {"name": "s", "data": {"k": 1},
                                                               "encoder": "json", "version": 1}})
    text_scrap = display({"application/scrapbook.scrap.text+json": {"name": "t", "data": "hi"}})
    assert extract.metrics(ran_notebook([scrap, text_scrap])) == {"s": {"k": 1}, "t": "hi"}


def test_other_mime_types_and_malformed_payloads_are_ignored():
    outputs = [display({"application/json": {"name": "j", "value": 1}}),
               display({MIME_TYPE: "not a dict"}),
               display({MIME_TYPE: {"name": 3, "value": 1}}),
               display({MIME_TYPE: {"value": 1}}),
               display({"application/scrapbook.scrap.json": {"name": "no-suffix", "data": 1}})]
    assert extract.metrics(ran_notebook(outputs)) == {}


def test_metrics_skip_markdown_cells_and_cells_without_outputs():
    nb = ran_notebook([metric("a", 1)])
    nb["cells"].insert(0, json.loads(json.dumps(new_markdown_cell("text"))))
    nb["cells"].append({"cell_type": "code", "source": "", "metadata": {}, "outputs": None})
    nb["cells"].append("not a cell")
    assert extract.metrics(nb) == {"a": 1}


def test_metrics_of_a_notebook_without_cells_is_empty():
    assert extract.metrics({}) == {}


# --- figures ----------------------------------------------------------------------------------


def test_figures_give_cell_index_mime_and_data_with_one_image_per_output():
    png = base64.b64encode(b"\x89PNG fake").decode()
    svg = ["<svg xmlns='http://www.w3.org/2000/svg'>\n", "<rect/></svg>\n"]
    nb = ran_notebook([display({"image/png": png, "image/jpeg": "JPEG", "text/plain": "<Figure>"})],
                      [display({"text/plain": "no figure"})],
                      [display({"image/svg+xml": svg})])
    assert extract.figures(nb) == [(1, "image/png", png), (3, "image/svg+xml", "".join(svg))]


def test_svg_base64_is_the_utf8_text_encoded():
    text = "<svg><text>é</text></svg>"
    assert base64.b64decode(extract.svg_base64(text)).decode("utf-8") == text


def test_figure_places_number_the_figures_of_each_cell_from_zero():
    png, svg = base64.b64encode(b"png").decode(), "<svg/>"
    nb = ran_notebook([display({"image/png": png}), display({"text/plain": "x"}), display({"image/svg+xml": svg})],
                      [],
                      [display({"image/jpeg": png})])
    assert extract.figure_places(nb) == [{"cell": 1, "index": 0, "mime": "image/png"},
                                         {"cell": 1, "index": 1, "mime": "image/svg+xml"},
                                         {"cell": 3, "index": 0, "mime": "image/jpeg"}]


def test_figure_places_hold_no_image_data():
    nb = ran_notebook([display({"image/png": "A" * 10_000})])
    assert len(json.dumps(extract.figure_places(nb))) < 100


def test_figure_data_reads_the_figure_a_place_points_at():
    first, second = base64.b64encode(b"one").decode(), base64.b64encode(b"two").decode()
    nb = ran_notebook([display({"image/png": first}), display({"image/png": [second[:2], second[2:]]})])
    for place in extract.figure_places(nb):
        assert extract.figure_data(nb, place["cell"], place["index"])[:2] == (place["cell"], place["mime"])
    assert extract.figure_data(nb, 1, 0) == (1, "image/png", first)
    assert extract.figure_data(nb, 1, 1) == (1, "image/png", second), "a list of lines is joined"


def test_figure_data_of_a_place_that_is_not_there_is_none():
    nb = ran_notebook([display({"image/png": "AAAA"})])
    assert extract.figure_data(nb, 1, 1) is None
    assert extract.figure_data(nb, 0, 0) is None
    assert extract.figure_data(nb, 9, 0) is None


# --- recorded values no reader takes as numbers, and papermill's records --------------------------


def test_papermill_1_records_are_metrics_every_name_of_their_payload():
    pm = display({"application/papermill.record+json": {"score": 0.5, "flag": True}})
    assert extract.metrics(ran_notebook([pm, display({"application/papermill.record+json": "not a dict"})])) == \
        {"score": 0.5, "flag": True}


def test_values_written_raw_that_no_reader_takes_as_numbers_are_read_as_text():
    raw = [display({MIME_TYPE: {"name": "big", "value": 10 ** 400}}),
           display({MIME_TYPE: {"name": "nan", "value": float("nan")}}),
           display({"application/scrapbook.scrap.json+json": {"name": "inf", "data": [float("-inf")]}})]
    assert extract.metrics(ran_notebook(raw)) == {"big": "1" + "0" * 400, "nan": "nan", "inf": ["-inf"]}


def test_a_notebook_nested_too_deep_for_the_json_reader_is_corrupt_not_a_crash(tmp_path):
    path = tmp_path / "AL.ipynb"
    path.write_text('{"cells": [' + "[" * 200_000 + "]" * 200_000 + "]}")
    nb, problem, _ = extract.read_run(path)
    assert nb is None and problem[0] is Check.DAMAGED

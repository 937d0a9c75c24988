"""gallery: figures aligned by cell, read again from the runs' notebooks; thumbnails beyond FULL_LIMIT."""

import base64
import io
import json

import pytest
from PIL import Image

from jupyterstream import extract, gallery
from jupyterstream.collect import Run

from .helpers import places, png, write_run

SVG = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script><rect/></svg>"


def make_run(output, job_id, figures, **extra):
    """A Run whose executed notebook, holding ``figures``, is written under ``output``."""
    return Run(job_id, f"value {job_id}", {}, state="ok", figures=places(figures),
               notebook=write_run(output, job_id, figures), **extra)


def decoded(src):
    """(mime, bytes) of a data URI."""
    head, data = src.split(",", 1)
    assert head.startswith("data:") and head.endswith(";base64")
    return head[5:-7], base64.b64decode(data, validate=True)


@pytest.fixture
def reads(monkeypatch):
    """How often each notebook is read: {path: count}."""
    counted, read = {}, extract.read_run

    def counting(path, *args):
        counted[str(path)] = counted.get(str(path), 0) + 1
        return read(path, *args)

    monkeypatch.setattr(extract, "read_run", counting)
    return counted


# --- by_cell ----------------------------------------------------------------------------------


def test_by_cell_groups_places_by_cell_in_cell_order_and_run_order():
    a = Run("a", "a", {}, figures=[{"cell": 7, "index": 0, "mime": "image/png"},
                                   {"cell": 2, "index": 0, "mime": "image/png"},
                                   {"cell": 2, "index": 1, "mime": "image/svg+xml"}])
    b = Run("b", "b", {}, figures=[{"cell": 2, "index": 0, "mime": "image/png"}])
    cells = gallery.by_cell([a, Run("c", "c", {}), b])
    assert list(cells) == [2, 7]
    assert [(run.id, place["index"]) for run, place in cells[2]] == [("a", 0), ("a", 1), ("b", 0)]
    assert gallery.by_cell([]) == {}


# --- full size --------------------------------------------------------------------------------


def test_up_to_the_limit_figures_are_full_size_data_uris_without_links(tmp_path):
    image = png()
    figures = {1: [("image/png", image[:8] + "\n" + image[8:]), ("image/svg+xml", SVG)], 3: [("image/jpeg", image)]}
    run = make_run(tmp_path, "AL", figures)
    placed = gallery.tiles(tmp_path, gallery.by_cell([run]), {})
    assert placed == {1: [(run, f"data:image/png;base64,{image}", None, None),
                          (run, f"data:image/svg+xml;base64,{extract.svg_base64(SVG)}", None, None)],
                      3: [(run, f"data:image/jpeg;base64,{image}", None, None)]}
    assert not (tmp_path / "figures").exists()


def test_exactly_full_limit_figures_stay_full_size(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 3)
    runs = [make_run(tmp_path, i, {1: [("image/png", png())]}) for i in ("a", "b", "c")]
    placed = gallery.tiles(tmp_path, gallery.by_cell(runs), {})
    assert [href for _, _, href, _ in placed[1]] == [None, None, None]


def test_svg_is_never_embedded_as_markup(tmp_path):
    run = make_run(tmp_path, "AL", {0: [("image/svg+xml", SVG)]})
    [(_, src, _, _)] = gallery.tiles(tmp_path, gallery.by_cell([run]), {})[0]
    assert "<" not in src and decoded(src) == ("image/svg+xml", SVG.encode())


def test_figure_data_that_is_not_base64_is_left_out(tmp_path):
    bad = "AAAA'/><script>alert(1)</script><img src='"
    run = make_run(tmp_path, "AL", {1: [("image/png", bad), ("image/png", png())]})
    [(_, src, _, _)] = gallery.tiles(tmp_path, gallery.by_cell([run]), {})[1]
    assert "<script" not in src and decoded(src)[0] == "image/png"


def test_figures_of_a_run_whose_notebook_is_gone_or_corrupt_are_left_out(tmp_path):
    gone = make_run(tmp_path, "gone", {1: [("image/png", png())]})
    corrupt = make_run(tmp_path, "corrupt", {1: [("image/png", png())]})
    kept = make_run(tmp_path, "kept", {1: [("image/png", png())]})
    (tmp_path / gone.notebook).unlink()
    (tmp_path / corrupt.notebook).write_text('{"cells": [')
    placed = gallery.tiles(tmp_path, gallery.by_cell([gone, corrupt, kept]), {})
    assert [run.id for run, _, _, _ in placed[1]] == ["kept"]


def test_a_place_the_notebook_no_longer_has_is_left_out(tmp_path):
    run = make_run(tmp_path, "AL", {1: [("image/png", png())]})
    run.figures.append({"cell": 1, "index": 1, "mime": "image/png"})
    assert len(gallery.tiles(tmp_path, gallery.by_cell([run]), {})[1]) == 1


# --- thumbnails -------------------------------------------------------------------------------


def test_beyond_the_limit_figures_are_jpeg_thumbnails_linked_to_the_full_image(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 1)
    image = png(800, 600)
    runs = [make_run(tmp_path, i, {2: [("image/png", image)]}) for i in ("AL", "CA")]
    placed = gallery.tiles(tmp_path, gallery.by_cell(runs), {})
    for run, src, href, _ in placed[2]:
        mime, data = decoded(src)
        with Image.open(io.BytesIO(data)) as thumb:
            assert mime == "image/jpeg" and thumb.format == "JPEG" and thumb.width <= gallery.THUMB_WIDTH
        assert href == f"figures/{run.id}-cell2-0.png"
        assert (tmp_path / href).read_bytes() == base64.b64decode(image)


def test_thumbnails_start_above_200_figures(tmp_path):
    assert gallery.FULL_LIMIT == 200
    runs = [make_run(tmp_path, i, {1: [("image/png", png())] * 100}) for i in ("a", "b")]
    placed = gallery.tiles(tmp_path, gallery.by_cell(runs), {})
    assert len(placed[1]) == 200 and all(href is None for _, _, href, _ in placed[1])
    runs.append(make_run(tmp_path, "c", {1: [("image/png", png())]}))
    placed = gallery.tiles(tmp_path, gallery.by_cell(runs), {})
    assert len(placed[1]) == 201 and all(href for _, _, href, _ in placed[1])


def test_an_svg_beyond_the_limit_keeps_its_base64_and_is_written_beside_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 0)
    run = make_run(tmp_path, "AL", {0: [("image/svg+xml", SVG)]})
    [(_, src, href, _)] = gallery.tiles(tmp_path, gallery.by_cell([run]), {})[0]
    assert decoded(src) == ("image/svg+xml", SVG.encode()) and "<" not in src
    assert href == "figures/AL-cell0-0.svg" and (tmp_path / href).read_text() == SVG


def test_an_image_pillow_cannot_read_gets_no_thumbnail_but_keeps_its_link(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 0)
    fake = base64.b64encode(b"\x89PNG not really").decode()
    run = make_run(tmp_path, "AL", {0: [("image/png", fake)]})
    assert gallery.tiles(tmp_path, gallery.by_cell([run]), {}) == {0: [(run, None, "figures/AL-cell0-0.png", None)]}
    assert (tmp_path / "figures" / "AL-cell0-0.png").read_bytes() == b"\x89PNG not really"


def test_thumbnails_are_cached_and_a_second_call_reads_no_notebook(tmp_path, monkeypatch, reads):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 0)
    runs = [make_run(tmp_path, i, {1: [("image/png", png(50, 50))], 4: [("image/png", png(20, 20))]})
            for i in ("AL", "CA")]
    cache = {}
    first = gallery.tiles(tmp_path, gallery.by_cell(runs), cache)
    assert sorted(k.rsplit(":", 1)[0] for k in cache) == ["AL:1:0", "AL:4:0", "CA:1:0", "CA:4:0"]
    json.loads(json.dumps(cache))
    for run in runs:
        (tmp_path / run.notebook).unlink()
    reads.clear()
    assert gallery.tiles(tmp_path, gallery.by_cell(runs), cache) == first
    assert reads == {}


def test_a_cache_that_went_through_json_is_used_too(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 0)
    run = make_run(tmp_path, "AL", {1: [("image/png", png())]})
    cache = {}
    [(_, src, href, _)] = gallery.tiles(tmp_path, gallery.by_cell([run]), cache)[1]
    (tmp_path / run.notebook).unlink()
    assert gallery.tiles(tmp_path, gallery.by_cell([run]), json.loads(json.dumps(cache)))[1] == [(run, src, href, None)]


def test_each_notebook_is_read_once_however_many_cells_drew_its_figures(tmp_path, reads):
    runs = [make_run(tmp_path, i, {1: [("image/png", png())], 3: [("image/png", png())], 5: [("image/png", png())]})
            for i in ("AL", "CA")]
    gallery.tiles(tmp_path, gallery.by_cell(runs), {})
    assert sorted(reads.values()) == [1, 1]

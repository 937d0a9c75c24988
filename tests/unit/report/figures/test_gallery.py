"""gallery: figures read again from the runs' notebooks; full size up to FULL_LIMIT, beyond that
files named by content (SVG cleaned) with JPEG thumbnails, made once."""

import base64
import io
import os

import pytest
from PIL import Image

from jupyterstream.collect import extract
from jupyterstream.report.figures import gallery
from jupyterstream.collect.runs import Run

from ...helpers import places, png, write_run

SVG = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script><rect onload='alert(2)'/></svg>"


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


# --- full size --------------------------------------------------------------------------------


def test_up_to_the_limit_figures_are_full_size_data_uris_without_links(tmp_path):
    image = png(40, 30)
    run = make_run(tmp_path, "AL", {1: [("image/png", image)], 3: [("image/png", image), ("image/jpeg", image)]})
    tiles = gallery.run_tiles(tmp_path, run, thumbnailed=False)
    assert [(cell, src.split(";")[0], href) for cell, src, href, *_ in tiles] == \
        [(1, "data:image/png", None), (3, "data:image/png", None), (3, "data:image/jpeg", None)]
    assert decoded(tiles[0][1])[1] == base64.b64decode(image)
    assert not (tmp_path / "figures").exists()


def test_the_gallery_shows_thumbnails_only_above_200_figures():
    run = Run("a", "a", {}, figures=[{"cell": 1, "index": i, "mime": "image/png", "sha": "0"} for i in range(100)])
    assert not gallery.thumbnails([run, run])
    assert gallery.thumbnails([run, run, Run("b", "b", {}, figures=run.figures[:1])])


def test_svg_is_cleaned_before_it_is_shown_even_through_an_img(tmp_path):
    run = make_run(tmp_path, "AL", {1: [("image/svg+xml", SVG)]})
    [(_, src, *_)] = gallery.run_tiles(tmp_path, run, thumbnailed=False)
    mime, data = decoded(src)
    assert mime == "image/svg+xml" and b"<rect" in data and b"script" not in data and b"onload" not in data


@pytest.mark.parametrize("mime, data", [("image/png", "AAAA'/><script>alert(1)</script>"),
                                        ("image/png", "not base64!"), ("image/svg+xml", "<svg><unclosed>"),
                                        ("image/svg+xml", "<html><script>alert(1)</script></html>")])
def test_figure_data_that_cannot_be_shown_safely_is_left_out(tmp_path, mime, data):
    run = make_run(tmp_path, "AL", {1: [(mime, data)]})
    assert gallery.run_tiles(tmp_path, run, thumbnailed=False) == []
    gallery.make_missing(tmp_path, [run])
    assert gallery.run_tiles(tmp_path, run, thumbnailed=True) == [] and not list((tmp_path / "figures").glob("*.*"))


def test_figures_of_a_run_whose_notebook_is_gone_or_corrupt_are_left_out(tmp_path):
    gone = make_run(tmp_path, "AL", {1: [("image/png", png())]})
    (tmp_path / gone.notebook).unlink()
    corrupt = make_run(tmp_path, "CA", {1: [("image/png", png())]})
    (tmp_path / corrupt.notebook).write_text("{not json")
    assert gallery.run_tiles(tmp_path, gone, False) == [] and gallery.run_tiles(tmp_path, corrupt, False) == []


def test_each_notebook_is_read_once_however_many_figures_it_drew(tmp_path, reads):
    run = make_run(tmp_path, "AL", {1: [("image/png", png())] * 3, 4: [("image/png", png())]})
    assert len(gallery.run_tiles(tmp_path, run, thumbnailed=False)) == 4
    assert list(reads.values()) == [1]


# --- thumbnails -------------------------------------------------------------------------------


def test_beyond_the_limit_figures_are_files_named_by_content_with_jpeg_thumbnails(tmp_path):
    image = png(400, 300)
    run = make_run(tmp_path, "AL", {1: [("image/png", image)]})
    gallery.make_missing(tmp_path, [run])
    [(cell, src, href, *_)] = gallery.run_tiles(tmp_path, run, thumbnailed=True)
    sha = gallery.fingerprint("image/png", image)
    assert (cell, src, href) == (1, f"figures/thumbs/{sha}.jpg", f"figures/{sha}.png")
    assert gallery.fingerprint("image/png", image[:20] + "\n" + image[20:]) == sha, "line breaks are not content"
    assert (tmp_path / href).read_bytes() == base64.b64decode(image)
    with Image.open(tmp_path / src) as thumb:
        assert thumb.format == "JPEG" and thumb.width == gallery.THUMB_WIDTH


def test_an_svg_beyond_the_limit_is_written_cleaned_and_shown_as_itself(tmp_path):
    run = make_run(tmp_path, "AL", {2: [("image/svg+xml", SVG)]})
    gallery.make_missing(tmp_path, [run])
    [(_, src, href, *_)] = gallery.run_tiles(tmp_path, run, thumbnailed=True)
    assert src == href and href.endswith(".svg")
    text = (tmp_path / href).read_text()
    assert "<rect" in text and "script" not in text and "onload" not in text


def test_the_same_picture_in_many_runs_is_one_file_made_once(tmp_path, reads):
    image = png(50, 50)
    runs = [make_run(tmp_path, f"R{i}", {1: [("image/png", image)]}) for i in range(12)]
    gallery.make_missing(tmp_path, runs)
    assert sorted(os.listdir(tmp_path / "figures" / "thumbs")) == [f"{gallery.fingerprint('image/png', image)}.jpg"]
    reads.clear()
    gallery.make_missing(tmp_path, runs)
    assert reads == {}, "a second collect finds every file and reads no notebook"


def test_many_runs_are_thumbnailed_by_worker_processes_with_the_same_result(tmp_path):
    runs = [make_run(tmp_path, f"R{i}", {1: [("image/png", png(30, 20, (i * 20, 0, 0)))]}) for i in range(10)]
    gallery.make_missing(tmp_path, runs)  # 10 runs: more than the in-process threshold of 8
    for run in runs:
        [(_, src, href, *_)] = gallery.run_tiles(tmp_path, run, thumbnailed=True)
        assert (tmp_path / src).is_file() and (tmp_path / href).is_file()


def test_an_image_pillow_cannot_read_keeps_its_link_and_is_not_tried_again(tmp_path):
    junk = base64.b64encode(b"\x89PNG but not really").decode()
    run = make_run(tmp_path, "AL", {1: [("image/png", junk)]})
    gallery.make_missing(tmp_path, [run])
    [(_, src, href, *_)] = gallery.run_tiles(tmp_path, run, thumbnailed=True)
    assert src is None and href.endswith(".png")
    assert (tmp_path / "figures" / "thumbs" / f"{gallery.fingerprint('image/png', junk)}.none").exists()


def test_tile_is_the_one_way_a_figure_output_becomes_what_the_page_shows(tmp_path):
    image = png(300, 200)
    src, href = gallery.tile(tmp_path, "image/png", image, thumbnails=False)
    assert href is None and decoded(src) == ("image/png", base64.b64decode(image))
    src, href = gallery.tile(tmp_path, "image/png", image, thumbnails=True)
    assert (tmp_path / src).is_file() and (tmp_path / href).is_file()
    assert gallery.tile(tmp_path, "text/html", "<b>x</b>", thumbnails=False) == (None, None)
    with Image.open(io.BytesIO((tmp_path / src).read_bytes())) as thumb:
        assert thumb.width == gallery.THUMB_WIDTH


def test_a_chart_that_many_runs_drew_is_read_from_one_notebook_only(tmp_path, monkeypatch):
    from jupyterstream.report.figures import drawn

    figure = {1: [("application/vnd.plotly.v1+json", {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}]})]}
    runs = [Run(job, job, {}, state="ok", notebook=write_run(tmp_path, job, figure), figures=places(figure))
            for job in ("AL", "CA", "NY")]
    read, drew = [], []
    original = extract.read_run
    monkeypatch.setattr(extract, "read_run", lambda path: read.append(path) or original(path))
    monkeypatch.setattr(drawn, "draw_all", lambda output, charts: drew.extend(charts) or {})
    gallery.draw_charts(tmp_path, runs)
    assert len(read) == 1 and len(drew) == 1

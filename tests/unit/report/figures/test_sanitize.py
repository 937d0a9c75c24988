"""sanitize.clean_svg: an SVG figure rebuilt from an allowlist, safe to open on its own."""

import xml.etree.ElementTree as ET

import pytest

from jupyterstream.report.figures import sanitize

NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"


def clean(body, root=None):
    return sanitize.clean_svg(root or f"<svg {NS}>{body}</svg>").decode("utf-8")


def test_drawing_survives_cleaning_unchanged_in_meaning():
    text = clean("<defs><linearGradient id='g'><stop offset='0' stop-color='red'/></linearGradient></defs>"
                 "<g transform='scale(2)'><rect width='4' height='3' fill='url(#g)'/><title>bar</title>"
                 "<path d='M0 0L1 1'/><text x='1'>label</text><use xlink:href='#g'/></g>")
    root = ET.fromstring(text)
    names = [e.tag.split("}")[1] for e in root.iter()]
    assert names == ["svg", "defs", "linearGradient", "stop", "g", "rect", "title", "path", "text", "use"]
    assert "fill=\"url(#g)\"" in text and "#g" in text


@pytest.mark.parametrize("body", [
    "<script>document.title='x'</script>",
    "<script xlink:href='http://evil.example/x.js'/>",
    "<foreignObject><body xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></body></foreignObject>",
    "<a xlink:href='javascript:alert(1)'><rect width='1' height='1'/></a>",
    "<animate attributeName='href' to='javascript:alert(1)'/>",
    "<set attributeName='onclick' to='alert(1)'/>",
    "<iframe xmlns='http://www.w3.org/1999/xhtml' src='http://evil.example'/>",
])
def test_elements_that_run_code_or_leave_the_file_are_dropped(body):
    text = clean(body)
    for word in ("script", "foreignObject", "javascript", "evil", "animate", "set ", "iframe", "alert"):
        assert word not in text


@pytest.mark.parametrize("attribute", ["onload=\"document.title='x'\"", "onclick='alert(1)'", "ONMOUSEOVER='alert(1)'",
                                       "style='background:url(http://evil.example/x.png)'",
                                       "style='behavior:url(x.htc)'", "fill='url(http://evil.example/#p)'",
                                       "xml:base='http://evil.example/'"])
def test_event_handlers_and_outside_references_are_removed(attribute):
    text = clean(f"<rect width='1' height='1' {attribute}/>")
    assert "evil" not in text and "alert" not in text and "title=" not in text and "behavior" not in text
    assert "<rect" in text


@pytest.mark.parametrize("href", ["http://evil.example/x.png", "file:///etc/passwd", "  javascript:alert(1)",
                                  "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml;base64,PHN2Zz4="])
def test_images_may_only_be_embedded_rasters(href):
    assert "href" not in clean(f"<image width='1' height='1' xlink:href='{href}'/>")
    assert "data:image/png;base64,iVBORw0K" in clean("<image xlink:href='data:image/png;base64,iVBORw0K'/>")


def test_style_elements_that_import_or_fetch_are_emptied():
    assert "evil" not in clean("<style>@import url(http://evil.example/x.css);</style>")
    assert ".a{fill:red}" in clean("<style>.a{fill:red}</style>")


@pytest.mark.parametrize("source", [
    "<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY x 'boom'>]><svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>",
    "<svg xmlns='http://www.w3.org/2000/svg'><rect>", "not xml at all",
    "<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>",
])
def test_what_cannot_be_cleaned_is_refused_with_a_reason(source):
    with pytest.raises(sanitize.UnsafeSvg):
        sanitize.clean_svg(source)


def test_a_matplotlib_style_svg_with_a_public_doctype_is_cleaned():
    source = ("<?xml version='1.0' encoding='utf-8' standalone='no'?>\n<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' "
              "'http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd'>\n"
              f"<svg {NS} width='10' height='10'><metadata><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>"
              "</metadata><g id='figure_1'><path d='M 0 0 L 10 10' style='fill:none;stroke:#000'/></g></svg>")
    text = sanitize.clean_svg(source).decode()
    assert "<path" in text and "rdf" not in text and "DOCTYPE" not in text

"""SVG from a run, made safe to open on its own: an allowlist of drawing elements and attributes.

An SVG file opened in a browser runs its scripts and event handlers; one shown through <img> does
not. Figures the report links to are opened on their own, so each is rebuilt from what is allowed
here: no <script>, no event handlers, no <foreignObject>, no animation that could set a link, no
reference outside the file (only ``#fragment`` links and ``data:image`` rasters), no DTD subset.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ELEMENTS = frozenset("""svg g defs title desc symbol use path rect circle ellipse line polyline polygon
text tspan textPath clipPath mask pattern marker linearGradient radialGradient stop image style switch
filter feBlend feColorMatrix feComponentTransfer feComposite feFlood feGaussianBlur feMerge feMergeNode
feOffset feFuncR feFuncG feFuncB feFuncA feMorphology""".split())
RASTER = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z")
URL = re.compile(r"url\s*\(\s*['\"]?\s*([^)'\"]*)", re.IGNORECASE)
BAD_CSS = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.IGNORECASE)
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


class UnsafeSvg(ValueError):
    """The figure is not SVG we can clean (not XML, an internal DTD, or not an <svg>)."""


def clean_svg(source: str) -> bytes:
    """The SVG text ``source`` rebuilt from allowed elements and attributes, as UTF-8 bytes."""
    if isinstance(source, bytes):
        source = source.decode("utf-8", "replace")
    if re.search(r"<!DOCTYPE[^>]*\[|<!ENTITY", source, re.IGNORECASE):
        raise UnsafeSvg("an SVG with its own DTD subset (entities) is not shown")
    try:
        root = ET.fromstring(source)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"not well-formed XML ({exc})") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeSvg(f"the root element is {root.tag!r}, not an SVG <svg>")
    _clean(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _clean(element):
    for child in list(element):
        if _local(child.tag) in ELEMENTS and child.tag.startswith(f"{{{SVG_NS}}}"):
            _clean(child)
        else:
            element.remove(child)
    for name, value in list(element.attrib.items()):
        if not _allowed(element, name, value):
            del element.attrib[name]
    if _local(element.tag) == "style" and element.text and not _safe_css(element.text):
        element.text = ""


def _allowed(element, name, value):
    local = _local(name)
    if name.startswith("{") and not name.startswith(f"{{{XLINK_NS}}}"):
        return False  # attributes of other namespaces (events, RDF...) draw nothing
    if local.lower().startswith("on"):
        return False
    if local == "href":
        target = value.strip()
        return target.startswith("#") or (_local(element.tag) == "image" and bool(RASTER.match(target)))
    if local == "style" or "url" in value.lower():
        return _safe_css(value)
    return True


def _safe_css(css):
    if BAD_CSS.search(css):
        return False
    return all(target.strip().startswith("#") for target in URL.findall(css))


def _local(tag):
    return tag.rsplit("}", 1)[-1]

"""GeoReport v2's XML format: the same answers as the JSON ones, under the spec's
element names (`<services><service>…`, `<service_requests><request>…`,
`<errors><error>…`), UTF-8 with the XML declaration. A list's items are named by the
list's element (`attributes` → `attribute`); true/false and empty elements as the spec
shows them."""

import re
from typing import Any
from xml.etree import ElementTree

# Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): a
# note typed with one must not make the whole answer unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: The element of each item of a list, by the list's own element.
ITEM = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(ElementTree.SubElement(element, name), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEM.get(element.tag, "item")), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("\ufffd", str(value))


def to_xml(root: str, data: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, data)
    body = ElementTree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")

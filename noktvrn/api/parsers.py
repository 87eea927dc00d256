"""Request body parsers for the API."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONParserBoundedDepth(JSONParser):
    """DRF's JSON parser, with nesting deeper than Python's stack answered 400 (not a RecursionError 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc

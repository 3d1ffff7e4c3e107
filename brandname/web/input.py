"""Malformed input is refused with a clear 400 before any view sees it.

No request may reach the database with text PostgreSQL cannot store (NUL), a redirect target
that would split a header (a line break in `next=`), a row id beyond the columns' range, or a
JSON document nested deep enough to exhaust the parser's stack. These are refused here, for
every route alike, rather than route by route.
"""

import json
import re

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from brandname.errors import InvalidInput
from brandname.rules.text import nesting_deeper_than

# Lists and objects deeper than this are refused: the registry's own documents nest a few levels.
MAX_JSON_DEPTH = 32
# Row ids are INTEGER columns: a larger number in a URL names no row (404), it is not an error.
MAX_ROW_ID = 2**31 - 1

_CONTROL_IN_PATH = re.compile("[\x00-\x1f\x7f]")
# in the raw query string: a control character as such or percent-encoded (%00-%1F, %7F)
_CONTROL_IN_QUERY = re.compile(rb"[\x00-\x1f\x7f]|%[01][0-9a-fA-F]|%7[fF]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class TooDeep(ValueError):
    pass


class InputJSONProvider(DefaultJSONProvider):
    """Flask's JSON with a nesting limit on parsing, so request.get_json() refuses a hostile
    document like any other malformed one (a ValueError) instead of failing with a RecursionError."""

    def loads(self, s, **kwargs):
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as exc:
            raise TooDeep(f"JSON nested more than {MAX_JSON_DEPTH} levels") from exc
        if nesting_deeper_than(value, MAX_JSON_DEPTH):
            raise TooDeep(f"JSON nested more than {MAX_JSON_DEPTH} levels")
        return value


class RowIdConverter(IntegerConverter):
    """`<int:…>` limited to the range of the registry's row ids: a larger one does not match
    (404) instead of overflowing the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def refuse_malformed_input():
    """Refuse control characters in the path or query string and NUL in form fields."""
    environ = request.environ
    if _CONTROL_IN_PATH.search(request.path):
        raise InvalidInput(
            "Địa chỉ trang chứa ký tự điều khiển (như NUL hoặc xuống dòng); yêu cầu bị từ chối.",
            "The address contains a control character (such as NUL or a line break); request refused.",
            details={"part": "path"},
        )
    query = environ.get("QUERY_STRING", "")
    if query and _CONTROL_IN_QUERY.search(query.encode("latin-1", "replace")):
        raise InvalidInput(
            "Tham số truy vấn chứa ký tự điều khiển (như NUL hoặc xuống dòng); yêu cầu bị từ chối.",
            "A query parameter contains a control character (such as NUL or a line break); request refused.",
            details={"part": "query"},
        )
    if request.method != "GET" and request.mimetype in _FORM_TYPES:
        texts = [*request.form.keys(), *request.form.values(), *request.files.keys()]
        texts += [f.filename or "" for f in request.files.values()]
        if any("\x00" in text for text in texts if text):
            raise InvalidInput(
                "Biểu mẫu chứa ký tự NUL không hợp lệ; hãy sửa nội dung và gửi lại.",
                "A form field contains a NUL character, which is not allowed; correct it and send again.",
                details={"part": "form"},
            )


def init_app(app):
    """Before any route is registered: the bounded row-id converter, the JSON nesting limit and
    the request check (first of the request hooks that read input)."""
    app.url_map.converters["int"] = RowIdConverter
    app.json = InputJSONProvider(app)
    app.before_request(refuse_malformed_input)

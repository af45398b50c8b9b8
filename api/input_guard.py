"""Input no view can take, refused before any view runs, in the one error shape.

- A JSON body that is not JSON (400), or nested deeper than MAX_DEPTH (400): the standard
  library's parser recurses, so a body of a few kilobytes nested a thousand levels deep would
  raise RecursionError inside a view (a 500 with a traceback per request).
- Text holding a NUL or a lone surrogate (422, naming the field) in the body, the query, a form
  or the path: neither can be stored (rules.values.storable_text).
- Constants JSON does not have (NaN, Infinity) are not JSON (400).

The body is parsed once, here; the schemas of the views read this parse (`BodyParser`, used by
`api.blueprint.Blueprint`), and views that read the body themselves call `json_body()`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, g, request
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser

from rules.values import (
    UNSTORABLE_ESCAPE,
    UNSTORABLE_TEXT_MESSAGE,
    storable_text,
    unstorable_path,
)

MAX_DEPTH = 64  # JSON levels; the deepest rule (rules.language.MAX_DEPTH groups) needs ~20
NOT_JSON = "请求体不是有效的 JSON"
TOO_DEEP = f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）"
_UNSET = object()
_SUSPECT_ESCAPE = re.compile(UNSTORABLE_ESCAPE.encode())


def register_input_guard(app: Flask) -> None:
    """Check every request's body, query, form and path before its view runs."""
    app.before_request(_guard)


def json_body() -> Any:
    """Return this request's JSON body as the guard parsed it (None when it is not JSON)."""
    body = _body()
    return None if body is core.missing else body


class BodyParser(FlaskParser):
    """webargs' parser reading the body the guard parsed, instead of parsing it again."""

    def _raw_load_json(self, req: Any) -> Any:
        return _body()


def _body() -> Any:
    """Return the parse of this request's JSON body, webargs' `missing` for none."""
    body = g.get("kx_json_body", _UNSET)
    if body is _UNSET:
        body = g.kx_json_body = _parsed_body() if request.is_json else core.missing
    return body


def _guard() -> None:
    if request.is_json:
        _refuse_text("json", _body())
    for location, values in _text_locations():
        for key, value in values:
            if isinstance(key, str) and not storable_text(key):
                _unstorable(location, (_shown(key),))
            if isinstance(value, str) and not storable_text(value):
                _unstorable(location, (_shown(key),))


def _text_locations() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("query", request.args.items(multi=True))]
    if request.view_args:
        found.append(("path", request.view_args.items()))
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        found.append(("form", request.form.items(multi=True)))
    return found


def _parsed_body() -> Any:
    """Return the body parsed strictly (`missing` when empty); abort 400 when it cannot be."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return core.missing
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
    except RecursionError:
        abort(400, message=TOO_DEEP, errors={"json": [TOO_DEEP]})
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        abort(400, message=NOT_JSON, errors={"json": [NOT_JSON]})
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth_over(body, MAX_DEPTH):
        abort(400, message=TOO_DEEP, errors={"json": [TOO_DEEP]})
    return body


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _depth_over(body: Any, limit: int) -> bool:
    """Return True when arrays and objects nest deeper than `limit` levels."""
    stack = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False


def _refuse_text(location: str, body: Any) -> None:
    """Abort 422 naming the first key or text of the body that cannot be stored."""
    if not _SUSPECT_ESCAPE.search(request.get_data(cache=True)):
        return
    path = unstorable_path(body)
    if path is not None:
        _unstorable(location, tuple(_shown(p) if isinstance(p, str) else p for p in path))


def _unstorable(location: str, path: tuple) -> None:
    errors: Any = [UNSTORABLE_TEXT_MESSAGE]
    for part in reversed(path):
        errors = {part: errors}
    abort(422, message=UNSTORABLE_TEXT_MESSAGE, errors={location: errors})


def _shown(key: str) -> str:
    """Return a key as text that can be stored and sent (bad characters escaped)."""
    if storable_text(key):
        return key
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")

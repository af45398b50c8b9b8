"""A stand-in for the province's unified identity service, served over real HTTP in tests.

It speaks the contract of docs/resident-api.md: POST /verify/person {name, id_number} and
POST /verify/enterprise {uscc, relation, name, id_number}, each with `Authorization: Bearer
<key>`, answering {"match": bool, "reason": str}. Tests register who matches and can make it
slow, fail or answer garbage.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

KEY = "province-test-key"


@dataclass
class IdentityService:
    """What the stand-in knows and how it misbehaves."""

    key: str = KEY
    persons: set[tuple[str, str]] = field(default_factory=set)
    enterprises: set[tuple[str, str, str, str]] = field(default_factory=set)
    delay: float = 0.0
    status: int | None = None  # answer this HTTP status with an HTML body instead
    garbage: bool = False  # answer 200 with a body that is not the contract
    received: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Serve one request (WSGI)."""
        request = Request(environ)
        body = request.get_json(silent=True)
        self.received.append(
            {
                "path": request.path,
                "authorization": request.headers.get("Authorization"),
                "json": body,
            }
        )
        return self._answer(request.path, request.headers, body)(environ, start_response)

    def _answer(self, path: str, headers: Any, body: Any) -> Response:
        if self.delay:
            time.sleep(self.delay)
        if self.status is not None:
            return Response("<html>error</html>", self.status, mimetype="text/html")
        if headers.get("Authorization") != f"Bearer {self.key}":
            return _json({"error": "unauthorized"}, 401)
        if self.garbage:
            return Response("OK", 200, mimetype="text/plain")
        if not isinstance(body, dict):
            return _json({"error": "bad request"}, 400)
        if path == "/verify/person":
            match = (body.get("name"), body.get("id_number")) in self.persons
        elif path == "/verify/enterprise":
            key = (body.get("uscc"), body.get("relation"), body.get("name"), body.get("id_number"))
            match = key in self.enterprises
        else:
            return _json({"error": "not found"}, 404)
        return _json({"match": match, "reason": "一致" if match else "不一致"})


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


@contextmanager
def serving(service: IdentityService) -> Iterator[str]:
    """Serve the stand-in on a free local port; yield its base URL."""
    server = make_server("127.0.0.1", 0, service, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)

"""A stand-in for an OpenAI-compatible chat completions endpoint, over real HTTP in tests: it
records what it was sent and answers what the test sets (a text, a status, a delay)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response


@dataclass
class ChatModel:
    """What the stand-in answers."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Serve one request (WSGI)."""
        request = Request(environ)
        self.received.append(
            {
                "path": request.path,
                "authorization": request.headers.get("Authorization"),
                "json": request.get_json(silent=True),
            }
        )
        if self.delay:
            time.sleep(self.delay)
        if request.path != "/v1/chat/completions":
            return Response("not found", 404)(environ, start_response)
        if self.status != 200:
            return Response("<html>busy</html>", self.status)(environ, start_response)
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.text}}],
        }
        answer = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
        return answer(environ, start_response)

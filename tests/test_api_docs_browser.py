"""/docs renders in a real browser from this server's own assets."""

from __future__ import annotations

from tests.browser import rendered_dom


def test_swagger_ui_renders_the_operations(live_server: str) -> None:
    dom = rendered_dom(f"{live_server}/docs")
    assert 'class="swagger-ui"' in dom, "Swagger UI did not mount"
    assert "政策快享 kuaixiang API" in dom
    assert "/healthz" in dom and "/readyz" in dom
    assert "Failed to load API definition" not in dom

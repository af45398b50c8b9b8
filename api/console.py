"""The staff console (console/, Vue 3 + Element Plus) at /console/, from its build output.

`make run` builds api/console_dist when it is missing or older than its sources (Node 20); without a
build, /console/ says how to make one and the API is served as always. Assets carry a content
hash in their names, so they are cached for a day; index.html is never cached.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, redirect, send_from_directory

DIST = Path(__file__).resolve().parent / "console_dist"  # vite builds here; the wheel carries it
NOT_BUILT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>工作台尚未构建</title></head><body style="font-family:sans-serif;padding:2em">
<h1>工作台尚未构建</h1>
<p>运行 <code>make run</code>（需要 Node.js 20）会自动构建；也可以手动：
<code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>。</p>
<p>接口照常可用：<a href="/docs">/docs</a>。</p></body></html>"""


def built(dist: Path = DIST) -> bool:
    """Tell whether the console has been built."""
    return (dist / "index.html").is_file()


def register_console(app: Flask, dist: Path = DIST) -> None:
    """Serve the console's build at /console/."""
    console = Blueprint("console", __name__)

    @console.route("/console")
    def console_root():
        return redirect("/console/", code=308)

    @console.route("/console/")
    def console_index():
        if not built(dist):
            return Response(NOT_BUILT, status=503, mimetype="text/html")
        response = send_from_directory(dist, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    @console.route("/console/<path:filename>")
    def console_asset(filename: str):
        return send_from_directory(dist, filename, max_age=86400)

    app.register_blueprint(console)

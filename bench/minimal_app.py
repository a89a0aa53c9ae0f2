"""The benchmark's baseline: the smallest Flask app, one route returning a tiny HTML page.

Served by `bench/run.py` under the same `gunicorn -c gunicorn.conf.py` settings as the
storefront (workers, gthread threads, keep-alive), so the difference is the app's own cost.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    return "<!doctype html><title>ok</title><p>Hello"

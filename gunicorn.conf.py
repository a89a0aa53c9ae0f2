"""Production server settings: `gunicorn -c gunicorn.conf.py` (see README, "Deploying").

Every value can be changed through the environment; the app itself reads its own
settings (SENDY_BASE_URL, SECRET_KEY, REDIS_URL, ...) when each worker starts.
"""

import os
import shutil
import tempfile

# Prometheus multiprocess mode: every worker writes its samples to files here, and /metrics adds
# them up. Set before the app (and prometheus_client) is imported; emptied at each start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="storefront-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)  # systemd: under RuntimeDirectory

wsgi_app = "storefront:create_app()"
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads: a page waits on Sendy now and then; threads keep the worker busy meanwhile.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Load the app once in the master and fork it: a (re)started worker serves at once instead of
# spending a second of CPU importing while its twin carries the load. Safe: create_app opens
# no connection (httpx and redis connect lazily, and redis-py re-connects after a fork).
preload_app = True
# No periodic worker recycling (gunicorn's default): a recycled worker starts with an empty
# cache; set MAX_REQUESTS only if a leak ever shows up.
max_requests = int(os.environ.get("MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# The app writes its own JSON access log with request ids; gunicorn logs only errors.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn >= 24's control socket (default: under $HOME); the systemd unit puts it under /run.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
# Behind a proxy, set TRUSTED_PROXIES for the app (werkzeug ProxyFix); gunicorn trusts none.
forwarded_allow_ips = ""


def on_starting(server: object) -> None:
    """A fresh start counts from zero: no samples left by an earlier run."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def when_ready(server: object) -> None:
    """The master, the app preloaded and before the first fork, compiles every template once: each
    worker (a recycled one too) inherits them, and no shopper's first page waits ~300 ms for them."""
    app = getattr(getattr(server, "app", None), "callable", None)
    if app is not None and hasattr(app, "jinja_env"):
        from storefront.web.templating import compile_templates

        compile_templates(app)


def post_fork(server: object, worker: object) -> None:
    """Each worker exports the counters alerts read at zero from its start (storefront.runtime.metrics)."""
    from storefront.runtime import metrics

    metrics.export_zeros()


def child_exit(server: object, worker: object) -> None:
    """A worker that exits stops counting in the live figures."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]

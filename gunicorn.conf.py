"""Production server settings: `gunicorn -c gunicorn.conf.py` (see README, "Deploying").

Every value can be changed through the environment; the app itself reads its own
settings (SENDY_BASE_URL, SECRET_KEY, REDIS_URL, ...) when each worker starts.
"""

import os

wsgi_app = "storefront:create_app()"
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads: a page waits on Sendy now and then; threads keep the worker busy meanwhile.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 50000
max_requests_jitter = 5000
# The app writes its own JSON access log with request ids; gunicorn logs only errors.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a proxy, set TRUSTED_PROXIES for the app (werkzeug ProxyFix); gunicorn trusts none.
forwarded_allow_ips = ""

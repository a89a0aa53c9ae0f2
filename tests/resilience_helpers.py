"""Moved to the ``helpers`` package; these names stay importable from here for test modules
written before it (import from ``helpers.app``, ``helpers.pages``, ``helpers.servers`` and ``helpers.clock``).
"""

from helpers.app import SECRET, close_app, expire, forget_everything, http_app  # noqa: F401
from helpers.checkout import orders_by_ref  # noqa: F401
from helpers.clock import later  # noqa: F401
from helpers.pages import CRASH_MARKERS, assert_sane, body_of, page_lang  # noqa: F401
from helpers.servers import RedisProcess, at_once, free_port, redis_server, serve_wsgi, stop  # noqa: F401

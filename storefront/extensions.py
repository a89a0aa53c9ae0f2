"""Unbound Flask extensions, bound to an app by the factory."""

from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect

babel = Babel()
cache = Cache()
compress = Compress()
csrf = CSRFProtect()

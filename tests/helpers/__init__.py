"""What the tests share, one module per kind of helper (fixtures stay in ``tests/conftest.py``).

- ``app``: the demo stores' names, the storefront wired to a sandbox (in-process or over HTTP),
  and cache resets.
- ``checkout``: driving the storefront like a browser (forms with their CSRF token, the cart,
  the checkout) and counting what Sendy received.
- ``pages``: reading what the shopper sees (text, translations, errors, flashes, badges) and
  checking that a page is sane (never a 500, never a traceback).
- ``messages``: the shopper-facing messages several test modules look for (their msgids).
- ``servers``: real servers on loopback (a WSGI app, redis-server), free ports, and actions
  released at the same instant on threads.
- ``clock``: moving time forward without sleeping.
"""

"""Views: one blueprint per feature; thin functions over the services.

Every route the app answers is in a blueprint of this package (``BLUEPRINTS``, registered in this
order by the factory); nothing else keeps a list of paths. The sandbox's own routes belong to the
sandbox app, served apart (``flask sandbox serve``).
"""

from __future__ import annotations

from storefront.views import cart, checkout, health, images, metrics, site, store, tls, tracking, webhooks

#: Every blueprint of the app, in the order the factory registers them.
BLUEPRINTS = (health.bp, metrics.bp, tls.bp, site.bp, webhooks.bp, store.bp, cart.bp, checkout.bp, tracking.bp,
              images.bp)
#: Endpoints (or blueprints) answered on any well-formed host: probes come by IP and port, the scraper too.
ANY_HOST = ("health", "metrics", "tls")
#: Endpoints (or blueprints) that keep their own paths on a store's custom domain (Sendy's webhooks are
#: the platform's: registered on its host, they must not become a store path on a custom domain).
SITE_WIDE = (*ANY_HOST, "static", "images", "site.favicon", "webhooks")

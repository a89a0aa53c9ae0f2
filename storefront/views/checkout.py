"""Views: checkout (placeholder until the checkout issue lands)."""

from storefront.views.common import store_blueprint

bp = store_blueprint("checkout", __name__)

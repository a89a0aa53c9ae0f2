"""Views: the cart — add from a product page, change quantities, remove lines."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from storefront.extensions import csrf
from storefront.images.pictures import picture
from storefront.services import cart, checkout, shipping
from storefront.services.digits import parse_quantity
from storefront.views.common import store_blueprint
from storefront.views.messages import cart_message
from storefront.views.safety import same_origin
from storefront.web.i18n import store_route
from storefront.web.templating import isolated, money

bp = store_blueprint("cart", __name__, private=True)


@store_route(bp, "/cart")
def show() -> str:
    """The cart with line totals, the subtotal, the delivery fee when the store's rules give it, and any
    unavailable lines."""
    the_cart = cart.view(g.store)
    delivery = shipping.delivery(g.store, the_cart.subtotal, checkout.chosen_province(g.slug)) \
        if the_cart.orderable else shipping.Delivery(0)
    return render_template("cart/cart.html", cart=the_cart, max_quantity=cart.MAX_QUANTITY,
                           whatsapp_only=checkout.api_key(g.slug) is None, delivery=delivery)


@store_route(bp, "/cart/add", methods=["POST"])
@csrf.exempt  # posted from cacheable product pages: guarded by SameSite=Lax + same origin
def add() -> Response:
    """Add a product, then show the cart (with the reason if it could not be added).

    product.js posts with ``Accept: application/json`` to stay on the product page: it gets the line
    added, the subtotal and the new count for the mini-cart, or the URL to go to when the product could
    not be added (the choice to make again, or the cart page saying why).
    """
    wants_json = request.accept_mimetypes.best == "application/json"
    if not same_origin():
        abort(403)
    sku = request.form.get("sku", "")
    quantity = parse_quantity(request.form.get("quantity")) or 1
    chosen = [request.form.get(f"o{i}") for i in range(cart.MAX_OPTIONS)]
    try:
        line = cart.add(g.store, sku, quantity, chosen)
    except cart.CartError as exc:
        if exc.product is not None:  # back to the product page, saying which choice to make again
            values: dict[str, Any] = {f"o{i}": v for i, v in enumerate(chosen[:len(exc.product.options)]) if v}
            missing = next((f"pick-{i}" for i in range(len(exc.product.options)) if not chosen[i]), "choose")
            target = url_for("store.product", sku=exc.product.sku, choose=1, _anchor=missing, **values)
            return jsonify(go=target) if wants_json else redirect(target, 303)
        flash(cart_message(exc.kind), "error")
        return jsonify(go=url_for("cart.show")) if wants_json else redirect(url_for("cart.show"), 303)
    message = _("Added to your cart: %(name)s", name=isolated(line.name))
    if wants_json:
        return jsonify(_added(line, quantity, message))
    flash(message, "success")
    return redirect(url_for("cart.show"), 303)


def _added(line: cart.CartLine, quantity: int, message: str) -> dict[str, Any]:
    """The mini-cart's answer: the line just added (the quantity this press added), the cart's subtotal
    and count, every amount formatted by the server (Babel, in the page's language)."""
    the_cart = cart.view(g.store)
    photo = picture(line.image, "line") if line.image else None
    options = [[name, value] for name, value in line.options]  # pairs: the page isolates each (<bdi>)
    return {"message": message, "count": cart.count(g.store), "subtotal": money(the_cart.subtotal),
            "line": {"sku": line.sku, "name": line.title, "options": options, "quantity": quantity,
                     "price": money(line.price), "image": photo.src if photo else ""}}


@store_route(bp, "/cart/update", methods=["POST"])
def update() -> Response:
    """Change one line's quantity (1–99: typed, or one less or more with − and +) or remove it."""
    sku = request.form.get("sku", "")
    action = request.form.get("action")
    line = request.form.get("line", "")
    back = url_for("cart.show", _anchor=f"l-{line}" if line.isascii() and line.isdigit() and len(line) <= 2 else None)
    if action == "remove":
        cart.remove(g.slug, sku)
        flash(_("Removed from your cart."), "success")
        return redirect(url_for("cart.show"), 303)
    if action in ("inc", "dec"):  # (from a number just typed, then − or + pressed)
        cart.step_quantity(g.slug, sku, 1 if action == "inc" else -1, parse_quantity(request.form.get("quantity")))
        return redirect(back, 303)
    quantity = parse_quantity(request.form.get("quantity"))
    if quantity is None or not 1 <= quantity <= cart.MAX_QUANTITY:
        flash(_("Choose a quantity from 1 to %(max)d.", max=cart.MAX_QUANTITY), "error")
        return redirect(url_for("cart.show"), 303)
    cart.set_quantity(g.slug, sku, quantity)
    return redirect(back, 303)

"""Views: checkout — delivery details, the one-time code, and the confirmation page."""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from storefront.runtime.state import StateUnavailable
from storefront.sendy import (
    SendyError,
    SendyForbidden,
    SendyRateLimited,
    SendyRejected,
    SendyUnavailable,
)
from storefront.sendy.models import Province
from storefront.services import addresses, cart, checkout, limits, shipping
from storefront.views.common import store_blueprint
from storefront.views.forms import CheckoutForm, CodeForm
from storefront.views.messages import limit_message
from storefront.web.announcement import announcement
from storefront.web.i18n import store_route

bp = store_blueprint("checkout", __name__, private=True)
bp.add_app_template_global(announcement)  # every store page's top line (templates/_partials/announcement.html)
log = logging.getLogger("storefront.checkout")
#: The form again, with a message, on both checkout steps: for a field to correct or a Sendy
#: failure to retry alike; a limit reached is 429 (and a form that can't be filled in at all,
#: the governorates missing, 503).
FORM_ERROR = 400


def MAYBE_PLACED() -> str:  # noqa: N802 - a message, read like a constant
    """Why we will not send this order again."""
    return _("Your order was most likely placed already, but we couldn't confirm it. The store will "
             "contact you to confirm it; to be sure, message the store on WhatsApp before ordering again.")


def NOT_CONFIRMED() -> str:  # noqa: N802 - a message, read like a constant
    """The order call's answer was lost: the same code again is safe."""
    return _("We couldn't confirm your order. Your cart is saved: wait a moment, then press "
             "the button again — your order will not be placed twice.")


def CODE_MAYBE_SENT() -> str:  # noqa: N802 - a message, read like a constant
    """Why the shopper is on the code page although we could not confirm the code was sent."""
    return _("We couldn't confirm that your code was sent. If it arrives, enter it below; "
             "if not, ask for a new one when the timer ends.")


@store_route(bp, "/checkout", methods=["GET", "POST"])
def details() -> ResponseReturnValue:
    """The delivery form; with JavaScript off, a button reloads the areas."""
    the_cart = cart.view(g.store)
    if checkout.api_key(g.slug) is None:
        return render_template("checkout/unavailable.html", cart=the_cart, delivery=_whatsapp_delivery())
    if not the_cart.orderable:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("cart.show"), 303)
    form = CheckoutForm(data=checkout.saved_details(g.slug)) if request.method == "GET" else CheckoutForm()
    status = _fill_choices(form)
    if request.method == "POST" and request.form.get("action") != "areas":
        if form.validate():
            return _send_code(form)
        status = max(status, FORM_ERROR)
    return _details_page(form), status


def _details_page(form: CheckoutForm, problem: str | None = None) -> str:
    """The delivery form, its summary with the fee to the governorate chosen (if one is)."""
    the_cart = cart.view(g.store)
    chosen = form.province.data if form.province.data in {c.value for c in form.province.choices} else ""
    delivery = shipping.delivery(g.store, the_cart.subtotal, chosen or "")
    return render_template("checkout/details.html", form=form, cart=the_cart, problem=problem, delivery=delivery)


def _fill_choices(form: CheckoutForm) -> int:
    lang, status = g.lang, 200
    provinces, areas = [], []
    try:
        provinces = addresses.provinces()
        if form.province.data:
            areas = addresses.sorted_by_name(addresses.areas(form.province.data), lang)
    except SendyError:
        message = _("We couldn't load the areas. Please try again.") if provinces else \
            _("We couldn't load the list of governorates. Please try again in a minute.")
        flash(message, "error")
        status = 503
    form.province.choices = [SelectChoice("", _("Choose your governorate")), *province_choices(provinces, lang)]
    first = _("Choose your area") if areas else _("Choose a governorate first")
    form.area.choices = [("", first)] + [(a.id, a.name(lang)) for a in areas]
    if form.area.data and form.area.data not in {a.id for a in areas}:
        form.area.data = ""
    return status


#: The governorates most shoppers live in, largest first: the top of the list (then every other, A–Z).
LARGEST_PROVINCES = ("BG", "NI", "BA", "SU", "AR")
_ALEFS = str.maketrans("أإآ", "ااا")


def _alphabetical(name: str) -> str:
    """A governorate's place in an A–Z list: Arabic-script names without their article (البصرة under ب)."""
    name = name.translate(_ALEFS)
    return name[2:] if name.startswith("ال") else name


def province_choices(provinces: list[Province], lang: str) -> list[SelectChoice]:
    """The governorate options for the shopper: the largest first, then the others A–Z, each once."""
    first = [p for code in LARGEST_PROVINCES for p in provinces if p.code == code]
    rest = sorted((p for p in provinces if p not in first), key=lambda p: _alphabetical(p.name(lang)))
    if not first:
        return [SelectChoice(p.code, p.name(lang)) for p in rest]
    largest, others = _("Largest governorates"), _("Other governorates (A–Z)")
    return [SelectChoice(p.code, p.name(lang), optgroup=largest) for p in first] + \
        [SelectChoice(p.code, p.name(lang), optgroup=others) for p in rest]


def _send_code(form: CheckoutForm) -> ResponseReturnValue:
    d = checkout.Details(name=form.name.data.strip(), phone=form.normalized_phone,
                         province=form.province.data, area=form.area.data,
                         address=form.address.data.strip(), notes=(form.notes.data or "").strip())
    status, problem = FORM_ERROR, None
    try:
        checkout.request_code(g.store, d, request.remote_addr or "")
    except limits.LimitExceeded as exc:
        if exc.budget:
            return codes_paused(exc)
        form.phone.errors.append(limit_message(exc.kind, exc.retry_after))
        status = 429
    except checkout.OrderMaybePlaced:
        return redirect(url_for("checkout.code"), 303)
    except checkout.CodeMaybeSent:
        flash(CODE_MAYBE_SENT(), "error")
        return redirect(url_for("checkout.code"), 303)
    except checkout.DetailsTooLong:
        form.address.errors.append(_("Your address and note are too long. Please shorten them."))
    except SendyRejected as exc:
        _field_errors(form, exc)
    except (SendyRateLimited, SendyForbidden, SendyUnavailable) as exc:
        problem = _sendy_message(exc, placing=False)
        status = 429 if isinstance(exc, SendyRateLimited) else FORM_ERROR
    except StateUnavailable as exc:  # no limits to check, so no code: the form stays as typed
        log.warning("checkout of %s: shared state unavailable, no code sent (%s)", g.slug, exc)
        return _details_page(form, _sendy_message(exc, placing=False)), 503, {"Retry-After": str(exc.retry_after)}
    else:
        return redirect(url_for("checkout.code"), 303)
    return _details_page(form, problem), status


@store_route(bp, "/checkout/areas")
def areas() -> Response | tuple[Response, int]:
    """The areas of one governorate, for the JavaScript picker."""
    try:
        found = addresses.areas(request.args.get("province", ""))
    except SendyError:
        return jsonify(error=_("We couldn't load the areas. Please try again.")), 503
    return jsonify([{"id": a.id, "name": a.name(g.lang)}
                    for a in addresses.sorted_by_name(found, g.lang)])


@store_route(bp, "/checkout/code", methods=["GET", "POST"])
def code() -> ResponseReturnValue:
    """Enter the one-time code (or ask for another), then the order is placed."""
    if checkout.code_step(g.slug) is None:
        return _after_checkout()
    form = CodeForm()
    if request.method == "POST":
        if request.form.get("action") == "restart":  # CSRF checked globally
            checkout.abandon(g.slug)
            return redirect(url_for("checkout.details"), 303)
        if request.form.get("action") == "resend":
            return _resend()
        if form.validate():
            return _place(form)
    return _code_page(form, 200 if request.method == "GET" else FORM_ERROR)


def _code_page(form: CodeForm, status: int, problem: str | None = None,
               final: bool = False) -> ResponseReturnValue:
    """The code page. problem: a banner above the form (Sendy failed, nothing for the shopper to
    correct). The order may exist already: one notice instead, the same code again is safe, and
    once it is spent (final) only the store can tell."""
    step = checkout.code_step(g.slug)
    if step is None:  # the checkout ended meanwhile (placed from another tab)
        return _after_checkout()
    final = final or step.spent  # (a reload shows the same page)
    if step.maybe_placed:
        problem = MAYBE_PLACED() if final else NOT_CONFIRMED()
    lines: tuple[object, ...]
    if step.sent:  # after a lost answer: what a retry will send, whatever the cart holds now
        lines, value = step.sent
        fee = checkout.sent_fee(step.pending.ref)
        delivery = shipping.Delivery(value, fee, ruled=fee is not None)
    else:
        shown = cart.view(g.store)
        lines, value = shown.orderable, shown.subtotal
        # (no "add N for free delivery" here: the order is being placed, not filled)
        delivery = replace(shipping.delivery(g.store, value, step.pending.details.province), to_free=None)
    return render_template("checkout/code.html", form=form, pending=step.pending, wait=step.wait,
                           phone=step.phone, maybe_placed=step.maybe_placed,
                           final=final, problem=problem, lines=lines, subtotal=value, delivery=delivery), status


def _resend() -> ResponseReturnValue:
    form = CodeForm(formdata=None)
    current = checkout.pending(g.slug)
    assert current is not None
    try:
        checkout.request_code(g.store, current.details, request.remote_addr or "", resend=True)
    except limits.LimitExceeded as exc:
        if exc.budget:
            return codes_paused(exc)
        form.code.errors = [limit_message(exc.kind, exc.retry_after)]
        status = 429
    except checkout.OrderMaybePlaced:
        return _code_page(form, 409, final=True)
    except checkout.CodeMaybeSent:
        return _code_page(form, 503, CODE_MAYBE_SENT())
    except SendyError as exc:
        return _code_page(form, 429 if isinstance(exc, SendyRateLimited) else FORM_ERROR,
                          _sendy_message(exc, placing=False))
    else:
        flash(_("We sent you a new code."), "success")
        return redirect(url_for("checkout.code"), 303)
    return _code_page(form, status)


def _place(form: CodeForm) -> ResponseReturnValue:
    try:
        receipt = checkout.place_order(g.store, cart.view(g.store), form.code.data)
    except limits.LimitExceeded:
        form.code.errors.append(_("Too many wrong codes. Ask for a new code."))
    except checkout.EmptyCart:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("cart.show"), 303)
    except checkout.OrderMaybePlaced:
        return _code_page(form, FORM_ERROR, final=True)
    except checkout.OrderInFlight:
        return _code_page(form, FORM_ERROR, _("Your order is still being placed. Please wait a moment, "
                                              "then press the button again."))
    except checkout.CartChanged:
        flash(_("Some products in your cart changed. Please check your cart and try again."), "error")
        return redirect(url_for("cart.show"), 303)
    except SendyRejected as exc:
        return _rejected(form, exc)
    except (SendyRateLimited, SendyForbidden, SendyUnavailable) as exc:
        return _code_page(form, FORM_ERROR, _sendy_message(exc))
    else:
        return redirect(url_for("checkout.confirmation", public_id=receipt.public_id), 303)
    return _code_page(form, FORM_ERROR)


def _rejected(form: CodeForm, exc: SendyRejected) -> ResponseReturnValue:
    """Put Sendy's complaints on the field they belong to."""
    if exc.for_field("otp_code"):
        form.code.errors.append(_("That code is wrong or has expired. Check it, or ask for a new code."))
        return _code_page(form, FORM_ERROR)
    details_form = CheckoutForm(formdata=None, data=checkout.saved_details(g.slug))
    _fill_choices(details_form)
    _field_errors(details_form, exc)
    return _details_page(details_form), FORM_ERROR


def _field_errors(form: CheckoutForm, exc: SendyRejected) -> bool:
    """Attach Sendy's field errors to our fields; True when any landed."""
    messages = {
        "name": _("Check your name."),
        "phone": _("Enter an Iraqi mobile number (starting with 07 or +964 7)."),
        "province": _("Choose your governorate again."),
        "area": _("This area is not in the chosen governorate. Choose your area again."),
        "address": _("Describe where to deliver: street, house, nearest landmark."),
        "notes": _("Shorten your note."),
    }
    landed = False
    for name, message in messages.items():
        if exc.for_field(name):
            getattr(form, name).errors = [*getattr(form, name).errors, message]
            landed = True
    if not landed:
        flash(_("The store could not accept this order: %(reason)s", reason=exc.message), "error")
    return landed


def _sendy_message(exc: SendyError | StateUnavailable, *, placing: bool = True) -> str:
    if isinstance(exc, SendyRateLimited):
        return _("Too many codes were sent to this number. Please try again later.")
    if isinstance(exc, SendyForbidden):
        log.error("sendy refused the store's API key for %s", g.slug)
        return _("Online ordering is unavailable right now. Please contact the store on WhatsApp.")
    if placing and isinstance(exc, SendyUnavailable) and exc.maybe_processed:
        return NOT_CONFIRMED()
    return _("We couldn't reach the store. Your cart and details are saved — please try again.")


def codes_paused(exc: limits.LimitExceeded) -> tuple[str, int, dict[str, str]]:
    """A budget is spent: no code now, but the order can still go to the store on WhatsApp."""
    page = render_template("checkout/unavailable.html", cart=cart.view(g.store), paused=True,
                           delivery=_whatsapp_delivery())
    return page, 429, {"Retry-After": str(exc.retry_after)}


def _whatsapp_delivery() -> shipping.Delivery:
    """The delivery of the cart to the governorate typed last, for the WhatsApp message."""
    return shipping.delivery(g.store, cart.view(g.store).subtotal, checkout.chosen_province(g.slug))


def _after_checkout() -> Response:
    """No checkout in progress: show the last order placed, else the cart."""
    placed = checkout.last_order(g.slug)
    if placed:
        return redirect(url_for("checkout.confirmation", public_id=placed), 303)
    return redirect(url_for("cart.show"), 303)


@store_route(bp, "/orders/<public_id>")
def confirmation(public_id: str) -> str:
    """The order placed: its reference, the items, the total and what happens next."""
    receipt = checkout.receipt(g.slug, public_id)
    if receipt is None:
        abort(404)
    return render_template("checkout/confirmation.html", receipt=receipt)

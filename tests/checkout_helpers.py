"""Moved to the ``helpers`` package; these names stay importable from here for test modules
written before it (import from ``helpers.checkout``, ``helpers.pages`` and ``helpers.clock``).
"""

from helpers.app import PHONE, share_compiled_templates  # noqa: F401
from helpers.checkout import (  # noqa: F401
    DETAILS,
    KARRADA,
    ORDER_PATH,
    ORIGIN,
    SEND_OTP_PATH,
    add_to_cart,
    cart_badge,
    cart_items,
    enter_code,
    fill_checkout,
    place_order,
    resend_code,
    sendy_calls,
    session_of,
    start_checkout,
    submit,
    update_cart,
    url,
)
from helpers.clock import install_clock  # noqa: F401
from helpers.pages import (  # noqa: F401
    BABEL_LOCALES,
    alert,
    badge,
    field_errors,
    flashes,
    input_value,
    iqd,
    ntr,
    select_options,
    shows,
    text,
    tr,
    tr_parts,
)

from storefront.runtime.clock import Clock  # noqa: F401

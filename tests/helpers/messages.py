"""Shopper-facing messages that several test modules look for, as their msgids (``tr`` translates them)."""

# -- the storefront could not reach Sendy ------------------------------------------------------
BREAK_TITLE = "The store is taking a short break"
NO_PROVINCES = "We couldn't load the list of governorates. Please try again in a minute."
SAVED = "We couldn't reach the store. Your cart and details are saved — please try again."
MAYBE_SENT = ("We couldn't confirm that your code was sent. If it arrives, enter it below; "
              "if not, ask for a new one when the timer ends.")
UNCONFIRMED = ("We couldn't confirm your order. Your cart is saved: wait a moment, then press the "
               "button again — your order will not be placed twice.")
MAYBE_PLACED = ("Your order was most likely placed already, but we couldn't confirm it. The store will "
                "contact you to confirm it; to be sure, message the store on WhatsApp before ordering again.")

# -- what the shopper typed -------------------------------------------------------------------
#: The delivery form's fields and their labels.
FIELDS = {"name": "Full name", "phone": "Mobile phone", "province": "Governorate", "area": "Area",
          "address": "Address details / nearest landmark", "notes": "Note for the store (optional)"}
WRONG_AREA = "This area is not in the chosen governorate. Choose your area again."
WRONG_CODE = "That code is wrong or has expired. Check it, or ask for a new code."
TOO_MANY_WRONG = "Too many wrong codes. Ask for a new code."
NOT_A_NUMBER = "Enter a mobile number like 0770 123 4567."

"""Sandbox layer: one-time codes (issue, rate limit, verify, consume) over the state."""

from __future__ import annotations

import re
import secrets

from storefront.sendy.sandbox.state import OtpCode, SandboxState

PHONE_RE = re.compile(r"9647[0-9]{9}")
CODE_TTL_SECONDS = 300
RESEND_AFTER_SECONDS = 60
MAX_SENDS = 5
SEND_WINDOW_SECONDS = 600
MAX_ATTEMPTS = 5


class TooManyCodes(Exception):
    """The phone was sent too many codes in the rate-limit window."""


def is_phone(value: object) -> bool:
    """Tell whether value is an Iraqi mobile number in 13-digit form (9647XXXXXXXXX)."""
    return isinstance(value, str) and PHONE_RE.fullmatch(value) is not None


def issue_code(state: SandboxState, slug: str, phone: str, now: float) -> str:
    """Create a code for phone at store slug, replacing the previous one; rate limited."""
    with state.lock:
        recent = [t for t in state.otp_sends.get(phone, []) if now - t < SEND_WINDOW_SECONDS]
        if len(recent) >= MAX_SENDS:
            state.otp_sends[phone] = recent
            raise TooManyCodes(phone)
        code = f"{secrets.randbelow(10**6):06d}"
        state.otp_sends[phone] = [*recent, now]
        state.otps[(slug, phone)] = OtpCode(code, now + CODE_TTL_SECONDS)
        state.last_codes[phone] = code
        return code


def check_code(state: SandboxState, slug: str, phone: object, code: object, now: float) -> bool:
    """Tell whether code is the live code for phone; a wrong guess counts an attempt."""
    if not isinstance(phone, str):
        return False
    with state.lock:
        current = state.otps.get((slug, phone))
        if current is None or current.expires_at <= now:
            return False
        if isinstance(code, str) and secrets.compare_digest(current.code, code):
            return True
        current.attempts += 1
        if current.attempts >= MAX_ATTEMPTS:
            del state.otps[(slug, phone)]
        return False


def consume_code(state: SandboxState, slug: str, phone: str) -> None:
    """Spend the code of phone at store slug so it cannot be used again."""
    with state.lock:
        state.otps.pop((slug, phone), None)

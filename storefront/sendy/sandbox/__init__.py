"""Sandbox layer: a faithful, stateful stand-in for the Sendy API, with fault injection.

Mounted in-process through ``Sandbox.transport()`` for demos and tests, or served over
HTTP with ``flask sandbox serve``. It implements the house reading of SENDY_CONTRACT.md.
"""

from storefront.sendy.sandbox.cli import sandbox_cli, serve_in_thread
from storefront.sendy.sandbox.core import Sandbox
from storefront.sendy.sandbox.faults import Fault, Faults
from storefront.sendy.sandbox.seed import load_state
from storefront.sendy.sandbox.state import SandboxState, Store

__all__ = [
    "Fault",
    "Faults",
    "Sandbox",
    "SandboxState",
    "Store",
    "load_state",
    "sandbox_cli",
    "serve_in_thread",
]

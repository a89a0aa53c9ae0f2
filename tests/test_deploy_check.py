"""`make deploy-check` inside `make test`: the production stack on loopback (Redis, the sandbox as Sendy,
gunicorn with two workers, Caddy with its internal CA), a custom domain added while it runs, and an
order placed over HTTPS on it (deploy/check.py; about 20 s)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("caddy") and shutil.which("redis-server")),
                                 reason="caddy and redis-server not installed (make test installs them)")]


def test_the_whole_stack_serves_a_custom_domain_added_while_it_runs_over_https() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "deploy" / "check.py")], cwd=ROOT, capture_output=True,
                         text=True, timeout=170)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "a shopper placed an order over HTTPS on the custom domain" in run.stdout
    assert "deploy-check passed" in run.stdout and "everything torn down" in run.stdout

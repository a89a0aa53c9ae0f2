"""Alerts see the first event: every counter the README's alerts read is exported at 0 from the start.

``increase(x[1h]) > 0`` never fires for a series that appears with its first event (there is no
earlier sample to increase from). Each check runs a fresh Python process (this test process has
counted plenty already): the app as ``flask run`` serves it, and a gunicorn worker's files in
``PROMETHEUS_MULTIPROC_DIR`` after the fork (the master made the app before it: preload).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from storefront.runtime import metrics
from storefront.sendy.wire.routes import _ENDPOINTS

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "scrape-" + "z" * 24
#: What the README's alerts select, as (metric, labels): each must be there at 0.
ALERTED = [
    *(("storefront_orders_total", {"outcome": o}) for o in ("placed", "rejected", "uncertain", "failed")),
    *(("storefront_otp_sends_total", {"outcome": o}) for o in ("sent", "refused", "failed", "uncertain")),
    *(("storefront_otp_verifications_total", {"outcome": o}) for o in ("correct", "wrong")),
    *(("storefront_otp_refusals_total", {"reason": r}) for r in
      ("cooldown", "phone", "phone_day", "ip", "wrong", "prefix", "store_hourly", "store_daily", "platform")),
    *(("storefront_sendy_requests_total", {"endpoint": e, "outcome": o})
      for e in ("storefront", "provinces", "areas", "send_otp", "order", "order_read", "order_find")
      for o in ("2xx", "4xx", "5xx", "timeout", "unreachable")),
    ("storefront_sendy_requests_total", {"endpoint": "any", "outcome": "busy"}),
    *(("storefront_redis_failures_total", {"use": u}) for u in ("state", "limits", "cache")),
]

FRESH_APP = """
import json, sys
from storefront import create_app
app = create_app({"TESTING": True, "METRICS_TOKEN": sys.argv[1]})
print(json.dumps(app.test_client().get("/metrics", headers={"Authorization": "Bearer " + sys.argv[1]})
                 .get_data(as_text=True)))
"""

#: As under gunicorn (preload): the master makes the app, on_starting clears the folder, a worker is
#: forked and post_fork runs; a scrape (any process) reads the files.
FORKED_WORKER = """
import json, os, runpy, sys
conf = runpy.run_path("gunicorn.conf.py")
from storefront import create_app
app = create_app({"TESTING": True, "METRICS_TOKEN": sys.argv[1]})
conf["on_starting"](None)
pid = os.fork()
if pid == 0:
    conf["post_fork"](None, None)
    os._exit(0)
os.waitpid(pid, 0)
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
registry = CollectorRegistry()
multiprocess.MultiProcessCollector(registry)
print(json.dumps(generate_latest(registry).decode()))
"""


def _scrape(script: str, tmp_path: Path, multiprocess: bool) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if multiprocess:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
        (tmp_path / "metrics").mkdir()
    done = subprocess.run([sys.executable, "-c", script, TOKEN], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _value(text: str, name: str, labels: dict[str, str]) -> float | None:
    for line in text.splitlines():
        match = re.match(rf"{re.escape(name)}\{{(.*)\}} (\S+)$", line)
        if match and dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))) == labels:
            return float(match.group(2))
    return None


@pytest.mark.parametrize(("script", "multiprocess"), [
    pytest.param(FRESH_APP, False, id="one-process"),
    pytest.param(FORKED_WORKER, True, id="gunicorn-worker"),
])
def test_alerted_counters_are_exported_at_zero_from_the_start(tmp_path, script, multiprocess):
    text = _scrape(script, tmp_path, multiprocess)

    missing = [(name, labels) for name, labels in ALERTED if _value(text, name, labels) != 0.0]

    assert missing == []


def test_every_sendy_endpoint_the_client_names_is_exported() -> None:
    known = {labels for counter, sets in metrics.KNOWN_LABELS if counter is metrics.SENDY_CALLS for labels in sets}
    assert {(name, "2xx") for _, _, name in _ENDPOINTS} <= known

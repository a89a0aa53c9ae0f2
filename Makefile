# Two commands for a fresh machine: `make run` (the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MO := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_PROCESSES ?= 2

.PHONY: run test test-fast serve bench audit venv test-tools translations photos extract chromium redis caddy varnish \
	wrk audit-tools lint clean deploy-check

run: venv translations photos
	@echo "Demo stores: http://$(HOST):$(PORT)/  (e.g. http://$(HOST):$(PORT)/flora-baghdad/)"
	$(BIN)/flask --app storefront run --host $(HOST) --port $(PORT)

# On two processes (pytest-xdist; a module stays on one process, so its servers and browser are
# started once), the longest modules first (tests/conftest.py). TEST_PROCESSES=1 runs one process.
test: test-tools translations photos chromium redis caddy varnish lint
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_PROCESSES) --dist loadfile

# The inner loop (about a minute): everything but the tests marked `slow` (Chromium, the soak,
# gunicorn on Redis, real timeouts, bursts of requests). `make test` still runs them all.
test-fast: test-tools translations photos redis varnish
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_PROCESSES) --dist loadfile

# Two stamps, each installed once (again when pyproject.toml changes): the app alone for
# `make run`/`make serve`, and the app with the test tools (pytest, Playwright, ruff, mypy).
venv: $(VENV)/.installed-run
test-tools: $(VENV)/.installed-test

$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

translations: venv $(MO)

# The demo stores' photos: 12 MP JPEGs of about 2 MB, as phones upload them (not committed;
# made once per clone, again when the tool or the seed changes; about 1.5 minutes on two cores,
# most of the first `make run`).
PHOTOS := static/img/photos/.stamp
photos: $(PHOTOS)

$(PHOTOS): tools/make_demo_photos.py storefront/sendy/sandbox/data/stores.json $(VENV)/.installed-run
	$(BIN)/python tools/make_demo_photos.py
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -f -d translations -l $* --statistics

# Re-extract the strings, and merge them into every catalog.
extract: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* .venv node_modules' -o translations/messages.pot --no-location --sort-output --project storefront .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# Browser tests drive Debian's Chromium (Playwright's own download is not reachable).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

redis:
	@command -v redis-server >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# The front (deploy/Caddyfile): Debian's Caddy. The package starts a stock server on port 80; when
# installed here (for the tests and deploy-check, which run their own Caddy) it is stopped and
# disabled again. A deployment enables it with its own Caddyfile (README, "Deploying").
caddy:
	@command -v caddy >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null && { $(SUDO) systemctl disable --now caddy >/dev/null 2>&1 || true; }; }

# The production stack on loopback (Redis, the sandbox as Sendy, gunicorn with 2 workers, Caddy with
# its internal CA), a custom domain added while it runs and an order placed over HTTPS on it; all torn
# down after. About 20 s. Also run by `make test` (tests/test_deploy_check.py).
deploy-check: venv translations redis caddy
	$(BIN)/python deploy/check.py

# Varnish with the xkey vmod (Debian's varnish-modules), for deploy/varnish.vcl's tests and the bench;
# the system service it installs is not needed (tests start their own varnishd on loopback).
varnish:
	@command -v varnishd >/dev/null 2>&1 && dpkg -s varnish-modules >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null; }

lint: test-tools
	$(BIN)/ruff check .
	$(BIN)/mypy storefront
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo .pytest_cache

# Production server, locally: gunicorn with two workers against the sandbox served over HTTP
# (one sandbox shared by both workers, as one Sendy would be).
SANDBOX_PORT ?= 5001
serve: venv translations photos
	@$(BIN)/flask --app storefront sandbox serve --port $(SANDBOX_PORT) & sandbox=$$!; \
	trap "kill $$sandbox" EXIT INT TERM; sleep 1; \
	SENDY_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) STOREFRONT_ENV=development \
	SENDY_API_KEYS="$$($(BIN)/flask --app storefront sandbox keys)" \
	BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py

# Benchmarks: gunicorn on the sandbox served over HTTP, loaded by wrk; fails when a budget is missed.
bench: test-tools translations photos redis varnish wrk
	$(BIN)/python bench/run.py

wrk:
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# Audits in a real browser: Lighthouse, axe-core, the Nu HTML Checker, the first-view byte budget.
audit: test-tools translations photos chromium audit-tools
	$(BIN)/python audit/run.py

audit-tools:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd audit && npm ci --no-audit --no-fund --loglevel=error

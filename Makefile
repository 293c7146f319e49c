# Quick start: `make run` (install, migrate, seed, serve) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test lint-imports test-sqlite test-postgres install fonts axe migrate seed serve bench clean ha-up ha-down ha-status

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# QR slips and PDF reports embed a CJK font; install it where we may (root with apt), else say so.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@[ -f $(CJK_FONT) ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; } \
	  || echo "warning: install fonts-wqy-microhei (or set SLIP_FONT_PATH) to print QR slips and PDF reports"

# axe-core for the browser accessibility checks, pinned by tests/browser/package-lock.json.
axe:
	@[ -f tests/browser/node_modules/axe-core/axe.min.js ] || ! command -v npm >/dev/null \
	  || npm ci --prefix tests/browser --no-audit --no-fund --silent

install: $(STAMP) fonts

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed

# One process with threads: rate limits count in its memory (memory://), shared by every thread,
# so they hold as documented. Several worker processes need RATELIMIT_STORAGE_URI=redis://…
# (gunicorn.conf.py refuses to start them without it).
serve:
	$(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 1 --threads 4 --access-logfile - wsgi:app

run: seed serve

# The layers and pure modules of docs/architecture.md (.importlinter).
lint-imports: install
	$(BIN)/lint-imports --no-cache

# The import contracts, then the suite on SQLite; again on PostgreSQL when TEST_DATABASE_URL is set.
test: install axe lint-imports
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped (CI sets it)"; fi

test-sqlite: install
	env -u TEST_DATABASE_URL TEST_SQLITE_LEG=1 $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	@test -n "$$TEST_DATABASE_URL" || { echo "set TEST_DATABASE_URL"; exit 2; }
	$(BIN)/pytest -q -p no:cacheprovider

# The local HA stack (deploy/ha/ha.sh): etcd, two PostgreSQL nodes under Patroni, HAProxy, two
# app instances, on 127.0.0.1:25xxx under /tmp/voting-ha; bench/failover_drill.py runs on it.
ha-up: install
	deploy/ha/ha.sh up

ha-down:
	deploy/ha/ha.sh down

ha-status:
	deploy/ha/ha.sh status

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# make run  — set up everything and serve the demo on http://127.0.0.1:5000
# make test — install test requirements, lint, and run the suite on SQLite, then on PostgreSQL (each
#   pass ends with its 15 slowest tests, so the CI time can be kept under 20 minutes)
# make test-fast — the inner loop: lint and the SQLite suite without the tests marked slow
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run scheduler serve bench load soak lint test test-fast test-sqlite test-postgres system-packages browsers migrate seed translations clean

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed system-packages
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --scale district --history-days 60 --if-empty

# The web server and the scheduler (task generation, missed work, reminders), stopped together.
run: seed
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

scheduler: migrate
	$(FLASK) scheduler

# Production on this machine: gunicorn (WEB_CONCURRENCY workers, default 4, on PROPMGMT_BIND) and
# two schedulers under honcho (deploy/Procfile), with PROPMGMT_ENV=production against DATABASE_URL.
METRICS_DIR ?= $(CURDIR)/instance/prometheus
serve: $(VENV)/.installed
	@test -n "$$SECRET_KEY" -a -n "$$DATABASE_URL" || { \
	  echo "make serve runs the production setup: set SECRET_KEY and DATABASE_URL (README \"Production\")"; exit 1; }
	PROPMGMT_ENV=production $(FLASK) db upgrade
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	PROPMGMT_ENV=production PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) \
	  exec $(BIN)/honcho start --app-root . --procfile deploy/Procfile --concurrency web=1,scheduler=2

# The city-scale benchmark, on its own database (BENCH_DATABASE_URL, else instance/bench.sqlite3),
# built once and then reused. Options pass through: make bench BENCH_ARGS="--rebuild --runs 3".
bench: $(VENV)/.installed
	$(FLASK) bench $(BENCH_ARGS)

# Load: the production server (gunicorn) on a city-scale database (LOAD_DATABASE_URL, else
# instance/load.sqlite3, built once and rebuilt weekly): first /field alone on 2 workers, then a mix
# of the tablet's day page (with its GET /field/pages follow-up), task completions, the oversight
# overview and public compound pages; each followed by a bare Flask hello-world on the same workers
# and clients, as the ceiling. Prints req/s and p50/p95/p99 per endpoint and issue 22's rows
# (app / limit, goal), each the median of --rounds (3) interleaved rounds of both phases.
# Options: make load LOAD_ARGS="--rounds 5 --duration 30 --port 8100 --hello-port 8101".
load: $(VENV)/.installed
	$(FLASK) load $(LOAD_ARGS)

# The soak run (README "Soak"): gunicorn (4 workers) and two schedulers on PostgreSQL through a simulated
# day, with kill -9 of a scheduler and a worker and one restart of the local PostgreSQL; prints its
# figures and "0 lost, 0 duplicate". Its database (SOAK_DATABASE_URL, default the local server's `soak`)
# is dropped and created again. Options pass through: make soak SOAK_ARGS="--seed 42 --speed 240".
soak: $(VENV)/.installed-dev
	$(FLASK) soak $(SOAK_ARGS)

# Debian's packages the app and its tests need: Pango (WeasyPrint draws the report PDF with it) and
# the CJK fonts for every document; chromium for the browser tests (Playwright cannot download
# browsers here); poppler-utils (pdftoppm/pdftotext) to read the PDFs in tests. `run` and `test` reach it.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk chromium poppler-utils
system-packages:
	@if ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
	  echo "Installing $(SYSTEM_PACKAGES) ..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

browsers: system-packages

# ruff (pyproject.toml): pyflakes, pycodestyle, bugbear, import order, pyupgrade.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: $(VENV)/.installed-dev system-packages
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# Minutes, not the full quarter hour: leaves out the tests marked slow (browser journeys, the
# production server, hostile-input runs, migrations from scratch). CI runs them all.
test-fast: $(VENV)/.installed-dev
	$(MAKE) lint
	env -u TEST_DATABASE_URL $(BIN)/pytest -q -m "not slow"

test-sqlite:
	@echo "== tests on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest -q --durations=15

# The PostgreSQL pass is never skipped silently: it says so, and fails when REQUIRE_POSTGRES=1 (CI).
test-postgres:
	@url=$$($(BIN)/python tests/pg_url.py) ; \
	if [ -n "$$url" ]; then \
	  echo "== tests on PostgreSQL ($$url) =="; \
	  TEST_DATABASE_URL=$$url $(BIN)/pytest -q --durations=15 -m "not browser" || exit 1; \
	else \
	  echo "!! PostgreSQL is not reachable: the PostgreSQL pass did NOT run"; \
	  [ -z "$$REQUIRE_POSTGRES" ] || exit 1; \
	fi

translations: $(VENV)/.installed
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__' \
	  -o propmgmt/translations/messages.pot .
	$(BIN)/pybabel --quiet update -i propmgmt/translations/messages.pot -d propmgmt/translations --no-fuzzy-matching
	$(BIN)/pybabel --quiet compile -d propmgmt/translations

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

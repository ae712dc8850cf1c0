# Two commands: `make run` and `make test`. Everything else is what they need.
PY_BOOT ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PORT    ?= 8501
HOST    ?= 127.0.0.1
CHROMIUM ?= /usr/bin/chromium
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: setup run test browser postgres lint index benchmark clean

setup: $(STAMP) index

# Reinstall only when requirements.txt changes (idempotent).
$(STAMP): requirements.txt
	@test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	@# --no-compile: Python compiles what is imported when it is first imported, not every module of
	@# every package at install (a third of a clean set-up's time here)
	$(PY) -m pip install $(PIP_QUIET) --no-compile -r requirements.txt
	@touch $(STAMP)

# The gazetteer index is a cache: built once, rebuilt when its source changes.
index: $(STAMP)
	$(PY) -m geodata build-index

# Debian's chromium for the end-to-end tests (browsers cannot be downloaded here).
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; browser tests will be skipped"; \
	else echo "warning: $(CHROMIUM) missing and not root; browser tests will be skipped"; fi

# PostgreSQL 15 + PostGIS 3 from Debian for the database tests (each test run starts its own
# throwaway cluster on a free port; nothing is left running).
PG_BIN ?= /usr/lib/postgresql/15/bin
postgres:
	@if [ -x "$(PG_BIN)/initdb" ] && ls /usr/share/postgresql/15/extension/postgis--*.sql >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null) \
	  || echo "warning: could not install PostgreSQL/PostGIS; database tests will be skipped"; \
	else echo "warning: PostgreSQL/PostGIS missing and not root; database tests will be skipped"; fi

# eslint (pinned in package-lock.json, from npm) for our own JavaScript under static/map/.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(NODE_STAMP)

lint: $(NODE_STAMP)
	node_modules/.bin/eslint --max-warnings 0 static/map

run: setup
	$(PY) -m dashboard.serve --server.port $(PORT) --server.address $(HOST) --server.headless true

# Two test processes (pytest-xdist): much of a browser or database test is waiting, so two share
# this 2-core machine's work (measured: 13.5-14.5 min in one process, 9 min in two; three were no
# faster and flakier). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
test: setup browser postgres lint
	@# an outer guard as well: whatever hangs, the run ends and says so well inside CI's deadline
	timeout --signal=INT --kill-after=60 2400 $(PY) -m pytest -q -n $(TEST_WORKERS) --durations=15 tests

benchmark: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .cache node_modules

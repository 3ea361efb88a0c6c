# LandBridge: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3.11
PYTEST_ARGS ?=

.PHONY: demo test env lint typecheck serve clean i18n graph errors-doc

$(VENV)/.synced: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q uv
	$(PYTHON) -m uv sync --frozen -p $(PYTHON)
	@touch $@

env: $(VENV)/.synced

# Build the small Yingtan demo world on SQLite and serve it on http://127.0.0.1:8000
demo: env
	@scripts/sysdeps.sh fonts
	$(BIN)/landbridge demo

lint: env
	$(BIN)/ruff check src tests migrations $(wildcard bench)
	$(BIN)/lint-imports

typecheck: env
	$(BIN)/mypy

# Line + branch coverage of src/landbridge may not fall below this floor (issue #14 item 8): the whole suite's
# figure on SQLite, rounded down (main on 2026-12-06: 93.69 %, 20,230/21,185 lines, 3,760/4,420 branches).
# Enforced in the SQLite run; the PostgreSQL run skips measuring (it would only cost time). A narrowed run
# turns it off: `make test PYTEST_ARGS=tests/auth COVERAGE=`. Raise it when the figure rises; never lower it.
COV_FLOOR ?= 93
ifeq ($(strip $(LANDBRIDGE_TEST_DATABASE_URL)),)
COVERAGE ?= --cov --cov-report= --cov-fail-under=$(COV_FLOOR)
else
COVERAGE ?=
endif

# The whole suite: lint, types, import contracts, tests (SQLite unless LANDBRIDGE_TEST_DATABASE_URL is set)
test: env lint typecheck
	@scripts/sysdeps.sh fonts browser
	$(BIN)/pytest -n 2 $(COVERAGE) $(PYTEST_ARGS)

# Catalogues (issue #14 item 6): extract every _() message of src/ Python and templates to messages.pot, append
# the untranslated ones to the Babel catalogues, compile .mo; then list any message without both languages
i18n: env
	$(BIN)/python scripts/i18n.py

# The import graph of the packages by layer: docs/import-graph.dot and the picture in docs/architecture.md
graph: env
	$(BIN)/python scripts/import_graph.py

# docs/errors.md: every error code with its HTTP status and messages, from the ErrorCode enums (issue #14 item 5)
errors-doc: env
	$(BIN)/python -m landbridge.errorcodes > docs/errors.md

serve: env
	$(BIN)/landbridge serve

clean:
	rm -rf $(VENV) var

# LandBridge: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3.11
PYTEST_ARGS ?=

.PHONY: demo test env lint typecheck serve clean errors-doc

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

# The whole suite: lint, types, import contracts, tests (SQLite unless LANDBRIDGE_TEST_DATABASE_URL is set)
test: env lint typecheck
	@scripts/sysdeps.sh fonts browser
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# docs/errors.md: every error code with its HTTP status and messages, from the ErrorCode enums (issue #14 item 5)
errors-doc: env
	$(BIN)/python -m landbridge.errorcodes > docs/errors.md

serve: env
	$(BIN)/landbridge serve

clean:
	rm -rf $(VENV) var

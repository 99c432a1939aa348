# Kundencenter developer entry points. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Browser tests and the SQLite run use the default settings; these never touch var/'s database.
TEST_WORKERS ?= auto
export KC_TEST_WORKERS := $(TEST_WORKERS)

.PHONY: help venv run test test-sqlite test-postgres test-e2e lint fmt bench chromium clean-venv

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

venv: ## create/refresh .venv (Python >= 3.12) when missing, stale or requirements changed
	@scripts/venv.sh

run: venv ## migrate, seed demo data once, demo logins, worker + dev server on :8000
	@scripts/run.sh

test: ## everything CI runs: lint, pytest on SQLite and PostgreSQL, browser tests
	@start=$$SECONDS; \
	$(MAKE) --no-print-directory --keep-going lint test-sqlite test-postgres test-e2e; \
	echo "== make test: all passed in $$((SECONDS - start))s"

lint: venv ## ruff, ruff format --check, mypy, import-linter, bandit, manage.py check, makemigrations --check
	@status=0; \
	step() { echo "== lint: $$*"; "$$@" || { echo "== lint: FAILED: $$*"; status=1; }; }; \
	step $(BIN)/ruff check .; \
	step $(BIN)/ruff format --check .; \
	step $(BIN)/mypy .; \
	step $(BIN)/lint-imports; \
	step $(BIN)/bandit -c pyproject.toml -q -r kc config; \
	step $(PY) manage.py check --fail-level WARNING; \
	step $(PY) manage.py makemigrations --check --dry-run; \
	exit $$status

fmt: venv ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: venv ## pytest on SQLite, in parallel (xdist), without browser tests
	@KC_PYTEST_LABEL="pytest (SQLite)" scripts/pytest.sh -n $(TEST_WORKERS) -m "not e2e" -p no:cacheprovider

test-postgres: venv ## pytest on PostgreSQL (skipped loudly if unreachable, unless KC_REQUIRE_POSTGRES=1)
	@scripts/test-postgres.sh

test-e2e: venv chromium ## browser tests (Playwright on Debian's chromium), once, on SQLite
	@KC_PYTEST_LABEL="pytest (browser)" scripts/pytest.sh -m e2e -p no:xdist -p no:cacheprovider e2e

chromium: ## install Debian's chromium when missing (root only)
	@scripts/install-chromium.sh

bench: venv ## run every bench/*.py with the venv python (prints figures; not part of make test)
	@shopt -s nullglob; scripts=(bench/*.py); failed=0; \
	if [ $${#scripts[@]} -eq 0 ]; then echo "bench: no bench/*.py scripts"; fi; \
	for script in "$${scripts[@]}"; do \
		echo "== bench: $$script"; \
		$(PY) "$$script" || { echo "== bench: $$script CRASHED (exit $$?)"; failed=1; }; \
	done; \
	exit $$failed

clean-venv: ## remove .venv
	rm -rf $(VENV)

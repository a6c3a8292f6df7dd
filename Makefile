# Two commands for a fresh machine:
#   make serve   installs everything into .venv and serves the sample site
#   make test    installs everything into .venv, runs the linters and the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser serve build validate lint test test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

build: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

validate: install
	$(BIN)/lessons validate content

browser:
	sh scripts/install-browser.sh

# The guard rails (ARCHITECTURE.md): lint, format and types of the package.
lint: install
	$(BIN)/ruff check plugins
	$(BIN)/ruff format --check plugins
	$(BIN)/mypy

test: install browser lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything but the real-browser tests (no Chromium needed).
test-fast: install
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) site

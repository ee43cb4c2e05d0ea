# hotline — the README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HOTLINE_DATA_DIR ?= var

.PHONY: demo test test-fast lint format bench browser clean assets

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

assets: $(STAMP)
	@if [ -f package.json ]; then \
	  if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then npm install --no-audit --no-fund --silent; touch node_modules; fi; \
	  $(BIN)/python -m hotline.web.assets; \
	fi

## demo: install, build the demo district (20,000 tickets) into ./var and serve on :8000
demo: $(STAMP) assets
	$(BIN)/hotline demo --tickets $${TICKETS:-20000}

## browser: Debian's chromium for the browser tests (never a downloaded browser)
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## test: install what the tests need and run the whole suite (SQLite + PostgreSQL + browser)
test: $(STAMP) assets browser
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/dispatch.py

clean:
	rm -rf $(VENV) var node_modules .pytest_cache

# bankcrm — the two commands a new engineer needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_CUSTOMERS ?= 20000

.PHONY: install assets demo test test-pg bench lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

assets: node_modules/.installed

demo: install
	mkdir -p var
	$(BIN)/bankcrm migrate --noinput
	$(BIN)/bankcrm seed_demo --customers $(DEMO_CUSTOMERS)
	$(BIN)/bankcrm demo_logins
	$(BIN)/bankcrm runserver 127.0.0.1:8000

test: install
	$(BIN)/bankcrm makemigrations --check --dry-run
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.warehouse
	$(BIN)/python -m benchmarks.segments

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

messages: install
	cd src/bankcrm && ../../$(BIN)/bankcrm makemessages -l zh_Hans -l en --no-obsolete --no-location
	cd src/bankcrm && ../../$(BIN)/bankcrm compilemessages

clean:
	rm -rf $(VENV) node_modules var .pytest_cache

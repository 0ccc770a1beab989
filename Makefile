# sellerledger: every target does its own set-up (a .venv in the checkout) and is safe to run twice.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.8

.PHONY: demo test test-slow test-reliability test-all lint bench airflow sandbox install lock clean

demo: $(STAMP)            ## embedded Postgres + sandbox + every demo flow through Airflow, then a report
	$(BIN)/sellerledger demo

COMPOSE_SCHEMA := var/schemas/compose_spec.json

# Debian's Chromium for the browser test (Playwright's wheel ships its driver; never `playwright install`).
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: $(STAMP) $(COMPOSE_SCHEMA)  ## the whole suite except the slow tiers
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: $(STAMP) $(COMPOSE_SCHEMA) $(CHROMIUM) ## the slow tiers (Celery executor, crash trials, browser); run by CI
	$(BIN)/python -m pytest -m slow -q; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

test-reliability: $(STAMP) ## crash, fault, bad-input and secret-scan suite
	$(BIN)/python -m pytest tests/reliability -q; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

test-all: test test-slow

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)           ## benchmarks B1-B4, printed and written to bench/results/latest.json
	$(BIN)/python -m bench

airflow: $(STAMP)         ## the Airflow UI on http://localhost:8080 (admin/admin) over the demo's data; Ctrl-C stops
	$(BIN)/sellerledger airflow

sandbox: $(STAMP)         ## the six API stand-ins on http://127.0.0.1:8765 (credentials: /_sandbox/credentials)
	$(BIN)/sellerledger sandbox serve --state-dir var/sandbox

install: $(STAMP)

$(STAMP): requirements.txt requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q -p $(BIN)/python -r requirements.txt -c requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	touch $(STAMP)

lock: $(STAMP)             ## re-resolve requirements.lock after changing a pin in requirements.txt
	$(BIN)/uv pip compile -q --python-version 3.11 requirements.txt -o requirements.lock

# The Compose specification's JSON schema, as shipped in the docker-compose wheel on PyPI (the tests
# validate docker-compose.yaml against it; no Docker engine needed).
$(COMPOSE_SCHEMA): | $(STAMP)
	mkdir -p var/schemas
	$(BIN)/python -m pip download -q --disable-pip-version-check --no-deps -d var/schemas docker-compose==1.29.2
	$(BIN)/python -c "import zipfile, glob; z = zipfile.ZipFile(glob.glob('var/schemas/docker_compose-*.whl')[0]); open('$@', 'wb').write(z.read('compose/config/compose_spec.json'))"

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

clean:                    ## stop the embedded Postgres and remove everything the targets created
	-test -x $(BIN)/sellerledger && $(BIN)/sellerledger db stop
	rm -rf $(VENV) var

# Centrale Booking. `make run` sets everything up and serves the demo museum; `make test` runs
# the whole suite. Both work on a fresh machine with Python 3.11, Node 20 with npm, and git.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_WORKERS ?= auto  # pytest-xdist processes: one per core (every test keeps to its own data)
export FLASK_APP := centrale_booking

.PHONY: run test install assets translations migrate seed lint format serve clean

run: install migrate seed
	@$(BIN)/flask demo-logins
	@echo "Centrale Booking: http://$(HOST):$(PORT)/  (emails are written to instance/mail/)"
	CENTRALE_OUTBOX_THREAD=true CENTRALE_BASE_URL=http://$(HOST):$(PORT) \
		$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 "centrale_booking:create_app()"

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n $(TEST_WORKERS)

install: $(VENV)/.installed assets translations

$(VENV)/.installed: pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# Third-party CSS, JS and fonts are served from static/vendor, copied from npm packages.
assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json scripts/copy_assets.sh
	npm ci --no-audit --no-fund --loglevel=error
	sh scripts/copy_assets.sh
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d translations -f

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports --no-cache

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# Refresh requirements.lock from what is installed (after changing pyproject.toml).
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) node_modules static/vendor

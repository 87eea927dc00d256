# The one list of project commands. `make run` and `make test` work on a fresh machine
# with only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint format bench install demo clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	sh scripts/ensure_fonts.sh
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py setup_schedules
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	@echo "noktvrn: web on http://127.0.0.1:8000 (admin at /admin/, API docs at /api/docs/) and a worker cluster. Ctrl-C stops both."
	@sh deploy/run-dev.sh $(PY)

test: install lint
	DJANGO_SETTINGS_MODULE=noktvrn.settings.test $(PY) manage.py makemigrations --check --dry-run
	sh tests/e2e/ensure_chromium.sh
	sh scripts/ensure_fonts.sh
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run_all.py

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Two commands do everything on a machine with only Python 3.11+:
#   make run    install, migrate, seed demo data, serve on 127.0.0.1:$(PORT) with the worker
#   make test   install and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python backend/manage.py

.PHONY: run test lint format messages install install-dev browser db-url db-stop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Without DATABASE_URL, one embedded PostgreSQL per checkout (backend/localdb.py), started
# once here so that the web server, the worker and beat share it.
run: export DJANGO_ENV ?= development
run: export DEBUG ?= 1
# Tag URLs (printed on labels, written to chips) and links in notices name this server:
# follow PORT, since a label printed with a wrong URL can never be fixed.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	@export DATABASE_URL="$${DATABASE_URL:-$$($(BIN)/python -m backend.localdb url)}"; \
	$(MANAGE) migrate --noinput && \
	$(MANAGE) seed_demo && \
	echo "" && \
	echo "  음식물 종량제 · Food-waste billing:  http://127.0.0.1:$(PORT)/" && \
	echo "  API docs: http://127.0.0.1:$(PORT)/api/v1/docs/   health: http://127.0.0.1:$(PORT)/healthz" && \
	echo "  Demo accounts (username / password):" && \
	echo "    official / official-demo     (마포구 공무원 · municipal official)" && \
	echo "    collector / collector-demo   (수거 작업자 · collection crew)" && \
	echo "    owner / owner-demo           (음식점 업주 · restaurant owner)" && \
	echo "    official2 / official2-demo   (고양시 공무원 · another municipality)" && \
	echo "    admin / admin-demo           (시스템 관리자 · /admin/)" && \
	echo "  Ctrl-C stops everything." && echo "" && \
	PORT=$(PORT) VIRTUAL_ENV_BIN=$(abspath $(BIN)) exec $(BIN)/honcho start -f Procfile

# The suite runs in TEST_PROCESSES processes (pytest-xdist), each with its own test
# database and Celery queue (settings_test); 1 runs it in this process alone.
TEST_PROCESSES ?= 2
test: install-dev browser
	DJANGO_ENV=test $(BIN)/python -m pytest $(if $(filter 1,$(TEST_PROCESSES)),,-n $(TEST_PROCESSES) --dist worksteal) $(PYTEST_ARGS)

# mypy imports the settings without connecting: a DATABASE_URL that is never opened will do.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_ENV=development $(MANAGE) makemigrations --check --dry-run
	DJANGO_ENV=development $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_ENV=development DATABASE_URL=postgres://localhost/typecheck $(BIN)/mypy

# Compile the translations (backend/locale) after editing a .po, with no system gettext:
# the .mo files are committed, so `make run` needs nothing (docs/i18n.md).
messages: install-dev
	$(BIN)/python -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in pathlib.Path("backend/locale").glob("*/LC_MESSAGES/django.po")]'

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests drive the system's Chromium through Playwright (Playwright's own browser
# download needs the internet). Installs it with apt when we may; else those tests skip
# (or fail where REQUIRE_BROWSER=1, as in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing Chromium for the browser tests (apt-get)…"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	        echo "Could not install Chromium: browser tests will be skipped."; \
	    else echo "No Chromium found: browser tests will be skipped (install the 'chromium' package)."; fi; }

db-url: install
	@$(BIN)/python -m backend.localdb url

db-stop:
	@$(BIN)/python -m backend.localdb stop

clean: db-stop
	rm -rf $(VENV) var

# Two commands for a fresh machine (Python 3.11+ and Node.js): `make demo`, then `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
NAME ?=

.PHONY: demo test bench install serve messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# Front-end files (htmx, WeUI, ECharts, Swagger UI) come pinned from the npm registry.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

install: $(VENV)/.installed node_modules/.installed

# Set up (once; later runs reuse the database) and start the whole product on SQLite with demo
# data, fake WeChat and the scheduler, on http://127.0.0.1:$(PORT).
demo: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo
	@$(MAKE) --no-print-directory serve

# The embedded default's three processes: fake WeChat, the scheduler, and the web server.
FAKE_WECHAT_PORT ?= 9100
serve:
	@echo "StoreLink on http://127.0.0.1:$(PORT)/  (dashboard /dashboard/, workbench /m/, H5 /h5/, admin /admin/,"
	@echo "  fake phone /wechat/fake-phone/; fake WeChat on port $(FAKE_WECHAT_PORT))"
	@export DEBUG=1 PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) WECHAT_API_BASE=http://127.0.0.1:$(FAKE_WECHAT_PORT)/ \
	  WECOM_API_BASE=http://127.0.0.1:$(FAKE_WECHAT_PORT)/; \
	$(BIN)/python -m wechat.fake --port $(FAKE_WECHAT_PORT) --callback-url http://127.0.0.1:$(PORT)/wechat/callback/ \
	  --callback-token fake-token > var/fake-wechat.log 2>&1 & fake=$$!; \
	$(BIN)/python manage.py fake_wechat_users || true; \
	$(BIN)/celery -A config beat -l INFO > var/scheduler.log 2>&1 & scheduler=$$!; \
	trap 'kill $$fake $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench $(NAME)

# Refresh the translation catalogues after changing user-facing strings, then translate and compile.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(BIN)/python manage.py compilemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules var staticfiles test-artifacts

# The README's two commands: `make run` and `make test`. Both bootstrap from nothing and
# install exactly the versions in the lock files (requirements/*.txt, with hashes; `make lock`
# refreshes them from pyproject.toml).

# The first of these that runs and is 3.11 or newer (or PYTHON=... to choose); 3.11 to 3.13
# are tested. None: python3, so that the check below says which version it found.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(or $(shell for p in python3.11 python3.12 python3.13 python3; do \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && \
  { echo $$p; break; }; done),python3)
endif
VENV   := .venv
BIN    := $(VENV)/bin
HOST   := 127.0.0.1
PORT   ?= 8000
FLASK  := $(BIN)/flask --app market
UV     := $(BIN)/uv
GUNICORN_ARGS ?=
# uv never fetches a Python of its own: the venv's is the one.
export UV_PYTHON_DOWNLOADS := never
# Python's default is to cache compiled modules: without that cache every flask command and
# gunicorn worker compiles pandas, SQLAlchemy & co. again (~10 s each on 2 busy cores).
unexport PYTHONDONTWRITEBYTECODE
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python --require-hashes

.PHONY: run test serve setup db demo translations i18n-update chromium bench lock lock-upgrade \
        lock-check python-check port-check demo-forecasts clean

# --- Python and the locked environment ----------------------------------------------------

python-check:
	@v=$$($(PYTHON) -c 'import sys; print(*sys.version_info[:2])' 2>/dev/null) || { \
	  echo "error: no Python found ('$(PYTHON)'). HTX Market needs Python 3.11 or newer:" \
	       "install it, then e.g. make run PYTHON=python3.12" >&2; exit 1; }; \
	set -- $$v; if [ "$$1" -lt 3 ] || { [ "$$1" -eq 3 ] && [ "$$2" -lt 11 ]; }; then \
	  echo "error: HTX Market needs Python 3.11 or newer, and $(PYTHON) is $$1.$$2." \
	       "Install 3.11, 3.12 or 3.13, then e.g. make run PYTHON=python3.12" >&2; exit 1; fi

# No pip in the venv (ensurepip alone takes longer than the whole locked install): the
# interpreter's own pip installs uv into it, or, where the interpreter has no pip (or one
# older than 22.3, without --python), a pip that ensurepip puts in the venv.
$(BIN)/python: | python-check
	@$(PYTHON) -m venv --without-pip $(VENV)

PIP_UV := install -qq --disable-pip-version-check --require-hashes --no-deps -r requirements/uv.txt
$(VENV)/.uv: requirements/uv.txt | $(BIN)/python
	@if $(PYTHON) -c 'import pip, sys; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (22, 3))' \
	    2>/dev/null; then $(PYTHON) -m pip --python $(BIN)/python $(PIP_UV); \
	else \
	  $(BIN)/python -m ensurepip >/dev/null 2>&1 || { echo "error: $(PYTHON) has no pip" \
	    "and no ensurepip: install your distribution's python3-pip (or python3-venv)" >&2; \
	    exit 1; }; \
	  $(BIN)/python -m pip $(PIP_UV); \
	fi
	@touch $@

# One stamp per lock set; then the project itself, editable, with the locked setuptools.
define lock-install
	@$(BIN)/python scripts/locks.py check
	@$(UV_INSTALL) -r requirements/$(1).txt
	@$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
endef

$(VENV)/.installed-runtime: requirements/runtime.txt pyproject.toml | $(VENV)/.uv
	$(call lock-install,runtime)
	@touch $@

# dev.txt holds runtime.txt's versions and more, so it satisfies `make run` too.
$(VENV)/.installed-dev: requirements/dev.txt requirements/runtime.txt pyproject.toml | $(VENV)/.uv
	$(call lock-install,dev)
	@touch $@ $(VENV)/.installed-runtime

# bench.txt has other versions (pandas 2 for statsforecast): the others reinstall afterwards.
$(VENV)/.installed-bench: requirements/bench.txt pyproject.toml | $(VENV)/.uv
	$(call lock-install,bench)
	@rm -f $(VENV)/.installed-runtime $(VENV)/.installed-dev
	@touch $@

lock-check: python-check
	@$(PYTHON) scripts/locks.py check && echo "requirements/ agree with pyproject.toml"

# Refresh the locks after changing dependencies in pyproject.toml (keeps the other pins;
# lock-upgrade moves everything to the newest versions). Needs PyPI or a warm uv cache
# (UV_OFFLINE=1 make lock).
lock: $(VENV)/.uv
	$(BIN)/python scripts/locks.py write $(UV)

lock-upgrade: $(VENV)/.uv
	$(BIN)/python scripts/locks.py write $(UV) --upgrade

# --- make run -----------------------------------------------------------------------------

setup: $(VENV)/.installed-runtime translations

translations: $(VENV)/.installed-runtime
	@$(BIN)/pybabel compile --use-fuzzy -d translations -f >/dev/null 2>&1 || \
	  $(BIN)/pybabel compile --use-fuzzy -d translations -f

db: setup
	@$(FLASK) db upgrade 2>$(VENV)/db-upgrade.log || { cat $(VENV)/db-upgrade.log >&2; exit 1; }

demo: db
	@$(FLASK) seed-demo

# Links in emails, feeds and the sitemap point at the server `make run` starts, unless the
# caller chose a public address.
run serve demo: export MARKET_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run serve demo: export MARKET_DEMO ?= 1

port-check:
	@$(PYTHON) scripts/serve.py check-port $(HOST) $(PORT)

# /metrics adds up every worker's figures from files in PROMETHEUS_MULTIPROC_DIR (emptied at
# each start, as prometheus_client's multiprocess mode needs). --timeout 300: a sync worker
# streaming a large partner feed (/api/v1/feeds/*, ~90 s at 100,000 products) sends no
# heartbeat meanwhile, and the default 30 s would kill it mid-body.
PROMETHEUS_MULTIPROC_DIR ?= $(or $(MARKET_INSTANCE_PATH),instance)/prometheus
SERVE = rm -rf "$(PROMETHEUS_MULTIPROC_DIR)" && mkdir -p "$(PROMETHEUS_MULTIPROC_DIR)" && \
  PROMETHEUS_MULTIPROC_DIR="$(PROMETHEUS_MULTIPROC_DIR)" \
  $(BIN)/python scripts/serve.py run $(HOST) $(PORT) -- \
  $(BIN)/gunicorn --workers 2 --timeout 300 --no-control-socket --log-level warning $(GUNICORN_ARGS) 'market:create_app()'

serve:
	@$(SERVE)

# The port is checked first: a taken port fails in a second, not after the install.
run: python-check port-check demo
	@$(SERVE)

# After changing the bundled price files or the forecasting code: recompute the forecasts
# that the demo ships with (about a minute on two cores).
demo-forecasts: $(VENV)/.installed-runtime
	$(BIN)/python scripts/ship_demo_forecasts.py

# --- make test ----------------------------------------------------------------------------

chromium:
	@scripts/ensure-chromium

# The suite runs on every core (pytest-xdist), one test file per worker at a time so that
# module fixtures (a search index per engine, a live server) are built once; PYTEST_WORKERS=0
# runs it in one process. Files are handed out in collection order, longest first
# (tests/conftest.py LONG_FIRST): xdist's default reorder (most tests first) would start the
# one-test multi-node file last, with the other core idle meanwhile.
PYTEST_WORKERS ?= auto
test: $(VENV)/.installed-dev translations chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Re-extract messages after changing UI strings; then translate the new vi entries.
i18n-update: $(VENV)/.installed-runtime
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot --no-location --sort-output --width 76 .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 76
	$(BIN)/python scripts/fill_en_catalog.py translations/en/LC_MESSAGES/messages.po

bench: $(VENV)/.installed-bench translations
	@echo "bench/RESULTS.md lists the benchmark commands and their figures"

clean:
	rm -rf $(VENV) instance

# The README's two commands: `make run` and `make test`. Both bootstrap from nothing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
FLASK  := $(BIN)/flask --app market

.PHONY: run test serve setup db demo translations i18n-update chromium bench clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -f >/dev/null

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed-demo

serve:
	MARKET_DEMO=$${MARKET_DEMO:-1} $(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - 'market:create_app()'

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)"
	@$(MAKE) --no-print-directory serve

chromium:
	@scripts/ensure-chromium

test: setup chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# Re-extract messages after changing UI strings; then translate the new vi entries.
i18n-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python scripts/fill_en_catalog.py translations/en/LC_MESSAGES/messages.po

bench: setup
	@echo "see bench/README.md for the benchmark commands"

clean:
	rm -rf $(VENV) instance

# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup assets lint clean

demo: setup
	$(BIN)/sendtrack demo

test: setup
	bash scripts/test.sh

setup: $(STAMP) src/sendtrack/core/static/sendtrack/app.css

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

src/sendtrack/core/static/sendtrack/app.css: package.json package-lock.json src/sendtrack/frontend/scss/app.scss
	bash scripts/build-assets.sh

assets:
	bash scripts/build-assets.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules src/sendtrack/core/static/sendtrack sendtrack.sqlite3

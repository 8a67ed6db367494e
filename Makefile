# Two commands: `make run` (set up and serve the demo center) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
MO := lms/translations/vi/LC_MESSAGES/messages.mo
PO := lms/translations/vi/LC_MESSAGES/messages.po

.PHONY: run test lint deps bench translations extract-messages

run: deps instance/config.py $(MO)
	@scripts/system-deps.sh run
	$(FLASK) db upgrade
	$(FLASK) lms demo --if-empty
	@$(FLASK) lms mail-status
	@echo ""
	@echo "  Demo sign-ins (password: demo): admin, director, instructor, trainee"
	@echo "  Open http://127.0.0.1:$(PORT)/"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: deps $(MO)
	@scripts/system-deps.sh test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: deps
	$(BIN)/ruff check .

# Benchmarks at province scale (docs/benchmarks.md), not part of `make test`:
# make bench [SIZE=10m] [BENCH="--quick --only pages,coldstart --docs"]
# and on PostgreSQL too with LMS_BENCH_DATABASE_URL=postgresql+psycopg://...
SIZE ?= 1m
bench: deps $(MO)
	@scripts/system-deps.sh bench
	$(BIN)/python -m bench --size $(SIZE) $(BENCH)

deps: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $@

instance/config.py:
	@scripts/write-config.sh

$(MO): $(PO) deps
	$(BIN)/pybabel compile -d lms/translations -f

# After adding or changing messages: refresh the catalog, then translate the new entries.
extract-messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 -o lms/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

# The two commands a newcomer needs: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STORE ?= demo-store/demo.hhdesk

# The date guard: the date-sensitive tests again with the clock at days that break date arithmetic (a month's
# first day, New Year's Day and Eve, a leap day, both daylight-saving changes in New York).
GUARD_DATES ?= 2026-12-01 2027-01-01 2026-12-31 2028-02-29 2027-03-14T01:30 2026-11-01T01:30
DATE_TESTS ?= tests/domain tests/services tests/exports tests/test_demo.py tests/test_one_clock.py \
	tests/cli/test_care_commands.py tests/cli/test_careplan_commands.py tests/cli/test_billing_cli.py \
	tests/ui/test_care_ui.py tests/ui/test_careplan_ui.py tests/ui/test_member_chart.py tests/ui/test_date_edit.py

.PHONY: demo test test-dates lint mypy-baseline venv bench bench-postgresql dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/hhdesk demo --store $(DEMO_STORE)

lint: $(STAMP)
	$(BIN)/ruff check hhdesk tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m tests.mypy_baseline

# mypy's errors of today as the baseline `make lint` holds the code to (tests/mypy_baseline.py): after fixing
# type errors, or after moving modules (the baseline names errors by file).
mypy-baseline: $(STAMP)
	$(BIN)/python -m tests.mypy_baseline --update

# The agency-mode tests (tests/pg) start their own PostgreSQL server from these binaries; without them they
# are skipped, and said so loudly here and at the end of the run (under CI=true they fail instead).
PG_BIN ?= $(firstword $(wildcard /usr/lib/postgresql/17/bin /usr/lib/postgresql/16/bin /usr/lib/postgresql/15/bin))

test: lint
	@if [ -z "$(PG_BIN)" ] && [ -z "$$HHDESK_PG_BIN" ]; then \
		echo "!!!! No PostgreSQL binaries (/usr/lib/postgresql/*/bin): the agency-mode tests will be SKIPPED. !!!!"; \
		echo "!!!! Install Debian's postgresql-15 (or set HHDESK_PG_BIN) to run them.                        !!!!"; \
	fi
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

test-dates: $(STAMP)
	@for day in $(GUARD_DATES); do \
		echo "date guard: the clock reads $$day"; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q --today $$day $(DATE_TESTS) || exit 1; \
	done

# The frozen one-folder program, dist/hhdesk/hhdesk (installers/README.md), then its smoke test.
dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dist]"
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller installers/hhdesk.spec
	dist/hhdesk/hhdesk --smoke-test
	@du -sh dist/hhdesk

bench: $(STAMP)
	$(BIN)/hhdesk bench --out bench-results.json

# Agency mode: a throwaway PostgreSQL server on this machine, filled and loaded by N workstations
bench-postgresql: $(STAMP)
	$(BIN)/python benchmarks/bench_agency_load.py --out bench-postgresql-results.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache

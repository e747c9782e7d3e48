# The two commands a newcomer needs: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STORE ?= demo-store/demo.hhdesk

.PHONY: demo test lint venv bench dist clean

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

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

# The frozen one-folder program, dist/hhdesk/hhdesk (installers/README.md), then its smoke test.
dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dist]"
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller installers/hhdesk.spec
	dist/hhdesk/hhdesk --smoke-test
	@du -sh dist/hhdesk

bench: $(STAMP)
	$(BIN)/hhdesk bench --out bench-results.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

# newsbot — the commands. `make setup` is idempotent and needs only python3 (3.11+), pip and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/newsbot demo

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check newsbot tests

clean:
	rm -rf $(VENV) build *.egg-info

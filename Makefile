# Two entry points for a fresh machine with Python 3.11+:
#   make run    install into .venv and run the baseline scenario, writing its table and plots to out/baseline
#   make test   install into .venv (with the dev extras) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
RUNS   ?= 100000
OUT    ?= out/baseline

.PHONY: run test install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,distributed,sensitivity,calibration]"

run: install
	$(BIN)/negotiate run scenarios/ukraine_march_2025.yaml --runs $(RUNS) --out $(OUT)
	$(BIN)/negotiate report $(OUT)

test: install-dev
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) out

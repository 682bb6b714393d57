# Two entry points, each self-contained on a fresh clone: `make demo` and `make test`.
# Both create .venv with the first Python >= 3.11 found. `make demo` installs threetalk
# alone (with attrs and transitions, all the demo needs); `make test` and the other
# development targets install the `dev` extra (linters, type checker, test runner, and the
# optional extras so that their code paths are tested too). Each install is redone only
# when pyproject.toml changes.

# The first Python >= 3.11 on PATH, probed once and quietly: a missing version, or a
# shim (pyenv, asdf) that exists but has no interpreter behind it, says nothing.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 \
	&& $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
DEMO_STAMP := $(VENV)/.installed-demo
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck pytest docs bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "threetalk needs Python 3.11 or newer on PATH" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

# The package alone: what `make demo` needs.
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

# The development extra (the package included).
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/threetalk demo

test: lint typecheck pytest docs

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/pytest --cov --cov-report=term

# The documentation site, built as it would be published; --strict turns every warning
# (a broken link, a reference that does not resolve) into a failure.
docs: $(DEV_STAMP)
	$(BIN)/mkdocs build --strict --site-dir build/site

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_core.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .hypothesis .coverage

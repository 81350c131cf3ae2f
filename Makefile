# The front door: every developer task and CI go through these targets.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install.stamp
PROTOS := en/export presence/presence  # package/schema: tests/vectors/SCHEMA.proto -> src/civitrace/PACKAGE/proto/

.DEFAULT_GOAL := help
.PHONY: help install run demo test lint bench bench-deps bench-quick proto proto-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install civitrace with its dev tools (quick when nothing changed)

$(STAMP): pyproject.toml setup.py src/civitrace/en/_native.c package.json package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	set -o pipefail; { $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e '.[dev]'; } 2>&1 | { grep -v '^WARNING: Location' || true; }
	npm ci --no-audit --no-fund --loglevel=error  # axe-core for the accessibility tests, served locally
	@touch $@

run: install ## Serve the platform on SQLite with demo data; prints its URLs and demo.json
	$(BIN)/civitrace serve --demo --data-dir var/demo

demo: install ## Run the two-phones story end to end and print what happened
	$(BIN)/civitrace demo

test: lint ## Lint, then run the whole test suite
	@$(BIN)/python -m pytest -n 2 -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; that is a failure"; fi; \
	exit $$rc

lint: install proto-check ## ruff and mypy --strict on src/
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

BENCHES := matching dp export publish sim sim_vs_covasim consult checkin_page

bench-deps: install
	@set -o pipefail; $(BIN)/python -m pip install --quiet -e '.[dev,bench]' 2>&1 | { grep -v '^WARNING: Location' || true; }

bench: bench-deps ## Run every benchmark (full size); each prints one JSON line last
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

bench-quick: bench-deps ## Run every benchmark in quick mode
	@for b in $(BENCHES); do echo "== bench/$$b.py --quick"; $(BIN)/python bench/$$b.py --quick || exit 1; done

proto: install ## Regenerate the protobuf code from the schemas in tests/vectors/
	@for spec in $(PROTOS); do pkg=$${spec%%/*}; schema=$${spec#*/}; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m grpc_tools.protoc -Itests/vectors \
	    --python_out=src/civitrace/$$pkg/proto --mypy_out=src/civitrace/$$pkg/proto \
	    tests/vectors/$$schema.proto >/dev/null 2>&1 || exit 1; done

proto-check: ## Fail if the checked-in protobuf code differs from what the schemas generate
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	for spec in $(PROTOS); do pkg=$${spec%%/*}; schema=$${spec#*/}; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m grpc_tools.protoc -Itests/vectors \
	    --python_out=$$tmp --mypy_out=$$tmp tests/vectors/$$schema.proto >/dev/null 2>&1 || exit 1; \
	  for ext in py pyi; do \
	    diff -q $$tmp/$${schema}_pb2.$$ext src/civitrace/$$pkg/proto/$${schema}_pb2.$$ext >/dev/null || \
	    { echo "protobuf code for $$schema.proto is stale: run 'make proto'"; exit 1; }; \
	  done; \
	done

clean: ## Remove the virtual environment and build artefacts
	rm -rf $(VENV) build src/*.egg-info src/civitrace/en/_native*.so .pytest_cache .mypy_cache .ruff_cache

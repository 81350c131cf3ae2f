# The front door: every developer task and CI go through these targets.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install.stamp
PROTO_SRC := tests/vectors/export.proto
PROTO_OUT := src/civitrace/en/proto

.DEFAULT_GOAL := help
.PHONY: help install run test lint bench bench-quick proto proto-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install civitrace with its dev tools (quick when nothing changed)

$(STAMP): pyproject.toml setup.py src/civitrace/en/_native.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	set -o pipefail; { $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e '.[dev]'; } 2>&1 | { grep -v '^WARNING: Location' || true; }
	@touch $@

run: install ## Run the platform demo on SQLite and print what it did
	$(BIN)/civitrace demo

test: lint ## Lint, then run the whole test suite
	@$(BIN)/python -m pytest -n 2 -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; that is a failure"; fi; \
	exit $$rc

lint: install proto-check ## ruff and mypy --strict on src/
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: install ## Run every benchmark (full size)
	$(BIN)/python bench/matching.py

bench-quick: install ## Run every benchmark in quick mode
	$(BIN)/python bench/matching.py --quick

proto: install ## Regenerate the protobuf code from tests/vectors/export.proto
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m grpc_tools.protoc -Itests/vectors --python_out=$(PROTO_OUT) --mypy_out=$(PROTO_OUT) $(PROTO_SRC)

proto-check: ## Fail if the checked-in protobuf code differs from what the schema generates
	@tmp=$$(mktemp -d) && \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m grpc_tools.protoc -Itests/vectors --python_out=$$tmp --mypy_out=$$tmp $(PROTO_SRC) >/dev/null 2>&1 && \
	diff -q $$tmp/export_pb2.py $(PROTO_OUT)/export_pb2.py >/dev/null && \
	diff -q $$tmp/export_pb2.pyi $(PROTO_OUT)/export_pb2.pyi >/dev/null || \
	{ echo "protobuf code is stale: run 'make proto'"; rm -rf $$tmp; exit 1; }; rm -rf $$tmp

clean: ## Remove the virtual environment and build artefacts
	rm -rf $(VENV) build src/*.egg-info src/civitrace/en/_native*.so .pytest_cache .mypy_cache .ruff_cache

# o2c — two commands from a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
JARS := .local/kafka-libs/.complete

.PHONY: run test install jars kustomize browser lint typecheck pytest schemas bench clean down

run: install jars
	O2C_LOG_FORMAT=$${O2C_LOG_FORMAT:-console} $(BIN)/o2c run --demo

test: install jars kustomize browser lint typecheck pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "o2c needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Kafka jars from Maven Central into .local/kafka-libs (~/.m2 caches the downloads).
jars: $(JARS)

$(JARS): deploy/local/kafka/pom.xml | install
	$(BIN)/python -c 'from pathlib import Path; from deploy.local.kafka import KafkaJars; \
	  import shutil; shutil.rmtree(".local/kafka-libs", ignore_errors=True); \
	  print("kafka jars:", KafkaJars(Path(".local/kafka-libs").resolve()).ensure())'

# kustomize for the manifest tests (tests/unit/deploy), built once from source with the machine's Go into .local/bin
# (the Go module proxy serves it; no prebuilt download). v5.8.1 builds with Go 1.26.
KUSTOMIZE_VERSION := v5.8.1
KUSTOMIZE := .local/bin/kustomize
kustomize: $(KUSTOMIZE).$(KUSTOMIZE_VERSION)

$(KUSTOMIZE).$(KUSTOMIZE_VERSION):
	@command -v go >/dev/null || { echo "kustomize: Go is needed to build it (apt-get install golang-go)"; exit 1; }
	mkdir -p .local/bin
	GOBIN=$(CURDIR)/.local/bin GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
	  go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	rm -f $(KUSTOMIZE).v* && touch $@

# The browser tests (tests/browser) drive Debian's chromium with Playwright (its own browser download needs the
# internet); installed here when missing and we are root, otherwise we say what to do.
CHROMIUM ?= $(or $(O2C_CHROMIUM),/usr/bin/chromium)
browser:
	@if [ -x $(CHROMIUM) ]; then echo "browser: $(CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && apt-get install -y --no-install-recommends chromium; \
	else echo "browser: $(CHROMIUM) is missing; install Debian's chromium (sudo apt-get install chromium)" \
	  "or set O2C_CHROMIUM=/path/to/chromium; the browser tests fail without it" \
	  "(O2C_SKIP_BROWSER_TESTS=1 skips them knowingly)"; fi

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

# pytest exits 5 when it collects no tests; make treats any non-zero exit as failure.
# Two xdist workers, each with its own Kafka broker and PostgreSQL (session fixtures), a test file each at a
# time: the end-to-end tests mostly wait on polls and timers, so two at once halve the wall time on 2 cores.
PYTEST_WORKERS ?= 2
pytest: install jars kustomize
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

schemas: install
	$(BIN)/o2c schemas

down: install
	$(BIN)/o2c down

clean: down
	rm -rf .local $(VENV)

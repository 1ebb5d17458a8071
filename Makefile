# Tocsin's everyday commands. `make run` and `make test` are all a newcomer needs.

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
PY     := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-unit test-integration bench profile chaos fuzz soak sync lint fmt \
	typecheck proto proto-check events-doc events-check clean

run: sync  ## Start the whole system: embedded NATS and PostgreSQL unless configured, every service
	$(PY) -m tocsin.local $(ARGS)

# Three workers, each with its own NATS and PostgreSQL; a test file stays on one worker,
# so its module fixtures start once, and files go out in the order tests/conftest.py
# gives them (the longest first). TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= 3

test: sync  ## The whole suite against real NATS JetStream and PostgreSQL
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-unit: sync
	$(VENV)/bin/pytest tests/unit

test-integration: sync
	$(VENV)/bin/pytest tests/integration tests/e2e

bench: sync  ## Bounded benchmarks; prints `name: value unit` lines and writes bench/results/
	$(PY) -m bench

FUZZ_TESTS := tests/e2e/test_model_fuzz.py tests/e2e/test_ingress_fuzz.py

fuzz: sync  ## Model-driven fuzzing: 200 seeded examples per operation and endpoint (TOCSIN_FUZZ_EXAMPLES)
	TOCSIN_FUZZ_EXAMPLES=$${TOCSIN_FUZZ_EXAMPLES:-200} $(VENV)/bin/pytest -p no:cacheprovider $(FUZZ_TESTS)

soak: sync  ## A steady mixed load for TOCSIN_SOAK_SECONDS (default 1200); fails on growth that does not level off
	$(PY) -m bench.soak

chaos: sync  ## The whole system under load and faults (about 10 min); prints its figures
	$(PY) -m chaos

sync: $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet

# uv itself lives in a small venv of its own, so `uv sync` never touches it.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

lint: sync
	$(VENV)/bin/ruff check .
	@test -z "$$(find shared proto services deploy -path '*/src/tocsin/__init__.py')" \
		|| (echo "a src/tocsin/__init__.py hides the other tocsin.* packages" && exit 1)

fmt: sync
	$(VENV)/bin/ruff check --fix .

typecheck: sync
	MYPYPATH=$$(ls -d shared/src services/*/src deploy/*/src | paste -sd:) \
		$(VENV)/bin/mypy shared/src services/*/src deploy/*/src bench chaos

proto: sync  ## Regenerate proto/ from botocore's models and the Python code from proto/
	$(PY) tools/genproto.py

proto-check: proto  ## Fails when the committed generated code is stale
	git diff --exit-code -- proto
	@test -z "$$(git status --porcelain -- proto)" || (git status --porcelain -- proto && exit 1)

events-doc: sync  ## Regenerate docs/events.md and docs/events/*.json from the event contracts
	$(PY) tools/geneventsdoc.py

events-check: events-doc  ## Fails when the committed event documentation is stale
	git diff --exit-code -- docs/events.md docs/events
	@test -z "$$(git status --porcelain -- docs/events.md docs/events)" \
		|| (git status --porcelain -- docs/events.md docs/events && exit 1)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache

profile: sync  ## py-spy flame graphs of the hot paths under load, in bench/results/profiles/
	$(PY) -m bench.profile $(ARGS)

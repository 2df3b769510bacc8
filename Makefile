# The README's commands. `make run` is the main job; `make test` passes the tests.
# Both install what is missing first (scripts/setup).
.PHONY: setup run test test-unit lint bench compose-setup clean

VENV := .venv/bin

setup:
	@scripts/setup

# The main job: bring the stack up, run the smoke suite, write the reports (reports/<run>/),
# take the stack down. Exit code: 0 every promise held, 1 one broke, 3 aborted, 4 harness error.
run: setup
	$(VENV)/shopchaos run --suite smoke --down

# Every test: unit, integration on the local platform, e2e on Docker Compose (compose-setup
# installs and starts the engine and builds the images first; a few minutes the first time).
test: setup compose-setup
	$(VENV)/pytest

test-unit: setup
	$(VENV)/pytest tests/unit

# The Docker engine (started if none answers), the Compose v2 plugin and our images, with no
# registry needed (docs/ci.md, compose/README.md). Idempotent: skips what is there.
compose-setup: setup
	@scripts/compose-setup

lint: setup
	$(VENV)/ruff check harness sample_shop tests bench examples
	$(VENV)/ruff format --check harness sample_shop tests bench examples docs
	$(VENV)/mypy

# Benchmarks of the harness itself (about 12 minutes); writes bench/results/ and the table in
# docs/performance.md.
bench: setup
	$(VENV)/python -m bench

clean:
	-$(VENV)/shopchaos down
	rm -rf .shopchaos reports/*/

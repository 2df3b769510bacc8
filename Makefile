# The README's commands. `make run` is the main job; `make test` passes the tests.
# Both install what is missing first (scripts/setup).
.PHONY: setup run test test-unit lint bench compose-setup clean

VENV := .venv/bin

setup:
	@scripts/setup

run: setup
	$(VENV)/shopchaos demo

test: setup
	$(VENV)/pytest

test-unit: setup
	$(VENV)/pytest tests/unit

# Docker images and the Compose v2 plugin, with no registry needed (docs/ci.md, compose/README.md).
compose-setup: setup
	@scripts/compose-setup

lint: setup
	$(VENV)/ruff check harness sample_shop tests bench
	$(VENV)/ruff format --check harness sample_shop tests bench
	$(VENV)/mypy

clean:
	-$(VENV)/shopchaos down
	rm -rf .shopchaos reports/*/

"""Shared test helpers. Integration fixtures live in tests/integration/conftest.py."""

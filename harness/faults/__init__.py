"""Faults, one module per family, registered by name (registry.py); docs/faults.md."""

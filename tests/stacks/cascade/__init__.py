"""The cascade ground-truth stack (tests/stacks/README.md)."""

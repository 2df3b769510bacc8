"""The overlap ground-truth stack (tests/stacks/README.md)."""

"""The flapping ground-truth stack (tests/stacks/README.md)."""

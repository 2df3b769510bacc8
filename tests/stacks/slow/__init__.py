"""The slow ground-truth stack (tests/stacks/README.md)."""

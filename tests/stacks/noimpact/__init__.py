"""The noimpact ground-truth stack (tests/stacks/README.md)."""

"""The retry ground-truth stack (tests/stacks/README.md)."""

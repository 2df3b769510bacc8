"""The evidence ground-truth stack (tests/stacks/README.md)."""

"""Measurement: the timeline's types and pure functions over it (docs/metrics.md)."""

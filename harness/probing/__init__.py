"""Probes a scenario defines (`probes:`): http, journey and python, each run on an interval in
the phases it names, every sample on the trial's clock (docs/extending.md)."""

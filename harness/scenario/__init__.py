"""Scenario files: schema, loader with located errors, and the runner."""

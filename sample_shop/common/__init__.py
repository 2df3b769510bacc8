"""Pieces the three services share: settings from the environment, JSON logs, request ids."""

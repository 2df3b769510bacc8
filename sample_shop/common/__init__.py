"""Pieces the three services share: settings from the environment, JSON logs, request ids,
and the providers' SQLite ledger."""

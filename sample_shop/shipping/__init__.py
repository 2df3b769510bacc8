"""The shipping provider: quotes and labels (idempotent by key)."""

"""The payment provider: authorize, capture, refund, with idempotency keys and a ledger."""

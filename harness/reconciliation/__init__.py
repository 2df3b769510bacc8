"""Read the sources of truth of a stack (orders, charges, stock) for reconciliation."""

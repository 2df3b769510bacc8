"""HTTP requests a scenario writes itself (probes, journeys, http faults): the request model,
the network rule (the stack's own addresses only) and sending one with a deadline."""

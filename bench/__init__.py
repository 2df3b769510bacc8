"""Benchmarks of the harness itself: accuracy against ground truth, overhead, the load ceiling,
failover profiles, the fault proxy, and time to green. `make bench` (docs/performance.md)."""

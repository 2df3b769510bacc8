"""The stacks' scenario files are run by tests/integration/test_ground_truth.py against their own
stack, never collected by the pytest plugin (which would run them against the default stack)."""

collect_ignore_glob = ["*/scenarios/*.yaml", "*/scenarios/*.yml"]

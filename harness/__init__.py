"""shopchaos: chaos and failover test harness for e-commerce stacks."""

__version__ = "0.1.0"

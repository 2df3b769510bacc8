"""The load balancer: HAProxy configuration (profiles) and its runtime API."""

"""Load: Locust runs in its own process (design.md); the harness reads its request stream.

Only _locust_process.py (and the user-class modules it loads) import Locust.
"""

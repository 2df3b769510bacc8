"""Ground-truth stacks: small foreign services whose misbehaviour is known by construction.

tests/stacks/README.md describes each stack, its truth and how it logs it.
"""

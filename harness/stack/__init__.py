"""The stack as data: what services a stack has and how to start them."""

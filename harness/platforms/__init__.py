"""Where the stack runs: the Platform protocol and its local and Compose implementations."""

"""The run record (one JSON document per run) and how it is stored."""

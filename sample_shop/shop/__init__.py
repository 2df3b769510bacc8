"""The shop service: catalog, cart, checkout (FastAPI, run by uvicorn with --factory)."""

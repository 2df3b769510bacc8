"""The sample shop: shop, payment provider and shipping provider (FastAPI + uvicorn)."""

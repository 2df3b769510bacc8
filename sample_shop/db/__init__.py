"""The shop's database: schema, engine (SQLite or PostgreSQL), `python -m sample_shop.db init`."""

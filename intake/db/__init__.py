"""The product's database through SQLAlchemy: SQLite by default, PostgreSQL by URL."""

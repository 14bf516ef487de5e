"""PostgreSQL state: the pool, the migration runner and one module per store."""
